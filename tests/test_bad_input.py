"""Bad input through the web client: each refusal names the problem, has the right status, changes nothing.

Every test takes a full picture of the candidate's world before and after the bad request
(`world_state`) and asserts the two are equal, besides the status code and the Chinese message.
The helpers here are also used by tests/test_isolation.py and tests/test_security.py; paying goes
through the payment platform (tests/platform_pay.py): a refusal at the cashier is judged like any other.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.bank.models import BankAccount, JournalLine
from sandbox.gateway.models import Notification, PlatformUser, Trade
from sandbox.orders.models import Order, OrderLine
from sandbox.storefront.models import Address, CartItem, Customer, Shop, Sku
from sandbox.worlds.base import Event
from tests.conftest import GOOD_ADDRESS, first_address_id, shop_member
from tests.platform_pay import (
    GATEWAY_DO,
    open_cashier,
    pay,
    pay_at,
    pay_with_account,
    platform_request,
    trade_no_of,
)

ERROR_PAGE = 'data-role="error"'
MSG_QTY_NOT_INT = "购买数量必须是正整数"
MSG_QTY_TOO_MANY = "单次购买数量不能超过 999 件"
MSG_ADDRESS_INVALID = "收货地址填写有误，请检查标红的项目"

# --- helpers (imported by the other test files) --------------------------------------------------


def body(resp) -> str:  # noqa: ANN001
    """The response text."""
    return resp.get_data(as_text=True)


def assert_refused(resp, status: int, message: str, *, error_page: bool = True) -> None:  # noqa: ANN001
    """The response has `status` and shows `message` (on the error page unless it is an inline form error)."""
    text = body(resp)
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {text[:400]}"
    assert message in text, f"message {message!r} not shown"
    if error_page:
        assert ERROR_PAGE in text


def world_state(candidates, client) -> dict:  # noqa: ANN001
    """Everything a bad request could have changed in the client's world."""
    w = candidates.world(client)
    try:
        accounts = list(w.db.scalars(select(BankAccount).order_by(BankAccount.id)))
        return {
            "customers": [(c.id, c.username) for c in w.db.scalars(select(Customer).order_by(Customer.id))],
            "cart": [
                (i.customer_id, i.sku_id, i.quantity)
                for i in w.db.scalars(select(CartItem).order_by(CartItem.id))
            ],
            "stock": [
                tuple(r) for r in w.db.execute(select(Sku.id, Sku.quantity, Sku.allocated).order_by(Sku.id))
            ],
            "orders": [
                (
                    o.number,
                    o.status,
                    o.payment_status,
                    o.fulfilment_status,
                    o.total_fen,
                    o.closed_at,
                    o.trade_no,
                )
                for o in w.db.scalars(select(Order).order_by(Order.id))
            ],
            "order_lines": w.db.scalar(select(func.count(OrderLine.id))),
            "addresses": [
                (
                    a.id,
                    a.customer_id,
                    a.recipient,
                    a.phone,
                    a.province,
                    a.city,
                    a.district,
                    a.detail,
                    a.postcode,
                    a.is_default,
                )
                for a in w.db.scalars(select(Address).order_by(Address.id))
            ],
            "balances": {a.number: bank.balance(w, a) for a in accounts},
            "accounts": {a.number: (a.failed_payment_attempts, a.locked) for a in accounts},
            "journal_lines": w.db.scalar(select(func.count(JournalLine.id))),
            "trades": [
                (t.trade_no, t.out_trade_no, t.status, t.total_fen, t.paid_at, t.buyer_account_no)
                for t in w.db.scalars(select(Trade).order_by(Trade.id))
            ],
            "notifications": w.db.scalar(select(func.count(Notification.id))),
            "platform_users": [
                (u.email, u.failed_pay_attempts, u.locked)
                for u in w.db.scalars(select(PlatformUser).order_by(PlatformUser.id))
            ],
            "events": w.db.scalar(select(func.count(Event.id))),
        }
    finally:
        w.close()


def pick_skus(candidates, client, n: int = 1, min_stock: int = 10, max_price: int = 20000) -> list[Sku]:  # noqa: ANN001
    """`n` SKUs of different shops with enough stock and a modest price."""
    w = candidates.world(client)
    try:
        out, shops = [], set()
        q = (
            select(Sku)
            .where(Sku.quantity - Sku.allocated >= min_stock, Sku.price_fen <= max_price)
            .order_by(Sku.id)
        )
        for sku in w.db.scalars(q):
            if sku.product.shop_id in shops:
                continue
            shops.add(sku.product.shop_id)
            out.append(sku)
            if len(out) == n:
                return out
        raise AssertionError("not enough SKUs in the world")
    finally:
        w.close()


