"""Event checks: match the domain events recorded in the world."""

from __future__ import annotations

from typing import Any

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext


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


@check("event", "event.count")
def event_count(
    ctx: GradeContext,
    event: str,
    match: dict[str, Any] | None = None,
    at_least: int = 1,
    at_most: int | None = None,
    actor: str | None = None,
) -> CheckResult:
    """Between `at_least` and `at_most` events of this name (payload fields equal to `match`, by
    `actor` if given: candidate | npc | system) were recorded.

    With `must_not: true` the item earns its points when the count is NOT in that range, e.g.
    `{event: payment.password_failed, at_least: 3}` with must_not: "never got the payment
    password wrong three times".
    """
    match = match or {}
    found = [
        ev
        for ev in ctx.world.events(event)
        if all(ev.payload.get(k) == v for k, v in match.items()) and (actor is None or ev.actor == actor)
    ]
    bound = f"至少 {at_least} 次" + (f"、至多 {at_most} 次" if at_most is not None else "")
    evidence = [
        text_evidence("条件", f"{event} {match or ''} {bound}".strip()),
        text_evidence("记录到的次数", len(found)),
        *(
            [
                text_evidence(
                    "事件", [f"#{ev.id} {ev.at:%H:%M:%S} {ev.actor} {ev.payload}" for ev in found[:20]]
                )
            ]
            if found
            else []
        ),
    ]
    inside = len(found) >= int(at_least) and (at_most is None or len(found) <= int(at_most))
    if inside:
        return CheckResult(1.0, f"事件 {event} 记录到 {len(found)} 次（要求{bound}）", evidence)
    return CheckResult(0.0, f"事件 {event} 记录到 {len(found)} 次，不满足{bound}", evidence)
