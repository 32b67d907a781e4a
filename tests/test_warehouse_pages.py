"""The seller centre's stock pages (库存管理) through the web client: the shop's goods only (another shop's
SKU is a 404), bad quantities refused with nothing changed, a purchase order, a receipt checked in
once, a count confirmed once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.logistics import purchasing
from sandbox.logistics.stock_models import PurchaseOrder, StockMove
from sandbox.worlds.store import open_world
from tests.test_shop_payments import start_practice


@pytest.fixture
def shop(app, rt, exam):  # noqa: ANN001, ANN201
    """A practice attempt of warehouse-receipt, logged in to the seller centre."""
    client, attempt = start_practice(app, rt, "warehouse-receipt")
    merchant = next(i for i in attempt.identities if i["role"] == "merchant")
    resp = client.post(
        "/seller/login", data={"login": merchant["shop_login"], "password": merchant["shop_password"]}
    )
    assert resp.status_code == 302
    client.attempt = attempt
    return client


def _world(client, read_only: bool = True):  # noqa: ANN001, ANN201
    return open_world(client.attempt.world_path, read_only=read_only)


def _moves(client) -> int:  # noqa: ANN001
    w = _world(client)
    try:
        return w.db.scalar(select(func.count(StockMove.id)))
    finally:
        w.close()


def _po(client) -> tuple[str, str, int]:  # noqa: ANN001
    """The shop's purchase order: its number, SKU and quantity."""
    w = _world(client)
    try:
        order = w.db.scalars(select(PurchaseOrder).order_by(PurchaseOrder.id)).first()
        return order.number, order.lines[0].sku_code, order.lines[0].qty
    finally:
        w.close()


def _deliver(client, number: str, shortfall: int) -> str:  # noqa: ANN001
    """The supplier delivers now; the receipt's number."""
    w = _world(client, read_only=False)
    try:
        receipt = purchasing.supplier_deliver(w, number, shortfall)
        w.commit()
        return receipt.number
    finally:
        w.close()


def test_the_stock_page_lists_the_shops_goods_only(shop) -> None:  # noqa: ANN001
    page = shop.get("/seller/stock").get_data(as_text=True)
    _number, sku, _qty = _po(shop)
    prefix = sku.split("-")[0]
    assert all(f'data-sku="{prefix}-0{n}"' in page for n in (1, 2, 3))
    assert "P00001-01" not in page and "WH/A-01" in page
    assert "P00001-01" not in shop.get("/seller/stock?q=P00001").get_data(as_text=True)
    detail = shop.get(f"/seller/stock/sku/{sku}").get_data(as_text=True)
    assert "期初库存" in detail and "订单占用" in detail
    # another shop's goods are not reachable
    assert shop.get("/seller/stock/sku/P00001-01").status_code == 404
    before = _moves(shop)
    resp = shop.post(
        "/seller/stock/sku/P00001-01/transfer", data={"source": "WH/STOCK", "dest": "WH/A-01", "qty": "1"}
    )
    assert resp.status_code == 404
    resp = shop.post(
        "/seller/stock/purchases",
        data={"supplier": "SUP001", "sku_0": "P00001-01", "qty_0": "5", "cost_0": "10"},
    )
    assert resp.status_code == 404
    assert _moves(shop) == before


@pytest.mark.parametrize(
    ("qty", "message"),
    [
        ("-3", "数量必须是 1 到"),
        ("1.5", "数量必须是整数"),
        ("", "数量必须是整数"),
        ("9999", "不够"),
        ("0", "数量必须是 1 到"),
    ],
)
def test_bad_transfers_are_refused_and_change_nothing(shop, qty: str, message: str) -> None:  # noqa: ANN001
    _number, sku, _qty = _po(shop)
    before = _moves(shop)
    resp = shop.post(
        f"/seller/stock/sku/{sku}/transfer", data={"source": "WH/A-01", "dest": "WH/B-01", "qty": qty}
    )
    assert resp.status_code in (400, 409) and message in resp.get_data(as_text=True)
    assert _moves(shop) == before
    resp = shop.post(
        f"/seller/stock/sku/{sku}/transfer", data={"source": "WH/A-01", "dest": "WH/Z-09", "qty": "1"}
    )
    assert resp.status_code == 404 and _moves(shop) == before


