"""Storing and reading an attempt's replay: batches of rrweb events, compressed, acknowledged once.

A page of the exam shell records itself (static/js/recorder.js) and posts its events in numbered
batches. Each batch says when the browser sent it, so the server knows how far the browser's clock
is from its own; events are read back on the server's clock (epoch ms), the clock of the action log.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.control.models import ActionLog, Attempt
from sandbox.errors import N_, Conflict, DomainError
from sandbox.replay.models import ReplayBatch

# Defaults of the settings (app.config may set each).
GRACE_SECONDS = 60  # REPLAY_GRACE_SECONDS: batches still accepted this long after submit
MAX_BATCH_BYTES = 2 * 1024 * 1024  # REPLAY_MAX_BATCH_BYTES: one batch as sent (compressed)
MAX_ATTEMPT_BYTES = 64 * 1024 * 1024  # REPLAY_MAX_ATTEMPT_BYTES: all of an attempt's batches, as stored
MAX_RAW_BYTES = 32 * 1024 * 1024  # a batch once decompressed (a small gzip may unpack to a lot)
MAX_EVENTS = 20_000  # events in one batch
MAX_SEQ = 10_000_000
PAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# rrweb event types (@rrweb/types EventType): Custom carries the recorder's own marks.
CUSTOM_EVENT = 5


class TooLarge(DomainError):
    """A batch, or the attempt's recording, is over its size limit."""

    status = 413


@dataclass
class Batch:
    """A batch as the browser sent it."""

    page_id: str
    seq: int
    client_now: int
    events: list[dict[str, Any]]
    attempt_id: int | None = None  # which attempt the page says it records (checked, never used)
    csrf: str | None = None  # the page's CSRF token (a beacon cannot send it as a header)


def parse_batch(body: bytes, gzipped: bool, max_raw: int = MAX_RAW_BYTES) -> Batch:
    """Read a posted batch (JSON, gzip-compressed when `gzipped`); DomainError when it is not one."""
    if gzipped:
        body = _gunzip(body, max_raw)
    elif len(body) > max_raw:
        raise TooLarge(N_("录像数据过大，未保存"))
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(N_("录像数据格式错误")) from exc
    if not isinstance(doc, dict):
        raise DomainError(N_("录像数据格式错误"))
    page_id, seq, now, events = doc.get("page"), doc.get("seq"), doc.get("now"), doc.get("events")
    if not isinstance(page_id, str) or not PAGE_ID.match(page_id):
        raise DomainError(N_("录像数据格式错误"))
    if not _is_int(seq) or not 0 <= seq < MAX_SEQ or not _is_number(now):
        raise DomainError(N_("录像数据格式错误"))
    if not isinstance(events, list) or not events or len(events) > MAX_EVENTS:
        raise DomainError(N_("录像数据格式错误"))
    for ev in events:
        if not isinstance(ev, dict) or not _is_int(ev.get("type")) or not _is_number(ev.get("timestamp")):
            raise DomainError(N_("录像数据格式错误"))
    attempt_id, token = doc.get("attempt"), doc.get("csrf")
    return Batch(
        page_id,
        seq,
        int(now),
        events,
        attempt_id if _is_int(attempt_id) else None,
        token if isinstance(token, str) else None,
    )


