"""Tracking: a waybill's trail of timestamped events with a normalised status, legal steps only.

已下单 → 已揽收 → 运输中 (left the sender's hub, reached the receiver's) → 派送中 → 已签收; from
已揽收 on, a parcel may meet a 疑难 (exception), after which it goes on or is 退回 (returned).
"""

from __future__ import annotations

from sqlalchemy import select

from sandbox.errors import N_, Conflict, DomainError
from sandbox.logistics import hooks
from sandbox.logistics.models import (
    STATUS_EVENTS,
    STATUS_LABELS,
    TRANSITIONS,
    ParcelStatus,
    TrackingEvent,
    Waybill,
)
from sandbox.logistics.waybills import get_waybill
from sandbox.worlds.world import World

# The way a parcel normally goes, in order (what `until` may name).
HAPPY_PATH = (
    ParcelStatus.CREATED,
    ParcelStatus.PICKED_UP,
    ParcelStatus.IN_TRANSIT,
    ParcelStatus.OUT_FOR_DELIVERY,
    ParcelStatus.SIGNED,
)
TRANSIT_SCANS = 2  # left the sender's hub, reached the receiver's
DEFAULT_EXCEPTION = "收件人电话无人接听，无法派送"
DEFAULT_RETURN = "收件人拒收，快件退回寄件人"


def parse_status(text: object) -> str:
    """A status given by its code (signed) or its Chinese label (已签收); DomainError otherwise."""
    value = str(text or "").strip()
    for code, label in STATUS_LABELS.items():
        if value in (code, label):
            return code
    raise DomainError(N_("未知的物流状态：%(status)s"), status=value[:20])


def _hub(city: str) -> str:
    return f"{city}转运中心"


def _step_text(waybill: Waybill, status: str) -> tuple[str, str, dict[str, str]]:
    """Where a normal step happens and its note (msgid and parameters)."""
    src, dst = waybill.sender, waybill.receiver
    if status == ParcelStatus.PICKED_UP:
        return src["city"], N_("%(carrier)s快递员已揽收"), {"carrier": waybill.carrier.name}
    if status == ParcelStatus.IN_TRANSIT:
        if _transit_scans(waybill) == 0:
            return _hub(src["city"]), N_("快件已发出，下一站【%(next)s】"), {"next": _hub(dst["city"])}
        return _hub(dst["city"]), N_("快件已到达【%(place)s】"), {"place": _hub(dst["city"])}
    if status == ParcelStatus.OUT_FOR_DELIVERY:
        place = f"{dst['city']}{dst.get('district', '')}"
        return place, N_("快递员正在派送，请保持电话畅通"), {}
    if status == ParcelStatus.SIGNED:
        return dst["city"], N_("已签收，签收人：%(name)s"), {"name": mask_name(dst["name"])}
    return "", N_("快件状态更新"), {}


