"""NPC actions about orders (`do:` in a scenario's world.events): a merchant ships."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox.orders import services as orders
from sandbox.orders.models import FulfilmentStatus, Order, OrderStatus, PaymentStatus
from sandbox.worlds.base import Event
from sandbox.worlds.npc import npc_action
from sandbox.worlds.world import World


@npc_action("merchant.ship_order")
def ship_order(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Ship the order named by the triggering event, or every paid unshipped order."""
    if trigger is not None and "order_no" in trigger.payload:
        orders.ship_order(w, trigger.payload["order_no"], args.get("carrier", "SF"))
        return
    q = select(Order.number).where(
        Order.status == OrderStatus.OPEN,
        Order.payment_status == PaymentStatus.PAID,
        Order.fulfilment_status == FulfilmentStatus.UNFULFILLED,
    )
    for number in list(w.db.scalars(q.order_by(Order.id))):
        orders.ship_order(w, number, args.get("carrier", "SF"))
