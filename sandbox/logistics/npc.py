"""Carriers as NPCs: scenario rules move parcels along on the world clock, or make them go wrong.

A rule names the waybill with `waybill`, or takes it from the triggering event (`waybill_no`, or the
live waybill of its `reference`, e.g. an order number). `carrier.advance` schedules the next steps,
one every `after`, until `until`; with `exception: true` the parcel meets a 疑难 instead of reaching
`until`. `carrier.exception` and `carrier.return` act at once, or `after` a delay. Delays count from the
triggering event. What a rule action does at once is the NPC's own doing, which no rule reacts to
(the runner's guard against loops); the scheduled steps are the carrier's, and rules may react to
their events (`{on: parcel.exception, do: carrier.return}`).

Suppliers are NPCs too: `supplier.confirm` accepts a purchase order that was sent, `supplier.deliver`
delivers it (perhaps `shortfall` units short), the delivery arriving as a receipt to be checked in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from sandbox.errors import N_, DomainError
from sandbox.logistics import purchasing, tracking, waybills
from sandbox.logistics.models import ParcelStatus
from sandbox.logistics.stock_models import PurchaseOrder, PurchaseStatus
from sandbox.worlds.base import Event
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.npc import npc_action, schedule
from sandbox.worlds.world import World

STEP_ACTION = "logistics.advance_step"
EXCEPTION_ACTION = "logistics.exception_step"
RETURN_ACTION = "logistics.return_step"
CONFIRM_ACTION = "supplier.confirm_step"
DELIVER_ACTION = "supplier.deliver_step"
DEFAULT_AFTER = "+30m"


def _waybill_no(w: World, args: dict[str, Any], trigger: Event | None) -> str:
    """The waybill a rule is about: its `waybill` arg, or the triggering event's."""
    if args.get("waybill"):
        return str(args["waybill"])
    payload = trigger.payload if trigger is not None else {}
    if payload.get("waybill_no"):
        return str(payload["waybill_no"])
    for key in ("reference", "order_no"):
        if payload.get(key):
            live = waybills.active_waybill(w, str(payload[key]))
            if live is not None:
                return live.number
    raise DomainError(N_("找不到要处理的运单"))


def _delay(args: dict[str, Any], default: str | None = DEFAULT_AFTER) -> timedelta | None:
    raw = args.get("after", default)
    if raw is None:
        return None
    try:
        return parse_offset(str(raw))
    except ValueError:
        raise DomainError(N_("after 必须形如 +30m、+2h 或 +1d")) from None


def _since(w: World, trigger: Event | None) -> datetime:
    """When a rule's delay counts from: its triggering event (the world may be touched later), or now."""
    return trigger.at if trigger is not None else w.now()


def _until(args: dict[str, Any]) -> str:
    until = tracking.parse_status(args.get("until", ParcelStatus.SIGNED))
    if until not in tracking.HAPPY_PATH[1:]:
        raise DomainError(N_("until 只能是已揽收、运输中、派送中或已签收"))
    return until


