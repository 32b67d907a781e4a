"""The platform's pages through the Flask client: gateway.do, cashier, console, documentation."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from sandbox.bank import services as bank
from sandbox.bank.models import JournalEntry
from sandbox.gateway import services as gateway
from sandbox.gateway.models import Trade, TradeStatus
from tests.test_gateway_support import NOTIFY_PREFIX, Merchant, key_pair, open_test_merchant

SUCCESS_CARD = "6299000000000001"


@pytest.fixture
def buyer(candidates):  # noqa: ANN001, ANN201
    """A candidate's client whose world has a merchant app with a known key (and a test receiver)."""
    client = candidates.login()
    w = candidates.world(client, read_only=False)
    merchant = open_test_merchant(w, name="web")
    w.commit()
    w.close()
    client.merchant = merchant
    client.ident = candidates.attempt_of(client).identities[0]
    return client


def _world(candidates, client):  # noqa: ANN001, ANN202
    return candidates.world(client, read_only=False)


def _page_pay(candidates, client, out_trade_no: str, amount: str = "88.00") -> str:  # noqa: ANN001
    """POST a signed page.pay as the buyer's browser would; the cashier's path."""
    w = _world(candidates, client)
    params = client.merchant.page_pay(w, out_trade_no, amount)
    w.close()
    resp = client.post("/gateway/gateway.do", data=params)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert resp.location.startswith("/gateway/cashier/")
    return resp.location


def _trade(candidates, client, out_trade_no: str) -> Trade:  # noqa: ANN001
    w = candidates.world(client)
    try:
        trade = w.db.scalars(select(Trade).where(Trade.out_trade_no == out_trade_no)).one()
        w.db.expunge(trade)
        return trade
    finally:
        w.close()


def test_gateway_do_page_pay_leads_to_a_cashier_showing_the_bill(candidates, buyer) -> None:  # noqa: ANN001
    cashier = _page_pay(candidates, buyer, "W1", "88.00")
    page = buyer.get(cashier).get_data(as_text=True)
    assert "云鹊支付" in page and "mark.svg" in page and "¥88.00" in page and "W1" in page
    assert "测试商品" in page and 'data-role="payee"' in page
    assert 'data-app="pay"' in page  # the desktop app is there
    # The same form posted twice (back button) lands on the same trade.
    assert _page_pay(candidates, buyer, "W1", "88.00") == cashier


def test_gateway_do_refuses_a_bad_signature_with_its_code(candidates, buyer) -> None:  # noqa: ANN001
    w = _world(candidates, buyer)
    params = {**buyer.merchant.page_pay(w, "W2"), "sign": "AAAA"}
    w.close()
    resp = buyer.post("/gateway/gateway.do", data=params)
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "isv.invalid-signature" in page and "验签出错" in page


def test_gateway_do_api_answers_signed_json(candidates, buyer) -> None:  # noqa: ANN001
    _page_pay(candidates, buyer, "W3", "10.00")
    w = _world(candidates, buyer)
    params = buyer.merchant.request(w, "alipay.trade.query", {"out_trade_no": "W3"})
    w.close()
    resp = buyer.post("/gateway/gateway.do", data=params)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.get_data(as_text=True)
    w = candidates.world(buyer)
    platform_pem = gateway.platform_public_key(w)
    w.close()
    answer = gateway.verify_body(body, "alipay_trade_query_response", platform_pem)
    assert answer["trade_status"] == "WAIT_BUYER_PAY" and answer["total_amount"] == "10.00"
    unknown = buyer.post("/gateway/gateway.do", data={"method": "alipay.trade.nothing"})
    assert json.loads(unknown.get_data(as_text=True))["error_response"]["sub_code"] == "isv.invalid-method"
    empty = buyer.post("/gateway/gateway.do", data={})
    assert json.loads(empty.get_data(as_text=True))["error_response"]["sub_code"] == "isv.missing-method"


