"""Grader checks about the payment platform, on a world the candidate worked in through the pages."""

from __future__ import annotations

from graders.checks import CHECKS, load_builtin
from graders.context import GradeContext
from sandbox.gateway import services as gateway
from tests import test_gateway_web as web
from tests.test_gateway_support import NOTIFY_PREFIX

buyer = web.buyer
SUCCESS_CARD = web.SUCCESS_CARD


def _grade(rt, candidates, client, kind: str, name: str, **args):  # noqa: ANN001, ANN003, ANN202
    load_builtin()
    w = candidates.world(client)
    try:
        ctx = GradeContext(rt.scenarios.get("b2c-purchase"), {}, {}, [client.ident], w, rt.store.root)
        return CHECKS[(kind, name)](ctx, **args), ctx.facts
    finally:
        w.close()


def _login_as_identity(candidates, client) -> None:  # noqa: ANN001
    """Give the candidate's identity the console login of the test merchant's app, and log in."""
    w = candidates.world(client, read_only=False)
    gateway.grant_console(w, gateway.app_by_id(w, client.merchant.app_id), client.ident["email"], "pw123456")
    w.commit()
    w.close()
    assert (
        client.post(
            "/gateway/console/login", data={"email": client.ident["email"], "password": "pw123456"}
        ).status_code
        == 302
    )


def test_key_upload_and_notify_url_checks(rt, candidates, buyer) -> None:  # noqa: ANN001
    result, _ = _grade(rt, candidates, buyer, "state", "gateway.app_key_uploaded")
    assert result.fraction == 0 and "没有商家中心的应用" in result.feedback
    _login_as_identity(candidates, buyer)
    result, _ = _grade(rt, candidates, buyer, "state", "gateway.app_key_uploaded")
    assert result.fraction == 0  # the key was set by the test's own code, not in the console
    pair = buyer.post("/gateway/console/keytool").location
    buyer.post(f"{pair}/use")
    result, facts = _grade(rt, candidates, buyer, "state", "gateway.app_key_uploaded")
    assert result.fraction == 1 and facts["app_id"] == buyer.merchant.app_id and result.evidence
    url = f"https://mall.sim{NOTIFY_PREFIX}web"
    result, _ = _grade(rt, candidates, buyer, "state", "gateway.notify_url_is", url=url)
    assert result.fraction == 1
    result, _ = _grade(rt, candidates, buyer, "state", "gateway.notify_url_is", url=f"{NOTIFY_PREFIX}web")
    assert result.fraction == 1  # the same path on the world's site
    result, _ = _grade(rt, candidates, buyer, "state", "gateway.notify_url_is", url="https://mall.sim/other")
    assert result.fraction == 0 and "web" in str(result.evidence)


def test_trade_paid_refunded_and_refused_checks(rt, candidates, buyer) -> None:  # noqa: ANN001
    _login_as_identity(candidates, buyer)
    result, _ = _grade(rt, candidates, buyer, "state", "gateway.trade_paid", amount_fen=5000)
    assert result.fraction == 0
    cashier = web._page_pay(candidates, buyer, "ORDER1", "50.00")
    buyer.post(f"{cashier}/pay-card", data={"card_no": SUCCESS_CARD, "card_password": "123456"})
    result, facts = _grade(rt, candidates, buyer, "state", "gateway.trade_paid", amount_fen=5000)
    assert result.fraction == 1 and facts["trade_no"]
    result, _ = _grade(rt, candidates, buyer, "state", "gateway.trade_paid", amount_fen=4999)
    assert result.fraction == 0 and "金额不是" in str(result.evidence)
    trade_url = f"/gateway/console/trades/{facts['trade_no']}"
    buyer.post(f"{trade_url}/refund", data={"amount": "20.00", "reason": "部分退货"})
    buyer.post(f"{trade_url}/refund", data={"amount": "30.01", "reason": "超额"})
    result, _ = _grade(
        rt, candidates, buyer, "state", "gateway.refunded", amount_fen=2000, out_trade_no="ORDER1"
    )
    assert result.fraction == 1
    result, _ = _grade(
        rt, candidates, buyer, "state", "gateway.refunded", amount_fen=2000, out_trade_no="ORDER1", via="api"
    )
    assert result.fraction == 0
    result, _ = _grade(rt, candidates, buyer, "event", "gateway.refund_refused", out_trade_no="ORDER1")
    assert result.fraction == 1
    result, _ = _grade(rt, candidates, buyer, "event", "gateway.refund_refused", code="ACQ.TRADE_HAS_CLOSE")
    assert result.fraction == 0 and "错误码不是" in result.feedback


def test_an_unacknowledged_payment_does_not_count(rt, candidates, buyer) -> None:  # noqa: ANN001
    _login_as_identity(candidates, buyer)
    buyer.post("/gateway/console/urls", data={"notify_url": "https://mall.sim/nobody/here", "return_url": ""})
    cashier = web._page_pay(candidates, buyer, "ORDER2", "10.00")
    buyer.post(f"{cashier}/pay-card", data={"card_no": SUCCESS_CARD, "card_password": "123456"})
    result, _ = _grade(rt, candidates, buyer, "state", "gateway.trade_paid", amount_fen=1000)
    assert result.fraction == 0 and "未被商户确认" in str(result.evidence)
    result, _ = _grade(
        rt, candidates, buyer, "state", "gateway.trade_paid", amount_fen=1000, acknowledged=False
    )
    assert result.fraction == 1
