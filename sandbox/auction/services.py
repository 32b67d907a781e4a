"""The auction site's services: members and their login, listing a lot, proxy bidding with
anti-sniping, buy-it-now, closing on the world clock, and shipping and receipt after the payment.

Proxy bidding (eBay style): a bidder gives the most they will pay (hidden); the site bids for them.
The leader is the bidder with the highest maximum (a tie goes to the earlier bid); the current price
is the second-highest maximum plus one increment, capped at the leader's maximum (with one bidder:
the start price). When the leader's maximum reaches the reserve, the price rises to at least the
reserve. A new bid must be at least the minimum next bid (the start price before any bid, else the
current price plus the increment). A bid in the last 5 world minutes moves the end to now + 5 minutes.

Buy-it-now (一口价): allowed while the lot is open and no bid has reached the reserve (without a
reserve: until the first bid); it ends the auction at once at the buy-it-now price.

Closing: at `ends_at` the leader wins at the current price if it reaches the reserve, otherwise the
lot is unsold (流拍). The site schedules the closing when a lot is listed (and the NPC action
`auction.close_due` closes every lot past its end). The winner then owes the price and the shipping
fee (待付款) and pays through the payment platform (auction/payments.py); the seller ships, the buyer
confirms receipt. The ratings after a deal are in auction/ratings.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from sandbox.auction import payments
from sandbox.auction.models import (
    CATEGORIES,
    CONDITIONS,
    SHIPPING,
    UNPAID,
    AuctionMember,
    Bid,
    Lot,
    LotImage,
    LotStatus,
)
from sandbox.errors import N_, Conflict, DomainError, Forbidden, NotFound
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.storefront import uploads
from sandbox.worlds.base import Event
from sandbox.worlds.npc import npc_action, schedule
from sandbox.worlds.world import World

SNIPING_WINDOW = timedelta(minutes=5)
MIN_DAYS, MAX_DAYS = 1, 7
MAX_PRICE = 10_000_000 * 100  # fen
MAX_IMAGES = 3
CLOSE_STEP = "auction.close_lot"
PAY_WITHIN = timedelta(days=3)  # 拍下后 72 小时内付款
LAPSE_STEP = "auction.payment_due"
TRADE_TIMEOUT = timedelta(minutes=31)  # a trade at the cashier closes unpaid after 30 minutes


class LotInvalid(DomainError):
    """A field of the listing form is missing or wrong: `errors` maps field -> message key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("拍品信息填写有误，请检查标红的项目"))
        self.errors = errors


# --- members -----------------------------------------------------------------------------------


def open_member(
    w: World, *, login: str, nickname: str, password: str | None, role: str = "npc", salt: str | None = None
) -> AuctionMember:
    """An auction member (password None: an NPC who never signs in)."""
    member = AuctionMember(
        login=login.strip().lower(),
        nickname=nickname,
        password_hash=hash_world_secret(password, salt) if password else None,
        role=role,
        created_at=w.now(),
    )
    w.db.add(member)
    w.db.flush()
    return member


def member_by_login(w: World, login: str) -> AuctionMember | None:
    """The member with this login (an e-mail address), if any."""
    q = select(AuctionMember).where(AuctionMember.login == (login or "").strip().lower())
    return w.db.scalars(q).first()


def get_member(w: World, pk: object) -> AuctionMember | None:
    """The member remembered in the session, if any."""
    return w.db.get(AuctionMember, pk) if isinstance(pk, int) else None


def member_or_404(w: World, pk: int) -> AuctionMember:
    """The member with this id, or NotFound."""
    member = get_member(w, pk)
    if member is None:
        raise NotFound(N_("会员不存在"))
    return member


def sign_in(w: World, login: str, password: str) -> AuctionMember:
    """Check the identity's e-mail and its 云鹊通行证 password; one message for either wrong."""
    member = member_by_login(w, login)
    if member is None or not check_secret(member.password_hash, password or ""):
        raise DomainError(N_("账号或密码错误"), status=401)
    w.emit("auction.signed_in", user=member.login)
    return member


