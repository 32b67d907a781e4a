"""NPC event runner: scenario rules `{at: "+5m"}` or `{on: <event>}` run when the world is next touched.

Rules run in a fixed order (timed rules by due time, then event rules by triggering event id), each
exactly once (per triggering event), so replaying the same requests gives the same world.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from sandbox.errors import DomainError
from sandbox.worlds.base import Event, NpcRun
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.world import World

Action = Callable[[World, dict[str, Any], Event | None], None]
ACTIONS: dict[str, Action] = {}


def npc_action(name: str) -> Callable[[Action], Action]:
    """Register a function as the NPC action `name`."""

    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        return fn

    return register


def run_due(w: World, rules: list[dict[str, Any]]) -> int:
    """Fire every rule that is due and has not fired; returns how many fired."""
    if not rules or w.read_only:
        return 0
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