def cart_lines(candidates, client) -> list[tuple[int, str, int]]:  # noqa: ANN001
    """(item id, sku code, quantity) of every cart line in the world."""
    w = candidates.world(client)
    try:
        return [(i.id, i.sku.code, i.quantity) for i in w.db.scalars(select(CartItem).order_by(CartItem.id))]
    finally:
        w.close()


def get_order(candidates, client, number: str) -> Order:  # noqa: ANN001
    """An order of the client's world, with its lines loaded."""
    w = candidates.world(client)
    try:
        order = w.db.scalars(select(Order).where(Order.number == number)).one()
        order.lines  # noqa: B018  (load before the session closes)
        return order
    finally:
        w.close()


def buyer_identity(candidates, client) -> dict:  # noqa: ANN001
    """The candidate's bank identity (card number, passwords)."""
    return candidates.attempt_of(client).identities[0]


def place_order(
    candidates,
    client,
    sku_code: str,
    qty: int = 1,
    method: str = "express",  # noqa: ANN001
    address_id: int | None = None,
    **extra: str,
) -> str:
    """Add to cart and check out; returns the new order number."""
    resp = client.post("/shop/cart/add", data={"sku": sku_code, "quantity": str(qty)})
    assert resp.status_code == 302, body(resp)
    aid = address_id if address_id is not None else first_address_id(candidates, client)
    resp = client.post("/shop/checkout", data={"address_id": aid, "shipping_method": method, **extra})
    assert resp.status_code == 302 and resp.location.endswith("/pay"), body(resp)
    return resp.location.split("/")[-2]


def wrong_password(right: str) -> str:
    """A six-digit payment password that is not `right`."""
    return "".join(str((int(c) + 1) % 10) for c in right)


def add_second_member(client) -> None:  # noqa: ANN001
    """Register buyer_02 (with an address) in the same world, then log buyer_01 back in."""
    shop_member(client, "buyer_02", "13700137000")
    other = {**GOOD_ADDRESS, "recipient": "赵二", "detail": "另一条路8号"}
    assert client.post("/shop/addresses", data=other).status_code == 302


def login_member(client, username: str) -> None:  # noqa: ANN001
    """Log a storefront member in (password as made by shop_member)."""
    resp = client.post("/shop/login", data={"username": username, "password": "secret123"})
    assert resp.status_code == 302, body(resp)


# --- quantities ----------------------------------------------------------------------------------

BAD_QUANTITIES = [
    ("abc", MSG_QTY_NOT_INT),
    ("1.5", MSG_QTY_NOT_INT),
    ("１", MSG_QTY_NOT_INT),  # full-width digit one
    ("²", MSG_QTY_NOT_INT),  # superscript two: str.isdigit() is True for it
    ("0", MSG_QTY_NOT_INT),
    ("00", MSG_QTY_NOT_INT),
    ("-1", MSG_QTY_NOT_INT),
    ("+1", MSG_QTY_NOT_INT),
    ("1e3", MSG_QTY_NOT_INT),
    ("", MSG_QTY_NOT_INT),
    ("1000", MSG_QTY_TOO_MANY),
    ("99999999999999999999", MSG_QTY_TOO_MANY),
]


@pytest.mark.parametrize(("raw", "message"), BAD_QUANTITIES)
def test_cart_add_refuses_bad_quantity(candidates, shopper, raw: str, message: str) -> None:  # noqa: ANN001
    (sku,) = pick_skus(candidates, shopper)
    before = world_state(candidates, shopper)
    resp = shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": raw})
    assert_refused(resp, 400, message)
    after = world_state(candidates, shopper)
    assert after == before
    assert after["cart"] == []


def test_cart_add_without_quantity_field_is_refused(candidates, shopper) -> None:  # noqa: ANN001
    (sku,) = pick_skus(candidates, shopper)
    before = world_state(candidates, shopper)
    assert_refused(shopper.post("/shop/cart/add", data={"sku": sku.code}), 400, MSG_QTY_NOT_INT)
    assert world_state(candidates, shopper) == before


@pytest.fixture
def cart_line(candidates, shopper):  # noqa: ANN001, ANN201
    """The shopper has one cart line with quantity 2; returns (item id, sku)."""
    (sku,) = pick_skus(candidates, shopper)
    assert shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "2"}).status_code == 302
    ((item_id, code, qty),) = cart_lines(candidates, shopper)
    assert (code, qty) == (sku.code, 2)
    return item_id, sku


