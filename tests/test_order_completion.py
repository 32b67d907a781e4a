"""An order completes when its parcels are signed for: the buyer confirms, or the world clock reaches the
auto-confirm date (7 world-days after the last signature); a parcel sent back (退回) is the merchant's to
check in and ship again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sandbox.errors import Conflict
from sandbox.logistics import tracking
from sandbox.orders import aftersales, fulfilment
from sandbox.orders import services as orders
from sandbox.orders.models import FulfilmentStatus, OrderStatus, ShipmentStatus
from sandbox.storefront import services as storefront
from sandbox.storefront.models import Customer
from sandbox.worlds import npc
from sandbox.worlds.base import Scheduled
from tests import test_fulfilment as base
from tests.test_fulfilment import FakeTime, new_order

DAY = 86_400

shop_world, w, clock = base.shop_world, base.w, base.clock  # the shared fixtures


def sign(w, number: str) -> None:  # noqa: ANN001
    """The carrier takes a parcel all the way to 已签收."""
    from sandbox.logistics import waybills

    while tracking.next_status(waybills.get_waybill(w, number)) is not None:
        tracking.advance(w, number)


def test_the_last_parcel_signed_delivers_the_order_and_the_clock_confirms_it(w, clock: FakeTime) -> None:  # noqa: ANN001
    order = new_order(w, goods=1, qty=2)
    line = order.lines[0]
    first = fulfilment.ship(w, order, "ZTO", "standard", {str(line.id): 1})
    second = fulfilment.ship(w, order, "ZTO", "standard")
    sign(w, first.waybill_no)
    assert first.status == ShipmentStatus.SIGNED and order.fulfilment_status == FulfilmentStatus.SHIPPED
    sign(w, second.waybill_no)
    assert order.fulfilment_status == FulfilmentStatus.DELIVERED and order.delivered_at == w.now()
    (delivered,) = [e for e in w.events("order.delivered") if e.payload["order_no"] == order.number]
    signed_at = w.now()
    (job,) = w.db.scalars(select(Scheduled).where(Scheduled.action == fulfilment.AUTO_CONFIRM_ACTION)).all()[
        -1:
    ]
    assert job.due_at == signed_at + timedelta(days=fulfilment.AUTO_CONFIRM_DAYS) and job.args == {
        "order_no": order.number
    }
    clock.now += 7 * DAY - 120
    npc.run_due(w, [])
    assert order.status == OrderStatus.OPEN
    clock.now += 180
    npc.run_due(w, [])
    assert order.status == OrderStatus.COMPLETED and order.completed_at == job.due_at
    (done,) = [e for e in w.events("order.completed") if e.payload["order_no"] == order.number]
    assert done.payload["by"] == "auto" and done.actor == "system" and done.at == job.due_at


def test_the_buyer_may_confirm_first_and_the_auto_confirm_then_does_nothing(w, clock: FakeTime) -> None:  # noqa: ANN001
    order = new_order(w, goods=2)
    customer = w.db.get(Customer, order.customer_id)
    with_parcel = fulfilment.ship(w, order, "SF", "standard")
    sign(w, with_parcel.waybill_no)
    orders.confirm_receipt(w, customer, order.number)
    assert order.status == OrderStatus.COMPLETED
    clock.now += 8 * DAY
    npc.run_due(w, [])
    completed = [e for e in w.events("order.completed") if e.payload["order_no"] == order.number]
    assert [e.payload["by"] for e in completed] == ["buyer"]


def test_nothing_to_confirm_before_everything_shipped(w) -> None:  # noqa: ANN001
    order = new_order(w, goods=1, qty=2)
    customer = w.db.get(Customer, order.customer_id)
    import pytest

    with pytest.raises(Conflict):
        orders.confirm_receipt(w, customer, order.number)
    fulfilment.ship(w, order, "SF", "standard", {str(order.lines[0].id): 1})
    with pytest.raises(Conflict):
        orders.confirm_receipt(w, customer, order.number)


def test_an_open_after_sale_postpones_the_auto_confirm(w, clock: FakeTime) -> None:  # noqa: ANN001
    order = new_order(w, goods=3)
    sign(w, fulfilment.ship(w, order, "SF", "standard").waybill_no)
    request = aftersales.request(w, order, kind="refund_only", reason="damaged", amount="5")
    clock.now += 7 * DAY + 60
    npc.run_due(w, [])
    assert order.status == OrderStatus.OPEN  # waits while the request is open
    aftersales.reject(w, request, "商品完好")
    clock.now += DAY
    npc.run_due(w, [])
    assert order.status == OrderStatus.COMPLETED


def test_a_returned_parcel_is_checked_in_and_shipped_again(w) -> None:  # noqa: ANN001
    order = new_order(w, goods=2, qty=2)
    sku = storefront.get_sku(w, order.lines[0].sku_code)
    on_hand = sku.quantity
    shipment = fulfilment.ship(w, order, "SF", "standard")
    assert sku.quantity == on_hand - 2
    tracking.advance(w, shipment.waybill_no)
    tracking.mark_returned(w, shipment.waybill_no, "收件人拒收")
    assert shipment.status == ShipmentStatus.RETURNED
    (back,) = [e for e in w.events("order.shipment_returned") if e.payload["order_no"] == order.number]
    assert back.payload["waybill_no"] == shipment.waybill_no
    fulfilment.restock_returned(w, order, shipment.seq)
    assert shipment.status == ShipmentStatus.RESTOCKED and sku.quantity == on_hand
    assert order.fulfilment_status == FulfilmentStatus.UNFULFILLED and order.lines[0].to_ship == 2
    again = fulfilment.ship(w, order, "ZTO", "standard")
    assert again.reference == f"{order.number}-2" and sku.quantity == on_hand - 2
    sign(w, again.waybill_no)
    assert order.fulfilment_status == FulfilmentStatus.DELIVERED  # the restocked parcel does not count
