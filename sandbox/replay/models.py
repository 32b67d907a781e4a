"""Control-database table of replay recordings: batches of rrweb events, one row per batch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.control.models import ControlBase


class ReplayBatch(ControlBase):
    """One batch of rrweb events from one page load of an attempt, gzip-compressed JSON.

    A page load has a random id and numbers its batches; a retried batch has the same
    (attempt, page, seq) and is stored once.
    """

    __tablename__ = "replay_batches"
    __table_args__ = (
        UniqueConstraint("attempt_id", "page_id", "seq", name="uq_replay_batch"),
        Index("ix_replay_batches_attempt", "attempt_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    page_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    # Server time of arrival (local, naive, like ActionLog.real_at).
    received_at: Mapped[datetime] = mapped_column(DateTime)
    # Server clock minus the browser's clock when the batch was sent (ms): added to event times.
    client_offset_ms: Mapped[int] = mapped_column(BigInteger)
    # First and last event time of the batch, browser clock (epoch ms).
    first_ts: Mapped[int] = mapped_column(BigInteger)
    last_ts: Mapped[int] = mapped_column(BigInteger)
    n_events: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