@pytest.mark.parametrize(("raw", "message"), BAD_QUANTITIES)
def test_cart_quantity_change_refuses_bad_quantity(
    candidates, shopper, cart_line, raw: str, message: str
) -> None:  # noqa: ANN001
    item_id, sku = cart_line
    before = world_state(candidates, shopper)
    resp = shopper.post(f"/shop/cart/{item_id}/quantity", data={"quantity": raw})
    assert_refused(resp, 400, message)
    assert world_state(candidates, shopper) == before
    assert cart_lines(candidates, shopper) == [(item_id, sku.code, 2)]


def test_cart_quantity_change_accepts_good_quantity(candidates, shopper, cart_line) -> None:  # noqa: ANN001
    """Control for the refusals above: the same route with a good value does change the cart."""
    item_id, sku = cart_line
    assert shopper.post(f"/shop/cart/{item_id}/quantity", data={"quantity": " 5 "}).status_code == 302
    assert cart_lines(candidates, shopper) == [(item_id, sku.code, 5)]


def test_cart_add_merging_past_the_limit_is_refused(candidates, shopper, cart_line) -> None:  # noqa: ANN001
    item_id, sku = cart_line
    before = world_state(candidates, shopper)
    assert_refused(
        shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "998"}), 400, MSG_QTY_TOO_MANY
    )
    assert world_state(candidates, shopper) == before
    assert cart_lines(candidates, shopper) == [(item_id, sku.code, 2)]


def _low_stock_sku(candidates, client) -> Sku:  # noqa: ANN001
    w = candidates.world(client)
    try:
        sku = w.db.scalars(
            select(Sku).where((Sku.quantity - Sku.allocated).between(1, 900)).order_by(Sku.id)
        ).first()
        assert sku is not None
        return sku
    finally:
        w.close()


def test_more_than_stock_is_refused_with_409(candidates, shopper) -> None:  # noqa: ANN001
    sku = _low_stock_sku(candidates, shopper)
    too_many = str(sku.available + 1)
    before = world_state(candidates, shopper)
    resp = shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": too_many})
    assert_refused(resp, 409, f"库存不足，该规格仅剩 {sku.available} 件")
    assert world_state(candidates, shopper) == before

    assert shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1"}).status_code == 302
    ((item_id, _, _),) = cart_lines(candidates, shopper)
    before = world_state(candidates, shopper)
    resp = shopper.post(f"/shop/cart/{item_id}/quantity", data={"quantity": too_many})
    assert_refused(resp, 409, f"库存不足，该规格仅剩 {sku.available} 件")
    assert world_state(candidates, shopper) == before


# --- unknown and foreign ids ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["NO-SUCH-SKU", "", "' OR '1'='1", "x" * 500])
def test_unknown_sku_is_404(candidates, shopper, code: str) -> None:  # noqa: ANN001
    before = world_state(candidates, shopper)
    resp = shopper.post("/shop/cart/add", data={"sku": code, "quantity": "1"})
    assert_refused(resp, 404, "商品规格不存在")
    assert world_state(candidates, shopper) == before


def test_unknown_product_page_is_404(shopper) -> None:  # noqa: ANN001
    assert_refused(shopper.get("/shop/p/NO-SUCH-PRODUCT"), 404, "商品不存在")


def test_cart_line_of_another_member_is_404(candidates, shopper) -> None:  # noqa: ANN001
    """buyer_01 cannot change or remove buyer_02's cart line by guessing its id."""
    (sku,) = pick_skus(candidates, shopper)
    add_second_member(shopper)  # now logged in as buyer_02
    assert shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "3"}).status_code == 302
    ((foreign_id, _, _),) = cart_lines(candidates, shopper)
    login_member(shopper, "buyer_01")
    before = world_state(candidates, shopper)
    assert_refused(
        shopper.post(f"/shop/cart/{foreign_id}/quantity", data={"quantity": "1"}), 404, "购物车中没有这件商品"
    )
    assert_refused(shopper.post(f"/shop/cart/{foreign_id}/remove"), 404, "购物车中没有这件商品")
    assert_refused(
        shopper.post("/shop/cart/999999/quantity", data={"quantity": "1"}), 404, "购物车中没有这件商品"
    )
    assert world_state(candidates, shopper) == before
    assert cart_lines(candidates, shopper) == [(foreign_id, sku.code, 3)]


