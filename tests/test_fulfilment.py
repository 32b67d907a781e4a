"""The merchant's side of orders as services: the queue, partial shipment with one waybill per parcel,
price changes before payment (the old payment request dies), cancelling, and the bad input of each —
refused with a Chinese message and the right status, changing nothing; another shop's order is a 404."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from sandbox.bank import services as bank
from sandbox.domains import load_npc_actions
from sandbox.errors import Conflict, DomainError, NotFound
from sandbox.gateway import services as gateway
from sandbox.gateway.models import Trade, TradeStatus
from sandbox.logistics import waybills
from sandbox.orders import fulfilment, payments
from sandbox.orders import npc as order_npc
from sandbox.orders.models import FulfilmentStatus, Order, OrderStatus, PaymentStatus
from sandbox.storefront import services as storefront
from sandbox.storefront.models import Customer, Shop
from sandbox.worlds.store import WorldStore, open_world
from seed_data.generate import build_world
from seed_data.overlay import apply_overlay, make_identities

load_npc_actions()

T0 = 1_800_000_000.0
ACCOUNTS = [
    {
        "role": "merchant",
        "bank_balance_fen": 100_000,
        "shop": {
            "payments": "ready",
            "goods": 3,
            "past_orders": [{"signed_days_ago": 2, "goods": 1}, {"signed_days_ago": 10, "goods": 2}],
        },
    }
]


class FakeTime:
    """A settable real clock."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def shop_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A world whose merchant has a shop with three goods and two past (delivered) orders."""
    store = WorldStore(tmp_path_factory.mktemp("fulfilment-store"))
    template, _ = store.ensure_template("fulfilment-default", build_world)
    ids = make_identities(8, ACCOUNTS)

    def overlay(w) -> None:  # noqa: ANN001
        apply_overlay(
            w,
            ids,
            started_real=T0,
            clock_scale=1.0,
            scenario_id="unit",
            attempt_key="k-fulfil",
            accounts=ACCOUNTS,
            params={},
        )

    return store.create("shop", template, overlay)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime(T0 + 60)


@pytest.fixture
def w(shop_world: Path, tmp_path: Path, clock: FakeTime):  # noqa: ANN201
    """A writable copy of the shop world, its clock a minute after the start."""
    path = tmp_path / "world.sqlite"
    shutil.copy(shop_world, path)
    world = open_world(path, real_now=clock)
    yield world
    world.close()


def shop(w) -> Shop:  # noqa: ANN001
    return order_npc.candidate_shop(w)


def new_order(w, goods: int = 1, qty: int = 1, pay: bool = True) -> Order:  # noqa: ANN001
    """An NPC customer's order in the candidate's shop."""
    return order_npc.place_for(w, shop(w), {"goods": goods, "qty": qty, "pay": pay})


def sku_of(w, order: Order, index: int = 0):  # noqa: ANN001, ANN201
    return storefront.get_sku(w, order.lines[index].sku_code)


def money(w) -> int:  # noqa: ANN001
    """Every account's balance together (the funding account's negative one included)."""
    from sandbox.bank.models import BankAccount

    return sum(bank.balance(w, a) for a in w.db.scalars(select(BankAccount)))


# --- Partial shipment ------------------------------------------------------------------------------


def test_partial_shipment_one_waybill_per_parcel_and_stock_per_piece(w) -> None:  # noqa: ANN001
    order = new_order(w, goods=1, qty=3)
    sku = sku_of(w, order)
    before = (sku.quantity, sku.allocated)
    line = order.lines[0]
    first = fulfilment.ship(w, order, "ZTO", "标快", {str(line.id): "1"})
    assert order.fulfilment_status == FulfilmentStatus.PARTIAL and order.display_status == "partially_shipped"
    assert first.reference == order.number and line.shipped_quantity == 1 and line.to_ship == 2
    assert (sku.quantity, sku.allocated) == (before[0] - 1, before[1] - 1)
    second = fulfilment.ship(w, order, "SF", "standard")  # everything left
    assert second.reference == f"{order.number}-2" and order.fulfilment_status == FulfilmentStatus.SHIPPED
    assert (sku.quantity, sku.allocated) == (before[0] - 3, before[1] - 3)
    shipped = [e for e in w.events("order.shipped") if e.payload["order_no"] == order.number]
    assert [(e.payload["parcel"], e.payload["partial"], e.payload["waybill_no"]) for e in shipped] == [
        (1, True, first.waybill_no),
        (2, False, second.waybill_no),
    ]
    # The order's waybills are found by its number (the first) and <number>-2 (the second parcel).
    assert waybills.active_waybill(w, order.number).number == first.waybill_no
    assert waybills.active_waybill(w, f"{order.number}-2").number == second.waybill_no
    with pytest.raises(Conflict):  # a second waybill for the same parcel is refused by the carrier
        waybills.create_waybill(
            w,
            carrier_code="ZTO",
            service="standard",
            sender=fulfilment.WAREHOUSE,
            receiver=fulfilment.receiver_of(order),
            goods="T恤",
            weight_g=500,
            parcels=1,
            payment="月结",
            reference=f"{order.number}-2",
        )


