"""The action log catches up with the world: every domain event of a world gets exactly one log row.

A request commits its changes, with the domain events describing them, to the attempt's world first
and writes its action-log rows to the control database second. A server killed in between would
leave the world changed and the log silent. Two measures close the gap:

1. Write-ahead request row (`sandbox.binding`): before a request commits changes to its
   world, its log row is committed with `completed=False`; after the world commit its events are
   added and the row is marked completed. A crash leaves a request row the examiner sees as "not
   answered" (it may or may not have taken effect; the events tell).
2. Reconciliation from the world (this module): the world's `events` table is the record of what
   happened. `reconcile` appends every event of the attempt's world that has no log row yet (kind
   "event", its `world_event_id`, `world_at` from the event, payload with the actor and
   `"recovered": true`, meaning taken from the world's record rather than logged by the request
   that made it: after a crash, and for events no request makes, such as the world's set-up and
   NPC rules run at submission). It runs on the next touch of the attempt's world (request
   binding) and before grading (the grading worker), so the examiner's timeline and the graded
   world agree.

Why the world's events and not another record: they are committed in the same transaction as the
change they describe, so they cannot disagree with it. Writing the events to the control database
before the world commit instead would log events that may never happen (a commit that fails), and
an event's id is only final once committed (SQLite reuses a rolled-back id). Events also reach a
world outside requests (NPC rules run when an attempt is submitted) and are logged the same way.

The check per request must stay cheap, so nothing is cached between requests: `needs_reconcile`
compares the count and the largest id of the world's events with the count and the largest
`world_event_id` logged for the attempt's current world (two aggregate queries). Only committed
events are logged and none twice, so the logged ids are a subset of the world's and equal counts
mean equal sets. A practice reset replaces the world and its ids start again, so only log rows
after the attempt's last `attempt.reset` row count.

No event is logged twice: a request holds its attempt's lock (`attempt_lock`) from just before its
world commit until its events are logged, and `reconcile` takes the same lock and works out what is
missing under it, so it never logs an event whose request is about to log it. The lock also keeps
the log in commit order. It is a lock of this process: as for grading, one serving process per data
folder is the supported set-up (several processes would need the lock in the database).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from sandbox.control.models import ActionLog, Attempt
from sandbox.worlds.base import Event

RESET_EVENT = "attempt.reset"  # logged by attempts.reset_practice when the world is replaced

_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def attempt_lock(attempt_id: int) -> threading.Lock:
    """The process-wide lock ordering an attempt's world commits with their action-log rows."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(attempt_id)
        if lock is None:
            lock = _LOCKS[attempt_id] = threading.Lock()
        return lock


_LOG = ActionLog.__table__
_EVENTS = Event.__table__


def _current_world_rows(practice: bool) -> list[Any]:
    """Conditions selecting the event rows logged for attempt `:attempt`'s current world."""
    conds = [_LOG.c.attempt_id == bindparam("attempt"), _LOG.c.world_event_id.is_not(None)]
    if practice:
        last_reset = (
            select(func.max(_LOG.c.id))
            .where(_LOG.c.attempt_id == bindparam("attempt"), _LOG.c.event_name == RESET_EVENT)
            .scalar_subquery()
        )
        conds.append(_LOG.c.id > func.coalesce(last_reset, 0))
    return conds


# The two summaries run on every request bound to a world: prepared Core statements on the
# session's connection (no ORM query overhead), one aggregate each.
_LOGGED_SUMMARY = {
    practice: select(func.count(_LOG.c.world_event_id), func.max(_LOG.c.world_event_id)).where(
        *_current_world_rows(practice)
    )
    for practice in (False, True)
}


def logged_summary(db: Session, attempt: Attempt) -> tuple[int, int | None]:
    """(count, largest id) of the world events logged for the attempt's current world."""
    stmt = _LOGGED_SUMMARY[attempt.mode == "practice"]
    count, largest = db.connection().execute(stmt, {"attempt": attempt.id}).one()
    return int(count), largest


_WORLD_SUMMARY = select(func.count(_EVENTS.c.id), func.max(_EVENTS.c.id))


def world_summary(world_db: Session) -> tuple[int, int | None]:
    """(count, largest id) of a world's events."""
    count, largest = world_db.connection().execute(_WORLD_SUMMARY).one()
    return int(count), largest


def needs_reconcile(db: Session, world_db: Session, attempt: Attempt) -> bool:
    """Whether the world holds events the log lacks (or the counts differ for a moment)."""
    return world_summary(world_db) != logged_summary(db, attempt)


def logged_ids(db: Session, attempt: Attempt, ids: Iterable[int] | None = None) -> set[int]:
    """World event ids already logged for the attempt's current world (of `ids`, if given)."""
    q = select(_LOG.c.world_event_id).where(*_current_world_rows(attempt.mode == "practice"))
    if ids is not None:
        ids = list(ids)
        if not ids:
            return set()
        q = q.where(_LOG.c.world_event_id.in_(ids))
    return set(db.connection().execute(q, {"attempt": attempt.id}).scalars())


def event_row(attempt_id: int, ev: Event, real_at: datetime, recovered: bool = False) -> ActionLog:
    """The action-log row of a world event."""
    payload = {"actor": ev.actor, **(ev.payload or {})}
    if recovered:
        payload["recovered"] = True
    return ActionLog(
        attempt_id=attempt_id,
        kind="event",
        real_at=real_at,
        world_at=ev.at,
        event_name=ev.name,
        payload=payload,
        world_event_id=ev.id,
    )


def reconcile(db: Session, attempt: Attempt, world_path: Path | str | None = None) -> int:
    """Append to the log every event of the attempt's world not logged yet; returns how many.

    Opens the world on its own connection (the caller must not hold a transaction on it, see the
    module docstring) and commits `db`.
    """
    from sandbox.worlds.store import engine_for, world_exists

    path = str(world_path or attempt.world_path)
    if not world_exists(path):
        return 0
    with attempt_lock(attempt.id):
        world_db = Session(engine_for(path))
        try:
            ids = set(world_db.scalars(select(Event.id)))
            missing = sorted(ids - logged_ids(db, attempt))
            if not missing:
                return 0
            events = list(world_db.scalars(select(Event).where(Event.id.in_(missing)).order_by(Event.id)))
        finally:
            world_db.close()
        now = datetime.now()
        db.add_all(event_row(attempt.id, ev, now, recovered=True) for ev in events)
        db.commit()
        return len(events)


def reconcile_attempt(rt: Any, attempt_id: int) -> int:
    """`reconcile` for an attempt id, on a control session of its own (used before grading)."""
    db = rt.control.session()
    try:
        attempt = db.get(Attempt, attempt_id)
        return reconcile(db, attempt) if attempt is not None else 0
    finally:
        db.close()