def test_order_of_another_member_is_404(candidates, shopper) -> None:  # noqa: ANN001
    """buyer_01 cannot see, pay or cancel buyer_02's order in the same world by its number."""
    (sku,) = pick_skus(candidates, shopper)
    add_second_member(shopper)  # logged in as buyer_02
    w = candidates.world(shopper)
    aid = w.db.scalars(select(Address.id).join(Customer).where(Customer.username == "buyer_02")).one()
    w.close()
    foreign = place_order(candidates, shopper, sku.code, 1, address_id=aid)
    login_member(shopper, "buyer_01")
    ident = buyer_identity(candidates, shopper)
    before = world_state(candidates, shopper)
    for resp in (
        shopper.get(f"/shop/orders/{foreign}"),
        shopper.get(f"/shop/orders/{foreign}/pay"),
        pay(shopper, foreign, ident["account_no"], ident["payment_password"]),
        shopper.post(f"/shop/orders/{foreign}/cancel"),
        shopper.post(f"/shop/orders/{foreign}/confirm"),
    ):
        assert_refused(resp, 404, "订单不存在")
        assert "赵二" not in body(resp)
    assert foreign not in body(shopper.get("/shop/orders/"))
    assert world_state(candidates, shopper) == before
    assert get_order(candidates, shopper, foreign).display_status == "awaiting_payment"


def test_checkout_with_another_members_address_is_404(candidates, shopper) -> None:  # noqa: ANN001
    (sku,) = pick_skus(candidates, shopper)
    add_second_member(shopper)
    w = candidates.world(shopper)
    foreign = w.db.scalars(select(Address.id).join(Customer).where(Customer.username == "buyer_02")).one()
    w.close()
    login_member(shopper, "buyer_01")
    assert shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1"}).status_code == 302
    before = world_state(candidates, shopper)
    for aid in (foreign, "999999", "abc", ""):
        resp = shopper.post("/shop/checkout", data={"address_id": aid, "shipping_method": "express"})
        assert_refused(resp, 404, "收货地址不存在")
    assert world_state(candidates, shopper) == before
    assert before["orders"] == []


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"shipping_method": "free"}, 400, "请选择配送方式"),
        ({"shipping_method": ""}, 400, "请选择配送方式"),
        ({"shipping_method": "express", "note": "备" * 201}, 400, "订单备注不能超过200个字"),
    ],
)
def test_checkout_bad_fields_change_nothing(
    candidates, shopper, form: dict, status: int, message: str
) -> None:  # noqa: ANN001
    (sku,) = pick_skus(candidates, shopper)
    assert shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "2"}).status_code == 302
    before = world_state(candidates, shopper)
    resp = shopper.post("/shop/checkout", data={"address_id": first_address_id(candidates, shopper), **form})
    assert_refused(resp, status, message)
    assert world_state(candidates, shopper) == before


def test_checkout_with_empty_cart_is_refused(candidates, shopper) -> None:  # noqa: ANN001
    before = world_state(candidates, shopper)
    resp = shopper.post(
        "/shop/checkout",
        data={"address_id": first_address_id(candidates, shopper), "shipping_method": "express"},
    )
    assert_refused(resp, 400, "购物车是空的")
    assert world_state(candidates, shopper) == before


# --- tampered prices -----------------------------------------------------------------------------


