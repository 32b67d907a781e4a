"""Pages of the auction domain (`/auction/…`): the lots, a lot with its bid form and masked history,
listing a lot, the member's own lots, bids, won lots and ratings, and a member's credit profile.

Members sign in with the identity's e-mail and its 云鹊通行证 password (like the forum)."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.auction import payments, ratings, services
from sandbox.auction.models import (
    CATEGORIES,
    CONDITIONS,
    SCORES,
    SHIPPING,
    STATUS_LABELS,
    AuctionMember,
    LotStatus,
)
from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.parsing import parse_yuan
from sandbox.storefront import uploads

bp = Blueprint("auction", __name__, url_prefix="/auction")
SESSION_KEY = "auction_member"


def signed_in() -> AuctionMember | None:
    """The member signed in to this world's auction site (None when no world is bound)."""
    if "world" not in g:
        return None
    return services.get_member(current_world(), session_world().get(SESSION_KEY))


def member_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the login first, then back; sets `g.member`."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        member = signed_in()
        if member is None:
            done(gettext("请先登录拍卖会员"), "warning")
            return redirect(url_for("auction.login", next=request.full_path))
        g.member = member
        return view(*args, **kwargs)

    return wrapper


@bp.context_processor
def _auction() -> dict:
    return {
        "auction_member": signed_in(),
        "status_labels": STATUS_LABELS,
        "conditions": CONDITIONS,
        "categories": CATEGORIES,
        "shipping_labels": SHIPPING,
        "score_labels": SCORES,
        "mask": services.mask,
    }


