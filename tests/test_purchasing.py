"""Purchase orders to suppliers: draft → sent → confirmed → delivered (a receipt, perhaps short) →
received; the supplier NPC on the world clock; checking in with the quantities received; bad input and
another shop's documents refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sandbox.domains import load_npc_actions
from sandbox.errors import Conflict, DomainError, NotFound
from sandbox.logistics import purchasing, stock
from sandbox.logistics.stock_models import MoveKind, PurchaseStatus, ReceiptStatus
from sandbox.storefront.models import Sku
from sandbox.worlds import npc

load_npc_actions()


def a_sku(w) -> Sku:  # noqa: ANN001
    """A seeded SKU with stock."""
    return w.db.scalars(select(Sku).where(Sku.quantity > 10).order_by(Sku.id)).first()


def draft(w, sku: Sku, qty: int = 30, cost: int = 1500):  # noqa: ANN001, ANN201
    """A draft order of the SKU's shop to the first supplier."""
    return purchasing.create_order(
        w, sku.product.shop_id, "SUP001", [purchasing.LineInput(sku.code, qty, cost)], note="补货"
    )


def test_a_purchase_order_goes_from_draft_to_received(w) -> None:  # noqa: ANN001
    sku = a_sku(w)
    shop_id, before = sku.product.shop_id, sku.quantity
    assert len(purchasing.suppliers(w)) >= 5
    order = draft(w, sku)
    assert order.status == PurchaseStatus.DRAFT and order.number.startswith("PO20260315")
    assert order.total_fen == 30 * 1500
    purchasing.send_order(w, shop_id, order.number)
    with pytest.raises(Conflict):
        purchasing.send_order(w, shop_id, order.number)
    purchasing.supplier_confirm(w, order.number)
    receipt = purchasing.supplier_deliver(w, order.number, shortfall=4)
    assert order.status == PurchaseStatus.DELIVERED and receipt.status == ReceiptStatus.WAITING
    line = receipt.lines[0]
    assert (line.ordered_qty, line.shipped_qty, line.received_qty) == (30, 26, None)
    assert "缺货 4 件" in receipt.delivery_note
    assert sku.quantity == before  # nothing is in stock before the check-in
    with pytest.raises(DomainError):  # more than ordered
        purchasing.check_in(w, shop_id, receipt.number, "WH/A-01", {sku.code: 31})
    with pytest.raises(DomainError):
        purchasing.check_in(w, shop_id, receipt.number, "WH/A-01", {sku.code: -2})
    with pytest.raises(DomainError):
        purchasing.check_in(w, shop_id, receipt.number, "WH/A-01", {sku.code: 2.5})
    with pytest.raises(DomainError):
        purchasing.check_in(w, shop_id, receipt.number, "WH/A-01", {})
    with pytest.raises(NotFound):
        purchasing.check_in(w, shop_id, receipt.number, "PARTNER/CUSTOMER", {sku.code: 26})
    with pytest.raises(NotFound):  # another shop's receipt
        purchasing.check_in(w, shop_id + 1, receipt.number, "WH/A-01", {sku.code: 26})
    assert receipt.status == ReceiptStatus.WAITING and sku.quantity == before
    purchasing.check_in(w, shop_id, receipt.number, "WH/A-01", {sku.code: 26}, "缺货 4 件")
    assert (line.received_qty, line.shortfall) == (26, 4)
    assert receipt.status == ReceiptStatus.DONE and order.status == PurchaseStatus.RECEIVED
    assert sku.quantity == before + 26
    move = stock.moves(w, sku.code)[0]
    assert (move.kind, move.source.code, move.dest.code, move.reference) == (
        MoveKind.RECEIPT,
        stock.SUPPLIERS,
        "WH/A-01",
        receipt.number,
    )
    with pytest.raises(Conflict):  # checked in twice
        purchasing.check_in(w, shop_id, receipt.number, "WH/A-01", {sku.code: 26})
    assert sku.quantity == before + 26
    names = [e.name for e in w.emitted]
    assert (
        names.index("purchase.sent") < names.index("purchase.delivered") < names.index("receipt.checked_in")
    )


def test_bad_purchase_orders_are_refused(w) -> None:  # noqa: ANN001
    sku = a_sku(w)
    shop = sku.product.shop_id
    line = purchasing.LineInput
    for lines, expected in (
        ([], DomainError),
        ([line(sku.code, 0, 100)], DomainError),
        ([line(sku.code, -3, 100)], DomainError),
        ([line(sku.code, 1.5, 100)], DomainError),
        ([line(sku.code, 3, 0)], DomainError),
        ([line(sku.code, 3, None)], DomainError),
        ([line(sku.code, 3, 100), line(sku.code, 2, 100)], DomainError),
    ):
        with pytest.raises(expected):
            purchasing.create_order(w, shop, "SUP001", lines)
    with pytest.raises(NotFound):
        purchasing.create_order(w, shop, "NOPE", [line(sku.code, 3, 100)])
    with pytest.raises(DomainError):
        purchasing.create_order(w, shop, "SUP001", [line(sku.code, 3, 100)], date(2026, 3, 1))
    assert purchasing.orders_of(w, shop) == []
    order = draft(w, sku)
    with pytest.raises(NotFound):  # another shop's order
        purchasing.get_order(w, shop + 1, order.number)
    with pytest.raises(Conflict):  # a supplier confirms only what was sent
        purchasing.supplier_confirm(w, order.number)
    purchasing.cancel_order(w, shop, order.number)
    with pytest.raises(Conflict):
        purchasing.send_order(w, shop, order.number)
    order = draft(w, sku, qty=5)
    purchasing.send_order(w, shop, order.number)
    with pytest.raises(DomainError):  # a shortfall of everything is no delivery
        purchasing.supplier_deliver(w, order.number, shortfall=5)
    assert order.status == PurchaseStatus.CONFIRMED  # delivering confirmed it first


def test_the_supplier_npc_confirms_and_delivers_on_the_world_clock(w) -> None:  # noqa: ANN001
    sku = a_sku(w)
    order = draft(w, sku, qty=20)
    purchasing.send_order(w, sku.product.shop_id, order.number)
    rules = [
        {"on": "purchase.sent", "do": "supplier.confirm", "args": {"after": "+10m"}},
        {"on": "purchase.sent", "do": "supplier.deliver", "args": {"after": "+2h", "shortfall": 3}},
    ]
    w.commit()
    npc.run_due(w, rules)
    assert order.status == PurchaseStatus.SENT
    with w.at(w.now() + timedelta(minutes=11)):
        npc.run_due(w, rules)
        assert order.status == PurchaseStatus.CONFIRMED
    with w.at(w.now() + timedelta(hours=3)):
        npc.run_due(w, rules)
    assert order.status == PurchaseStatus.DELIVERED
    receipt = purchasing.receipts_of(w, sku.product.shop_id)[0]
    assert receipt.lines[0].shipped_qty == 17


def test_a_bad_shortfall_in_a_rule_is_refused() -> None:
    with pytest.raises(DomainError):
        npc.RULE_ACTIONS["supplier.deliver"](None, {"po": "PO1", "shortfall": -1}, None)
