"""Checks about customer service: the chats of the merchant identity's shop (resolved or transferred,
answered in time, without forbidden promises, each script's outcome), with the messages as evidence.

The shop graded is the one the identity's seller-centre login owns (else the shop with the identity's
shop name). Doing nothing scores nothing: a shop without an answered conversation fails every check.
"""

from __future__ import annotations

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from sandbox.merchant.models import SellerAccount
from sandbox.service import services
from sandbox.service.models import OUTCOME_LABELS, STATUS_LABELS, Conversation, ConversationStatus, Sender
from sandbox.storefront.models import Shop


def _shop(ctx: GradeContext, role: str) -> Shop | None:
    ident = next((i for i in ctx.identities if i["role"] == role), None)
    if ident is None:
        return None
    db = ctx.world.db
    if ident.get("shop_login"):
        seller = db.scalars(select(SellerAccount).where(SellerAccount.login == ident["shop_login"])).first()
        if seller is not None and seller.shop is not None:
            return seller.shop
    if ident.get("shop_name"):
        return db.scalars(select(Shop).where(Shop.name == ident["shop_name"])).first()
    return None


def _conversations(ctx: GradeContext, role: str) -> tuple[Shop | None, list[Conversation]]:
    shop = _shop(ctx, role)
    if shop is None:
        return None, []
    q = select(Conversation).where(Conversation.shop_id == shop.id).order_by(Conversation.id)
    return shop, list(ctx.world.db.scalars(q))


def _line(c: Conversation) -> str:
    first = services.first_response_seconds(c)
    answered = f"首次响应 {first} 秒" if first is not None else "未响应"
    outcome = OUTCOME_LABELS.get(c.outcome, c.outcome)
    return f"#{c.id} {c.buyer_name}（{c.script_id}）{STATUS_LABELS[c.status]}，{outcome}，{answered}"


def _evidence(convs: list[Conversation]) -> dict:
    return text_evidence("会话", "；".join(_line(c) for c in convs) or "无")


@check("state", "service.conversations_resolved")
def conversations_resolved(
    ctx: GradeContext, count: int = 1, include_aftersales: bool = True, role: str = "merchant"
) -> CheckResult:
    """At least `count` of the shop's conversations were marked resolved (标记已解决) or, unless
    `include_aftersales` is false, transferred to after-sales; fewer earn their share."""
    _shop_found, convs = _conversations(ctx, role)
    done = {ConversationStatus.RESOLVED} | ({ConversationStatus.AFTERSALES} if include_aftersales else set())
    handled = [c for c in convs if c.status in done]
    need = max(1, int(count))
    if not handled:
        return CheckResult.failed("没有已解决的会话", _evidence(convs))
    if len(handled) >= need:
        return CheckResult.passed(f"已处理 {len(handled)} 个会话", _evidence(convs))
    return CheckResult(
        len(handled) / need, f"只处理了 {len(handled)} 个会话（要求 {need} 个）", [_evidence(convs)]
    )


@check("state", "service.first_response_within")
def first_response_within(ctx: GradeContext, seconds: int = 60, role: str = "merchant") -> CheckResult:
    """Every conversation of the shop got its first reply within `seconds` world seconds of the buyer's
    arrival; each one late or unanswered costs its share."""
    _shop_found, convs = _conversations(ctx, role)
    if not convs:
        return CheckResult.failed("店铺没有买家咨询", _evidence(convs))
    in_time = [c for c in convs if (s := services.first_response_seconds(c)) is not None and s <= seconds]
    late = [c for c in convs if c not in in_time]
    if not late:
        return CheckResult.passed(f"全部 {len(convs)} 个会话都在 {seconds} 秒内首次响应", _evidence(convs))
    names = "、".join(f"#{c.id} {c.buyer_name}" for c in late)
    return CheckResult(
        len(in_time) / len(convs), f"超过 {seconds} 秒才响应或未响应：{names}", [_evidence(convs)]
    )


@check("state", "service.no_forbidden_promises")
def no_forbidden_promises(ctx: GradeContext, role: str = "merchant") -> CheckResult:
    """The seller answered buyers without forbidden promises (百分之百, 保证最低价, 私下交易, contact
    details off the platform, absolute words); no reply at all earns nothing."""
    _shop_found, convs = _conversations(ctx, role)
    replies = [(c, m) for c in convs for m in c.messages if m.sender == Sender.SELLER]
    if not replies:
        return CheckResult.failed("没有回复过买家")
    breaches = [(c, m) for c, m in replies if m.breach]
    if not breaches:
        return CheckResult.passed(f"{len(replies)} 条回复都没有违规承诺")
    listed = "；".join(f"#{c.id}「{m.text[:40]}」（{m.breach}）" for c, m in breaches)
    return CheckResult.failed(f"有 {len(breaches)} 条回复违规", text_evidence("违规回复", listed))


@check("state", "service.outcome")
def outcome(ctx: GradeContext, script: str, outcome: str, role: str = "merchant") -> CheckResult:
    """A conversation following the buyer script `script` ended with `outcome` (resolved, order_placed,
    refund_handled)."""
    _shop_found, convs = _conversations(ctx, role)
    mine = [c for c in convs if c.script_id == script]
    if not mine:
        return CheckResult.failed(f"没有脚本 {script} 的会话")
    want = OUTCOME_LABELS.get(outcome, outcome)
    if any(c.outcome == outcome for c in mine):
        return CheckResult.passed(f"买家的咨询结果：{want}", _evidence(mine))
    return CheckResult.failed(f"会话没有达到结果：{want}", _evidence(mine))


@check("state", "service.replied_with")
def replied_with(ctx: GradeContext, script: str, words: str, role: str = "merchant") -> CheckResult:
    """The seller told a buyer of the script `script` the `words` (e.g. the coupon the shop rules allow)
    in a reply (spaces ignored, letters in any case)."""
    _shop_found, convs = _conversations(ctx, role)
    mine = [c for c in convs if c.script_id == script]
    if not mine:
        return CheckResult.failed(f"没有脚本 {script} 的会话")
    want = "".join(str(words).split()).lower()
    replies = [m.text for c in mine for m in c.messages if m.sender == Sender.SELLER]
    said = "；".join(replies) or "（未回复）"
    evidence = [text_evidence("卖家回复", said[:400]), text_evidence("应提到", str(words))]
    if any(want in "".join(t.split()).lower() for t in replies):
        return CheckResult.passed(f"回复中提到了「{words}」", *evidence)
    return CheckResult.failed(f"回复中没有提到「{words}」", *evidence)


@check("state", "service.transferred")
def transferred(ctx: GradeContext, script: str, role: str = "merchant") -> CheckResult:
    """A conversation of the script `script` was transferred to after-sales (转售后) with the order the
    buyer named (any order of the shop when the buyer named none)."""
    _shop_found, convs = _conversations(ctx, role)
    mine = [c for c in convs if c.script_id == script]
    if not mine:
        return CheckResult.failed(f"没有脚本 {script} 的会话")
    moved = [c for c in mine if c.status == ConversationStatus.AFTERSALES]
    if not moved:
        return CheckResult.failed("会话没有转售后", _evidence(mine))
    right = [c for c in moved if not c.order_number or c.aftersales_order == c.order_number]
    if right:
        c = right[0]
        return CheckResult.passed(f"已转售后，订单 {c.aftersales_order}", _evidence(mine))
    c = moved[0]
    return CheckResult.failed(
        f"转售后的订单 {c.aftersales_order} 不是买家的订单 {c.order_number}", _evidence(mine)
    )
