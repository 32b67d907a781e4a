"""Declarative base and the tables every world has: metadata, domain events, NPC bookkeeping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class WorldBase(DeclarativeBase):
    """Base class of every table stored in a world database."""


class WorldMeta(WorldBase):
    """One row: what this world is and how its clock runs."""

    __tablename__ = "world_meta"

    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(String(40))
    seed: Mapped[int] = mapped_column(Integer)
    epoch: Mapped[datetime] = mapped_column(DateTime)
    clock_scale: Mapped[float] = mapped_column(Float, default=1.0)
    # Real (UTC, seconds) instant at which the world clock reads `epoch`; set by the overlay.
    started_real: Mapped[float | None] = mapped_column(Float)
    scenario_id: Mapped[str | None] = mapped_column(String(80))
    attempt_key: Mapped[str | None] = mapped_column(String(80))
    # Set (under the world's write lock) when the attempt is submitted: no write may land after it.
    closed: Mapped[bool] = mapped_column(default=False)


class Event(WorldBase):
    """A domain event: something that happened in this world, stamped with world-clock time."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(20), default="candidate")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class NpcRun(WorldBase):
    """Records that NPC rule `rule` fired (for `on:` rules, once per triggering event)."""

    __tablename__ = "npc_runs"
    __table_args__ = (UniqueConstraint("rule", "trigger_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[int] = mapped_column(Integer)
    trigger_event_id: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(DateTime)


class Scheduled(WorldBase):
    """Something a system of the world will do at a world time: a cross-bank transfer arriving, a
    payment notification retried, an unpaid trade closing. Run by the NPC runner when it is due."""

    __tablename__ = "scheduled"

    id: Mapped[int] = mapped_column(primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    action: Mapped[str] = mapped_column(String(60))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    done_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(200), default="")
