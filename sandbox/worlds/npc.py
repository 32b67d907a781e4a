"""NPC event runner: scenario rules `{at: "+5m"}` or `{on: <event>}` run when the world is next touched.

Rules run in a fixed order (timed rules by due time, then event rules by triggering event id), each
exactly once (per triggering event), so replaying the same requests gives the same world.

The world's own systems schedule actions too (`schedule`): a cross-bank transfer arrives two hours
later, a payment notification is retried. They run in due-time order, each once, with the world
clock reading their due time, so a statement shows when the money arrived and not when the world
was next looked at. Rules and scheduled actions run in rounds until nothing more is due, so a rule
`on:` an event a scheduled action emitted fires in the same touch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from sandbox.errors import DomainError
from sandbox.worlds.base import Event, NpcRun, Scheduled
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.world import World

Action = Callable[[World, dict[str, Any], Event | None], None]
ACTIONS: dict[str, Action] = {}  # everything the runner can run
RULE_ACTIONS: dict[str, Action] = {}  # what a scenario's rules may name (not a system's inner steps)


def npc_action(name: str, *, for_rules: bool = True) -> Callable[[Action], Action]:
    """Register a function as the NPC action `name`; `for_rules=False` for a step only a system of
    the world schedules (a notification retried, a transfer arriving), which no scenario rule names."""

    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        if for_rules:
            RULE_ACTIONS[name] = fn
        return fn

    return register


MAX_ROUNDS = 50  # rounds of rules and scheduled actions triggering each other in one touch
MAX_SCHEDULED_PER_TOUCH = 500  # a chain of actions scheduling each other is cut here (the next touch goes on)


def schedule(w: World, when: datetime, action: str, **args: Any) -> Scheduled:
    """Have the registered action `action` run at world time `when` (now or later)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown scheduled action {action!r}")
    job = Scheduled(due_at=max(when, w.now()), action=action, args=args)
    w.db.add(job)
    w.db.flush()
    return job


def has_due(w: World) -> bool:
    """Whether a scheduled action is due (one indexed query; a reading request then takes the lock)."""
    q = select(Scheduled.id).where(Scheduled.done_at.is_(None), Scheduled.due_at <= w.now()).limit(1)
    return w.db.scalar(q) is not None


def run_due(w: World, rules: list[dict[str, Any]]) -> int:
    """Fire every rule and scheduled action that is due and has not run; returns how many ran."""
    if w.read_only:
        return 0
    fired = 0
    for _ in range(MAX_ROUNDS):
        now_fired = _run_rules(w, rules) if rules else 0
        now_fired += _run_scheduled(w)
        if not now_fired:
            break
        fired += now_fired
    return fired


def _run_scheduled(w: World) -> int:
    """Run due actions one at a time, earliest first, so one scheduled by another keeps its turn."""
    now = w.now()
    q = select(Scheduled).where(Scheduled.done_at.is_(None), Scheduled.due_at <= now)
    q = q.order_by(Scheduled.due_at, Scheduled.id).limit(1)
    ran = 0
    while ran < MAX_SCHEDULED_PER_TOUCH and (job := w.db.scalars(q).first()) is not None:
        previous = w.actor
        w.actor = "system"
        job.done_at = now
        emitted = len(w.emitted)
        try:
            with w.at(job.due_at), w.db.begin_nested():  # a refused action leaves nothing half done
                ACTIONS[job.action](w, dict(job.args or {}), None)
            job.outcome = "ok"
        except DomainError as exc:
            del w.emitted[emitted:]
            job.outcome = str(exc)[:200]
            w.emit("npc.skipped", action=job.action, reason=str(exc))
        finally:
            w.actor = previous
        w.db.flush()
        ran += 1
    return ran


def _run_rules(w: World, rules: list[dict[str, Any]]) -> int:
    done = {(r.rule, r.trigger_event_id) for r in w.db.scalars(select(NpcRun))}
    now = w.now()
    epoch = w.clock.epoch
    due: list[tuple[tuple, int, Event | None]] = []
    for index, rule in enumerate(rules):
        if "at" in rule:
            when = epoch + parse_offset(rule["at"])
            if when <= now and (index, 0) not in done:
                due.append(((0, when, index), index, None))
        elif "on" in rule:
            for ev in w.db.scalars(select(Event).where(Event.name == rule["on"], Event.actor != "npc")):
                if (index, ev.id) not in done:
                    due.append(((1, ev.id, index), index, ev))
    fired = 0
    for _key, index, trigger in sorted(due, key=lambda d: d[0]):
        rule = rules[index]
        w.db.add(NpcRun(rule=index, trigger_event_id=trigger.id if trigger else 0, at=now))
        previous = w.actor
        w.actor = "npc"
        try:
            ACTIONS[rule["do"]](w, rule.get("args") or {}, trigger)
        except DomainError as exc:
            # An NPC cannot act on a world that moved on (e.g. the order was cancelled): record it.
            w.emit("npc.skipped", rule=index, action=rule["do"], reason=str(exc))
        finally:
            w.actor = previous
        fired += 1
    if fired:
        w.db.flush()
    return fired


@npc_action("world.announce")
def announce(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Record a message in the world (a notice an NPC posts)."""
    w.emit("npc.announcement", text=str(args.get("text", "")))
