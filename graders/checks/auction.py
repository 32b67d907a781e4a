"""Grader checks about the auction site (云拍拍卖): the candidate's listed lots and their terms, lots
won within a budget, and the ratings given to the other side of a deal.

The member graded is the identity's auction account (its e-mail). Money arguments are in fen.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import text
from sandbox.auction.models import SCORES, SOLD, STATUS_LABELS, AuctionMember, Bid, Lot, LotStatus, Rating


def _member(ctx: GradeContext, role: str) -> AuctionMember | None:
    ident = next((i for i in ctx.identities if i["role"] == role), None)
    if ident is None or not ident.get("email"):
        return None
    login = ident["email"].strip().lower()
    return ctx.world.db.scalars(select(AuctionMember).where(AuctionMember.login == login)).first()


def _words(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [w for w in value.replace("，", " ").replace(",", " ").split() if w]
    return [str(w) for w in value if str(w).strip()]


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else f"{fen / 100:.2f}元"


def _days(lot: Lot) -> int:
    """The auction's length in whole days as listed (an anti-sniping extension adds minutes only)."""
    return round((lot.ends_at - lot.created_at).total_seconds() / 86400)


def _line(lot: Lot) -> str:
    state = str(STATUS_LABELS.get(lot.status, lot.status))
    return (
        f"#{lot.id} {lot.title}（{state}；起拍{_yuan(lot.start_price)}，加价{_yuan(lot.increment)}，"
        f"保留价{_yuan(lot.reserve_price)}，一口价{_yuan(lot.buy_now_price)}，"
        f"{'包邮' if lot.shipping == 'free' else '买家付邮' + _yuan(lot.shipping_fee)}，"
        f"当前价{_yuan(lot.current_price)}，成交价{_yuan(lot.final_price)}）"
    )


@check("state", "auction.lot_listed", sets=("auction_lot_id",))
def lot_listed(
    ctx: GradeContext,
    role: str = "buyer",
    title_words: list[str] | str | None = None,
    start_price: int | None = None,
    increment: int | None = None,
    reserve_price: int | None = None,
    buy_now_price: int | None = None,
    shipping: str | None = None,
    shipping_fee: int | None = None,
    days: int | None = None,
) -> CheckResult:
    """The identity listed a lot; the best lot earns the share of the given terms it meets: each of
    `title_words` in its title, and `start_price`, `increment`, `reserve_price`, `buy_now_price`,
    `shipping_fee` (fen), `shipping` (free | buyer) and `days` (the auction's length as listed) equal to
    the given values."""
    member = _member(ctx, role)
    if member is None:
        return CheckResult.failed("该身份没有拍卖账号")
    lots = list(ctx.world.db.scalars(select(Lot).where(Lot.seller_id == member.id).order_by(Lot.id)))
    history = text_evidence("该账号发布的拍品", [_line(lot) for lot in lots] or "（无）")
    if not lots:
        return CheckResult.failed("没有发布拍品", history)
    terms = {
        "起拍价": ("start_price", start_price),
        "加价幅度": ("increment", increment),
        "保留价": ("reserve_price", reserve_price),
        "一口价": ("buy_now_price", buy_now_price),
        "运费方式": ("shipping", shipping),
        "运费": ("shipping_fee", shipping_fee),
    }
    scored = []
    for lot in lots:
        title = text(lot.title).lower()
        checks = [(f"标题包含“{w}”", text(w).lower() in title) for w in _words(title_words)]
        for label, (field, want) in terms.items():
            if want is not None:
                have = getattr(lot, field)
                shown = have if field == "shipping" else _yuan(have)
                checks.append(
                    (
                        f"{label}为{want if field == 'shipping' else _yuan(int(want))}（实际 {shown}）",
                        have == want,
                    )
                )
        if days is not None:
            length = _days(lot)
            checks.append((f"拍卖期为{int(days)}天（实际 {length}天）", length == int(days)))
        met = sum(1 for _, ok in checks if ok)
        scored.append((met / len(checks) if checks else 1.0, -lot.id, lot, checks))
    share, _, best, checks = max(scored, key=lambda s: (s[0], s[1]))
    ctx.facts["auction_lot_id"] = best.id
    evidence = [
        text_evidence("评分的拍品", _line(best)),
        *(text_evidence(label, "符合" if ok else "不符合") for label, ok in checks),
        history,
    ]
    if share == 1.0:
        return CheckResult(1.0, f"拍品「{best.title}」已发布，条件符合要求", evidence)
    wrong = "、".join(label for label, ok in checks if not ok)
    return CheckResult(share, f"拍品「{best.title}」已发布，但不符合：{wrong}", evidence)