def test_tampered_price_and_ids_in_forms_do_not_change_the_charge(candidates, shopper) -> None:  # noqa: ANN001
    sku, cheap = pick_skus(candidates, shopper, n=2)
    tamper = {
        "price": "1",
        "price_fen": "1",
        "unit_price_fen": "1",
        "sku_id": str(cheap.id),
        "product_id": str(cheap.product_id),
        "subtotal_fen": "1",
    }
    resp = shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "3", **tamper})
    assert resp.status_code == 302
    assert [(c, q) for _, c, q in cart_lines(candidates, shopper)] == [(sku.code, 3)]
    cart_page = body(shopper.get("/shop/cart"))
    assert f"¥{sku.price_fen * 3 / 100:.2f}" in cart_page

    resp = shopper.post(
        "/shop/checkout",
        data={
            "address_id": first_address_id(candidates, shopper),
            "shipping_method": "express",
            "total_fen": "1",
            "goods_total_fen": "1",
            "shipping_fee_fen": "0",
            "unit_price_fen": "1",
            "price": "1",
        },
    )
    assert resp.status_code == 302
    number = resp.location.split("/")[-2]
    order = get_order(candidates, shopper, number)
    assert [(ln.sku_code, ln.unit_price_fen, ln.quantity) for ln in order.lines] == [
        (sku.code, sku.price_fen, 3)
    ]
    assert order.goods_total_fen == sku.price_fen * 3
    assert order.shipping_fee_fen == 800
    assert order.total_fen == sku.price_fen * 3 + 800

    ident = buyer_identity(candidates, shopper)
    w = candidates.world(shopper)
    shop_no = w.db.get(Shop, order.shop_id).bank_account_no
    shop_before = bank.balance(w, bank.find_account(w, shop_no))
    w.close()
    # The shop signs its own amount, whatever the form says.
    resp, fields = platform_request(shopper, number, amount_fen="1", total_fen="1", total_amount="0.01")
    assert (
        resp.status_code == 200 and f'"total_amount":"{order.total_fen / 100:.2f}"' in fields["biz_content"]
    )
    # An amount changed on the way to the platform breaks the shop's signature: no trade.
    before = world_state(candidates, shopper)
    tampered = {
        **fields,
        "biz_content": fields["biz_content"].replace(f"{order.total_fen / 100:.2f}", "0.01"),
    }
    assert tampered != fields
    resp = shopper.post(GATEWAY_DO, data=tampered)
    assert resp.status_code == 400 and "isv.invalid-signature" in body(resp), body(resp)
    assert world_state(candidates, shopper) == before
    # The signed request opens the cashier; an amount posted with the card does not change the charge.
    resp = shopper.post(GATEWAY_DO, data=fields)
    assert resp.status_code == 303
    resp = pay_at(
        shopper,
        resp.location,
        ident["account_no"],
        ident["payment_password"],
        amount_fen="1",
        total_amount="0.01",
    )
    assert resp.status_code == 303, body(resp)
    w = candidates.world(shopper)
    try:
        assert w.db.get(Order, order.id).payment_status == "paid"
        assert bank.balance(w, bank.find_account(w, ident["account_no"])) == 500000 - order.total_fen
        assert bank.balance(w, bank.find_account(w, shop_no)) == shop_before + order.total_fen
    finally:
        w.close()


# --- address book --------------------------------------------------------------------------------

ADDRESS_CASES = [
    ("recipient", "", "收货人姓名须为2-20个字"),
    ("recipient", "   ", "收货人姓名须为2-20个字"),
    ("recipient", "王", "收货人姓名须为2-20个字"),
    ("recipient", "王" * 21, "收货人姓名须为2-20个字"),
    ("phone", "", "请输入11位有效手机号"),
    ("phone", "1391234567", "请输入11位有效手机号"),
    ("phone", "139123456789", "请输入11位有效手机号"),
    ("phone", "23912345678", "请输入11位有效手机号"),
    ("phone", "139-1234-567", "请输入11位有效手机号"),
    ("phone", "13９１２３４５６７８", "请输入11位有效手机号"),  # full-width digits
    ("province", "", "请选择省份"),
    ("province", "火星省", "请选择省份"),
    ("city", "", "请选择城市"),
    ("city", "广州市", "请选择城市"),  # a real city, but of 广东省
    ("district", "", "请选择区/县"),
    ("district", "天河区", "请选择区/县"),  # a real district, but of 广州市
    ("detail", "", "详细地址须为5-120个字"),
    ("detail", "文三路", "详细地址须为5-120个字"),
    ("detail", "路" * 121, "详细地址须为5-120个字"),
    ("postcode", "", "邮编须为6位数字"),
    ("postcode", "31001", "邮编须为6位数字"),
    ("postcode", "3100123", "邮编须为6位数字"),
    ("postcode", "31001a", "邮编须为6位数字"),
    ("postcode", "３１００１２", "邮编须为6位数字"),  # full-width digits
]


@pytest.fixture
def member(candidates):  # noqa: ANN001, ANN201
    """A candidate client with a storefront member and no address yet."""
    client = candidates.login()
    shop_member(client)
    return client


@pytest.mark.parametrize(
    ("field", "value", "message"),
    ADDRESS_CASES,
    ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(ADDRESS_CASES)],
)
def test_invalid_address_field_is_refused(candidates, member, field: str, value: str, message: str) -> None:  # noqa: ANN001
    before = world_state(candidates, member)
    resp = member.post("/shop/addresses", data={**GOOD_ADDRESS, field: value})
    assert_refused(resp, 400, MSG_ADDRESS_INVALID, error_page=False)
    text = body(resp)
    errors = re.findall(r'<div class="field-error">([^<]*)</div>', text)
    assert errors == [message], errors
    # the error sits in the wrapper of the wrong field
    assert re.search(rf'class="has-error">\s*<label for="{field}"', text)
    after = world_state(candidates, member)
    assert after == before
    assert after["addresses"] == []