def test_pay_by_test_card_then_back_to_the_merchant(candidates, buyer) -> None:  # noqa: ANN001
    cashier = _page_pay(candidates, buyer, "W4", "12.34")
    resp = buyer.post(
        f"{cashier}/pay-card", data={"card_no": "6299 0000 0000 0001", "card_password": "123456"}
    )
    assert resp.status_code == 303 and resp.location.startswith("/shop/?")
    assert "method=alipay.trade.page.pay.return" in resp.location and "sign=" in resp.location
    trade = _trade(candidates, buyer, "W4")
    assert trade.status == TradeStatus.TRADE_SUCCESS
    assert buyer.merchant.received[-1]["out_trade_no"] == "W4"
    # A second click of the pay button: no second debit.
    again = buyer.post(f"{cashier}/pay-card", data={"card_no": SUCCESS_CARD, "card_password": "123456"})
    assert again.status_code == 409 and "请勿重复付款" in again.get_data(as_text=True)
    w = candidates.world(buyer)
    entries = list(w.db.scalars(select(JournalEntry).where(JournalEntry.reference == trade.trade_no)))
    w.close()
    assert len(entries) == 1
    page = buyer.get(cashier).get_data(as_text=True)
    assert "付款已完成" in page and 'data-role="back"' in page


@pytest.mark.parametrize(
    ("card", "status", "text"),
    [
        ("6299000000000002", 402, "card_declined"),
        ("6299000000009995", 402, "insufficient_funds"),
        ("6299000000000069", 402, "expired_card"),
        ("1234", 400, "请输入正确的银行卡号"),
    ],
)
def test_failing_test_cards_show_why(candidates, buyer, card: str, status: int, text: str) -> None:  # noqa: ANN001
    cashier = _page_pay(candidates, buyer, "W5", "30.00")
    resp = buyer.post(f"{cashier}/pay-card", data={"card_no": card, "card_password": "123456"})
    assert resp.status_code == status and text in resp.get_data(as_text=True)
    assert _trade(candidates, buyer, "W5").status == TradeStatus.WAIT_BUYER_PAY


def test_pay_with_a_real_bank_card_and_its_password(candidates, buyer) -> None:  # noqa: ANN001
    ident = buyer.ident
    cashier = _page_pay(candidates, buyer, "W6", "20.00")
    wrong = buyer.post(
        f"{cashier}/pay-card", data={"card_no": ident["account_no"], "card_password": "000000x"}
    )
    assert wrong.status_code == 401 and "还可以尝试" in wrong.get_data(as_text=True)
    resp = buyer.post(
        f"{cashier}/pay-card",
        data={"card_no": ident["account_no"], "card_password": ident["payment_password"]},
    )
    assert resp.status_code == 303
    w = candidates.world(buyer)
    balance = bank.balance(w, bank.find_account(w, ident["account_no"]))
    w.close()
    assert balance == 500_000 - 2000


def test_pay_with_the_platform_account(candidates, buyer) -> None:  # noqa: ANN001
    ident = buyer.ident
    cashier = _page_pay(candidates, buyer, "W7", "15.00")
    bad = buyer.post(f"{cashier}/login", data={"email": ident["email"], "password": "nope"})
    assert bad.status_code == 401 and "账号或登录密码错误" in bad.get_data(as_text=True)
    assert (
        buyer.post(
            f"{cashier}/login", data={"email": ident["email"], "password": ident["platform_password"]}
        ).status_code
        == 303
    )
    page = buyer.get(cashier).get_data(as_text=True)
    desk = page.split('data-role="account-pay"')[1].split('class="taskpanel"')[0]  # not the task panel
    masked = f"{ident['account_no'][:4]} **** **** {ident['account_no'][-4:]}"
    assert masked in desk and ident["account_no"] not in desk  # the card number is masked
    wrong = buyer.post(f"{cashier}/pay-account", data={"pay_password": "999999"})
    assert wrong.status_code == 401 and "还可以尝试 4 次" in wrong.get_data(as_text=True)
    assert (
        buyer.post(f"{cashier}/pay-account", data={"pay_password": ident["payment_password"]}).status_code
        == 303
    )
    trade = _trade(candidates, buyer, "W7")
    assert trade.status == TradeStatus.TRADE_SUCCESS and trade.pay_channel == "account"
    account_page = buyer.get("/gateway/account/").get_data(as_text=True)
    assert "测试商品" in account_page and "¥15.00" in account_page and masked in account_page