def mask(nickname: str) -> str:
    """A bidder's name in public: first character + ** + last character (张**3)."""
    name = (nickname or "").strip()
    if len(name) <= 1:
        return f"{name}**"
    return f"{name[0]}**{name[-1]}"


# --- listing -----------------------------------------------------------------------------------


@dataclass
class LotForm:
    """What the seller typed (money already in fen, None when blank)."""

    title: str = ""
    category: str = ""
    condition: str = ""
    description: str = ""
    start_price: int | None = None
    increment: int | None = None
    reserve_price: int | None = None
    buy_now_price: int | None = None
    days: int | None = None
    shipping: str = "free"
    shipping_fee: int | None = None


def _validate(form: LotForm) -> dict[str, str]:
    errors = {}
    if not (2 <= len(form.title) <= 60):
        errors["title"] = N_("标题需2–60个字")
    if form.category not in CATEGORIES:
        errors["category"] = N_("请选择类目")
    if form.condition not in CONDITIONS:
        errors["condition"] = N_("请选择成色")
    if len(form.description) > 2000:
        errors["description"] = N_("描述最多2000字")
    if form.start_price is None or not (1 <= form.start_price <= MAX_PRICE):
        errors["start_price"] = N_("起拍价须大于0")
    if form.increment is None or form.increment <= 0:
        errors["increment"] = N_("加价幅度须大于0")
    start = form.start_price or 0
    if form.reserve_price is not None and form.reserve_price < start:
        errors["reserve_price"] = N_("保留价不能低于起拍价")
    if form.buy_now_price is not None and form.buy_now_price <= start:
        errors["buy_now_price"] = N_("一口价须高于起拍价")
    if (
        form.buy_now_price is not None
        and form.reserve_price is not None
        and form.buy_now_price < form.reserve_price
    ):
        errors["buy_now_price"] = N_("一口价不能低于保留价")
    if form.days is None or not (MIN_DAYS <= form.days <= MAX_DAYS):
        errors["days"] = N_("拍卖时长须为1–7天")
    if form.shipping not in SHIPPING:
        errors["shipping"] = N_("请选择运费方式")
    elif form.shipping == "buyer" and (form.shipping_fee is None or form.shipping_fee <= 0):
        errors["shipping_fee"] = N_("买家付邮须填写运费")
    return errors


def _check_images(files: list[tuple[str, bytes]] | None) -> list[uploads.CheckedImage]:
    chosen = [(name, data) for name, data in files or [] if name or data]
    if len(chosen) > MAX_IMAGES:
        raise DomainError(N_("每件拍品最多%(n)s张图片"), n=MAX_IMAGES)
    return [uploads.check_image(name, data) for name, data in chosen]


def list_lot(
    w: World, seller: AuctionMember, form: LotForm, files: list[tuple[str, bytes]] | None = None
) -> Lot:
    """Put a lot up for auction, with up to 3 pictures (refused with the wrong fields, nothing stored)."""
    form.title = " ".join((form.title or "").split())
    form.description = (form.description or "").replace("\r\n", "\n").strip()
    errors = _validate(form)
    if errors:
        raise LotInvalid(errors)
    checked = _check_images(files)
    now = w.now()
    lot = Lot(
        seller_id=seller.id,
        title=form.title,
        category=form.category,
        condition=form.condition,
        description=form.description,
        start_price=form.start_price,
        increment=form.increment,
        reserve_price=form.reserve_price,
        buy_now_price=form.buy_now_price,
        shipping=form.shipping,
        shipping_fee=(form.shipping_fee or 0) if form.shipping == "buyer" else 0,
        status=LotStatus.OPEN,
        current_price=form.start_price,
        created_at=now,
        ends_at=now + timedelta(days=form.days),
    )
    w.db.add(lot)
    w.db.flush()
    for image in checked:
        w.db.add(LotImage(lot_id=lot.id, **image.columns(now)))
    schedule(w, lot.ends_at, CLOSE_STEP, lot=lot.id)
    w.emit(
        "auction.lot_listed",
        lot_id=lot.id,
        seller=seller.login,
        title=lot.title,
        start_price=lot.start_price,
        increment=lot.increment,
        reserve_price=lot.reserve_price,
        buy_now_price=lot.buy_now_price,
        ends_at=lot.ends_at.isoformat(),
        shipping=lot.shipping,
        shipping_fee=lot.shipping_fee,
        images=len(checked),
    )
    w.db.flush()
    return lot