def _gunzip(body: bytes, max_raw: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        raw = inflater.decompress(body, max_raw + 1)
    except zlib.error as exc:
        raise DomainError(N_("录像数据格式错误")) from exc
    if len(raw) > max_raw or inflater.unconsumed_tail:
        raise TooLarge(N_("录像数据过大，未保存"))
    return raw


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # not NaN


def check_open(attempt: Attempt, now: float, grace_seconds: float) -> None:
    """Refuse recordings of an attempt submitted more than the grace period ago."""
    if attempt.submitted_real is not None and now > attempt.submitted_real + grace_seconds:
        raise Conflict(N_("已交卷，录像不再接收"))


def add_batch(
    db: Session,
    attempt: Attempt,
    batch: Batch,
    now: float,
    grace_seconds: float = GRACE_SECONDS,
    max_attempt_bytes: int = MAX_ATTEMPT_BYTES,
) -> bool:
    """Store a batch of the attempt (`now`: server time, epoch seconds). True if stored now, False if
    the same batch was stored before (a retry: acknowledged again, kept once)."""
    if batch.attempt_id is not None and batch.attempt_id != attempt.id:
        raise Conflict(N_("录像不属于当前考试，未保存"))
    check_open(attempt, now, grace_seconds)
    if _stored(db, attempt.id, batch):
        return False
    data = gzip.compress(json.dumps(batch.events, separators=(",", ":"), ensure_ascii=False).encode(), 6)
    if stored_bytes(db, attempt.id) + len(data) > max_attempt_bytes:
        raise TooLarge(N_("本场考试的录像已达到存储上限，未保存"))
    times = [int(ev["timestamp"]) for ev in batch.events]
    db.add(
        ReplayBatch(
            attempt_id=attempt.id,
            page_id=batch.page_id,
            seq=batch.seq,
            received_at=datetime.fromtimestamp(now),
            client_offset_ms=round(now * 1000) - batch.client_now,
            first_ts=min(times),
            last_ts=max(times),
            n_events=len(batch.events),
            data=data,
        )
    )
    try:
        db.commit()
    except IntegrityError:  # the same batch, retried while this one was being stored
        db.rollback()
        return False
    return True


def _stored(db: Session, attempt_id: int, batch: Batch) -> bool:
    return (
        db.scalar(
            select(ReplayBatch.id).where(
                ReplayBatch.attempt_id == attempt_id,
                ReplayBatch.page_id == batch.page_id,
                ReplayBatch.seq == batch.seq,
            )
        )
        is not None
    )


def stored_bytes(db: Session, attempt_id: int) -> int:
    """Bytes the attempt's recording takes in the database (compressed)."""
    total = db.scalar(
        select(func.coalesce(func.sum(func.length(ReplayBatch.data)), 0)).where(
            ReplayBatch.attempt_id == attempt_id
        )
    )
    return int(total or 0)


def has_recording(db: Session, attempt_id: int) -> bool:
    """Whether any batch of the attempt is stored."""
    return db.scalar(select(ReplayBatch.id).where(ReplayBatch.attempt_id == attempt_id).limit(1)) is not None


def events(db: Session, attempt_id: int) -> list[dict[str, Any]]:
    """All the attempt's events in time order, on the server's clock (epoch ms).

    A page's offset is the smallest its batches measured: each measurement is the true offset plus
    the batch's time on the wire, so the smallest is the closest.
    """
    batches = list(
        db.scalars(
            select(ReplayBatch)
            .where(ReplayBatch.attempt_id == attempt_id)
            .order_by(ReplayBatch.page_id, ReplayBatch.seq)
        )
    )
    offsets: dict[str, int] = {}
    for b in batches:
        offsets[b.page_id] = min(offsets.get(b.page_id, b.client_offset_ms), b.client_offset_ms)
    out: list[dict[str, Any]] = []
    for b in batches:
        for ev in json.loads(gzip.decompress(b.data)):
            ev["timestamp"] = int(ev["timestamp"]) + offsets[b.page_id]
            out.append(ev)
    out.sort(key=lambda ev: ev["timestamp"])  # stable: a page's events keep their order
    return out


def epoch_ms(at: datetime) -> int:
    """Server-local naive time (ActionLog.real_at, ReplayBatch.received_at) as epoch ms."""
    return round(at.timestamp() * 1000)


def timeline(db: Session, attempt_id: int) -> list[dict[str, Any]]:
    """The attempt's action log for the player: requests (not assets) and domain events, epoch ms."""
    rows = db.scalars(select(ActionLog).where(ActionLog.attempt_id == attempt_id).order_by(ActionLog.id))
    out = []
    for e in rows:
        path = e.path or ""
        if e.kind == "request" and (path.startswith("/static/") or path.startswith("/vendor/")):
            continue
        if e.kind == "request" and path.split("?")[0] == "/favicon.ico":
            continue
        out.append(
            {
                "id": e.id,
                "kind": e.kind,
                "at": epoch_ms(e.real_at),
                "label": f"{e.method} {path}" if e.kind == "request" else (e.event_name or ""),
                "status": e.status_code,
                "outcome": e.outcome,
            }
        )
    return out