@npc_action("carrier.advance")
def carrier_advance(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The carrier moves the parcel on: one step every `after` (default +30m) until `until` (default
    已签收); `exception: true` makes it a 疑难 instead of reaching `until`; `waybill` or the trigger's."""
    number = _waybill_no(w, args, trigger)
    waybills.get_waybill(w, number)
    every, until, exception = _delay(args), _until(args), bool(args.get("exception", False))
    if exception and until == ParcelStatus.PICKED_UP:
        raise DomainError(N_("疑难只能发生在揽收之后"))
    step = {
        "waybill": number,
        "until": until,
        "every_s": int(every.total_seconds()),
        "exception": exception,
        "reason": str(args.get("reason", ""))[:80],
    }
    schedule(w, _since(w, trigger) + every, STEP_ACTION, **step)


@npc_action(STEP_ACTION, for_rules=False)
def advance_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """One scheduled step of `carrier.advance`; schedules the next until the parcel reaches `until`."""
    number, until = str(args["waybill"]), str(args["until"])
    waybill = waybills.get_waybill(w, number)
    if waybill.status == until:
        return
    wanted = tracking.next_status(waybill)  # None: cancelled, signed or returned (advance refuses)
    if wanted == until and args.get("exception"):
        tracking.mark_exception(w, number, str(args.get("reason") or ""))
        return
    tracking.advance(w, number)
    if wanted != until:
        schedule(w, w.now() + timedelta(seconds=int(args["every_s"])), STEP_ACTION, **args)


@npc_action("carrier.exception")
def carrier_exception(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The parcel meets a 疑难 (`reason`), at once or `after` a delay; `waybill` or the trigger's."""
    number = _waybill_no(w, args, trigger)
    delay = _delay(args, None)
    if delay is None:
        tracking.mark_exception(w, number, str(args.get("reason", "")))
    else:
        schedule(
            w,
            _since(w, trigger) + delay,
            EXCEPTION_ACTION,
            waybill=number,
            reason=str(args.get("reason", "")),
        )


@npc_action(EXCEPTION_ACTION, for_rules=False)
def exception_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """A 疑难 a rule scheduled."""
    tracking.mark_exception(w, str(args["waybill"]), str(args.get("reason", "")))


@npc_action("carrier.return")
def carrier_return(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The parcel goes back to its sender (退回, `reason`), at once or `after` a delay."""
    number = _waybill_no(w, args, trigger)
    delay = _delay(args, None)
    if delay is None:
        tracking.mark_returned(w, number, str(args.get("reason", "")))
    else:
        schedule(
            w, _since(w, trigger) + delay, RETURN_ACTION, waybill=number, reason=str(args.get("reason", ""))
        )


@npc_action(RETURN_ACTION, for_rules=False)
def return_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """A return a rule scheduled."""
    tracking.mark_returned(w, str(args["waybill"]), str(args.get("reason", "")))


# --- suppliers ---------------------------------------------------------------------------------------


def _purchase_orders(
    w: World, args: dict[str, Any], trigger: Event | None, states: tuple[str, ...]
) -> list[str]:
    """The purchase orders a supplier rule is about: its `po` arg, the trigger's, else every one in
    one of `states`."""
    if args.get("po"):
        return [str(args["po"])]
    payload = trigger.payload if trigger is not None else {}
    if payload.get("po_no"):
        return [str(payload["po_no"])]
    q = select(PurchaseOrder.number).where(PurchaseOrder.status.in_(states)).order_by(PurchaseOrder.id)
    return list(w.db.scalars(q))


def _shortfall(args: dict[str, Any]) -> int:
    value = args.get("shortfall", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DomainError(N_("shortfall 必须是不小于 0 的整数"))
    return value


@npc_action("supplier.confirm")
def supplier_confirm(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The supplier confirms the purchase order (`po`, the trigger's, else every sent one), at once or
    `after` a delay."""
    delay = _delay(args, None)
    for number in _purchase_orders(w, args, trigger, (PurchaseStatus.SENT,)):
        if delay is None:
            purchasing.supplier_confirm(w, number)
        else:
            schedule(w, _since(w, trigger) + delay, CONFIRM_ACTION, po=number)


@npc_action(CONFIRM_ACTION, for_rules=False)
def confirm_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """A supplier's confirmation a rule scheduled."""
    purchasing.supplier_confirm(w, str(args["po"]))


@npc_action("supplier.deliver")
def supplier_deliver(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The supplier delivers the purchase order (`po`, the trigger's, else every sent or confirmed one)
    `after` a delay (default +30m), `shortfall` units short of one line (`sku`, else the first); the
    delivery arrives as a receipt (入库单) to check in."""
    delay = _delay(args)
    short = _shortfall(args)
    for number in _purchase_orders(w, args, trigger, (PurchaseStatus.SENT, PurchaseStatus.CONFIRMED)):
        step = {"po": number, "shortfall": short, "sku": str(args.get("sku") or "")}
        schedule(w, _since(w, trigger) + delay, DELIVER_ACTION, **step)


@npc_action(DELIVER_ACTION, for_rules=False)
def deliver_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """A supplier's delivery a rule (or a scenario's set-up) scheduled."""
    purchasing.supplier_deliver(w, str(args["po"]), int(args.get("shortfall") or 0), args.get("sku") or None)