def edit_description(w: World, member: AuctionMember, lot: Lot, description: str) -> None:
    """The seller changes the description of an open lot nobody has bid on yet."""
    if lot.seller_id != member.id:
        raise Forbidden(N_("只能修改自己的拍品"))
    if lot.status != LotStatus.OPEN or lot.bids:
        raise Conflict(N_("已有人出价或拍卖已结束，不能修改"))
    text = (description or "").replace("\r\n", "\n").strip()
    if len(text) > 2000:
        raise DomainError(N_("描述最多2000字"))
    lot.description = text
    w.emit("auction.lot_edited", lot_id=lot.id, seller=member.login)


def get_lot(w: World, lot_id: int) -> Lot:
    """The lot with this id, or NotFound."""
    lot = w.db.get(Lot, lot_id) if isinstance(lot_id, int) else None
    if lot is None:
        raise NotFound(N_("拍品不存在"))
    return lot


def get_image(w: World, image_id: int) -> LotImage:
    """A lot's picture (every lot is public), or NotFound."""
    image = w.db.get(LotImage, image_id) if isinstance(image_id, int) else None
    if image is None:
        raise NotFound(N_("图片不存在"))
    return image


def open_lots(w: World) -> list[Lot]:
    """Lots still being auctioned, ending soonest first."""
    q = select(Lot).where(Lot.status == LotStatus.OPEN).order_by(Lot.ends_at, Lot.id)
    return list(w.db.scalars(q))


def ended_lots(w: World, limit: int = 20) -> list[Lot]:
    """The latest closed lots."""
    q = select(Lot).where(Lot.status != LotStatus.OPEN).order_by(Lot.closed_at.desc(), Lot.id.desc())
    return list(w.db.scalars(q.limit(limit)))


def bid_counts(w: World, lot_ids: list[int]) -> dict[int, int]:
    """How many bids each of these lots has."""
    if not lot_ids:
        return {}
    q = select(Bid.lot_id, func.count(Bid.id)).where(Bid.lot_id.in_(lot_ids)).group_by(Bid.lot_id)
    return dict(w.db.execute(q).all())


# --- bidding -----------------------------------------------------------------------------------


def min_next_bid(lot: Lot) -> int:
    """The smallest bid accepted now: the start price before any bid, else price + increment."""
    return lot.current_price + lot.increment if lot.leader_id is not None else lot.start_price


def is_open(w: World, lot: Lot) -> bool:
    """Whether the lot still takes bids (open and before its end on the world clock)."""
    return lot.status == LotStatus.OPEN and w.now() < lot.ends_at


def _standings(lot: Lot) -> list[tuple[int, int, Bid]]:
    """(max, first bid id reaching it, that bid) of every bidder, best first (ties: the earlier bid)."""
    best: dict[int, Bid] = {}
    for bid in sorted(lot.bids, key=lambda b: b.id):
        held = best.get(bid.bidder_id)
        if held is None or bid.max_amount > held.max_amount:
            best[bid.bidder_id] = bid
    return sorted(((b.max_amount, b.id, b) for b in best.values()), key=lambda s: (-s[0], s[1]))