def test_the_old_ship_order_signature_ships_everything(w) -> None:  # noqa: ANN001
    from sandbox.orders import services

    order = new_order(w, goods=2, qty=2)
    services.ship_order(w, order.number, "ZTO")
    assert order.fulfilment_status == FulfilmentStatus.SHIPPED and len(order.shipments) == 1
    assert order.shipments[0].pieces == 2


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        ("unpaid", Conflict, "订单尚未付款，不能发货"),
        ("cancelled", Conflict, "订单已关闭，不能发货"),
        ("shipped", Conflict, "订单已发货"),
    ],
)
def test_an_order_that_cannot_ship_is_refused_and_nothing_changes(w, make, error, message) -> None:  # noqa: ANN001
    order = new_order(w, pay=make != "unpaid")
    if make == "cancelled":
        fulfilment.cancel(w, order, "顾客要求取消", by="seller")
    if make == "shipped":
        fulfilment.ship(w, order, "SF", "standard")
    sku = sku_of(w, order)
    before = (sku.quantity, sku.allocated, len(order.shipments), len(w.events("waybill.created")))
    with pytest.raises(error) as exc:
        fulfilment.ship(w, order, "SF", "standard")
    assert exc.value.key == message and exc.value.status == 409
    assert (sku.quantity, sku.allocated, len(order.shipments), len(w.events("waybill.created"))) == before


@pytest.mark.parametrize(
    ("quantities", "status", "message"),
    [
        ({"LINE": "3"}, 409, "「%(name)s」本次发货 %(qty)s 件，超过待发数量 %(left)s 件"),
        ({"LINE": "1.5"}, 400, "发货数量必须是不小于 0 的整数"),
        ({"LINE": "-1"}, 400, "发货数量必须是不小于 0 的整数"),
        ({"LINE": "0"}, 400, "请至少选择一件要发货的商品"),
        ({"999999": "1"}, 404, "订单中没有这件商品"),
    ],
)
def test_bad_parcel_quantities_are_refused(w, quantities, status, message) -> None:  # noqa: ANN001
    order = new_order(w, goods=1, qty=2)
    asked = {(str(order.lines[0].id) if k == "LINE" else k): v for k, v in quantities.items()}
    with pytest.raises(DomainError) as exc:
        fulfilment.ship(w, order, "SF", "standard", asked)
    assert (exc.value.status, exc.value.key) == (status, message)
    assert order.fulfilment_status == FulfilmentStatus.UNFULFILLED and not order.shipments


def test_another_shops_order_is_not_found(w) -> None:  # noqa: ANN001
    order = new_order(w)
    other = w.db.scalars(select(Shop).where(Shop.id != order.shop_id).order_by(Shop.id)).first()
    with pytest.raises(NotFound):
        fulfilment.shop_order(w, other.id, order.number)
    assert fulfilment.shop_order(w, order.shop_id, order.number) is order
    assert order.number not in [o.number for o in fulfilment.queue(w, other.id, fulfilment.Filters()).orders]


# --- The queue -------------------------------------------------------------------------------------