def test_empty_address_form_names_every_wrong_field(candidates, member) -> None:  # noqa: ANN001
    before = world_state(candidates, member)
    resp = member.post("/shop/addresses", data={})
    assert_refused(resp, 400, MSG_ADDRESS_INVALID, error_page=False)
    errors = re.findall(r'<div class="field-error">([^<]*)</div>', body(resp))
    assert errors == [
        "收货人姓名须为2-20个字",
        "请输入11位有效手机号",
        "请选择省份",
        "详细地址须为5-120个字",
        "邮编须为6位数字",
    ]
    assert world_state(candidates, member) == before


def test_good_address_is_stored(candidates, member) -> None:  # noqa: ANN001
    """Control for the refusals above."""
    assert member.post("/shop/addresses", data=GOOD_ADDRESS).status_code == 302
    addresses = world_state(candidates, member)["addresses"]
    assert [(a[2], a[7], a[8]) for a in addresses] == [("王小明", "文三路100号5栋201室", "310012")]


def test_delete_unknown_address_is_404(candidates, shopper) -> None:  # noqa: ANN001
    before = world_state(candidates, shopper)
    assert_refused(shopper.post("/shop/addresses/999999/delete"), 404, "收货地址不存在")
    assert_refused(shopper.post("/shop/addresses/999999/default"), 404, "收货地址不存在")
    assert world_state(candidates, shopper) == before


# --- paying at the platform's cashier ------------------------------------------------------------
#
# The shop signs a request, the platform opens a trade and shows its cashier; the card and the bank's
# transaction password are typed there. The `unpaid` order's cashier is already open, so a test's
# "before" picture includes its trade and only the payment itself is judged.


@pytest.fixture
def unpaid(candidates, shopper):  # noqa: ANN001, ANN201
    """An unpaid order of the shopper, its cashier opened once (the trade exists); returns its number."""
    (sku,) = pick_skus(candidates, shopper)
    number = place_order(candidates, shopper, sku.code, 2)
    open_cashier(shopper, number)
    return number


def _account(candidates, client, number: str) -> tuple[int, int, bool]:  # noqa: ANN001
    w = candidates.world(client)
    try:
        acc = bank.find_account(w, number)
        return bank.balance(w, acc), acc.failed_payment_attempts, acc.locked
    finally:
        w.close()


def _trade_statuses(candidates, client, number: str) -> list[str]:  # noqa: ANN001
    w = candidates.world(client)
    try:
        return list(w.db.scalars(select(Trade.status).where(Trade.out_trade_no == number)))
    finally:
        w.close()


def test_opening_the_cashier_again_reuses_the_request_and_the_trade(candidates, shopper, unpaid) -> None:  # noqa: ANN001
    """Back and 付款 again (or a reload): the same signed request, the same trade, nothing new."""
    before = world_state(candidates, shopper)
    first = open_cashier(shopper, unpaid)
    assert open_cashier(shopper, unpaid) == first
    assert world_state(candidates, shopper) == before
    assert _trade_statuses(candidates, shopper, unpaid) == ["WAIT_BUYER_PAY"]


def test_wrong_payment_password_is_counted_and_moves_nothing(candidates, shopper, unpaid) -> None:  # noqa: ANN001
    ident = buyer_identity(candidates, shopper)
    before = world_state(candidates, shopper)
    resp = pay(shopper, unpaid, ident["account_no"], wrong_password(ident["payment_password"]))
    assert_refused(resp, 401, "支付密码错误，还可以尝试 4 次", error_page=False)
    assert _account(candidates, shopper, ident["account_no"]) == (500000, 1, False)
    after = world_state(candidates, shopper)
    # only the failure counter and its event changed
    assert after["accounts"][ident["account_no"]] == (1, False)
    assert after["events"] == before["events"] + 1
    for key in (
        "cart",
        "stock",
        "orders",
        "order_lines",
        "addresses",
        "balances",
        "journal_lines",
        "trades",
        "notifications",
        "platform_users",
    ):
        assert after[key] == before[key], key
    order = get_order(candidates, shopper, unpaid)
    assert (order.status, order.payment_status, order.paid_at) == ("open", "unpaid", None)
    w = candidates.world(shopper)
    assert [e.payload["failures"] for e in w.events("payment.password_failed")] == [1]
    assert w.events("gateway.trade_paid") == [] and w.events("payment.succeeded") == []
    w.close()


