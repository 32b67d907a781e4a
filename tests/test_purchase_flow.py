"""Service-level flow through the web client: register, address, cart, order, pay, cancel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.bank import services as bank
from sandbox.errors import DomainError
from sandbox.orders.models import Order
from sandbox.scenarios.loader import fmt_yuan
from sandbox.storefront.models import Sku
from tests.conftest import first_address_id
from tests.platform_pay import pay_and_return


def _sku(candidates, client, min_stock: int = 10) -> Sku:  # noqa: ANN001
    w = candidates.world(client)
    try:
        return w.db.scalars(
            select(Sku)
            .where(Sku.quantity - Sku.allocated >= min_stock, Sku.price_fen <= 20000)
            .order_by(Sku.id)
        ).first()
    finally:
        w.close()


def test_buy_and_pay_moves_money_and_stock(candidates, shopper):  # noqa: ANN001
    sku = _sku(candidates, shopper)
    before_available = sku.available
    assert shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "3"}).status_code == 302
    resp = shopper.post(
        "/shop/checkout",
        data={"address_id": first_address_id(candidates, shopper), "shipping_method": "express"},
    )
    assert resp.status_code == 302 and resp.location.endswith("/pay")
    number = resp.location.split("/")[-2]
    ident = candidates.attempt_of(shopper).identities[0]
    resp = pay_and_return(shopper, number, ident)
    assert resp.status_code == 302 and resp.location.endswith(f"/shop/orders/{number}")
    w = candidates.world(shopper)
    order = w.db.scalars(select(Order).where(Order.number == number)).one()
    assert order.payment_status == "paid" and order.display_status == "awaiting_shipment"
    assert order.paid_via == "notify" and order.trade_no  # the verified notification, not the return
    assert order.total_fen == sku.price_fen * 3 + 800
    buyer = bank.find_account(w, ident["account_no"])
    assert bank.balance(w, buyer) == 500000 - order.total_fen
    assert w.db.get(Sku, sku.id).available == before_available - 3
    w.close()
    page = shopper.get("/shop/orders/").get_data(as_text=True)
    assert number in page and "待发货" in page


def test_order_check_prefers_the_order_the_candidate_paid(candidates, shopper, rt) -> None:  # noqa: ANN001
    """Two orders with the right line, the second one paid: grading follows the paid one."""
    from graders.checks import CHECKS, load_builtin
    from graders.context import GradeContext

    sku = _sku(candidates, shopper)
    numbers = []
    for _ in range(2):
        shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "2"})
        resp = shopper.post(
            "/shop/checkout",
            data={"address_id": first_address_id(candidates, shopper), "shipping_method": "express"},
        )
        numbers.append(resp.location.split("/")[-2])
    attempt = candidates.attempt_of(shopper)
    ident = attempt.identities[0]
    pay_and_return(shopper, numbers[1], ident)
    load_builtin()
    w = candidates.world(shopper)
    ctx = GradeContext(rt.scenarios.get("b2c-purchase"), {}, {}, [], w, rt.store.root)
    result = CHECKS[("state", "orders.order_with_line")](ctx, sku=sku.code, qty=2)
    paid = CHECKS[("event", "payment.succeeded_for_order")](ctx)
    w.close()
    assert result.fraction == 1.0 and ctx.facts["order_no"] == numbers[1] and paid.fraction == 1.0


def test_order_numbers_are_particular_to_each_world(candidates) -> None:  # noqa: ANN001
    """The same first order in two worlds gets different numbers (an answer cannot be passed on)."""
    from tests.conftest import GOOD_ADDRESS, shop_member

    numbers = []
    for ticket in ("T0001", "T0002"):
        client = candidates.login(ticket)
        shop_member(client)
        client.post("/shop/addresses", data=GOOD_ADDRESS)
        sku = _sku(candidates, client)
        client.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1"})
        resp = client.post(
            "/shop/checkout",
            data={"address_id": first_address_id(candidates, client), "shipping_method": "sf"},
        )
        numbers.append(resp.location.split("/")[-2])
    assert all(
        len(n) == 18 and n.isdigit() and n.startswith("20260315") and n.endswith("0001") for n in numbers
    )
    assert numbers[0] != numbers[1]


def test_buy_now_checks_out_that_item_alone_and_leaves_the_cart(candidates, shopper) -> None:  # noqa: ANN001
    w = candidates.world(shopper)
    skus = list(w.db.scalars(select(Sku).where(Sku.quantity - Sku.allocated >= 10).order_by(Sku.id).limit(2)))
    in_cart, bought = skus[0].code, skus[1].code
    w.close()
    assert shopper.post("/shop/cart/add", data={"sku": in_cart, "quantity": "1"}).status_code == 302
    resp = shopper.post("/shop/cart/add", data={"sku": bought, "quantity": "2", "buy_now": "1"})
    assert resp.status_code == 302 and f"sku={bought}" in resp.location and "qty=2" in resp.location
    page = shopper.get(resp.location).get_data(as_text=True)
    assert "实付款" in page and in_cart not in page
    resp = shopper.post(
        "/shop/checkout",
        data={
            "address_id": first_address_id(candidates, shopper),
            "shipping_method": "express",
            "sku": bought,
            "qty": "2",
        },
    )
    number = resp.location.split("/")[-2]
    w = candidates.world(shopper)
    order = w.db.scalars(select(Order).where(Order.number == number)).one()
    assert [(line.sku_code, line.quantity) for line in order.lines] == [(bought, 2)]
    w.close()
    assert in_cart in shopper.get("/shop/cart").get_data(as_text=True)  # the cart is as it was


def test_checkout_shows_shipping_and_what_to_pay_before_submitting(candidates, shopper) -> None:  # noqa: ANN001
    sku = _sku(candidates, shopper)
    resp = shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "2", "buy_now": "1"})
    page = shopper.get(resp.location).get_data(as_text=True)
    goods = sku.price_fen * 2
    assert "实付款" in page and "不含运费" not in page
    assert f"¥{fmt_yuan(goods + 800)}" in page  # express by default
    assert f'data-payable="{fmt_yuan(goods + 1800)}"' in page  # what the page shows once SF is chosen


def test_without_an_address_checkout_says_why_it_cannot_submit(candidates) -> None:  # noqa: ANN001
    from tests.conftest import shop_member

    client = candidates.login()
    shop_member(client, "no_address_01")
    sku = _sku(candidates, client)
    resp = client.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1", "buy_now": "1"})
    page = client.get(resp.location).get_data(as_text=True)
    assert "请先添加收货地址" in page and "disabled" in page


def test_registration_names_every_wrong_field_beside_it_and_changes_nothing(candidates) -> None:  # noqa: ANN001
    from sandbox.storefront.models import Customer

    client = candidates.login()
    w = candidates.world(client)
    before = len(list(w.db.scalars(select(Customer))))
    w.close()
    resp = client.post(
        "/shop/register",
        data={"username": "x", "phone": "123", "password": "abc", "password_confirm": "abd"},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for field, message in (
        ("username", "用户名须为3-20位字母、数字、下划线或汉字"),
        ("phone", "请输入11位有效手机号"),
        ("password", "密码长度须为6-64位"),
        ("confirm", "两次输入的密码不一致"),
    ):
        assert f'<div class="field-error" id="{field}-error">{message}</div>' in page, field
    assert 'value="x"' in page and 'value="123"' in page  # what was typed stays
    w = candidates.world(client)
    assert len(list(w.db.scalars(select(Customer)))) == before
    w.close()
    ok = {
        "username": "taken_01",
        "phone": "13800138000",
        "password": "secret123",
        "password_confirm": "secret123",
    }
    assert client.post("/shop/register", data=ok).status_code == 302
    client.post("/shop/logout")
    again = client.post("/shop/register", data=ok)
    assert again.status_code == 409 and "用户名已被注册" in again.get_data(as_text=True)


def test_shipping_an_order_opens_a_waybill_and_the_order_page_shows_its_trail(candidates, shopper) -> None:  # noqa: ANN001
    from sandbox.logistics import waybills
    from sandbox.orders import services as orders_service

    sku = _sku(candidates, shopper)
    shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "2"})
    resp = shopper.post(
        "/shop/checkout",
        data={"address_id": first_address_id(candidates, shopper), "shipping_method": "express"},
    )
    number = resp.location.split("/")[-2]
    pay_and_return(shopper, number, candidates.attempt_of(shopper).identities[0])
    w = candidates.world(shopper, read_only=False)
    orders_service.ship_order(w, number, "ZTO")
    w.commit()
    waybill = waybills.active_waybill(w, number)
    assert waybill.carrier.code == "ZTO" and waybill.number.startswith("78") and waybill.parcels == 1
    assert (
        waybill.receiver["province"]
        == w.db.scalars(select(Order).where(Order.number == number)).one().ship_to["province"]
    )
    (shipped,) = [e for e in w.events("order.shipped") if e.payload["order_no"] == number]
    assert shipped.payload["waybill_no"] == waybill.number
    waybill_no = waybill.number
    with pytest.raises(DomainError):  # one live waybill per order
        orders_service.ship_order(w, number, "SF")
    w.rollback()
    w.close()
    page = shopper.get(f"/shop/orders/{number}").get_data(as_text=True)
    assert waybill_no in page and "已下单" in page and "已发货" in page
