"""Checks about the payment platform: the merchant's app settings, paid trades, refunds and refusals.

"The candidate's app" is the app given by `app_id`, or else every app whose console login is one of
the candidate's identities (the merchant role).
"""

from __future__ import annotations

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from sandbox.gateway.models import ConsoleLogin, MerchantApp, NotifyStatus, Trade
from sandbox.gateway.notify import local_path, yuan


def candidate_apps(ctx: GradeContext, app_id: str | None = None) -> list[MerchantApp]:
    """The app named by `app_id`, or the apps the candidate's identities log in to."""
    db = ctx.world.db
    if app_id:
        return list(db.scalars(select(MerchantApp).where(MerchantApp.app_id == str(app_id))))
    emails = [str(i.get("email", "")).lower() for i in ctx.identities if i.get("email")]
    q = select(MerchantApp).join(ConsoleLogin, ConsoleLogin.app_pk == MerchantApp.id)
    return list(db.scalars(q.where(ConsoleLogin.email.in_(emails)).order_by(MerchantApp.id).distinct()))


def _no_app(app_id: str | None) -> CheckResult:
    return CheckResult.failed(f"没有找到应用 {app_id}" if app_id else "考生没有商家中心的应用")


def _trade_label(trade: Trade) -> str:
    return (
        f"交易 {trade.trade_no}（商户订单号 {trade.out_trade_no}，¥{yuan(trade.total_fen)}，{trade.status}）"
    )


@check("state", "gateway.app_key_uploaded", sets=("app_id",))
def app_key_uploaded(ctx: GradeContext, app_id: str | None = None) -> CheckResult:
    """The candidate's app has a valid RSA public key that the candidate set in the console."""
    apps = candidate_apps(ctx, app_id)
    if not apps:
        return _no_app(app_id)
    lines = []
    for app in apps:
        uploads = [
            e
            for e in ctx.world.events("gateway.key_uploaded")
            if e.payload.get("app_id") == app.app_id and e.actor == "candidate"
        ]
        state = f"应用 {app.app_id}：公钥{'已设置' if app.public_key_pem else '未设置'}，来源 {app.key_source or '无'}"
        lines.append(state + f"，考生上传 {len(uploads)} 次")
        if app.public_key_pem and app.key_source == "console" and uploads:
            ctx.facts["app_id"] = app.app_id
            last = uploads[-1]
            return CheckResult.passed(
                f"应用 {app.app_id} 已上传应用公钥",
                text_evidence("公钥指纹", last.payload.get("fingerprint", "")),
                text_evidence("上传时间", f"{last.at:%Y-%m-%d %H:%M:%S}"),
                text_evidence("应用", lines),
            )
    return CheckResult.failed("考生没有在商家中心上传应用公钥", text_evidence("应用", lines))


@check("state", "gateway.notify_url_is")
def notify_url_is(ctx: GradeContext, url: str, app_id: str | None = None) -> CheckResult:
    """The candidate's app sends its notifications to `url` (the same path on the world's site counts:
    https://mall.sim/shop/pay/notify/S003 equals /shop/pay/notify/S003)."""
    apps = candidate_apps(ctx, app_id)
    if not apps:
        return _no_app(app_id)
    wanted = local_path(url) or url.strip()
    found = []
    for app in apps:
        have = local_path(app.notify_url) or app.notify_url.strip()
        found.append(f"应用 {app.app_id}：{app.notify_url or '（未设置）'}")
        if app.notify_url and have.rstrip("/") == wanted.rstrip("/"):
            return CheckResult.passed(
                f"应用 {app.app_id} 的异步通知地址是 {app.notify_url}", text_evidence("通知地址", found)
            )
    return CheckResult.failed(f"异步通知地址不是 {url}", text_evidence("通知地址", found))


@check("state", "gateway.trade_paid", sets=("trade_no",))
def trade_paid(
    ctx: GradeContext, amount_fen: int, app_id: str | None = None, acknowledged: bool = True
) -> CheckResult:
    """A trade of `amount_fen` of the candidate's app was paid and (with `acknowledged`) its payment
    notification was answered `success` by the merchant's notify URL."""
    apps = candidate_apps(ctx, app_id)
    if not apps:
        return _no_app(app_id)
    trades = list(
        ctx.world.db.scalars(select(Trade).where(Trade.app_pk.in_([a.id for a in apps])).order_by(Trade.id))
    )
    amount_fen = int(amount_fen)
    others = []
    for trade in trades:
        faults = []
        if trade.total_fen != amount_fen:
            faults.append(f"金额不是 ¥{yuan(amount_fen)}")
        if trade.paid_at is None:
            faults.append("未付款")
        paid_notes = [n for n in trade.notifications if n.kind == "paid"]
        acked = [n for n in paid_notes if n.status == NotifyStatus.ACKNOWLEDGED]
        if acknowledged and trade.paid_at is not None and not acked:
            tries = sum(len(n.attempts) for n in paid_notes)
            faults.append(
                f"付款通知未被商户确认（已通知 {tries} 次）"
                if paid_notes
                else "没有发出付款通知（未设置通知地址）"
            )
        if not faults:
            ctx.facts["trade_no"] = trade.trade_no
            evidence = [
                text_evidence("交易", _trade_label(trade)),
                text_evidence("付款时间", f"{trade.paid_at}"),
            ]
            if acked:
                note = acked[0]
                evidence.append(
                    text_evidence(
                        "付款通知",
                        [f"{a.at:%H:%M:%S} {a.outcome} {a.response}" for a in note.attempts],
                    )
                )
            if others:
                evidence.append(text_evidence("其他交易", others))
            return CheckResult.passed(f"¥{yuan(amount_fen)} 的交易 {trade.trade_no} 已付款", *evidence)
        others.append(f"{_trade_label(trade)}：{'；'.join(faults)}")
    return CheckResult.failed(
        f"没有 ¥{yuan(amount_fen)} 且已付款{'、通知已确认' if acknowledged else ''}的交易",
        text_evidence("交易", others or ["（没有交易）"]),
    )