@bp.get("/")
def home() -> str:
    """The lots being auctioned (current price, bids, time left) and the latest closed ones."""
    w = current_world()
    lots = services.open_lots(w)
    ended = services.ended_lots(w)
    counts = services.bid_counts(w, [lot.id for lot in lots + ended])
    return render_template("auction/home.html", lots=lots, ended=ended, counts=counts, now=w.now())


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with the identity's e-mail and its 云鹊通行证 password."""
    target = request.values.get("next", "")
    if request.method != "POST":
        return render_template("auction/login.html", next=target)
    login_name = request.form.get("login", "")
    try:
        member = services.sign_in(current_world(), login_name, request.form.get("password", ""))
    except DomainError as exc:
        page = render_template("auction/login.html", error=refused(exc), login=login_name[:120], next=target)
        return page, exc.status
    set_session_world(**{SESSION_KEY: member.id})
    done(gettext("登录成功"))
    if target.startswith("/auction/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("auction.home"))


@bp.post("/logout")
def logout():
    """Leave the auction site."""
    set_session_world(**{SESSION_KEY: None})
    return redirect(url_for("auction.home"))


def _lot_page(lot_id: int, status: int = 200, **extra: object):  # noqa: ANN202
    w = current_world()
    lot = services.get_lot(w, lot_id)
    member = signed_in()
    page = render_template(
        "auction/lot.html",
        lot=lot,
        now=w.now(),
        is_open=services.is_open(w, lot),
        min_next=services.min_next_bid(lot),
        can_buy_now=services.can_buy_now(w, lot),
        history=services.history(lot),
        can_rate=member is not None and ratings.can_rate(w, lot, member),
        ratings=ratings.ratings_on(w, lot),
        seller_rep=ratings.reputation(w, lot.seller),
        amount_due=payments.amount_due(lot),
        next_bidder=services.next_bidder(lot) if lot.status == LotStatus.LAPSED else None,
        **extra,
    )
    return page, status


@bp.get("/lot/<int:lot_id>")
def lot(lot_id: int):
    """A lot: its terms, the bid form with the minimum next bid, buy-it-now, the masked history."""
    return _lot_page(lot_id)


@bp.post("/lot/<int:lot_id>/bid")
@member_required
def bid(lot_id: int):
    """Bid up to a maximum (the site bids for the member only as far as needed)."""
    w = current_world()
    found = services.get_lot(w, lot_id)
    raw = request.form.get("max_amount", "")
    try:
        services.place_bid(w, g.member, found, parse_yuan(raw))
    except DomainError as exc:
        return _lot_page(lot_id, exc.status, error=refused(exc), typed=raw[:20])
    if found.leader_id == g.member.id:
        done(gettext("出价成功，您是当前最高出价者"))
    else:
        done(gettext("出价已提交，但已被其他买家的代理出价超过"), "warning")
    return redirect(url_for("auction.lot", lot_id=lot_id))


@bp.post("/lot/<int:lot_id>/buy")
@member_required
def buy(lot_id: int):
    """Buy the lot at its buy-it-now price (ends the auction)."""
    w = current_world()
    found = services.get_lot(w, lot_id)
    try:
        services.buy_now(w, g.member, found)
    except DomainError as exc:
        return _lot_page(lot_id, exc.status, error=refused(exc))
    done(gettext("一口价购买成功，拍品已归您，待付款"))
    return redirect(url_for("auction.lot", lot_id=lot_id))


@bp.post("/lot/<int:lot_id>/pay")
@member_required
def pay(lot_id: int):
    """The winner pays: the site signs a page.pay request and the browser carries it to 云鹊支付."""
    w = current_world()
    found = services.get_lot(w, lot_id)
    try:
        params = payments.payment_request(w, g.member, found)
    except DomainError as exc:
        return _lot_page(lot_id, exc.status, error=refused(exc))
    done(gettext("正在前往支付平台…"), "info")
    return render_template("auction/to_platform.html", params=params, gateway_url=payments.GATEWAY_URL)


@bp.post("/lot/<int:lot_id>/offer-next")
@member_required
def offer_next(lot_id: int):
    """After a lapsed deal, the seller offers the lot to the next bidder at that bidder's maximum."""
    w = current_world()
    found = services.get_lot(w, lot_id)
    try:
        buyer = services.offer_to_next_bidder(w, g.member, found)
    except DomainError as exc:
        return _lot_page(lot_id, exc.status, error=refused(exc))
    done(gettext("已转给次高出价者 %(name)s，等待其付款", name=services.mask(buyer.nickname)))
    return redirect(url_for("auction.lot", lot_id=lot_id))


@bp.post("/lot/<int:lot_id>/ship")
@member_required
def ship(lot_id: int):
    """The seller ships a paid lot (carrier and waybill number)."""
    w = current_world()
    found = services.get_lot(w, lot_id)
    try:
        services.ship(w, g.member, found, request.form.get("carrier", ""), request.form.get("waybill_no", ""))
    except DomainError as exc:
        return _lot_page(lot_id, exc.status, error=refused(exc))
    done(gettext("已发货"))
    return redirect(url_for("auction.lot", lot_id=lot_id))


@bp.post("/lot/<int:lot_id>/receive")
@member_required
def receive(lot_id: int):
    """The buyer confirms receipt."""
    w = current_world()
    found = services.get_lot(w, lot_id)
    try:
        services.confirm_receipt(w, g.member, found)
    except DomainError as exc:
        return _lot_page(lot_id, exc.status, error=refused(exc))
    done(gettext("已确认收货，交易完成"))
    return redirect(url_for("auction.lot", lot_id=lot_id))


@bp.get("/pay/return")
def pay_return():
    """Back from the cashier: the site asks the platform (a signed query) whether the lot is paid."""
    w = current_world()
    found = payments.lot_for_return(w, request.args.get("out_trade_no", ""))
    if payments.confirm_by_query(w, found):
        done(gettext("付款成功，等待卖家发货"))
    else:
        done(gettext("尚未确认付款，如已付款请稍后刷新"), "warning")
    return redirect(url_for("auction.lot", lot_id=found.id))


@bp.route("/lot/<int:lot_id>/edit", methods=["GET", "POST"])
@member_required
def edit(lot_id: int):
    """The seller edits the description of an open lot without bids."""
    w = current_world()
    found = services.get_lot(w, lot_id)
    if found.seller_id != g.member.id:
        return render_template("error.html", message=gettext("只能修改自己的拍品")), 403
    if request.method != "POST":
        return render_template("auction/edit.html", lot=found, description=found.description)
    text = request.form.get("description", "")
    try:
        services.edit_description(w, g.member, found, text)
    except DomainError as exc:
        page = render_template("auction/edit.html", lot=found, description=text, error=refused(exc))
        return page, exc.status
    done(gettext("描述已修改"))
    return redirect(url_for("auction.lot", lot_id=lot_id))


def _money(raw: str, errors: dict[str, str], name: str) -> int | None:
    try:
        return parse_yuan(raw)
    except DomainError as exc:
        errors[name] = exc.key
        return None


@bp.route("/sell", methods=["GET", "POST"])
@member_required
def sell():
    """List a new lot."""
    if request.method != "POST":
        return render_template("auction/sell.html", form={"days": "3", "shipping": "free"}, errors={})
    fields = (
        "title",
        "category",
        "condition",
        "description",
        "start_price",
        "increment",
        "reserve_price",
        "buy_now_price",
        "days",
        "shipping",
        "shipping_fee",
    )
    form = {k: request.form.get(k, "")[:2100] for k in fields}
    errors: dict[str, str] = {}
    money = {k: _money(form[k], errors, k) for k in fields[4:8] + ("shipping_fee",)}
    days = int(form["days"]) if form["days"].strip().isdigit() and len(form["days"]) < 3 else None
    lot_form = services.LotForm(
        title=form["title"],
        category=form["category"],
        condition=form["condition"],
        description=form["description"],
        days=days,
        shipping=form["shipping"],
        **money,
    )
    files = [(f.filename or "", f.read()) for f in request.files.getlist("images")]
    try:
        if errors:
            raise services.LotInvalid(errors)
        found = services.list_lot(current_world(), g.member, lot_form, files)
    except DomainError as exc:
        merged = {**getattr(exc, "errors", {}), **errors}
        page = render_template("auction/sell.html", form=form, errors=merged, error=refused(exc))
        return page, exc.status
    done(gettext("拍品已上架"))
    return redirect(url_for("auction.lot", lot_id=found.id))


@bp.get("/image/<int:image_id>")
def image(image_id: int):
    """A lot's picture, served so that no browser runs or reinterprets it."""
    return uploads.image_response(services.get_image(current_world(), image_id))


@bp.get("/my")
@member_required
def my() -> str:
    """The member's lots, bids, won lots, ratings to give and ratings received."""
    w = current_world()
    return render_template(
        "auction/my.html",
        selling=services.lots_of(w, g.member),
        bidding=services.bid_lots_of(w, g.member),
        won=services.won_lots(w, g.member),
        to_rate=ratings.to_rate(w, g.member),
        received=ratings.ratings_of(w, g.member),
        rep=ratings.reputation(w, g.member),
        now=w.now(),
    )


@bp.post("/lot/<int:lot_id>/rate")
@member_required
def rate(lot_id: int):
    """Rate the other side of a deal (once)."""
    w = current_world()
    found = services.get_lot(w, lot_id)
    raw = request.form.get("score", "")
    score = int(raw) if raw in ("1", "0", "-1") else None
    try:
        ratings.rate(w, g.member, found, score, request.form.get("comment", ""))
    except DomainError as exc:
        return _lot_page(lot_id, exc.status, error=refused(exc))
    done(gettext("评价已提交"))
    return redirect(url_for("auction.lot", lot_id=lot_id))


@bp.post("/rating/<int:rating_id>/reply")
@member_required
def reply(rating_id: int):
    """Reply once to a rating received."""
    w = current_world()
    try:
        ratings.reply(w, g.member, rating_id, request.form.get("reply", ""))
    except DomainError as exc:
        return render_template("error.html", message=refused(exc)), exc.status
    done(gettext("回复已提交"))
    return redirect(url_for("auction.member", member_id=g.member.id))


@bp.get("/member/<int:member_id>")
def member(member_id: int) -> str:
    """A member's credit profile: score, level, good-rating rate and the ratings received."""
    w = current_world()
    found = services.member_or_404(w, member_id)
    return render_template(
        "auction/member.html",
        member=found,
        rep=ratings.reputation(w, found),
        ratings=ratings.ratings_of(w, found),
        lots=services.lots_of(w, found)[:20],
    )