def test_the_queue_filters_searches_and_counts(w) -> None:  # noqa: ANN001
    paid = new_order(w, goods=1)
    unpaid = new_order(w, goods=3, pay=False)
    fulfilment.ship(w, new_order(w, goods=2), "SF", "standard")
    sid = shop(w).id

    def numbers(**args) -> list[str]:  # noqa: ANN003
        return [o.number for o in fulfilment.queue(w, sid, fulfilment.Filters.parse(args)).orders]

    page = fulfilment.queue(w, sid, fulfilment.Filters())
    assert page.total == 5 and page.counts["awaiting_payment"] == 1 and page.counts["awaiting_shipment"] == 1
    assert page.counts["shipped"] == 2 and page.counts["completed"] == 1  # a past order auto-confirmed
    assert numbers(status="awaiting_payment") == [unpaid.number]
    assert numbers(q=paid.number[-6:]) == [paid.number]
    assert numbers(q=unpaid.ship_to["phone"]) == [unpaid.number]
    assert unpaid.number in numbers(q=unpaid.ship_to["recipient"])
    assert numbers(product=unpaid.lines[0].product_name[:4]) == [unpaid.number]
    today = f"{w.now():%Y-%m-%d}"
    assert len(numbers(**{"from": today})) == 3  # the past orders were placed days ago
    assert len(numbers(to="2020-01-01")) == 0
    with pytest.raises(DomainError):
        fulfilment.Filters.parse({"from": "15/03/2026"})


# --- Price changes (改价) -------------------------------------------------------------------------------


def test_a_price_change_kills_the_old_payment_request(w) -> None:  # noqa: ANN001
    order = new_order(w, goods=1, pay=False)
    customer = w.db.get(Customer, order.customer_id)
    old_request = payments.order_payment_request(w, order)  # the buyer went to pay, then stopped
    old_trade = gateway.create_trade(w, old_request)
    before = order.total_fen
    adjustment = fulfilment.modify_price(w, order, "50.00", "老顾客优惠")
    assert (adjustment.before_fen, adjustment.after_fen, order.total_fen) == (before, 5000, 5000)
    assert order.adjustment_fen == 5000 - before and order.payment_request is None
    assert old_trade.status == TradeStatus.TRADE_CLOSED
    card = order_npc.npc_card(w, customer, 100_000)
    password = order_npc._card_password(w, customer)
    with pytest.raises(Conflict):  # the old amount cannot be paid any more
        gateway.pay_with_card(w, old_trade, card.number, password, None)
    new_request = payments.order_payment_request(w, order)
    assert '"out_trade_no":"' + order.number + '_1"' in new_request["biz_content"]
    assert '"total_amount":"50.00"' in new_request["biz_content"]
    gateway.pay_with_card(w, gateway.create_trade(w, new_request), card.number, password, None)
    assert order.payment_status == PaymentStatus.PAID and order.paid_via == "notify"
    (changed,) = w.events("order.price_changed")
    assert changed.payload == {
        "order_no": order.number,
        "before_fen": before,
        "after_fen": 5000,
        "reason": "老顾客优惠",
    }


def test_a_signed_request_never_taken_to_the_platform_is_closed_there_too(w) -> None:  # noqa: ANN001
    order = new_order(w, goods=1, pay=False)
    old_request = payments.order_payment_request(w, order)
    fulfilment.modify_price(w, order, "66", "包邮")
    with pytest.raises(gateway.GatewayError) as exc:  # the browser carries the old form afterwards
        gateway.create_trade(w, old_request)
    assert exc.value.sub_code == "ACQ.TRADE_HAS_CLOSE"


def test_no_price_change_once_the_buyer_paid_even_if_the_shop_was_not_told(w) -> None:  # noqa: ANN001
    order = new_order(w, goods=1, pay=False)
    customer = w.db.get(Customer, order.customer_id)
    trade = gateway.create_trade(w, payments.order_payment_request(w, order))
    trade.notify_url = "https://elsewhere.sim/notify"  # the platform's notification goes nowhere
    card = order_npc.npc_card(w, customer, order.total_fen)
    gateway.pay_with_card(w, trade, card.number, order_npc._card_password(w, customer), None)
    assert order.payment_status == PaymentStatus.UNPAID
    before = order.total_fen
    with pytest.raises(Conflict) as exc:
        fulfilment.modify_price(w, order, "1.00", "优惠")
    assert exc.value.key == "买家已付款，不能再修改价格" and order.total_fen == before
    assert order.payment_status == PaymentStatus.PAID and order.paid_via == "query"


