"""A World: one attempt's market database, its clock, and the domain events emitted in it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.errors import N_, Forbidden
from sandbox.worlds.base import Event, WorldMeta
from sandbox.worlds.clock import WorldClock

READ_ONLY_MESSAGE = N_("已交卷或考试已结束，不能再修改")
# Execution option that makes a world transaction start with BEGIN IMMEDIATE (see worlds.store).
WRITE_LOCK = "sandbox_write_lock"


class World:
    """Handle passed to every service: database session, clock, event emitter."""

    def __init__(self, db: Session, clock: WorldClock, *, read_only: bool = False, actor: str = "candidate"):
        self.db = db
        self.clock = clock
        self.read_only = read_only
        self.actor = actor
        self.pinned: datetime | None = None  # world time while a scheduled action runs (see at())
        self.emitted: list[Event] = []  # emitted in the open unit of work
        self.committed: list[Event] = []  # emitted and committed during this handle's life
        sa_event.listen(db, "before_flush", self._refuse_writes_when_read_only)

    def _refuse_writes_when_read_only(self, session: Session, flush_context: Any, instances: Any) -> None:
        """Make read-only structural: no flush of a change can reach a closed world."""
        if self.read_only and (session.new or session.dirty or session.deleted):
            raise Forbidden(READ_ONLY_MESSAGE)

    def now(self) -> datetime:
        """Current world-clock time (the due time while a scheduled action runs)."""
        return self.pinned if self.pinned is not None else self.clock.now()

    @contextmanager
    def at(self, when: datetime) -> Iterator[None]:
        """Run a block as if the world clock read `when` (a scheduled action, late by a quiet spell)."""
        previous, self.pinned = self.pinned, when
        try:
            yield
        finally:
            self.pinned = previous

    def emit(self, name: str, actor: str | None = None, **payload: Any) -> Event:
        """Append a domain event stamped with world time."""
        ev = Event(name=name, at=self.now(), actor=actor or self.actor, payload=payload)
        self.db.add(ev)
        self.emitted.append(ev)
        return ev

    def meta(self) -> WorldMeta:
        """The world's metadata row (already loaded by open_world: no further query)."""
        return self.db.get(WorldMeta, 1)

    def events(self, name: str | None = None) -> list[Event]:
        """Recorded events, oldest first, optionally of one name."""
        q = select(Event).order_by(Event.id)
        if name:
            q = q.where(Event.name == name)
        return list(self.db.scalars(q))

    def commit(self) -> None:
        """Commit the unit of work."""
        self.db.commit()
        self.committed.extend(self.emitted)
        self.emitted.clear()

    def rollback(self) -> None:
        """Discard the unit of work."""
        self.db.rollback()
        self.emitted.clear()

    def restart_locked(self) -> None:
        """Discard the unit of work and begin a new one that holds the world's write lock."""
        self.rollback()
        self.db.connection(execution_options={WRITE_LOCK: True})

    def close(self) -> None:
        """Release the database connection."""
        self.db.close()