def _reprice(lot: Lot) -> None:
    """Leader and current price from every bidder's maximum."""
    standings = _standings(lot)
    if not standings:
        lot.leader, lot.current_price = None, lot.start_price
        return
    top = standings[0][0]
    price = lot.start_price if len(standings) == 1 else min(top, standings[1][0] + lot.increment)
    if lot.reserve_price is not None and top >= lot.reserve_price:
        price = max(price, lot.reserve_price)
    lot.leader, lot.current_price = standings[0][2].bidder, max(lot.start_price, min(price, top))


def place_bid(w: World, bidder: AuctionMember | None, lot: Lot, max_amount: int | None) -> Bid:
    """Bid up to `max_amount` (fen, hidden); the site raises the price only as far as needed."""
    if bidder is None:
        raise Forbidden(N_("请先登录拍卖会员"))
    if not is_open(w, lot):
        raise Conflict(N_("拍卖已结束，不能出价"))
    if lot.seller_id == bidder.id:
        raise Forbidden(N_("不能对自己的拍品出价"))
    if max_amount is None:
        raise DomainError(N_("请填写出价金额"))
    if max_amount > MAX_PRICE:
        raise DomainError(N_("金额超出范围"))
    floor = min_next_bid(lot)
    if max_amount < floor:
        raise DomainError(N_("出价不能低于最低出价 %(floor)s 元"), floor=f"{floor / 100:.2f}")
    if lot.leader_id == bidder.id:
        own = max(b.max_amount for b in lot.bids if b.bidder_id == bidder.id)
        if max_amount <= own:
            raise DomainError(
                N_("您已是最高出价者，新的最高出价须高于原来的 %(own)s 元"), own=f"{own / 100:.2f}"
            )
    now = w.now()
    bid = Bid(lot_id=lot.id, bidder_id=bidder.id, max_amount=max_amount, shown_amount=0, created_at=now)
    lot.bids.append(bid)  # the cascade adds it to the session
    w.db.flush()
    _reprice(lot)
    w.db.flush()
    bid.shown_amount = lot.current_price if lot.leader_id == bidder.id else max_amount
    w.emit(
        "auction.bid_placed",
        lot_id=lot.id,
        bid_id=bid.id,
        bidder=bidder.login,
        max_amount=max_amount,
        price=lot.current_price,
        leader=lot.leader.login if lot.leader else None,
    )
    if lot.ends_at - now <= SNIPING_WINDOW:
        lot.ends_at = now + SNIPING_WINDOW
        lot.extensions += 1
        schedule(w, lot.ends_at, CLOSE_STEP, lot=lot.id)
        w.emit("auction.extended", lot_id=lot.id, ends_at=lot.ends_at.isoformat())
    w.db.flush()
    return bid


def can_buy_now(w: World, lot: Lot) -> bool:
    """Buy-it-now is offered while the lot is open and no bid reached the reserve (no reserve: no bid)."""
    if lot.buy_now_price is None or not is_open(w, lot):
        return False
    if lot.leader_id is None:
        return True
    if lot.reserve_price is None:
        return False
    return max(b.max_amount for b in lot.bids) < lot.reserve_price


def buy_now(w: World, buyer: AuctionMember | None, lot: Lot) -> None:
    """Buy the lot at its buy-it-now price: the auction ends at once."""
    if buyer is None:
        raise Forbidden(N_("请先登录拍卖会员"))
    if lot.seller_id == buyer.id:
        raise Forbidden(N_("不能购买自己的拍品"))
    if not can_buy_now(w, lot):
        raise Conflict(N_("该拍品现在不能一口价购买"))
    lot.status = LotStatus.BOUGHT
    lot.winner = buyer
    lot.final_price = lot.buy_now_price
    lot.closed_at = w.now()
    _await_payment(w, lot, lot.closed_at)
    w.emit("auction.bought_now", lot_id=lot.id, buyer=buyer.login, price=lot.buy_now_price)
    w.db.flush()