@pytest.mark.parametrize(
    ("total", "reason", "status", "message"),
    [
        ("0", "优惠", 400, "修改后的订单金额必须大于零"),
        ("-5", "优惠", 400, "金额必须是数字，最多两位小数"),
        ("abc", "优惠", 400, "金额必须是数字，最多两位小数"),
        ("10", "", 400, "请填写改价原因（2-100 个字）"),
    ],
)
def test_bad_price_changes_are_refused(w, total, reason, status, message) -> None:  # noqa: ANN001
    order = new_order(w, pay=False)
    before = order.total_fen
    with pytest.raises(DomainError) as exc:
        fulfilment.modify_price(w, order, total, reason)
    assert (exc.value.status, exc.value.key) == (status, message)
    assert order.total_fen == before and not order.adjustments


def test_the_price_of_a_paid_order_cannot_change(w) -> None:  # noqa: ANN001
    order = new_order(w)
    with pytest.raises(Conflict) as exc:
        fulfilment.modify_price(w, order, "1", "太贵了")
    assert exc.value.key == "只有待付款的订单可以修改价格"


# --- Cancelling ------------------------------------------------------------------------------------


def test_cancelling_an_unpaid_order_releases_stock_and_closes_its_trade(w) -> None:  # noqa: ANN001
    order = new_order(w, goods=2, qty=2, pay=False)
    trade = gateway.create_trade(w, payments.order_payment_request(w, order))
    sku = sku_of(w, order)
    allocated = sku.allocated
    fulfilment.cancel(w, order, "顾客要求取消", by="seller")
    assert order.status == OrderStatus.CLOSED and order.cancel_reason == "顾客要求取消"
    assert sku.allocated == allocated - 2 and trade.status == TradeStatus.TRADE_CLOSED


def test_cancelling_a_paid_order_refunds_it_in_full_and_money_is_conserved(w) -> None:  # noqa: ANN001
    order = new_order(w, goods=3)
    total = money(w)
    trade = w.db.scalars(select(Trade).where(Trade.trade_no == order.trade_no)).one()
    payer = bank.find_account(w, trade.buyer_account_no)
    merchant = bank.find_account(w, shop(w).bank_account_no)
    paid_before, merchant_before = bank.balance(w, payer), bank.balance(w, merchant)
    fulfilment.cancel(w, order, "缺货", by="seller")
    assert order.status == OrderStatus.CLOSED and order.refunded_fen == order.total_fen
    assert bank.balance(w, payer) == paid_before + order.total_fen
    assert bank.balance(w, merchant) == merchant_before - order.total_fen
    assert money(w) == total and trade.status == TradeStatus.TRADE_CLOSED


@pytest.mark.parametrize(("by", "reason"), [("seller", ""), ("buyer", "")])
def test_cancelling_refuses_what_it_should(w, by, reason) -> None:  # noqa: ANN001
    shipped = new_order(w)
    fulfilment.ship(w, shipped, "SF", "standard")
    with pytest.raises(Conflict):
        fulfilment.cancel(w, shipped, "不要了", by=by)
    paid = new_order(w)
    with pytest.raises(DomainError) as exc:
        fulfilment.cancel(w, paid, reason, by=by)
    assert exc.value.status == (400 if by == "seller" else 409)
    assert paid.status == OrderStatus.OPEN and paid.refunded_fen == 0


def test_the_dashboard_counts_today_on_the_world_clock(w) -> None:  # noqa: ANN001
    from sandbox.merchant import dashboard
    from sandbox.merchant.models import SellerAccount
    from sandbox.orders import aftersales

    seller = w.db.scalars(select(SellerAccount).where(SellerAccount.shop_id == shop(w).id)).one()
    before = dashboard.board(w, seller).figures
    assert before["orders_today"] == 0 and before["sales_today_fen"] == 0  # the past orders are days old
    paid = new_order(w, goods=1)
    new_order(w, goods=2, pay=False)
    past = fulfilment.queue(w, shop(w).id, fulfilment.Filters.parse({"status": "shipped"})).orders[-1]
    aftersales.request(w, past, kind="refund_only", reason="damaged", amount="1")
    board = dashboard.board(w, seller)
    assert board.has_shop and board.day == f"{w.now():%Y-%m-%d}"
    assert board.figures == {
        **before,
        "orders_today": 2,
        "paid_today": 1,
        "sales_today_fen": paid.total_fen,
        "awaiting_payment": before["awaiting_payment"] + 1,
        "to_ship": before["to_ship"] + 1,
        "aftersales_todo": before["aftersales_todo"] + 1,
    }
    seller.shop_id = None
    assert dashboard.board(w, seller).has_shop is False