def test_five_wrong_passwords_lock_the_account(candidates, shopper, unpaid) -> None:  # noqa: ANN001
    ident = buyer_identity(candidates, shopper)
    bad = wrong_password(ident["payment_password"])
    before = world_state(candidates, shopper)
    for left in (4, 3, 2, 1):
        assert_refused(
            pay(shopper, unpaid, ident["account_no"], bad),
            401,
            f"支付密码错误，还可以尝试 {left} 次",
            error_page=False,
        )
        assert _account(candidates, shopper, ident["account_no"]) == (500000, 5 - left, False)
    resp = pay(shopper, unpaid, ident["account_no"], bad)
    assert_refused(resp, 403, "支付密码错误次数过多，账户已锁定", error_page=False)
    assert _account(candidates, shopper, ident["account_no"]) == (500000, 5, True)
    # locked: even the right password is refused, and nothing moves
    resp = pay(shopper, unpaid, ident["account_no"], ident["payment_password"])
    assert_refused(resp, 403, "支付密码错误次数过多，账户已锁定", error_page=False)
    # nor can the locked card be used through the platform account it is bound to
    resp = pay_with_account(shopper, open_cashier(shopper, unpaid), ident)
    assert_refused(resp, 403, "绑定的银行卡已被银行锁定", error_page=False)
    after = world_state(candidates, shopper)
    assert after["balances"] == before["balances"]
    assert after["journal_lines"] == before["journal_lines"]
    assert after["orders"] == before["orders"]
    assert after["stock"] == before["stock"]
    assert after["trades"] == before["trades"]
    assert after["accounts"][ident["account_no"]] == (5, True)
    assert get_order(candidates, shopper, unpaid).payment_status == "unpaid"
    assert _trade_statuses(candidates, shopper, unpaid) == ["WAIT_BUYER_PAY"]


def test_right_password_after_failures_pays_and_resets_counter(candidates, shopper, unpaid) -> None:  # noqa: ANN001
    ident = buyer_identity(candidates, shopper)
    for _ in range(2):
        pay(shopper, unpaid, ident["account_no"], wrong_password(ident["payment_password"]))
    assert _account(candidates, shopper, ident["account_no"])[1:] == (2, False)
    assert pay(shopper, unpaid, ident["account_no"], ident["payment_password"]).status_code == 303
    order = get_order(candidates, shopper, unpaid)
    assert order.payment_status == "paid"
    assert _account(candidates, shopper, ident["account_no"]) == (500000 - order.total_fen, 0, False)


@pytest.mark.parametrize(
    ("account", "status", "message"),
    [
        ("", 400, "请输入正确的银行卡号"),
        ("6222abc", 400, "请输入正确的银行卡号"),
        ("6222000000000000000", 404, "银行账号不存在"),
        ("0000000000000000", 404, "银行账号不存在"),  # the funding account is not a card
    ],
)
def test_pay_with_bad_card_number_moves_nothing(
    candidates, shopper, unpaid, account: str, status: int, message: str
) -> None:  # noqa: ANN001
    ident = buyer_identity(candidates, shopper)
    before = world_state(candidates, shopper)
    resp = pay(shopper, unpaid, account, ident["payment_password"])
    assert_refused(resp, status, message, error_page=False)
    assert world_state(candidates, shopper) == before


def test_pay_with_full_width_card_number_is_refused_and_not_counted(candidates, shopper, unpaid) -> None:  # noqa: ANN001
    """Full-width digits pass str.isdigit(); either message is acceptable, but nothing may change."""
    ident = buyer_identity(candidates, shopper)
    wide = ident["account_no"].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    before = world_state(candidates, shopper)
    resp = pay(shopper, unpaid, wide, wrong_password(ident["payment_password"]))
    assert resp.status_code in (400, 404)
    assert "请输入正确的银行卡号" in body(resp) or "银行账号不存在" in body(resp)
    assert world_state(candidates, shopper) == before


def test_pay_from_a_merchant_account_is_refused(candidates, shopper, unpaid) -> None:  # noqa: ANN001
    w = candidates.world(shopper)
    merchant = w.db.scalars(select(BankAccount.number).where(BankAccount.kind == "merchant")).first()
    w.close()
    before = world_state(candidates, shopper)
    assert_refused(pay(shopper, unpaid, merchant, "123456"), 404, "银行账号不存在", error_page=False)
    assert world_state(candidates, shopper) == before