def mask_name(name: str) -> str:
    """A name as public pages show it: the first character, the rest starred."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _transit_scans(waybill: Waybill) -> int:
    """Transit scans since the parcel was picked up or last met an exception."""
    count = 0
    for ev in reversed(waybill.trail):
        if ev.status != ParcelStatus.IN_TRANSIT:
            break
        count += 1
    return count


def record(
    w: World, waybill: Waybill, status: str, *, place: str = "", note: str = "", params: dict | None = None
) -> TrackingEvent:
    """Append a tracking event if the step is legal (Conflict otherwise) and emit its domain event."""
    if status not in STATUS_EVENTS:
        raise DomainError(N_("未知的物流状态：%(status)s"), status=str(status)[:20])
    if status not in TRANSITIONS.get(waybill.status, set()):
        raise Conflict(
            N_("运单 %(number)s 当前为“%(current)s”，不能变为“%(wanted)s”"),
            number=waybill.number,
            current=STATUS_LABELS.get(waybill.status, waybill.status),
            wanted=STATUS_LABELS[status],
        )
    if not note:
        place, note, params = _step_text(waybill, status)
    event = TrackingEvent(
        waybill=waybill, at=w.now(), status=status, place=place[:60], note=note, note_params=params or {}
    )
    w.db.add(event)
    waybill.status = status
    waybill.updated_at = w.now()
    w.db.flush()
    _emit_step(w, waybill, status, (params or {}).get("reason", ""))
    hooks.parcel_status_changed(w, waybill, status)
    return event


def _emit_step(w: World, waybill: Waybill, status: str, reason: str) -> None:
    """Emit the step's domain event (each name written out, so the generated reference lists it)."""
    no, carrier, ref = waybill.number, waybill.carrier.code, waybill.reference
    if status == ParcelStatus.PICKED_UP:
        w.emit("parcel.picked_up", waybill_no=no, carrier=carrier, reference=ref)
    elif status == ParcelStatus.IN_TRANSIT:
        w.emit("parcel.in_transit", waybill_no=no, carrier=carrier, reference=ref)
    elif status == ParcelStatus.OUT_FOR_DELIVERY:
        w.emit("parcel.out_for_delivery", waybill_no=no, carrier=carrier, reference=ref)
    elif status == ParcelStatus.SIGNED:
        w.emit("parcel.signed", waybill_no=no, carrier=carrier, reference=ref)
    elif status == ParcelStatus.EXCEPTION:
        w.emit("parcel.exception", waybill_no=no, carrier=carrier, reference=ref, reason=reason)
    else:
        w.emit("parcel.returned", waybill_no=no, carrier=carrier, reference=ref, reason=reason)


def next_status(waybill: Waybill) -> str | None:
    """The next step on the normal way (None once signed, returned or cancelled)."""
    status = waybill.status
    if status == ParcelStatus.EXCEPTION:
        return ParcelStatus.OUT_FOR_DELIVERY
    if status == ParcelStatus.IN_TRANSIT and _transit_scans(waybill) < TRANSIT_SCANS:
        return ParcelStatus.IN_TRANSIT
    if status in HAPPY_PATH and status != ParcelStatus.SIGNED:
        return HAPPY_PATH[HAPPY_PATH.index(status) + 1]
    return None


def advance(w: World, number: str) -> TrackingEvent:
    """Move a parcel one step along the normal way; Conflict when it has nowhere to go."""
    waybill = get_waybill(w, number)
    wanted = next_status(waybill)
    if wanted is None:
        raise Conflict(
            N_("运单 %(number)s 当前为“%(current)s”，不能再推进"),
            number=waybill.number,
            current=STATUS_LABELS.get(waybill.status, waybill.status),
        )
    return record(w, waybill, wanted)


def mark_exception(w: World, number: str, reason: str = "") -> TrackingEvent:
    """The parcel meets a problem (疑难): an unreachable receiver, a damaged box …"""
    waybill = get_waybill(w, number)
    why = str(reason or DEFAULT_EXCEPTION)[:80]
    place = waybill.receiver["city"]
    return record(
        w, waybill, ParcelStatus.EXCEPTION, place=place, note=N_("疑难件：%(reason)s"), params={"reason": why}
    )


def mark_returned(w: World, number: str, reason: str = "") -> TrackingEvent:
    """The parcel goes back to its sender (退回)."""
    waybill = get_waybill(w, number)
    why = str(reason or DEFAULT_RETURN)[:80]
    place = waybill.receiver["city"]
    return record(
        w,
        waybill,
        ParcelStatus.RETURNED,
        place=place,
        note=N_("快件退回：%(reason)s"),
        params={"reason": why},
    )


def trail(w: World, number: str) -> list[TrackingEvent]:
    """A waybill's tracking events, newest first (as tracking pages show them)."""
    waybill = get_waybill(w, number)
    q = select(TrackingEvent).where(TrackingEvent.waybill_pk == waybill.id)
    return list(w.db.scalars(q.order_by(TrackingEvent.id.desc())))
