"""Event checks: match the domain events recorded in the world."""

from __future__ import annotations

from typing import Any

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext


@check("event", "payment.succeeded_for_order")
def payment_succeeded_for_order(ctx: GradeContext) -> CheckResult:
    """The order found by an earlier item was paid by the candidate."""
    number = ctx.facts.get("order_no")
    if not number:
        return CheckResult.failed("没有可核对付款的订单")
    for ev in ctx.world.events("payment.succeeded"):
        if ev.payload.get("order_no") == number and ev.actor == "candidate":
            return CheckResult.passed(
                f"订单 {number} 已于 {ev.at:%Y-%m-%d %H:%M:%S} 付款",
                text_evidence("事件", f"#{ev.id} payment.succeeded"),
                text_evidence("付款账号", ev.payload.get("account_no")),
                text_evidence("金额（分）", ev.payload.get("amount_fen")),
            )
    return CheckResult.failed(f"订单 {number} 没有付款记录")


@check("event", "event.occurred")
def event_occurred(ctx: GradeContext, event: str, match: dict[str, Any] | None = None) -> CheckResult:
    """An event of this name (with payload fields equal to `match`) was recorded."""
    match = match or {}
    for ev in ctx.world.events(event):
        if all(ev.payload.get(k) == v for k, v in match.items()):
            return CheckResult.passed(
                f"记录到事件 {event}", text_evidence("事件", f"#{ev.id} {ev.at:%H:%M:%S} {ev.payload}")
            )
    return CheckResult.failed(f"没有记录到事件 {event}")
