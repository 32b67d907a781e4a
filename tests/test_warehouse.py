"""The warehouse as services: stock as moves with quants in step, opening stock once, receipts, issues,
transfers, allocations, counts; bad input (negative, fractional, more than there is, unknown
location) changes nothing; the storefront's figures follow the warehouse."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.errors import Conflict, DomainError, NotFound
from sandbox.logistics import stock, stock_counts
from sandbox.logistics.stock_models import (
    CountStatus,
    LocationKind,
    MoveKind,
    StockLocation,
    StockMove,
    StockQuant,
)
from sandbox.orders import stock as order_stock
from sandbox.storefront.models import Product, Sku
from sandbox.worlds.base import Event


def stocked(w, at_least: int = 20) -> Sku:  # noqa: ANN001
    """A seeded SKU with stock."""
    return w.db.scalars(select(Sku).where(Sku.quantity >= at_least).order_by(Sku.id)).first()


def new_sku(w, code: str = "T0001-01") -> Sku:  # noqa: ANN001
    """A SKU with no stock record yet, in the first shop."""
    product = w.db.scalars(select(Product).order_by(Product.id)).first()
    sku = Sku(code=code, product=product, options={"规格": "测试"}, price_fen=1000)
    w.db.add(sku)
    w.db.flush()
    return sku


def assert_books(w) -> None:  # noqa: ANN001
    """Every quant equals its moves in − out; internal quants never negative; the storefront's figures
    equal the warehouse's; every SKU's available ≥ 0."""
    moved: dict[tuple[str, int], int] = {}
    for code, src, dst, qty in w.db.execute(
        select(StockMove.sku_code, StockMove.from_pk, StockMove.to_pk, StockMove.qty)
    ):
        moved[(code, dst)] = moved.get((code, dst), 0) + qty
        moved[(code, src)] = moved.get((code, src), 0) - qty
    quants = {(q.sku_code, q.location_pk): q.qty for q in w.db.scalars(select(StockQuant))}
    assert {k: v for k, v in quants.items() if v} == {k: v for k, v in moved.items() if v}
    internal = set(w.db.scalars(select(StockLocation.id).where(StockLocation.kind == LocationKind.INTERNAL)))
    assert all(v >= 0 for (_, loc), v in quants.items() if loc in internal)
    skus = list(w.db.scalars(select(Sku)))
    figures = stock.figures(w, [s.code for s in skus])
    for sku in skus:
        assert (sku.quantity, sku.allocated) == (figures[sku.code].on_hand, figures[sku.code].allocated), (
            sku.code
        )
        assert figures[sku.code].available >= 0


def test_the_seeded_world_opens_every_sku_in_the_main_store(w) -> None:  # noqa: ANN001
    skus = w.db.scalar(select(func.count(Sku.id)).where(Sku.quantity > 0))
    moves = w.db.scalar(select(func.count(StockMove.id)).where(StockMove.kind == MoveKind.OPENING))
    assert skus > 400 and moves == skus
    sku = stocked(w)
    assert stock.figures(w, [sku.code])[sku.code].by_location == {stock.DEFAULT_LOCATION: sku.quantity}
    assert_books(w)


def test_opening_stock_is_set_once(w) -> None:  # noqa: ANN001
    sku = new_sku(w)
    assert order_stock.opening(w, sku.code, 0, "期初库存") is None and sku.quantity == 0  # nothing yet
    order_stock.opening(w, sku.code, 12, "期初库存", location="WH/A-01")
    assert (sku.quantity, sku.allocated) == (12, 0)
    with pytest.raises(Conflict):
        order_stock.opening(w, sku.code, 5, "期初库存")
    with pytest.raises(Conflict):
        order_stock.opening(w, stocked(w).code, 5, "期初库存")  # seeded SKUs are opened already
    assert sku.quantity == 12 and [e.name for e in w.emitted].count("stock.opened") == 1
    assert_books(w)


@pytest.mark.parametrize("qty", [-1, 0, 1.5, 2.0, True, "3", None, 10**7])
def test_bad_quantities_are_refused_and_change_nothing(w, qty) -> None:  # noqa: ANN001
    sku = stocked(w)
    where = stock.location(w, stock.DEFAULT_LOCATION)
    before = (sku.quantity, w.db.scalar(select(func.count(StockMove.id))))
    for action in (
        lambda: stock.receive(w, sku.code, qty, where, "R1"),
        lambda: stock.issue(w, sku.code, qty, where, "I1"),
        lambda: stock.transfer(w, sku.code, qty, where, stock.location(w, "WH/A-01")),
        lambda: stock.allocate(w, sku.code, qty, "O1"),
    ):
        with pytest.raises(DomainError):
            action()
    assert (sku.quantity, w.db.scalar(select(func.count(StockMove.id)))) == before
    assert not [e for e in w.emitted if e.name.startswith("stock.")]


def test_more_than_there_is_and_unknown_locations_are_refused(w) -> None:  # noqa: ANN001
    sku = stocked(w)
    main, shelf = stock.location(w, stock.DEFAULT_LOCATION), stock.location(w, "WH/A-01")
    with pytest.raises(Conflict):
        stock.issue(w, sku.code, sku.quantity + 1, main, "I1")
    with pytest.raises(Conflict):
        stock.transfer(w, sku.code, 1, shelf, main)  # nothing on the shelf
    with pytest.raises(Conflict):
        stock.allocate(w, sku.code, sku.quantity + 1, "O1")
    with pytest.raises(NotFound):
        stock.location(w, "WH/Z-99")
    with pytest.raises(DomainError):
        stock.transfer(w, sku.code, 1, main, main)
    with pytest.raises(DomainError):  # a virtual location is not a place to receive into
        stock.receive(w, sku.code, 1, stock.location(w, stock.LOSS), "R1")
    assert_books(w)


def test_receipts_issues_transfers_and_allocations_move_stock(w) -> None:  # noqa: ANN001
    sku = stocked(w, 30)
    start = sku.quantity
    main, shelf = stock.location(w, stock.DEFAULT_LOCATION), stock.location(w, "WH/A-01")
    stock.receive(w, sku.code, 10, shelf, "RK1")
    stock.transfer(w, sku.code, 5, main, shelf)
    assert sku.quantity == start + 10
    assert stock.figures(w, [sku.code])[sku.code].by_location == {
        stock.DEFAULT_LOCATION: start - 5,
        "WH/A-01": 15,
    }
    stock.allocate(w, sku.code, start - 2, "ORDER-A")
    assert (sku.allocated, sku.available) == (start - 2, 12)
    with pytest.raises(Conflict):  # units reserved for orders cannot be issued otherwise
        stock.issue(w, sku.code, 13, shelf, "I1")
    stock.issue(w, sku.code, 12, shelf, "I1")
    assert sku.available == 0
    moves = stock.consume(w, sku.code, start - 2, "ORDER-A")  # the main store first, then the shelf
    assert [(m.source.code, m.qty) for m in moves] == [(stock.DEFAULT_LOCATION, start - 5), ("WH/A-01", 3)]
    assert (sku.quantity, sku.allocated) == (0, 0)
    with pytest.raises(Conflict):
        stock.release(w, sku.code, 1, "ORDER-A")  # nothing left reserved
    order_stock.receive_return(w, sku.code, 2, "ORDER-A")
    assert sku.quantity == 2 and stock.moves(w, sku.code)[0].kind == MoveKind.RETURN
    names = [e.name for e in w.emitted]
    for name in ("stock.received", "stock.transferred", "stock.allocated", "stock.issued", "stock.returned"):
        assert name in names
    assert_books(w)


def test_adjustment_cannot_leave_fewer_than_orders_reserved(w) -> None:  # noqa: ANN001
    sku = stocked(w, 20)
    main = stock.location(w, stock.DEFAULT_LOCATION)
    stock.allocate(w, sku.code, sku.quantity - 3, "ORDER-B")
    with pytest.raises(Conflict):
        stock.adjust(w, sku.code, main, 2, "PD1")
    assert stock.adjust(w, sku.code, main, sku.quantity - 3, "PD1") == -3
    assert sku.available == 0
    assert stock.adjust(w, sku.code, main, sku.quantity + 4, "PD2") == 4  # a gain
    assert_books(w)


def _shop_codes(w, sku: Sku) -> list[str]:  # noqa: ANN001
    return order_stock.shop_sku_codes(w, sku.product.shop_id)


def test_a_count_records_differences_once(w) -> None:  # noqa: ANN001
    sku = stocked(w, 10)
    shop_id = sku.product.shop_id
    sheet = stock_counts.create_count(w, shop_id, stock.DEFAULT_LOCATION, _shop_codes(w, sku))
    codes = [ln.sku_code for ln in sheet.lines]
    assert sku.code in codes and all(c in _shop_codes(w, sku) for c in codes)
    with pytest.raises(Conflict):  # one open sheet per location
        stock_counts.create_count(w, shop_id, stock.DEFAULT_LOCATION, _shop_codes(w, sku))
    with pytest.raises(DomainError):  # not every line counted
        stock_counts.confirm_count(w, shop_id, sheet.number)
    with pytest.raises(DomainError):
        stock_counts.enter_counts(w, shop_id, sheet.number, {sku.code: -1})
    with pytest.raises(DomainError):
        stock_counts.enter_counts(w, shop_id, sheet.number, {sku.code: 2.5})
    with pytest.raises(DomainError):
        stock_counts.enter_counts(w, shop_id, sheet.number, {"P99999-01": 1})
    before = sku.quantity
    counted = {ln.sku_code: ln.system_qty for ln in sheet.lines} | {sku.code: before - 3}
    stock_counts.enter_counts(w, shop_id, sheet.number, counted)
    with pytest.raises(NotFound):  # another shop's sheet
        stock_counts.confirm_count(w, shop_id + 1, sheet.number)
    stock_counts.confirm_count(w, shop_id, sheet.number)
    assert sheet.status == CountStatus.CONFIRMED and sku.quantity == before - 3
    line = next(ln for ln in sheet.lines if ln.sku_code == sku.code)
    assert (line.system_qty, line.counted_qty, line.difference) == (before, before - 3, -3)
    loss = stock.moves(w, sku.code)[0]
    assert (loss.kind, loss.dest.code, loss.qty, loss.reference) == (
        MoveKind.ADJUSTMENT,
        stock.LOSS,
        3,
        sheet.number,
    )
    with pytest.raises(Conflict):  # confirmed twice
        stock_counts.confirm_count(w, shop_id, sheet.number)
    with pytest.raises(Conflict):
        stock_counts.enter_counts(w, shop_id, sheet.number, {sku.code: 1})
    assert sku.quantity == before - 3
    assert_books(w)


def test_counting_an_empty_location_is_refused(w) -> None:  # noqa: ANN001
    sku = stocked(w)
    with pytest.raises(DomainError):
        stock_counts.create_count(w, sku.product.shop_id, "WH/B-02", _shop_codes(w, sku))
    with pytest.raises(NotFound):
        stock_counts.create_count(w, sku.product.shop_id, stock.CUSTOMERS, _shop_codes(w, sku))


def test_events_of_the_build_are_not_kept(w) -> None:  # noqa: ANN001
    assert not w.db.scalar(select(func.count(Event.id)).where(Event.name.like("stock.%")))