def close_lot(w: World, lot: Lot) -> bool:
    """Close an open lot whose end has passed: the leader wins if the price reaches the reserve."""
    if lot.status != LotStatus.OPEN or w.now() < lot.ends_at:
        return False
    lot.closed_at = lot.ends_at
    top = max((b.max_amount for b in lot.bids), default=None)
    if lot.leader_id is None or (lot.reserve_price is not None and (top or 0) < lot.reserve_price):
        lot.status = LotStatus.UNSOLD
        reason = "no_bids" if lot.leader_id is None else "below_reserve"
        w.emit("auction.closed", lot_id=lot.id, outcome="unsold", reason=reason)
    else:
        lot.status = LotStatus.WON
        lot.winner = lot.leader
        lot.final_price = lot.current_price
        _await_payment(w, lot, lot.closed_at)
        w.emit(
            "auction.closed",
            lot_id=lot.id,
            outcome="won",
            winner=lot.leader.login,
            price=lot.current_price,
            pay_by=lot.pay_by.isoformat(),
        )
    w.db.flush()
    return True


# --- the payment deadline and the offer to the next bidder ---------------------------------------


def _await_payment(w: World, lot: Lot, since: datetime) -> None:
    """The winner has PAY_WITHIN to pay; the site checks at the deadline (on the world clock)."""
    lot.pay_by = since + PAY_WITHIN
    w.db.flush()
    schedule(w, lot.pay_by, LAPSE_STEP, lot=lot.id)


def lapse_unpaid(w: World, lot: Lot) -> bool:
    """At the payment deadline a deal still unpaid lapses (买家未按时付款). A payment under way is
    waited for first: the site asks the platform, records a payment made, and looks again once a
    trade still open at the cashier has closed. True if the deal lapsed now."""
    if lot.status not in UNPAID or lot.pay_by is None or w.now() < lot.pay_by:
        return False
    if lot.payment_request:
        if payments.confirm_by_query(w, lot):
            return False
        if payments.trade_waiting(w, lot):
            schedule(w, w.now() + TRADE_TIMEOUT, LAPSE_STEP, lot=lot.id)
            return False
    lot.status = LotStatus.LAPSED
    w.emit(
        "auction.payment_lapsed",
        lot_id=lot.id,
        buyer=lot.winner.login if lot.winner else None,
        pay_by=lot.pay_by.isoformat(),
    )
    w.db.flush()
    return True


def next_bidder(lot: Lot) -> tuple[AuctionMember, int] | None:
    """The best bidder who has not had the lot yet, with their maximum, if it reaches the reserve."""
    left_out = {lot.winner_id, *(lot.passed_over or [])}
    for top, _first, bid in _standings(lot):
        if bid.bidder_id in left_out:
            continue
        if lot.reserve_price is not None and top < lot.reserve_price:
            return None
        return bid.bidder, top
    return None


def offer_to_next_bidder(w: World, seller: AuctionMember, lot: Lot) -> AuctionMember:
    """After a lapsed deal the seller offers the lot to the next bidder, at that bidder's own maximum
    (what they said they would pay); the new winner has PAY_WITHIN to pay."""
    if lot.seller_id != seller.id:
        raise Forbidden(N_("只有卖家可以把拍品转给次高出价者"))
    if lot.status != LotStatus.LAPSED:
        raise Conflict(N_("只有买家未按时付款的拍品才能转给次高出价者"))
    found = next_bidder(lot)
    if found is None:
        raise Conflict(N_("没有其他出价达到保留价的买家"))
    bidder, price = found
    before = lot.winner.login if lot.winner else None
    lot.passed_over = [*(lot.passed_over or []), lot.winner_id]
    lot.winner, lot.final_price, lot.status = bidder, price, LotStatus.WON
    _await_payment(w, lot, w.now())
    w.emit(
        "auction.second_chance",
        lot_id=lot.id,
        seller=seller.login,
        buyer=bidder.login,
        price=price,
        passed_over=before,
        pay_by=lot.pay_by.isoformat(),
    )
    w.db.flush()
    return bidder


