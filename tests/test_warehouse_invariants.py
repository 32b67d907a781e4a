"""Property test of the warehouse (Hypothesis): random sequences of orders placed, cancelled, shipped,
returns received, supplier receipts, transfers and count adjustments keep the books right.

After every operation: each quant equals the sum of its moves in minus out; on hand (internal
locations) is never negative; available = on hand − allocated ≥ 0; the storefront's figures of every
SKU equal the warehouse's; allocations equal what open orders still have to ship; no money moved.
An operation the services refuse changes nothing (it runs in a savepoint that is rolled back).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sandbox.bank.models import JournalLine
from sandbox.errors import DomainError
from sandbox.logistics import stock
from sandbox.orders import services
from sandbox.orders import stock as order_stock
from sandbox.orders.models import Order, OrderStatus, PaymentStatus
from sandbox.storefront import services as storefront
from sandbox.storefront.models import Customer, Product, Shop, Sku
from sandbox.worlds.store import open_world
from tests.conftest import GOOD_ADDRESS
from tests.test_warehouse import assert_books

SKUS = 3
OPS = st.one_of(
    st.tuples(st.just("place"), st.integers(0, SKUS - 1), st.integers(1, 6)),
    st.tuples(st.just("cancel"), st.integers(0, 9), st.just(0)),
    st.tuples(st.just("pay_and_ship"), st.integers(0, 9), st.just(0)),
    st.tuples(st.just("return"), st.integers(0, 9), st.integers(1, 3)),
    st.tuples(st.just("receive"), st.integers(0, SKUS - 1), st.integers(1, 20)),
    st.tuples(st.just("count"), st.integers(0, SKUS - 1), st.integers(0, 30)),
    st.tuples(st.just("transfer"), st.integers(0, SKUS - 1), st.integers(1, 10)),
)


def _skus(w) -> list[Sku]:  # noqa: ANN001
    """A few SKUs of listed goods in open shops with little stock, so orders run out of it."""
    q = (
        select(Sku)
        .join(Sku.product)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Sku.quantity.between(5, 15), Product.status == "listed", Shop.status == "open")
        .order_by(Sku.id)
    )
    return list(w.db.scalars(q.limit(SKUS)))


def _money(w) -> tuple:  # noqa: ANN001
    return tuple(w.db.execute(select(func.count(JournalLine.id), func.sum(JournalLine.amount_fen))).one())


def _check(w, skus: list[Sku], money: tuple) -> None:  # noqa: ANN001
    """What must hold after every operation (the full books are checked at the end)."""
    figures = stock.figures(w, [s.code for s in skus])
    for sku in skus:
        w.db.refresh(sku)
        f = figures[sku.code]
        assert f.on_hand >= 0 and f.available >= 0 and all(q > 0 for q in f.by_location.values())
        assert (sku.quantity, sku.allocated) == (f.on_hand, f.allocated)
        open_lines = sum(
            line.quantity - line.shipped_quantity
            for order in w.db.scalars(select(Order).where(Order.status == OrderStatus.OPEN))
            for line in order.lines
            if line.sku_code == sku.code
        )
        assert f.allocated == open_lines
    assert _money(w) == money


def _run(w, op: tuple, skus: list[Sku], customer: Customer, address_id: int, returned: dict) -> None:  # noqa: ANN001
    kind, a, b = op
    orders = list(w.db.scalars(select(Order).where(Order.customer_id == customer.id).order_by(Order.id)))
    order = orders[a % len(orders)] if orders else None
    main = stock.location(w, stock.DEFAULT_LOCATION)
    if kind == "place":
        services.place_order(w, customer, address_id, "express", direct=storefront.DirectLine(skus[a], b))
    elif kind == "cancel" and order is not None:
        services.cancel_order(w, customer, order.number)  # refused once paid or closed
    elif kind == "pay_and_ship" and order is not None and order.status == OrderStatus.OPEN:
        # The payment itself is not under test: the order is marked paid as the platform would.
        order.payment_status, order.paid_at = PaymentStatus.PAID, w.now()
        services.ship_order(w, order.number)
    elif kind == "return" and order is not None:
        line = order.lines[0]
        if returned.get(line.id, 0) + b > line.shipped_quantity:
            raise DomainError("more than was shipped")
        order_stock.receive_return(w, line.sku_code, b, order.number)
        returned[line.id] = returned.get(line.id, 0) + b
    elif kind == "receive":
        stock.receive(w, skus[a].code, b, stock.location(w, "WH/A-01"), "RK-TEST")
    elif kind == "count":
        stock.adjust(w, skus[a].code, main, b, "PD-TEST")
    elif kind == "transfer":
        stock.transfer(w, skus[a].code, b, main, stock.location(w, "WH/B-01"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=5, max_size=25))
def test_random_stock_operations_keep_the_books(template: Path, tmp_path_factory, ops: list[tuple]) -> None:  # noqa: ANN001
    path = tmp_path_factory.mktemp("example") / "world.sqlite"
    shutil.copy(template, path)
    w = open_world(path)
    try:
        skus = _skus(w)
        assert len(skus) == SKUS
        customer = w.db.scalars(select(Customer).order_by(Customer.id)).first()
        address_id = storefront.add_address(w, customer, dict(GOOD_ADDRESS)).id
        w.commit()
        money = _money(w)
        returned: dict[int, int] = {}
        for op in ops:
            try:
                with w.db.begin_nested():
                    _run(w, op, skus, customer, address_id, returned)
                event(f"{op[0]} done")
            except DomainError:
                event(f"{op[0]} refused")  # the savepoint is rolled back: nothing changed
            w.db.expire_all()
            _check(w, skus, money)
        assert_books(w)
    finally:
        w.close()
