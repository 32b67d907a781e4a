"""The shops' side of the platform: an order is paid only on what the shop can verify.

Forged, altered or replayed notifications posted to a shop's notify URL change nothing and are
listed as rejected; the cashier's return is never trusted by itself; the shop's back office refuses
bad keys and amounts without changing anything.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.gateway import services as gateway
from sandbox.gateway.merchants import platform_sign
from sandbox.gateway.models import Notification, Trade
from sandbox.orders import payments
from sandbox.orders.models import Order
from sandbox.orders.payment_models import PaymentNotice, ShopPaymentSetup, TrialPayment
from sandbox.storefront.models import Sku
from tests.conftest import first_address_id
from tests.platform_pay import open_cashier, pay_and_return


def _order(candidates, client) -> str:  # noqa: ANN001
    w = candidates.world(client)
    sku = w.db.scalars(select(Sku).where(Sku.quantity - Sku.allocated >= 5, Sku.price_fen <= 20000)).first()
    w.close()
    assert client.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1"}).status_code == 302
    resp = client.post(
        "/shop/checkout",
        data={"address_id": first_address_id(candidates, client), "shipping_method": "express"},
    )
    return resp.location.split("/")[-2]


def _paid_order(candidates, client) -> tuple[str, dict]:  # noqa: ANN001
    number = _order(candidates, client)
    pay_and_return(client, number, candidates.attempt_of(client).identities[0])
    w = candidates.world(client)
    trade = w.db.scalars(select(Trade).where(Trade.out_trade_no == number)).one()
    note = w.db.scalars(select(Notification).where(Notification.trade_pk == trade.id)).first()
    params, url = dict(note.params), note.url
    w.close()
    return number, {"params": params, "url": url}


def _state(candidates, client, number: str) -> tuple:  # noqa: ANN001
    w = candidates.world(client)
    order = w.db.scalars(select(Order).where(Order.number == number)).one()
    paid_events = len([e for e in w.events("payment.succeeded") if e.payload["order_no"] == number])
    state = (order.payment_status, order.paid_via, order.trade_no, paid_events)
    w.close()
    return state


def _notices(candidates, client) -> list[tuple[str, str]]:  # noqa: ANN001
    w = candidates.world(client)
    rows = [(n.verdict, n.reason) for n in w.db.scalars(select(PaymentNotice).order_by(PaymentNotice.id))]
    w.close()
    return rows


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[1]


def _platform_signed(candidates, client, params: dict) -> dict:  # noqa: ANN001
    """Parameters signed with the world's platform key (what only the platform could send)."""
    w = candidates.world(client, read_only=False)
    params = {k: v for k, v in params.items() if k != "sign"}
    params["sign"] = platform_sign(w, params)
    w.close()
    return params


