"""Trades through the in-process API: page.pay, query, refund, close, timeouts, notifications."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.bank.models import JournalEntry, JournalLine
from sandbox.errors import DomainError
from sandbox.gateway import cashier, trades
from sandbox.gateway import services as gateway
from sandbox.gateway.codes import GatewayError
from sandbox.gateway.models import Notification, NotifyStatus, PlatformKey, TradeStatus
from sandbox.gateway.notify import RETRY_DELAYS, local_path, return_location
from sandbox.worlds import npc
from tests import test_gateway_support as support

gateway_template = support.gateway_template
world_maker = support.world_maker
SUCCESS_CARD = "6299000000000001"


@pytest.fixture
def market(world_maker):  # noqa: ANN001, ANN201
    """(world, clock, merchant) with one merchant app."""
    w, clock, _ = world_maker()
    return w, clock, support.open_test_merchant(w)


def _total(w) -> int:  # noqa: ANN001
    return int(w.db.scalar(select(func.coalesce(func.sum(JournalLine.amount_fen), 0))))


def _paid_trade(w, m, out_trade_no: str = "T1", amount: str = "88.00"):  # noqa: ANN001, ANN201
    trade = gateway.create_trade(w, m.page_pay(w, out_trade_no, amount))
    cashier.pay_with_card(w, trade, SUCCESS_CARD, "123456", None)
    return trade


# --- page.pay --------------------------------------------------------------------------------------


def test_page_pay_creates_a_trade_once_per_out_trade_no(market) -> None:  # noqa: ANN001
    w, clock, m = market
    trade = gateway.create_trade(w, m.page_pay(w, "A1", "12.34", timeout_express="30m"))
    assert trade.status == TradeStatus.WAIT_BUYER_PAY and trade.total_fen == 1234
    assert len(trade.trade_no) == 28 and trade.trade_no.startswith("20260315")
    assert gateway.cashier_url(trade) == f"/gateway/cashier/{trade.trade_no}"
    assert trade.expires_at == trade.created_at + timedelta(minutes=30)
    clock.advance(60)  # the same request again, later (another timestamp, another signature)
    assert gateway.create_trade(w, m.page_pay(w, "A1", "12.34")) is trade
    with pytest.raises(GatewayError) as exc:
        gateway.create_trade(w, m.page_pay(w, "A1", "12.35"))
    assert exc.value.sub_code == "ACQ.CONTEXT_INCONSISTENT"
    assert [e.payload["out_trade_no"] for e in w.events("gateway.trade_created")] == ["A1"]


@pytest.mark.parametrize(
    ("amount", "sub_code"),
    [
        ("0", "ACQ.INVALID_PARAMETER"),
        ("0.00", "ACQ.INVALID_PARAMETER"),
        ("-1.00", "ACQ.INVALID_PARAMETER"),
        ("0.001", "ACQ.INVALID_PARAMETER"),
        ("1e3", "ACQ.INVALID_PARAMETER"),
        ("NaN", "ACQ.INVALID_PARAMETER"),
        ("１２", "ACQ.INVALID_PARAMETER"),
        ("", "ACQ.INVALID_PARAMETER"),
        ("9" * 30, "ACQ.INVALID_PARAMETER"),
        ("100000000.01", "ACQ.TOTAL_FEE_EXCEED"),
        ("999999999999", "ACQ.TOTAL_FEE_EXCEED"),
    ],
)
def test_amounts_outside_the_rules_are_refused(market, amount: str, sub_code: str) -> None:  # noqa: ANN001
    w, _, m = market
    with pytest.raises(GatewayError) as exc:
        gateway.create_trade(w, m.page_pay(w, "BAD", amount))
    assert exc.value.sub_code == sub_code and exc.value.answer()["code"] == "40004"


def test_amount_limits_and_json_numbers(market) -> None:  # noqa: ANN001
    w, _, m = market
    assert gateway.create_trade(w, m.page_pay(w, "MIN", "0.01")).total_fen == 1
    assert gateway.create_trade(w, m.page_pay(w, "MAX", "100000000.00")).total_fen == 10_000_000_000
    params = m.request(
        w, "alipay.trade.page.pay", {"out_trade_no": "NUM", "total_amount": 12.5, "subject": "x"}
    )
    assert gateway.create_trade(w, params).total_fen == 1250


def _resign(m, params: dict) -> dict:  # noqa: ANN001
    params = {k: v for k, v in params.items() if k != "sign"}
    return {**params, "sign": gateway.sign(params, m.private_pem)}


@pytest.mark.parametrize(
    ("change", "resign", "sub_code", "code"),
    [
        ({"app_id": None}, True, "isv.missing-app-id", "40001"),
        ({"app_id": "2026999999999999"}, True, "isv.invalid-app-id", "40002"),
        ({"method": None}, True, "isv.missing-method", "40001"),
        ({"method": "alipay.trade.query"}, True, "isv.invalid-method", "40002"),
        ({"sign_type": None}, True, "isv.missing-signature-type", "40001"),
        ({"sign_type": "RSA"}, True, "isv.invalid-signature-type", "40002"),
        ({"sign": None}, False, "isv.missing-signature", "40001"),
        ({"timestamp": None}, True, "isv.missing-timestamp", "40001"),
        ({"timestamp": "2026/03/15 09:00"}, True, "isv.invalid-timestamp", "40002"),
        ({"timestamp": "2026-02-30 09:00:00"}, True, "isv.invalid-timestamp", "40002"),
        ({"version": "2.0"}, True, "isv.invalid-version", "40002"),
        ({"charset": "gbk"}, True, "isv.invalid-charset", "40002"),
        ({"format": "XML"}, True, "isv.invalid-format", "40002"),
        (
            {"biz_content": '{"out_trade_no":"X","total_amount":"1.00","subject":"y"}'},
            False,
            "isv.invalid-signature",
            "40002",
        ),
        ({"biz_content": "not json"}, True, "ACQ.INVALID_PARAMETER", "40004"),
        ({"biz_content": "[1,2]"}, True, "ACQ.INVALID_PARAMETER", "40004"),
        ({"biz_content": "[" * 5000}, True, "ACQ.INVALID_PARAMETER", "40004"),
        (
            {"biz_content": '{"out_trade_no":"X","total_amount":"1.00"}'},
            True,
            "ACQ.INVALID_PARAMETER",
            "40004",
        ),
        (
            {"biz_content": '{"out_trade_no":"","total_amount":"1.00","subject":"y"}'},
            True,
            "ACQ.INVALID_PARAMETER",
            "40004",
        ),
        (
            {"biz_content": '{"out_trade_no":"a b","total_amount":"1.00","subject":"y"}'},
            True,
            "ACQ.INVALID_PARAMETER",
            "40004",
        ),
        (
            {"biz_content": '{"out_trade_no":["x"],"total_amount":"1.00","subject":"y"}'},
            True,
            "ACQ.INVALID_PARAMETER",
            "40004",
        ),
        (
            {
                "biz_content": '{"out_trade_no":"X","total_amount":"1.00","subject":"y","product_code":"QUICK"}'
            },
            True,
            "ACQ.INVALID_PARAMETER",
            "40004",
        ),
        (
            {
                "biz_content": '{"out_trade_no":"X","total_amount":"1.00","subject":"y","timeout_express":"16d"}'
            },
            True,
            "ACQ.INVALID_PARAMETER",
            "40004",
        ),
        ({"notify_url": "javascript:alert(1)"}, True, "ACQ.INVALID_PARAMETER", "40004"),
    ],
)
def test_every_request_error_has_its_code(
    market, change: dict, resign: bool, sub_code: str, code: str
) -> None:  # noqa: ANN001
    w, _, m = market
    params = m.page_pay(w, "E1", "1.00")
    params.update({k: v for k, v in change.items() if v is not None})
    for key in [k for k, v in change.items() if v is None]:
        params.pop(key)
    if resign:
        params = _resign(m, params)
    with pytest.raises(GatewayError) as exc:
        gateway.create_trade(w, params)
    assert (exc.value.sub_code, exc.value.code) == (sub_code, code)


def test_an_app_without_a_public_key_cannot_be_called(market) -> None:  # noqa: ANN001
    w, _, m = market
    shop_app = gateway.open_merchant(
        w, name="无密钥商户", settlement_account_no=gateway.app_by_id(w, m.app_id).settlement_account_no
    )
    params = m.page_pay(w, "K1")
    params["app_id"] = shop_app.app_id
    with pytest.raises(GatewayError) as exc:
        gateway.create_trade(w, _resign(m, params))
    assert exc.value.sub_code == "isv.missing-signature-config"


# --- paying ----------------------------------------------------------------------------------------


def test_paying_moves_money_once_and_notifies(market) -> None:  # noqa: ANN001
    w, _, m = market
    before = _total(w)
    app = gateway.app_by_id(w, m.app_id)
    merchant_account = bank.find_account(w, app.settlement_account_no)
    merchant_before = bank.balance(w, merchant_account)
    trade = _paid_trade(w, m, "P1", "88.00")
    assert trade.status == TradeStatus.TRADE_SUCCESS and trade.pay_channel == "test_card"
    assert bank.balance(w, merchant_account) == merchant_before + 8800
    assert _total(w) == before  # money entered only from the funding account
    entries = list(w.db.scalars(select(JournalEntry).where(JournalEntry.reference == trade.trade_no)))
    assert len(entries) == 1 and sorted(line.amount_fen for line in entries[0].lines) == [-8800, 8800]
    with pytest.raises(DomainError, match="请勿重复付款"):  # a double click
        cashier.pay_with_card(w, trade, SUCCESS_CARD, "123456", None)
    assert len(list(w.db.scalars(select(JournalEntry).where(JournalEntry.reference == trade.trade_no)))) == 1
    (note,) = trade.notifications
    assert note.status == NotifyStatus.ACKNOWLEDGED and m.received[-1]["trade_status"] == "TRADE_SUCCESS"
    sent = m.received[-1]
    assert sent["out_trade_no"] == "P1" and sent["total_amount"] == "88.00" and sent["app_id"] == m.app_id
    assert sent["notify_type"] == "trade_status_sync" and sent["gmt_payment"] and sent["notify_id"]
    assert gateway.verify(sent, gateway.platform_public_key(w))
    with pytest.raises(GatewayError) as exc:  # the same page.pay again: the trade is paid
        gateway.create_trade(w, m.page_pay(w, "P1", "88.00"))
    assert exc.value.sub_code == "ACQ.TRADE_HAS_SUCCESS"


def test_query_answers_like_alipay(market) -> None:  # noqa: ANN001
    w, _, m = market
    trade = gateway.create_trade(w, m.page_pay(w, "Q1", "5.00"))
    answer = gateway.query_trade(w, m.request(w, "alipay.trade.query", {"out_trade_no": "Q1"}))
    assert answer["code"] == "10000" and answer["trade_status"] == "WAIT_BUYER_PAY"
    cashier.pay_with_card(w, trade, SUCCESS_CARD, "000000", None)
    answer = gateway.query_trade(w, m.request(w, "alipay.trade.query", {"trade_no": trade.trade_no}))
    assert (answer["trade_status"], answer["total_amount"], answer["out_trade_no"]) == (
        "TRADE_SUCCESS",
        "5.00",
        "Q1",
    )
    assert gateway.query_trade(w, m.request(w, "alipay.trade.query", {"out_trade_no": "NOPE"}))[
        "sub_code"
    ] == ("ACQ.TRADE_NOT_EXIST")
    assert (
        gateway.query_trade(w, m.request(w, "alipay.trade.query", {}))["sub_code"] == "ACQ.INVALID_PARAMETER"
    )
    bad = {**m.request(w, "alipay.trade.query", {"out_trade_no": "Q1"}), "sign": "AAAA"}
    assert gateway.query_trade(w, bad) == {
        "code": "40002",
        "msg": "Invalid Arguments",
        "sub_code": "isv.invalid-signature",
        "sub_msg": "验签出错",
    }


def test_another_merchants_trade_does_not_exist_for_this_one(market) -> None:  # noqa: ANN001
    w, _, m = market
    other = support.open_test_merchant(w, shop_index=1, name="m2")
    gateway.create_trade(w, other.page_pay(w, "OTHER"))
    assert gateway.query_trade(w, m.request(w, "alipay.trade.query", {"out_trade_no": "OTHER"}))[
        "sub_code"
    ] == ("ACQ.TRADE_NOT_EXIST")
    assert gateway.create_trade(w, m.page_pay(w, "OTHER")).app.app_id == m.app_id  # its own trade


# --- refunds ---------------------------------------------------------------------------------------


def _refund(w, m, amount: str, no: str, out_trade_no: str = "R1", reason: str = "质量问题") -> dict:  # noqa: ANN001
    biz = {
        "out_trade_no": out_trade_no,
        "refund_amount": amount,
        "out_request_no": no,
        "refund_reason": reason,
    }
    return gateway.refund_trade(w, m.request(w, "alipay.trade.refund", biz))


def test_partial_refunds_then_a_full_one_close_the_trade(market) -> None:  # noqa: ANN001
    w, _, m = market
    trade = _paid_trade(w, m, "R1", "100.00")
    payer = bank.find_account(w, trade.buyer_account_no)
    paid_balance = bank.balance(w, payer)
    first = _refund(w, m, "30.00", "RQ1")
    assert (first["code"], first["fund_change"], first["refund_fee"], first["send_back_fee"]) == (
        "10000",
        "Y",
        "30.00",
        "30.00",
    )
    assert bank.balance(w, payer) == paid_balance + 3000
    again = _refund(w, m, "30.00", "RQ1")  # the same request number refunds once
    assert (again["fund_change"], again["refund_fee"]) == ("N", "30.00")
    assert bank.balance(w, payer) == paid_balance + 3000
    clash = _refund(w, m, "31.00", "RQ1")
    assert clash["sub_code"] == "ACQ.CONTEXT_INCONSISTENT"
    over = _refund(w, m, "70.01", "RQ2")
    assert over["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" and over["code"] == "40004"
    assert over["refund_fee"] == "30.00"
    assert trade.status == TradeStatus.TRADE_SUCCESS
    rest = _refund(w, m, "70.00", "RQ3")
    assert rest["refund_fee"] == "100.00" and trade.status == TradeStatus.TRADE_CLOSED
    assert trade.close_reason == "refunded" and bank.balance(w, payer) == paid_balance + 10000
    assert _refund(w, m, "0.01", "RQ4")["sub_code"] == "ACQ.TRADE_HAS_CLOSE"
    refused = [e.payload["sub_code"] for e in w.events("gateway.refund_refused")]
    assert refused == ["ACQ.CONTEXT_INCONSISTENT", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "ACQ.TRADE_HAS_CLOSE"]
    kinds = [(n.kind, n.params["trade_status"], n.params.get("refund_fee")) for n in trade.notifications]
    assert kinds == [
        ("paid", "TRADE_SUCCESS", None),
        ("refunded", "TRADE_SUCCESS", "30.00"),
        ("refunded", "TRADE_CLOSED", "100.00"),
    ]
    assert (
        trade.notifications[1].params["out_biz_no"] == "RQ1" and trade.notifications[1].params["gmt_refund"]
    )


@pytest.mark.parametrize(
    "amount", ["-1.00", "0", "0.00", "0.001", "1.234", "abc", "", "1e2", "9" * 40, " 1.00"]
)
def test_bad_refund_amounts_are_invalid_parameters(market, amount: str) -> None:  # noqa: ANN001
    w, _, m = market
    _paid_trade(w, m, "R1", "10.00")
    answer = _refund(w, m, amount, "BAD")
    assert answer["sub_code"] == "ACQ.INVALID_PARAMETER"


def test_an_absurd_but_well_formed_refund_is_over_the_limit(market) -> None:  # noqa: ANN001
    w, _, m = market
    _paid_trade(w, m, "R1", "10.00")
    assert _refund(w, m, "999999999999.99", "HUGE")["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"


def test_refunding_an_unpaid_trade_is_a_status_error(market) -> None:  # noqa: ANN001
    w, _, m = market
    gateway.create_trade(w, m.page_pay(w, "R1", "10.00"))
    assert _refund(w, m, "1.00", "X")["sub_code"] == "ACQ.TRADE_STATUS_ERROR"
    assert _refund(w, m, "1.00", "X", out_trade_no="NONE")["sub_code"] == "ACQ.TRADE_NOT_EXIST"


def test_refund_needs_the_merchants_money(market) -> None:  # noqa: ANN001
    w, _, m = market
    trade = _paid_trade(w, m, "R1", "10.00")
    merchant = bank.find_account(w, trade.app.settlement_account_no)
    outside = bank.find_account(w, trade.buyer_account_no)
    bank.transfer(w, merchant, outside, bank.balance(w, merchant), "转出", "")
    assert _refund(w, m, "1.00", "X")["sub_code"] == "ACQ.SELLER_BALANCE_NOT_ENOUGH"
    assert trade.refunded_fen == 0


# --- closing and finishing -------------------------------------------------------------------------


def test_close_only_while_unpaid(market) -> None:  # noqa: ANN001
    w, _, m = market
    gateway.create_trade(w, m.page_pay(w, "C1"))
    close = gateway.close_trade(w, m.request(w, "alipay.trade.close", {"out_trade_no": "C1"}))
    assert close["code"] == "10000"
    again = gateway.close_trade(w, m.request(w, "alipay.trade.close", {"out_trade_no": "C1"}))
    assert again["sub_code"] == "ACQ.TRADE_HAS_CLOSE"
    _paid_trade(w, m, "C2")
    paid = gateway.close_trade(w, m.request(w, "alipay.trade.close", {"out_trade_no": "C2"}))
    assert paid["sub_code"] == "ACQ.TRADE_STATUS_ERROR"
    with pytest.raises(GatewayError) as exc:
        gateway.create_trade(w, m.page_pay(w, "C1"))
    assert exc.value.sub_code == "ACQ.TRADE_HAS_CLOSE"


def test_an_unpaid_trade_closes_when_its_time_is_up(market) -> None:  # noqa: ANN001
    w, clock, m = market
    trade = gateway.create_trade(w, m.page_pay(w, "T1", "9.00", timeout_express="30m"))
    clock.advance(29 * 60)
    npc.run_due(w, [])
    assert trade.status == TradeStatus.WAIT_BUYER_PAY
    clock.advance(60)
    assert npc.run_due(w, []) == 1
    assert trade.status == TradeStatus.TRADE_CLOSED and trade.close_reason == "timeout"
    assert trade.closed_at == trade.created_at + timedelta(minutes=30)
    (closed,) = w.events("gateway.trade_closed")
    assert closed.actor == "system" and m.received[-1]["trade_status"] == "TRADE_CLOSED"
    with pytest.raises(DomainError, match="交易已关闭"):
        cashier.pay_with_card(w, trade, SUCCESS_CARD, "123456", None)


def test_a_paid_trade_finishes_after_the_refund_period(market) -> None:  # noqa: ANN001
    w, clock, m = market
    trade = _paid_trade(w, m, "F1", "9.00")
    clock.advance(trades.REFUND_PERIOD.total_seconds() + 1)
    npc.run_due(w, [])
    assert trade.status == TradeStatus.TRADE_FINISHED
    assert _refund(w, m, "1.00", "LATE", out_trade_no="F1")["sub_code"] == "ACQ.TRADE_HAS_FINISHED"
    assert m.received[-1]["trade_status"] == "TRADE_FINISHED"


def test_illegal_transitions_are_refused(market) -> None:  # noqa: ANN001
    w, _, m = market
    trade = gateway.create_trade(w, m.page_pay(w, "S1"))
    with pytest.raises(DomainError):
        trades.finish(w, trade, "merchant")  # unpaid cannot finish
    trades.close(w, trade, "merchant")
    with pytest.raises(DomainError):
        trades.close(w, trade, "merchant")  # closed stays closed


# --- notifications ---------------------------------------------------------------------------------


def test_notifications_are_retried_on_the_world_clock_until_success(market) -> None:  # noqa: ANN001
    w, clock, m = market
    m.answers = ["fail", "busy"]  # the merchant fails twice, then answers success
    trade = _paid_trade(w, m, "N1", "1.00")
    note = w.db.scalars(select(Notification).where(Notification.trade_pk == trade.id)).one()
    assert [a.outcome for a in note.attempts] == ["failed"] and note.status == NotifyStatus.PENDING
    paid_at = trade.paid_at
    assert note.next_at == paid_at + timedelta(minutes=4)
    clock.advance(3 * 60)
    assert npc.run_due(w, []) == 0
    clock.advance(60)
    npc.run_due(w, [])
    assert [a.response for a in note.attempts] == ["fail", "busy"]
    assert note.next_at == paid_at + timedelta(minutes=14)
    clock.advance(3600)  # quiet for an hour: the third attempt ran at its own time
    npc.run_due(w, [])
    assert [a.outcome for a in note.attempts] == ["failed", "failed", "success"]
    assert [a.at - paid_at for a in note.attempts] == [
        timedelta(0),
        timedelta(minutes=4),
        timedelta(minutes=14),
    ]
    assert note.status == NotifyStatus.ACKNOWLEDGED and note.next_at is None
    assert len({p["notify_id"] for p in m.received}) == 1  # one notification, sent three times
    sent = [(e.payload["attempt"], e.payload["outcome"]) for e in w.events("gateway.notify_sent")]
    assert sent == [(1, "failed"), (2, "failed"), (3, "success")]
    clock.advance(86400)
    assert npc.run_due(w, []) == 0


def test_an_unreachable_notify_url_is_retried_then_given_up(market) -> None:  # noqa: ANN001
    w, clock, m = market
    app = gateway.app_by_id(w, m.app_id)
    gateway.set_app_urls(w, app, notify_url="https://shop.example.com/notify", return_url="")
    trade = _paid_trade(w, m, "U1", "1.00")
    (note,) = trade.notifications
    clock.advance(3 * 86400)
    npc.run_due(w, [])
    assert [a.outcome for a in note.attempts] == ["unreachable"] * 8
    assert note.status == NotifyStatus.GIVEN_UP
    gaps = [b.at - a.at for a, b in zip(note.attempts, note.attempts[1:], strict=False)]
    assert gaps == list(RETRY_DELAYS)
    assert w.events("gateway.notify_given_up")


def test_a_receiver_that_crashes_changes_nothing_and_is_retried(market) -> None:  # noqa: ANN001
    w, clock, m = market

    def crash(w, url, params):  # noqa: ANN001, ANN202
        w.emit("test.half_done")
        raise RuntimeError("merchant bug")

    gateway.register_notify_receiver("/crashing/", crash)
    gateway.set_app_urls(w, gateway.app_by_id(w, m.app_id), notify_url="/crashing/x", return_url="")
    trade = _paid_trade(w, m, "X1", "1.00")
    (attempt,) = trade.notifications[0].attempts
    assert attempt.outcome == "error" and "merchant bug" in attempt.response
    assert w.events("test.half_done") == []
    assert trade.status == TradeStatus.TRADE_SUCCESS


def test_return_parameters_are_signed_and_lead_to_the_return_path(market) -> None:  # noqa: ANN001
    w, _, m = market
    trade = _paid_trade(w, m, "RT1", "2.00")
    params = gateway.return_params(w, trade)
    assert params["method"] == "alipay.trade.page.pay.return" and params["total_amount"] == "2.00"
    assert gateway.verify(params, gateway.platform_public_key(w))
    assert return_location(w, trade).startswith("/shop/?")
    assert local_path("https://mall.sim/shop/pay/notify/S003") == "/shop/pay/notify/S003"
    assert local_path("/shop/pay/notify/S003?x=1") == "/shop/pay/notify/S003?x=1"
    assert local_path("https://evil.example/shop") is None
    assert local_path("//evil.example/shop") is None
    assert local_path("javascript:alert(1)") is None


def test_test_cards_behave_as_documented(world_maker) -> None:  # noqa: ANN001
    w, _, identities = world_maker()
    m = support.open_test_merchant(w)
    before = _total(w)
    outcomes = {}
    for number, expected in [
        ("6299000000000002", "card_declined"),
        ("6299000000009995", "insufficient_funds"),
        ("6299000000000069", "expired_card"),
    ]:
        trade = gateway.create_trade(w, m.page_pay(w, f"TC{number[-4:]}", "50.00"))
        with pytest.raises(DomainError) as exc:
            cashier.pay_with_card(w, trade, number, "654321", None)
        outcomes[expected] = str(exc.value)
        assert trade.status == TradeStatus.WAIT_BUYER_PAY
    assert all(code in text for code, text in outcomes.items())
    trade = gateway.create_trade(w, m.page_pay(w, "TCPW", "50.00"))
    with pytest.raises(DomainError, match="任意 6 位数字"):
        cashier.pay_with_card(w, trade, SUCCESS_CARD, "12", None)
    with pytest.raises(DomainError, match="正确的银行卡号"):
        cashier.pay_with_card(w, trade, "abc", "123456", None)
    assert _total(w) == before


def test_sms_card_sends_a_code_to_the_buyers_mailbox(world_maker) -> None:  # noqa: ANN001
    from sandbox.mail import services as mail
    from sandbox.mail.models import Folder

    w, _, identities = world_maker()
    m = support.open_test_merchant(w)
    trade = gateway.create_trade(w, m.page_pay(w, "SMS1", "20.00"))
    address = cashier.sms_address(w, None)
    assert address == identities[0]["email"]
    challenge = cashier.pay_with_card(w, trade, "6299 0000 0000 3155", "111111", address)
    assert challenge is not None and trade.status == TradeStatus.WAIT_BUYER_PAY
    box = mail.mailbox_by_address(w, address)
    message = mail.folder(w, box, Folder.INBOX)[0]
    code = message.subject.rsplit(" ", 1)[-1]
    body = email.message_from_string(message.raw, policy=email.policy.default).get_body().get_content()
    assert len(code) == 6 and code.isdigit() and "20.00" in body and code in body
    wrong = "000000" if code != "000000" else "111111"
    w.commit()  # a wrong code is counted in a unit of work of its own
    with pytest.raises(DomainError, match="还可以尝试 2 次"):
        cashier.confirm_code(w, trade, challenge.id, wrong)
    cashier.confirm_code(w, trade, challenge.id, code)
    assert trade.status == TradeStatus.TRADE_SUCCESS and trade.pay_channel == "test_card"
    with pytest.raises(DomainError):
        cashier.confirm_code(w, trade, challenge.id, code)  # used


def test_platform_account_pays_from_its_card(world_maker) -> None:  # noqa: ANN001
    from sandbox.gateway import merchants

    w, _, identities = world_maker()
    ident = identities[0]
    m = support.open_test_merchant(w)
    user = merchants.user_login(w, ident["email"], ident["platform_password"])
    assert user.card_no == ident["account_no"]
    card = bank.find_account(w, ident["account_no"])
    before = bank.balance(w, card)
    trade = gateway.create_trade(w, m.page_pay(w, "ACC1", "66.66"))
    cashier.pay_with_account(w, trade, user, ident["payment_password"])
    assert bank.balance(w, card) == before - 6666
    assert trade.buyer_logon_id.startswith(ident["email"][:3]) and "***@" in trade.buyer_logon_id
    answer = gateway.query_trade(w, m.request(w, "alipay.trade.query", {"out_trade_no": "ACC1"}))
    assert answer["buyer_user_id"] == user.user_id
    with pytest.raises(DomainError, match="账号或登录密码错误"):
        merchants.user_login(w, ident["email"], "wrong")


def test_json_biz_content_keeps_amount_literals() -> None:
    assert trades.biz_content({"biz_content": json.dumps({"total_amount": 0.1})})["total_amount"] == "0.1"
    assert trades.biz_content({"biz_content": '{"total_amount": 1e2}'})["total_amount"] == "1e2"


def test_identities_get_platform_accounts_and_a_merchant_its_console(world_maker) -> None:  # noqa: ANN001
    from sandbox.gateway import merchants

    w, _, identities = world_maker([{"role": "buyer", "bank_balance_fen": 1000}, {"role": "merchant"}])
    buyer, seller = identities
    assert merchants.user_login(w, buyer["email"], buyer["platform_password"]).card_no == buyer["account_no"]
    login = merchants.console_login(w, seller["email"], seller["platform_password"])
    assert login.app.settlement_account_no == seller["account_no"]
    assert gateway.console_app(w, seller["email"]).app_id == login.app.app_id
    assert gateway.console_app(w, buyer["email"]) is None
    assert w.db.scalars(select(PlatformKey)).first() is None  # made on first use only