def _trades_for(ctx: GradeContext, out_trade_no: str | None) -> list[Trade]:
    number = str(out_trade_no or ctx.facts.get("order_no") or "").strip()
    q = select(Trade).order_by(Trade.id)
    if number:
        q = q.where(Trade.out_trade_no == number)
    else:
        apps = candidate_apps(ctx)
        q = q.where(Trade.app_pk.in_([a.id for a in apps]))
    return list(ctx.world.db.scalars(q))


@check("state", "gateway.refunded", sets=("trade_no",))
def refunded(
    ctx: GradeContext,
    amount_fen: int,
    out_trade_no: str | None = None,
    via: str = "console",
    reason_required: bool = True,
) -> CheckResult:
    """The trade for order `out_trade_no` (or the order an earlier item found) was refunded exactly
    `amount_fen` in one refund, with a reason (`reason_required`), through `via` (console | api | any)."""
    if via not in ("console", "api", "any"):
        raise ValueError("via must be console, api or any")
    trades = _trades_for(ctx, out_trade_no)
    if not trades:
        return CheckResult.failed(f"没有找到订单 {out_trade_no or ctx.facts.get('order_no') or ''} 的交易")
    amount_fen = int(amount_fen)
    seen = []
    for trade in trades:
        for made in trade.refunds:
            faults = []
            if made.amount_fen != amount_fen:
                faults.append(f"金额不是 ¥{yuan(amount_fen)}")
            if reason_required and not made.reason.strip():
                faults.append("没有退款原因")
            if via != "any" and made.via != via:
                faults.append("不是在商家中心操作的" if via == "console" else "不是通过接口发起的")
            label = f"{trade.trade_no} 退款 ¥{yuan(made.amount_fen)}（{made.out_request_no}，原因：{made.reason or '无'}，{made.via}）"
            if not faults:
                ctx.facts["trade_no"] = trade.trade_no
                return CheckResult.passed(
                    f"交易 {trade.trade_no} 已退款 ¥{yuan(amount_fen)}",
                    text_evidence("退款", label),
                    text_evidence("累计已退", f"¥{yuan(trade.refunded_fen)} / ¥{yuan(trade.total_fen)}"),
                    *([text_evidence("其他退款", seen)] if seen else []),
                )
            seen.append(f"{label}：{'；'.join(faults)}")
    return CheckResult.failed(
        f"没有找到 ¥{yuan(amount_fen)} 的退款",
        text_evidence("交易", [_trade_label(t) for t in trades]),
        text_evidence("退款", seen or ["（没有退款）"]),
    )


@check("event", "gateway.refund_refused")
def refund_refused(
    ctx: GradeContext, code: str = "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", out_trade_no: str | None = None
) -> CheckResult:
    """A refund the candidate asked for (of order `out_trade_no`, if given) was refused with `code`
    (e.g. one above what remained: ACQ.REFUND_AMT_NOT_EQUAL_TOTAL)."""
    found = [
        e
        for e in ctx.world.events("gateway.refund_refused")
        if e.actor == "candidate" and (not out_trade_no or e.payload.get("out_trade_no") == str(out_trade_no))
    ]
    lines = [
        f"#{e.id} {e.at:%H:%M:%S} {e.payload.get('out_trade_no')} {e.payload.get('amount')} → {e.payload.get('sub_code')}"
        for e in found
    ]
    matching = [e for e in found if e.payload.get("sub_code") == code]
    if matching:
        return CheckResult.passed(f"退款被拒绝，错误码 {code}", text_evidence("被拒绝的退款", lines))
    if found:
        return CheckResult.failed(
            f"有被拒绝的退款，但错误码不是 {code}", text_evidence("被拒绝的退款", lines)
        )
    return CheckResult.failed("没有被拒绝的退款申请")