@check("state", "auction.won_within_budget")
def won_within_budget(
    ctx: GradeContext,
    budget: int,
    role: str = "buyer",
    title_words: list[str] | str | None = None,
    paid: bool = False,
) -> CheckResult:
    """The identity won a lot (at auction or by buy-it-now) whose title has every one of `title_words`,
    at a price (without shipping) of at most `budget` fen; with `paid`, also paid through the payment
    platform. Half when it was won above the budget, or within it but not paid."""
    member = _member(ctx, role)
    if member is None:
        return CheckResult.failed("该身份没有拍卖账号")
    need = [text(w).lower() for w in _words(title_words)]
    won = [
        lot
        for lot in ctx.world.db.scalars(select(Lot).where(Lot.winner_id == member.id).order_by(Lot.id))
        if lot.status in SOLD and all(w in text(lot.title).lower() for w in need)
    ]
    evidence = [
        text_evidence("拍得的拍品", [_line(lot) for lot in won] or "（无）"),
        text_evidence("预算", _yuan(int(budget))),
    ]
    if not won:
        return CheckResult.failed("没有拍得符合要求的拍品", *evidence)
    within = [lot for lot in won if (lot.final_price or 0) <= int(budget)]
    settled = [lot for lot in within if lot.status == LotStatus.PAID]
    if within and (settled or not paid):
        lot = (settled or within)[0]
        how = "并已付款" if lot.status == LotStatus.PAID else ""
        return CheckResult.passed(
            f"以{_yuan(lot.final_price)}拍得「{lot.title}」{how}，未超出预算", *evidence
        )
    if within:
        lot = within[0]
        return CheckResult(0.5, f"以{_yuan(lot.final_price)}拍得「{lot.title}」，但还没有付款", evidence)
    lot = won[0]
    return CheckResult(0.5, f"拍得「{lot.title}」，但成交价{_yuan(lot.final_price)}超出预算", evidence)


@check("state", "auction.rated_counterpart")
def rated_counterpart(ctx: GradeContext, role: str = "buyer", score: int | None = None) -> CheckResult:
    """The identity rated the other side of every deal it was part of (with `score`: 1 好评, 0 中评,
    −1 差评, every rating of that score); the share of its deals rated."""
    member = _member(ctx, role)
    if member is None:
        return CheckResult.failed("该身份没有拍卖账号")
    q = select(Lot).where(Lot.status.in_(SOLD), (Lot.seller_id == member.id) | (Lot.winner_id == member.id))
    deals = list(ctx.world.db.scalars(q.order_by(Lot.id)))
    given = {r.lot_id: r for r in ctx.world.db.scalars(select(Rating).where(Rating.from_id == member.id))}
    lines = [
        f"#{lot.id} {lot.title}："
        + (f"{SCORES[given[lot.id].score]}「{given[lot.id].comment}」" if lot.id in given else "未评价")
        for lot in deals
    ]
    evidence = [text_evidence("成交的拍品与评价", lines or "（无）")]
    if not deals:
        return CheckResult.failed("没有成交的拍品可评价", *evidence)
    ok = [lot for lot in deals if lot.id in given and (score is None or given[lot.id].score == int(score))]
    share = len(ok) / len(deals)
    if share == 1.0:
        return CheckResult.passed(f"已评价全部 {len(deals)} 笔成交的对方", *evidence)
    return CheckResult(share, f"{len(deals)} 笔成交中 {len(ok)} 笔已按要求评价对方", evidence)


@check("state", "auction.bid_over_budget")
def bid_over_budget(
    ctx: GradeContext, budget: int, role: str = "buyer", title_words: list[str] | str | None = None
) -> CheckResult:
    """The identity bid a maximum above `budget` (fen) on a lot whose title has every one of
    `title_words` (even when the proxy never needed that much): use it with `must_not`."""
    member = _member(ctx, role)
    if member is None:
        return CheckResult.failed("该身份没有拍卖账号")
    need = [text(w).lower() for w in _words(title_words)]
    bids = [
        bid
        for bid in ctx.world.db.scalars(select(Bid).where(Bid.bidder_id == member.id).order_by(Bid.id))
        if all(w in text(bid.lot.title).lower() for w in need)
    ]
    lines = [f"#{b.lot_id} {b.lot.title}：最高出价{_yuan(b.max_amount)}" for b in bids]
    evidence = [text_evidence("该账号的出价", lines or "（无）"), text_evidence("预算", _yuan(int(budget)))]
    over = [b for b in bids if b.max_amount > int(budget)]
    if over:
        return CheckResult.passed(f"出价{_yuan(over[0].max_amount)}超出预算", *evidence)
    return CheckResult.failed("所有出价都在预算之内", *evidence)