def test_a_paid_order_was_confirmed_by_the_verified_notification(candidates, shopper) -> None:  # noqa: ANN001
    number, note = _paid_order(candidates, shopper)
    assert _state(candidates, shopper, number)[:2] == ("paid", "notify")
    assert _notices(candidates, shopper) == [("accepted", "")]
    assert note["params"]["out_trade_no"] == number and note["params"]["trade_status"] == "TRADE_SUCCESS"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("bad_signature", "签名验证失败"),
        ("other_app", "通知的 app_id 不是本店的应用"),
        ("changed_amount", "通知金额与订单金额不符"),
        ("unsigned_amount", "签名验证失败"),
    ],
)
def test_a_forged_notification_changes_nothing_and_is_listed_as_rejected(
    candidates, shopper, change: str, reason: str
) -> None:  # noqa: ANN001
    number = _order(candidates, shopper)
    cashier = open_cashier(shopper, number)  # a trade exists, unpaid
    w = candidates.world(shopper)
    trade = w.db.scalars(select(Trade).where(Trade.out_trade_no == number)).one()
    others = [s.app_id for s in w.db.scalars(select(ShopPaymentSetup)) if s.app_id != trade.app.app_id]
    shop_code = payments.shop_code(w.db.scalars(select(Order).where(Order.number == number)).one().shop)
    forged = {
        "notify_time": "2026-03-15 09:01:00",
        "notify_type": "trade_status_sync",
        "notify_id": "forged0001",
        "app_id": trade.app.app_id,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": trade.trade_no,
        "out_trade_no": number,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": f"{trade.total_fen // 100}.{trade.total_fen % 100:02d}",
    }
    w.close()
    if change == "bad_signature":
        forged["sign"] = "AAAA" + "B" * 340
    elif change == "other_app":
        forged = _platform_signed(candidates, shopper, {**forged, "app_id": others[0]})
    elif change == "changed_amount":
        forged = _platform_signed(candidates, shopper, {**forged, "total_amount": "0.01"})
    else:  # a genuine signature over the right amount, then the amount changed
        forged = _platform_signed(candidates, shopper, forged)
        forged["total_amount"] = "0.01"
    before = _state(candidates, shopper, number)
    resp = shopper.post(f"/shop/pay/notify/{shop_code}", data=forged)
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "fail"
    assert _state(candidates, shopper, number) == before == ("unpaid", None, None, 0)
    assert _notices(candidates, shopper) == [("rejected", reason)]
    assert shopper.get(cashier).status_code == 200  # the trade can still be paid


def test_a_replayed_notification_is_counted_once(candidates, shopper) -> None:  # noqa: ANN001
    number, note = _paid_order(candidates, shopper)
    before = _state(candidates, shopper, number)
    for _ in range(2):
        resp = shopper.post(_path(note["url"]), data=note["params"])
        assert resp.get_data(as_text=True) == "success"  # acknowledged, so the platform stops resending
    assert _state(candidates, shopper, number) == before
    assert [v for v, _ in _notices(candidates, shopper)] == ["accepted", "duplicate", "duplicate"]


def test_the_return_page_alone_never_marks_an_order_paid(candidates, shopper) -> None:  # noqa: ANN001
    number = _order(candidates, shopper)
    open_cashier(shopper, number)
    resp = shopper.get(f"/shop/pay/return?out_trade_no={number}&trade_status=TRADE_SUCCESS&sign=forged")
    assert resp.status_code == 302 and resp.location.endswith(f"/shop/orders/{number}")
    assert _state(candidates, shopper, number) == ("unpaid", None, None, 0)
    assert "尚未收到支付平台的付款确认" in shopper.get(resp.location).get_data(as_text=True)


def test_without_notifications_the_return_asks_the_platform(candidates, shopper) -> None:  # noqa: ANN001
    """The shop's notify URL cannot be reached: the buyer's return makes the shop query the trade."""
    number = _order(candidates, shopper)
    open_cashier(shopper, number)
    w = candidates.world(shopper, read_only=False)
    trade = w.db.scalars(select(Trade).where(Trade.out_trade_no == number)).one()
    gateway.set_app_urls(w, trade.app, notify_url="https://nowhere.example.com/notify", return_url="")
    w.commit()
    w.close()
    pay_and_return(shopper, number, candidates.attempt_of(shopper).identities[0])
    assert _state(candidates, shopper, number)[:2] == ("paid", "query")
    assert _notices(candidates, shopper) == []


# --- the back office -------------------------------------------------------------------------------


def start_practice(app, rt, scenario_id: str):  # noqa: ANN001, ANN201
    """A trainee's practice attempt of a scenario: the logged-in client and the attempt."""
    from sandbox.control.models import Attempt

    client = app.test_client()
    assert (
        client.post("/staff/login", data={"username": "trainee", "password": "train1234"}).status_code == 302
    )
    assert client.post(f"/practice/start/{scenario_id}").status_code == 302
    with client.session_transaction() as sess:
        attempt_id = sess["attempt_id"]
    db = rt.control.session()
    attempt = db.get(Attempt, attempt_id)
    db.close()
    return client, attempt


@pytest.fixture
def seller(app, rt, exam):  # noqa: ANN001, ANN201
    """A practice attempt of gateway-merchant-setup, logged in to the shop's back office."""
    client, attempt = start_practice(app, rt, "gateway-merchant-setup")
    merchant = next(i for i in attempt.identities if i["role"] == "merchant")
    resp = client.post("/seller/login", data={"login": merchant["shop_login"], "password": "wrong"})
    assert resp.status_code == 401 and "账号或密码错误" in resp.get_data(as_text=True)
    resp = client.post(
        "/seller/login", data={"login": merchant["shop_login"], "password": merchant["shop_password"]}
    )
    assert resp.status_code == 302
    client.attempt = attempt
    return client


def _setup_row(rt, client) -> tuple:  # noqa: ANN001
    from sandbox.worlds.store import open_world

    w = open_world(client.attempt.world_path, read_only=True)
    setup = w.db.scalars(select(ShopPaymentSetup).where(ShopPaymentSetup.managed_by == "candidate")).one()
    trials = w.db.scalar(select(func.count(TrialPayment.id)))
    row = (setup.merchant_private_key_pem, setup.platform_public_key_pem, trials)
    w.close()
    return row


@pytest.mark.parametrize(
    ("private_key", "platform_key", "message"),
    [
        ("not a key", "", "应用私钥格式不正确"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "", "应用私钥格式不正确"),
        ("", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "公钥格式不正确"),
        ("", "", "请填写应用私钥或支付平台公钥"),
        ("x" * 20000, "", "密钥内容过长"),
    ],
)
def test_bad_keys_are_refused_and_change_nothing(
    seller, rt, private_key: str, platform_key: str, message: str
) -> None:  # noqa: ANN001
    before = _setup_row(rt, seller)
    resp = seller.post(
        "/seller/payment/keys", data={"private_key": private_key, "platform_public_key": platform_key}
    )
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert _setup_row(rt, seller) == before


def test_a_public_key_pasted_as_the_private_key_is_refused(seller, rt) -> None:  # noqa: ANN001
    _, public_pem = gateway.generate_key_pair()
    resp = seller.post("/seller/payment/keys", data={"private_key": public_pem, "platform_public_key": ""})
    assert resp.status_code == 400 and "应用私钥格式不正确" in resp.get_data(as_text=True)


@pytest.mark.parametrize("amount", ["0", "-1", "1.234", "abc", "", "99999999", "1e3"])
def test_bad_trial_amounts_are_refused_and_change_nothing(seller, rt, amount: str) -> None:  # noqa: ANN001
    before = _setup_row(rt, seller)
    resp = seller.post("/seller/payment/trial", data={"amount": amount})
    assert resp.status_code == 400, resp.status_code
    assert _setup_row(rt, seller) == before


def test_back_office_pages_need_the_shop_login(app, rt, exam) -> None:  # noqa: ANN001
    client, _ = start_practice(app, rt, "gateway-merchant-setup")
    for path in ("/seller/payment",):
        resp = client.get(path)
        assert resp.status_code == 302 and "/seller/login" in resp.location
    for path in ("/seller/payment/keys", "/seller/payment/trial"):
        resp = client.post(path, data={"amount": "1.00", "private_key": "x"})
        assert resp.status_code == 302 and "/seller/login" in resp.location


def test_money_for_an_order_closed_meanwhile_goes_back_to_the_buyer(candidates, shopper) -> None:  # noqa: ANN001
    """A payment the platform took for an order the shop had closed (its trade left open, as a shop
    that forgot to close it would): the shop refunds it in full and the order stays closed."""
    from sandbox.bank import services as bank

    number = _order(candidates, shopper)
    cashier = open_cashier(shopper, number)
    ident = candidates.attempt_of(shopper).identities[0]
    w = candidates.world(shopper, read_only=False)
    w.db.scalars(select(Order).where(Order.number == number)).one().status = "closed"
    before = bank.balance(w, bank.find_account(w, ident["account_no"]))
    w.commit()
    w.close()
    resp = shopper.post(
        f"{cashier}/pay-card",
        data={"card_no": ident["account_no"], "card_password": ident["payment_password"]},
    )
    assert resp.status_code == 303
    w = candidates.world(shopper)
    order = w.db.scalars(select(Order).where(Order.number == number)).one()
    trade = w.db.scalars(select(Trade).where(Trade.out_trade_no == number)).one()
    assert (order.status, order.payment_status) == ("closed", "unpaid")
    assert (trade.status, trade.refunded_fen) == ("TRADE_CLOSED", trade.total_fen)
    assert bank.balance(w, bank.find_account(w, ident["account_no"])) == before
    assert [e.payload["code"] for e in w.events("payment.refunded_cancelled_order")] == ["10000"]
    w.close()