# --- The pages (Flask test client, an attempt of order-fulfilment) -----------------------------------


@pytest.fixture
def seller(app, rt):  # noqa: ANN001, ANN201
    """A candidate of order-fulfilment logged in to the seller centre (and the attempt's helpers)."""
    from sandbox.control import people
    from tests.conftest import CandidateActions

    db = rt.control.session()
    exam = people.create_exam(db, "T-8", "订单处理", ["order-fulfilment"])
    people.add_candidate(db, exam, "T0801", "考生丙", "pass1234")
    db.commit()
    db.close()
    actions = CandidateActions(app, rt)
    client = actions.login("T0801")
    merchant = actions.attempt_of(client).identities[0]
    resp = client.post(
        "/seller/login", data={"login": merchant["shop_login"], "password": merchant["shop_password"]}
    )
    assert resp.status_code == 302
    client.actions, client.merchant = actions, merchant
    return client


def _world_do(client, fn):  # noqa: ANN001, ANN201
    """Run `fn(w)` in the client's world and commit (as an NPC would, between requests)."""
    w = client.actions.world(client, read_only=False)
    try:
        out = fn(w)
        w.commit()
        return out
    finally:
        w.close()


def test_the_seller_pages_ship_reprice_print_and_keep_to_their_shop(seller) -> None:  # noqa: ANN001
    paid = _world_do(seller, lambda w: new_order(w, goods=1, qty=2).number)
    unpaid = _world_do(seller, lambda w: new_order(w, goods=2, pay=False).number)
    other = _world_do(
        seller,
        lambda w: (
            w.db.scalars(select(Order.number).where(Order.shop_id != shop(w).id).limit(1)).first()
            or order_npc.place_for(
                w, w.db.scalars(select(Shop).order_by(Shop.id)).first(), {"pay": False}
            ).number
        ),
    )
    home = seller.get("/seller/").get_data(as_text=True)
    assert 'data-figure="to_ship"' in home and 'data-figure="aftersales_todo"' in home
    queue = seller.get("/seller/orders").get_data(as_text=True)
    assert f'data-order-no="{paid}"' in queue and f'data-order-no="{unpaid}"' in queue
    assert seller.get(f"/seller/orders/{paid}").status_code == 200
    # Bad input is shown on the page with its status; nothing changes.
    resp = seller.post(f"/seller/orders/{unpaid}/ship", data={"choice": "ZTO|standard"})
    assert resp.status_code == 409 and "订单尚未付款，不能发货" in resp.get_data(as_text=True)
    resp = seller.post(
        f"/seller/orders/{paid}/ship", data={"choice": "ZTO|standard", "mode": "partial", "qty-0": "1"}
    )
    assert resp.status_code == 404
    resp = seller.post(f"/seller/orders/{unpaid}/price", data={"total": "0", "reason": "优惠"})
    assert resp.status_code == 400 and "修改后的订单金额必须大于零" in resp.get_data(as_text=True)
    # Another shop's order is not there at all.
    assert seller.get(f"/seller/orders/{other}").status_code == 404
    assert seller.post(f"/seller/orders/{other}/ship", data={"choice": "SF|standard"}).status_code == 404
    assert seller.get(f"/seller/orders/{other}/packing-slip").status_code == 404
    # Ship, reprice, print.
    assert seller.post(f"/seller/orders/{paid}/ship", data={"choice": "ZTO|standard"}).status_code == 302
    again = seller.post(f"/seller/orders/{paid}/ship", data={"choice": "ZTO|standard"})
    assert again.status_code == 409 and "订单已发货" in again.get_data(as_text=True)
    assert (
        seller.post(f"/seller/orders/{unpaid}/price", data={"total": "12.80", "reason": "老顾客"}).status_code
        == 302
    )
    slip = seller.get(f"/seller/orders/{paid}/packing-slip").get_data(as_text=True)
    assert "发货单" in slip and paid in slip and "sellernav" not in slip and 'class="dock"' not in slip

    def check(w) -> None:  # noqa: ANN001
        shipped = fulfilment.shop_order(w, shop(w).id, paid)
        assert (
            shipped.fulfilment_status == FulfilmentStatus.SHIPPED
            and shipped.shipments[0].carrier_code == "ZTO"
        )
        assert fulfilment.shop_order(w, shop(w).id, unpaid).total_fen == 1280

    _world_do(seller, check)