def test_paying_or_cancelling_twice_is_refused(candidates, shopper) -> None:  # noqa: ANN001
    """A double-clicked 确认付款 at the cashier debits once; a paid order is not offered for payment again."""
    (sku,) = pick_skus(candidates, shopper)
    number = place_order(candidates, shopper, sku.code, 2)
    ident = buyer_identity(candidates, shopper)
    resp, fields = platform_request(shopper, number)
    cashier = shopper.post(GATEWAY_DO, data=fields).location
    assert pay_at(shopper, cashier, ident["account_no"], ident["payment_password"]).status_code == 303
    before = world_state(candidates, shopper)
    # the second click of the same payment, by card or with the platform account
    assert_refused(
        pay_at(shopper, cashier, ident["account_no"], ident["payment_password"]),
        409,
        "该交易已支付，请勿重复付款",
        error_page=False,
    )
    assert_refused(
        pay_with_account(shopper, cashier, ident), 409, "该交易已支付，请勿重复付款", error_page=False
    )
    # the same signed request carried to the platform again opens no second trade
    resp = shopper.post(GATEWAY_DO, data=fields)
    assert resp.status_code == 400 and "ACQ.TRADE_HAS_SUCCESS" in body(resp), body(resp)
    # the shop signs no new request for a paid order, nor cancels it
    assert_refused(
        pay(shopper, number, ident["account_no"], ident["payment_password"]),
        409,
        "该订单当前不能付款",
        error_page=False,
    )
    assert_refused(shopper.post(f"/shop/orders/{number}/cancel"), 409, "只有待付款的订单可以取消")
    assert world_state(candidates, shopper) == before
    assert (
        before["balances"][ident["account_no"]] == 500000 - get_order(candidates, shopper, number).total_fen
    )


def test_payment_beyond_balance_is_refused(candidates, shopper) -> None:  # noqa: ANN001
    w = candidates.world(shopper)
    choices = [(s, 500000 // s.price_fen + 1) for s in w.db.scalars(select(Sku).where(Sku.price_fen > 0))]
    w.close()
    affordable = [(s, q) for s, q in choices if q <= min(s.available, 999)]
    assert affordable, "the world has no SKU expensive enough for this test"
    sku, qty = min(affordable, key=lambda c: c[1])
    number = place_order(candidates, shopper, sku.code, qty)
    ident = buyer_identity(candidates, shopper)
    cashier = open_cashier(shopper, number)
    before = world_state(candidates, shopper)
    assert_refused(
        pay_at(shopper, cashier, ident["account_no"], ident["payment_password"]),
        409,
        "余额不足",
        error_page=False,
    )
    assert world_state(candidates, shopper) == before
    assert get_order(candidates, shopper, number).payment_status == "unpaid"
    assert _trade_statuses(candidates, shopper, number) == ["WAIT_BUYER_PAY"]


def test_simultaneous_wrong_payment_passwords_all_count(candidates, shopper, unpaid) -> None:  # noqa: ANN001
    """A double-clicked wrong password at the cashier: every failure is counted, none turns into a server error."""
    import threading

    from sandbox.errors import DomainError
    from sandbox.gateway import services as gateway
    from sandbox.worlds.store import open_world

    attempt = candidates.attempt_of(shopper)
    account_no = attempt.identities[0]["account_no"]
    trade_no = trade_no_of(open_cashier(shopper, unpaid))
    outcomes: list[object] = []

    def wrong_password() -> None:
        w = open_world(attempt.world_path, write_lock=True)  # as the cashier's POST does
        try:
            trade = w.db.scalars(select(Trade).where(Trade.trade_no == trade_no)).one()
            gateway.pay_with_card(w, trade, account_no, "000000x", None)
            w.commit()
            outcomes.append("paid")
        except DomainError as exc:
            outcomes.append(exc.status)
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            outcomes.append(exc)
        finally:
            w.close()

    threads = [threading.Thread(target=wrong_password) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == [401, 401, 401], outcomes
    w = candidates.world(shopper)
    account = w.db.scalars(select(BankAccount).where(BankAccount.number == account_no)).one()
    assert account.failed_payment_attempts == 3 and not account.locked
    assert [e.payload["failures"] for e in w.events("payment.password_failed")] == [1, 2, 3]
    w.close()
    assert _trade_statuses(candidates, shopper, unpaid) == ["WAIT_BUYER_PAY"]