def test_a_transfer_moves_units_between_locations(shop) -> None:  # noqa: ANN001
    _number, sku, _qty = _po(shop)
    resp = shop.post(
        f"/seller/stock/sku/{sku}/transfer", data={"source": "WH/A-01", "dest": "WH/B-01", "qty": "4"}
    )
    assert resp.status_code == 302
    page = shop.get(f"/seller/stock/sku/{sku}").get_data(as_text=True)
    assert 'data-location="WH/B-01"' in page and "库位调拨" in page


def test_a_receipt_is_checked_in_once_with_the_quantity_received(shop) -> None:  # noqa: ANN001
    number, sku, qty = _po(shop)
    receipt = _deliver(shop, number, 3)
    url = f"/seller/stock/receipts/{receipt}"
    page = shop.get(url).get_data(as_text=True)
    assert "缺货 3 件" in page and f'name="received_{sku}"' in page
    before = _moves(shop)
    for bad, status in (("1.5", 400), ("-1", 400), (str(qty + 1), 400), ("", 400)):
        resp = shop.post(url, data={"location": "WH/A-01", f"received_{sku}": bad})
        assert resp.status_code == status, bad
    resp = shop.post(url, data={"location": "PARTNER/SUPPLIER", f"received_{sku}": "1"})
    assert resp.status_code == 404
    assert _moves(shop) == before
    resp = shop.post(url, data={"location": "WH/A-01", f"received_{sku}": str(qty - 3), "remark": "缺 3 件"})
    assert resp.status_code == 302
    resp = shop.post(url, data={"location": "WH/A-01", f"received_{sku}": str(qty - 3)})
    assert resp.status_code == 409 and _moves(shop) == before + 1
    page = shop.get(url).get_data(as_text=True)
    assert 'data-role="shortfall">3<' in page and "已入库" in page
    assert shop.get("/seller/stock/receipts/RK20260315999").status_code == 404


def test_a_count_is_confirmed_once(shop) -> None:  # noqa: ANN001
    _number, sku, _qty = _po(shop)
    assert shop.post("/seller/stock/counts", data={"location": "WH/B-02"}).status_code == 400
    resp = shop.post("/seller/stock/counts", data={"location": "WH/A-01"})
    assert resp.status_code == 302
    url = resp.location
    page = shop.get(url).get_data(as_text=True)
    codes = [f"{sku.split('-')[0]}-0{n}" for n in (1, 2, 3)]
    assert all(f'name="counted_{c}"' in page for c in codes)
    resp = shop.post(url, data={f"counted_{sku}": "2.5", "action": "save"})
    assert resp.status_code == 400
    resp = shop.post(url, data={f"counted_{sku}": "10", "action": "confirm"})
    assert resp.status_code == 400 and "没有录入实盘数量" in resp.get_data(as_text=True)
    counted = {f"counted_{c}": "10" for c in codes}
    assert shop.post(url, data={**counted, "action": "save"}).status_code == 302
    before = _moves(shop)
    assert shop.post(url, data={**counted, "note": "抽查", "action": "confirm"}).status_code == 302
    assert _moves(shop) > before
    moved = _moves(shop)
    resp = shop.post(url, data={**counted, "action": "confirm"})
    assert resp.status_code == 409 and _moves(shop) == moved
    page = shop.get("/seller/stock/counts").get_data(as_text=True)
    assert "已确认" in page


def test_a_purchase_order_through_the_pages(shop) -> None:  # noqa: ANN001
    _number, sku, _qty = _po(shop)
    resp = shop.post(
        "/seller/stock/purchases", data={"supplier": "SUP002", "sku_0": sku, "qty_0": "1.5", "cost_0": "20"}
    )
    assert resp.status_code == 400
    resp = shop.post(
        "/seller/stock/purchases", data={"supplier": "SUP002", "sku_0": sku, "qty_0": "12", "cost_0": "0"}
    )
    assert resp.status_code == 400
    resp = shop.post(
        "/seller/stock/purchases",
        data={
            "supplier": "SUP002",
            "sku_0": sku,
            "qty_0": "12",
            "cost_0": "20.50",
            "expected_on": "2026-03-20",
        },
    )
    assert resp.status_code == 302
    url = resp.location
    assert "草稿" in shop.get(url).get_data(as_text=True)
    assert shop.post(url + "/send").status_code == 302
    assert shop.post(url + "/send").status_code == 409
    assert shop.post(url + "/cancel").status_code == 302
    page = shop.get("/seller/stock/purchases").get_data(as_text=True)
    assert "已取消" in page and "¥246.00" in page