def test_pay_with_an_sms_code_from_the_mailbox(candidates, buyer) -> None:  # noqa: ANN001
    cashier = _page_pay(candidates, buyer, "W8", "9.99")
    resp = buyer.post(f"{cashier}/pay-card", data={"card_no": "6299000000003155", "card_password": "123456"})
    assert resp.status_code == 303 and "/sms/" in resp.location
    inbox = buyer.get("/mail/").get_data(as_text=True)
    code = re.search(r"付款验证码 (\d{6})", inbox)[1]
    page = buyer.get(resp.location).get_data(as_text=True)
    assert "验证码已发送至" in page and "¥9.99" in page
    wrong = buyer.post(resp.location, data={"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "还可以尝试 2 次" in wrong.get_data(as_text=True)
    done = buyer.post(resp.location, data={"code": code})
    assert done.status_code == 303
    assert _trade(candidates, buyer, "W8").status == TradeStatus.TRADE_SUCCESS


# --- Console ---------------------------------------------------------------------------------------


def _console(candidates, client, merchant: Merchant, email: str = "boss@shop.sim") -> None:  # noqa: ANN001
    w = _world(candidates, client)
    gateway.grant_console(w, gateway.app_by_id(w, merchant.app_id), email, "console123")
    w.commit()
    w.close()
    resp = client.post("/gateway/console/login", data={"email": email, "password": "console123"})
    assert resp.status_code == 302


def test_console_refund_partial_then_refused_over_the_limit(candidates, buyer) -> None:  # noqa: ANN001
    cashier = _page_pay(candidates, buyer, "W9", "100.00")
    buyer.post(f"{cashier}/pay-card", data={"card_no": SUCCESS_CARD, "card_password": "123456"})
    _console(candidates, buyer, buyer.merchant)
    trade = _trade(candidates, buyer, "W9")
    listing = buyer.get("/gateway/console/trades?status=TRADE_SUCCESS").get_data(as_text=True)
    assert trade.trade_no in listing
    assert trade.trade_no not in buyer.get("/gateway/console/trades?status=TRADE_CLOSED").get_data(
        as_text=True
    )
    assert trade.trade_no in buyer.get("/gateway/console/trades?out_trade_no=W9&date=2026-03-15").get_data(
        as_text=True
    )
    assert buyer.get("/gateway/console/trades?date=2026-13-45").status_code == 400
    url = f"/gateway/console/trades/{trade.trade_no}"
    no_reason = buyer.post(f"{url}/refund", data={"amount": "10.00", "reason": ""})
    assert no_reason.status_code == 400
    ok = buyer.post(f"{url}/refund", data={"amount": "40.00", "reason": "部分退货"})
    assert ok.status_code == 302
    over = buyer.post(f"{url}/refund", data={"amount": "60.01", "reason": "再退"})
    assert over.status_code == 409
    assert "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" in over.get_data(as_text=True)
    w = candidates.world(buyer)
    refused = w.events("gateway.refund_refused")
    w.close()
    assert [(e.payload["sub_code"], e.payload["via"], e.actor) for e in refused] == [
        ("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "console", "candidate")
    ]
    detail = buyer.get(url).get_data(as_text=True)
    assert "部分退货" in detail and "¥40.00" in detail and "gateway.refund_refused" in detail
    assert "已通知 1 次" in detail
    for bad in ("-1", "0", "0.001", "abc", "1e9", "9" * 50):
        resp = buyer.post(f"{url}/refund", data={"amount": bad, "reason": "x"})
        assert resp.status_code == 409 and "ACQ.INVALID_PARAMETER" in resp.get_data(as_text=True), bad


def test_console_statement_csv(candidates, buyer) -> None:  # noqa: ANN001
    cashier = _page_pay(candidates, buyer, "W10", "50.00")
    buyer.post(f"{cashier}/pay-card", data={"card_no": SUCCESS_CARD, "card_password": "123456"})
    _console(candidates, buyer, buyer.merchant)
    trade = _trade(candidates, buyer, "W10")
    buyer.post(
        f"/gateway/console/trades/{trade.trade_no}/refund", data={"amount": "5.00", "reason": "运费补偿"}
    )
    resp = buyer.get("/gateway/console/statement?date=2026-03-15")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    body = [r for r in rows if r and not r[0].startswith("#")]
    assert body[0][0] == "平台交易号"
    assert [(r[0].strip(), r[2], r[7]) for r in body[1:]] == [
        (trade.trade_no, "交易", "50.00"),
        (trade.trade_no, "退款", "-5.00"),
    ]
    assert any("交易合计：1笔" in r[0] for r in rows if r)
    assert buyer.get("/gateway/console/statement?date=bad").status_code == 400


def test_console_isolation_between_merchants(candidates, buyer) -> None:  # noqa: ANN001
    cashier = _page_pay(candidates, buyer, "W11", "8.00")
    buyer.post(f"{cashier}/pay-card", data={"card_no": SUCCESS_CARD, "card_password": "123456"})
    trade = _trade(candidates, buyer, "W11")
    w = _world(candidates, buyer)
    other = open_test_merchant(w, shop_index=2, name="other")
    w.commit()
    w.close()
    _console(candidates, buyer, other, email="other@shop.sim")
    assert buyer.get(f"/gateway/console/trades/{trade.trade_no}").status_code == 404
    assert (
        buyer.post(
            f"/gateway/console/trades/{trade.trade_no}/refund", data={"amount": "1.00", "reason": "x"}
        ).status_code
        == 404
    )
    assert trade.trade_no not in buyer.get("/gateway/console/trades").get_data(as_text=True)
    assert buyer.get("/gateway/console/").status_code == 200


def test_console_key_upload_and_keytool(candidates, buyer) -> None:  # noqa: ANN001
    _console(candidates, buyer, buyer.merchant)
    page = buyer.get("/gateway/console/").get_data(as_text=True)
    assert "-----BEGIN PUBLIC KEY-----" in page  # the platform's key, made on first use
    bad = buyer.post(
        "/gateway/console/key",
        data={"public_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"},
    )
    assert bad.status_code == 400 and "这是私钥" in bad.get_data(as_text=True)
    garbage = buyer.post(
        "/gateway/console/key",
        data={"public_key_file": (io.BytesIO(b"\xff\xfe garbage"), "key.pem")},
        content_type="multipart/form-data",
    )
    assert garbage.status_code == 400 and "公钥格式不正确" in garbage.get_data(as_text=True)
    resp = buyer.post("/gateway/console/keytool")
    assert resp.status_code == 302
    pair_url = resp.location
    page = buyer.get(pair_url).get_data(as_text=True)
    public_pem = re.search(r"(-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----)", page, re.S)[1]
    private = buyer.post(f"{pair_url}/private")
    assert private.status_code == 200 and b"BEGIN PRIVATE KEY" in private.data
    assert "attachment" in private.headers["Content-Disposition"]
    assert buyer.post(f"{pair_url}/private").status_code == 409  # once
    assert buyer.post("/gateway/console/key", data={"public_key": public_pem}).status_code == 302
    w = candidates.world(buyer)
    app = gateway.app_by_id(w, buyer.merchant.app_id)
    w.close()
    assert app.key_source == "console" and app.public_key_pem.strip() == public_pem.strip()
    # The merchant's requests are now verified with the new key only.
    merchant = Merchant(app, private.data.decode())
    w = _world(candidates, buyer)
    params = merchant.page_pay(w, "NEWKEY")
    old = buyer.merchant.page_pay(w, "OLDKEY")
    w.close()
    assert buyer.post("/gateway/gateway.do", data=params).status_code == 303
    assert buyer.post("/gateway/gateway.do", data=old).status_code == 400
    platform = buyer.get("/gateway/console/platform-key.pem")
    assert platform.status_code == 200 and b"BEGIN PUBLIC KEY" in platform.data


def test_console_urls_are_checked(candidates, buyer) -> None:  # noqa: ANN001
    _console(candidates, buyer, buyer.merchant)
    bad = buyer.post("/gateway/console/urls", data={"notify_url": "javascript:alert(1)", "return_url": ""})
    assert bad.status_code == 400
    ok = buyer.post(
        "/gateway/console/urls",
        data={
            "notify_url": f"https://mall.sim{NOTIFY_PREFIX}web",
            "return_url": "https://mall.sim/shop/pay/return",
        },
    )
    assert ok.status_code == 302
    w = candidates.world(buyer)
    app = gateway.app_by_id(w, buyer.merchant.app_id)
    events = [e.payload for e in w.events("gateway.app_updated")]
    w.close()
    assert app.return_url == "https://mall.sim/shop/pay/return" and events[-1]["notify_url"].endswith("/web")


def test_console_needs_a_login_and_docs_are_public(candidates, buyer) -> None:  # noqa: ANN001
    assert buyer.get("/gateway/console/").status_code == 302
    assert buyer.get("/gateway/console/trades").status_code == 302
    bad = buyer.post("/gateway/console/login", data={"email": "x@y.sim", "password": "z"})
    assert bad.status_code == 401
    docs = buyer.get("/gateway/docs/").get_data(as_text=True)
    assert "SHA256withRSA" in docs and "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" in docs
    cards = buyer.get("/gateway/docs/test-cards").get_data(as_text=True)
    assert "6299 0000 0000 0001" in cards and "sms_required" in cards
    assert buyer.get("/gateway/").status_code == 200


def test_the_desktop_has_the_platform_app(candidates, buyer) -> None:  # noqa: ANN001
    page = buyer.get("/exam/desktop").get_data(as_text=True)
    assert "云鹊支付" in page and "ico pay" in page


def test_key_pair_is_not_made_in_the_template(candidates) -> None:  # noqa: ANN001
    from sandbox.gateway.models import PlatformKey

    client = candidates.login()
    w = candidates.world(client)
    assert w.db.scalars(select(PlatformKey)).first() is None
    w.close()
    assert key_pair()


def test_gateway_do_needs_no_csrf_token_but_the_cashier_does(tmp_path, templates_dir) -> None:  # noqa: ANN001
    """Merchants' servers and buyers' browsers post signed parameters without a form token."""
    from sandbox.control import people
    from tests.conftest import make_app

    app = make_app(tmp_path / "data", templates_dir, WTF_CSRF_ENABLED=True)
    try:
        rt = app.extensions["sandbox"]
        db = rt.control.session()
        exam = people.create_exam(db, "T-CSRF", "测试考试", ["b2c-purchase"])
        people.add_candidate(db, exam, "T0009", "考生", "pass1234")
        db.commit()
        db.close()
        client = app.test_client()
        page = client.get("/exam/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        resp = client.post(
            "/exam/login", data={"ticket_no": "T0009", "password": "pass1234", "csrf_token": token}
        )
        assert resp.status_code == 302
        client.get("/exam/")
        answer = client.post("/gateway/gateway.do", data={"method": "alipay.trade.query"})
        assert answer.status_code == 200 and "isv.missing-app-id" in answer.get_data(as_text=True)
        refused = client.post("/gateway/console/login", data={"email": "a@b.sim", "password": "x"})
        assert refused.status_code == 400  # every other form still needs its token
    finally:
        app.extensions["sandbox"].grading.stop()