def test_a_buyer_asks_for_after_sales_with_a_photo_and_the_seller_refuses_with_a_reason(seller) -> None:  # noqa: ANN001
    import io

    from PIL import Image

    from tests.conftest import GOOD_ADDRESS, shop_member
    from tests.platform_pay import pay

    shop_member(seller, "buyer_d8")
    assert seller.post("/shop/addresses", data=GOOD_ADDRESS).status_code == 302
    sku = _world_do(seller, lambda w: shop(w) and f"G{shop(w).id:04d}1-01")
    assert seller.post("/shop/cart/add", data={"sku": sku, "quantity": "1"}).status_code == 302
    address = _world_do(
        seller,
        lambda w: w.db.scalars(select(Customer).where(Customer.username == "buyer_d8")).one().addresses[0].id,
    )
    resp = seller.post("/shop/checkout", data={"address_id": address, "shipping_method": "express"})
    number = resp.location.split("/")[-2]
    paid = pay(seller, number, "6299000000000001", "123456")  # a test card (the shop's own card is its payee)
    assert paid.status_code == 303, paid.get_data(as_text=True)
    assert seller.post(f"/seller/orders/{number}/ship", data={"choice": "SF|standard"}).status_code == 302
    photo = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 200)).save(photo, format="PNG")
    form = {"kind": "refund_only", "reason": "damaged", "amount": "5", "detail": "外盒破损"}
    bad = seller.post(
        f"/shop/orders/{number}/aftersale",
        data={**form, "images": (io.BytesIO(b"<svg onload=alert(1)>"), "x.svg")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "SVG" in bad.get_data(as_text=True)
    resp = seller.post(
        f"/shop/orders/{number}/aftersale",
        data={**form, "images": (io.BytesIO(photo.getvalue()), "box.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    request_no = resp.location.rstrip("/").rsplit("/", 1)[-1]
    listed = seller.get("/seller/aftersales?tab=todo").get_data(as_text=True)
    assert f'data-aftersale-no="{request_no}"' in listed
    page = seller.get(f"/seller/aftersales/{request_no}").get_data(as_text=True)
    image_url = page.split('class="aftersale-thumb" src="', 1)[1].split('"', 1)[0]
    image = seller.get(image_url)
    assert (
        image.status_code == 200
        and image.mimetype == "image/png"
        and "sandbox" in image.headers["Content-Security-Policy"]
    )
    refused = seller.post(f"/seller/aftersales/{request_no}/reject", data={"reason": ""})
    assert refused.status_code == 400 and "请填写拒绝原因" in refused.get_data(as_text=True)
    assert (
        seller.post(
            f"/seller/aftersales/{request_no}/reject", data={"reason": "外盒破损不影响使用"}
        ).status_code
        == 302
    )
    buyer_page = seller.get(f"/shop/orders/{number}").get_data(as_text=True)
    assert "外盒破损不影响使用" in buyer_page and "商家已拒绝" in buyer_page
    seller.get("/lang/en")  # the same pages in English
    for path, text in (
        (f"/seller/orders/{number}", "Parcels and tracking"),
        (f"/seller/aftersales/{request_no}", "Refused by the shop"),
        (f"/shop/aftersales/{request_no}", "Refused by the shop"),
        (f"/shop/orders/{number}", "After-sales"),
        ("/seller/", "Orders today"),
        (f"/seller/orders/{number}/packing-slip", "Packing slip"),
    ):
        page = seller.get(path)
        assert page.status_code == 200 and text in page.get_data(as_text=True), path