def close_due(w: World) -> int:
    """Close every open lot past its end; how many were closed."""
    now = w.now()
    q = select(Lot).where(Lot.status == LotStatus.OPEN, Lot.ends_at <= now).order_by(Lot.ends_at, Lot.id)
    return sum(1 for lot in list(w.db.scalars(q)) if close_lot(w, lot))


def history(lot: Lot) -> list[tuple[Bid, str]]:
    """The bids, newest first, with the bidders' masked names (the maximum stays hidden)."""
    return [(b, mask(b.bidder.nickname)) for b in sorted(lot.bids, key=lambda b: b.id, reverse=True)]


# --- after the payment: shipping and receipt -----------------------------------------------------


def ship(w: World, member: AuctionMember, lot: Lot, carrier: str, waybill_no: str) -> None:
    """The seller ships a paid lot: the carrier and the waybill number."""
    if lot.seller_id != member.id:
        raise Forbidden(N_("只有卖家可以发货"))
    if lot.status != LotStatus.PAID:
        raise Conflict(N_("买家付款后才能发货"))
    carrier = " ".join((carrier or "").split())
    waybill_no = (waybill_no or "").strip()
    if not (2 <= len(carrier) <= 20):
        raise DomainError(N_("请填写快递公司"))
    if not (6 <= len(waybill_no) <= 40 and waybill_no.isascii() and waybill_no.isalnum()):
        raise DomainError(N_("运单号须为6–40位字母或数字"))
    lot.status, lot.carrier, lot.waybill_no, lot.shipped_at = LotStatus.SHIPPED, carrier, waybill_no, w.now()
    w.emit("auction.shipped", lot_id=lot.id, seller=member.login, carrier=carrier, waybill_no=waybill_no)
    w.db.flush()


def confirm_receipt(w: World, member: AuctionMember, lot: Lot) -> None:
    """The buyer confirms receipt of a shipped lot: the deal is complete."""
    if lot.winner_id != member.id:
        raise Forbidden(N_("只有买家可以确认收货"))
    if lot.status != LotStatus.SHIPPED:
        raise Conflict(N_("卖家发货后才能确认收货"))
    lot.status, lot.completed_at = LotStatus.COMPLETED, w.now()
    w.emit("auction.completed", lot_id=lot.id, buyer=member.login)
    w.db.flush()


# --- the member's own lots and bids -----------------------------------------------------------


def lots_of(w: World, member: AuctionMember) -> list[Lot]:
    """The lots the member listed, newest first."""
    return list(w.db.scalars(select(Lot).where(Lot.seller_id == member.id).order_by(Lot.id.desc())))


def bid_lots_of(w: World, member: AuctionMember) -> list[Lot]:
    """Lots the member bid on, newest first."""
    ids = select(Bid.lot_id).where(Bid.bidder_id == member.id)
    return list(w.db.scalars(select(Lot).where(Lot.id.in_(ids)).order_by(Lot.id.desc())))


def won_lots(w: World, member: AuctionMember) -> list[Lot]:
    """The lots the member won or bought, newest first."""
    return list(w.db.scalars(select(Lot).where(Lot.winner_id == member.id).order_by(Lot.id.desc())))


@npc_action(LAPSE_STEP, for_rules=False)
def _lapse_step(w: World, args: dict, trigger: Event | None) -> None:
    """The payment deadline of one lot (nothing if it was paid, or the deadline moved)."""
    lot = w.db.get(Lot, args.get("lot")) if isinstance(args.get("lot"), int) else None
    if lot is not None:
        lapse_unpaid(w, lot)


@npc_action(CLOSE_STEP, for_rules=False)
def _close_step(w: World, args: dict, trigger: Event | None) -> None:
    """The closing the site scheduled for one lot (nothing if it was extended or already closed)."""
    lot = w.db.get(Lot, args.get("lot")) if isinstance(args.get("lot"), int) else None
    if lot is not None:
        close_lot(w, lot)
