"""Isolation and integrity: one candidate's world is invisible to another, closed worlds refuse writes,
and money is conserved by the double-entry journal."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.bank.models import BankAccount, JournalEntry, JournalLine
from sandbox.control.models import Attempt
from sandbox.gateway.models import Trade
from sandbox.orders.models import Order
from sandbox.storefront.models import Shop, Sku
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
from tests.test_bad_input import (
    assert_refused,
    body,
    buyer_identity,
    cart_lines,
    get_order,
    pick_skus,
    place_order,
    world_state,
    wrong_password,
)

CLOSED = "已交卷或考试已结束，不能再修改"

A_ADDRESS = {**GOOD_ADDRESS, "recipient": "甲方收货人", "phone": "13911110001", "detail": "甲方专用路1号甲座"}
B_ADDRESS = {
    **GOOD_ADDRESS,
    "recipient": "乙方收货人",
    "phone": "13922220002",
    "detail": "乙方专用路2号乙座",
    "province": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "postcode": "200120",
}


@pytest.fixture
def pair(candidates):  # noqa: ANN001, ANN201
    """T0001 (A) and T0002 (B), each with a member and an address in their own world."""
    a = candidates.login("T0001")
    shop_member(a, "alice_a", "13811110001")
    assert a.post("/shop/addresses", data=A_ADDRESS).status_code == 302
    b = candidates.login("T0002")
    shop_member(b, "bob_b", "13822220002")
    assert b.post("/shop/addresses", data=B_ADDRESS).status_code == 302
    assert candidates.attempt_of(a).world_path != candidates.attempt_of(b).world_path
    return a, b


def _numbers(candidates, client) -> set[str]:  # noqa: ANN001
    w = candidates.world(client)
    try:
        return set(w.db.scalars(select(Order.number)))
    finally:
        w.close()


# --- another candidate's world -------------------------------------------------------------------


def test_order_number_of_another_world_is_404(candidates, pair) -> None:  # noqa: ANN001
    a, b = pair
    (sku,) = pick_skus(candidates, a)
    # A's order number must not also exist in B's world (numbers are per world, so make A's the 2nd).
    first = place_order(candidates, a, sku.code, 1)
    assert a.post(f"/shop/orders/{first}/cancel").status_code == 302
    a_no = place_order(candidates, a, sku.code, 2)
    b_no = place_order(candidates, b, sku.code, 1)
    assert a_no not in _numbers(candidates, b) and b_no in _numbers(candidates, b)

    # A has opened the platform's cashier for the order: its trade exists in A's world only.
    a_request, a_fields = platform_request(a, a_no)
    a_cashier = a.post(GATEWAY_DO, data=a_fields).location
    assert a_cashier.startswith("/gateway/cashier/")

    a_before, b_before = world_state(candidates, a), world_state(candidates, b)
    b_ident, a_ident = buyer_identity(candidates, b), buyer_identity(candidates, a)
    responses = [
        b.get(f"/shop/orders/{a_no}"),
        b.get(f"/shop/orders/{a_no}/pay"),
        pay(b, a_no, b_ident["account_no"], b_ident["payment_password"]),
        pay(b, a_no, a_ident["account_no"], a_ident["payment_password"]),
        b.post(f"/shop/orders/{a_no}/cancel"),
        b.post(f"/shop/orders/{a_no}/confirm"),
    ]
    for resp in responses:
        assert_refused(resp, 404, "订单不存在")
        assert A_ADDRESS["recipient"] not in body(resp)
    # A's cashier is not in B's world, whoever's card B types
    for resp in (
        b.get(a_cashier),
        pay_at(b, a_cashier, b_ident["account_no"], b_ident["payment_password"]),
        pay_at(b, a_cashier, a_ident["account_no"], a_ident["payment_password"]),
        b.post(
            f"{a_cashier}/login", data={"email": a_ident["email"], "password": a_ident["platform_password"]}
        ),
        b.post(f"{a_cashier}/pay-account", data={"pay_password": a_ident["payment_password"]}),
    ):
        assert_refused(resp, 404, "交易不存在")
        assert A_ADDRESS["recipient"] not in body(resp) and a_no not in body(resp)
    # A's signed request carried into B's world opens nothing there (B's shops sign with their own keys)
    resp = b.post(GATEWAY_DO, data=a_fields)
    assert resp.status_code == 400 and "isv." in body(resp), body(resp)
    assert world_state(candidates, a) == a_before
    assert world_state(candidates, b) == b_before
    assert get_order(candidates, a, a_no).display_status == "awaiting_payment"


def test_bank_card_of_another_world_does_not_exist(candidates, pair) -> None:  # noqa: ANN001
    a, b = pair
    (sku,) = pick_skus(candidates, b)
    b_no = place_order(candidates, b, sku.code, 1)
    b_cashier = open_cashier(b, b_no)
    a_ident = buyer_identity(candidates, a)
    assert a_ident["account_no"] != buyer_identity(candidates, b)["account_no"]
    a_before, b_before = world_state(candidates, a), world_state(candidates, b)
    resp = pay_at(b, b_cashier, a_ident["account_no"], a_ident["payment_password"])
    assert_refused(resp, 404, "银行账号不存在", error_page=False)
    # nor is A's platform account
    resp = b.post(
        f"{b_cashier}/login", data={"email": a_ident["email"], "password": a_ident["platform_password"]}
    )
    assert resp.status_code == 401, body(resp)
    assert world_state(candidates, a) == a_before
    assert world_state(candidates, b) == b_before


def test_pages_of_one_candidate_never_show_anothers_data(candidates, pair) -> None:  # noqa: ANN001
    a, b = pair
    sku_a, sku_b = pick_skus(candidates, a, n=2)
    a_no = place_order(candidates, a, sku_a.code, 2)
    a_ident = buyer_identity(candidates, a)
    a_cashier = open_cashier(a, a_no)
    assert pay_at(a, a_cashier, a_ident["account_no"], a_ident["payment_password"]).status_code == 303
    assert a.post("/shop/cart/add", data={"sku": sku_a.code, "quantity": "4"}).status_code == 302
    assert a.post("/exam/answers", data={"order_no": "ANSWER-OF-A-777"}).status_code == 302
    b_no = place_order(candidates, b, sku_b.code, 1)
    b_ident = buyer_identity(candidates, b)
    b_cashier = open_cashier(b, b_no)
    assert (
        b.post(
            "/bank/login", data={"account_no": b_ident["account_no"], "password": b_ident["login_password"]}
        ).status_code
        == 302
    )

    secrets_of_a = [
        A_ADDRESS["recipient"],
        A_ADDRESS["detail"],
        A_ADDRESS["phone"],
        "alice_a",
        "考生甲",
        "T0001",
        a_ident["account_no"],
        a_ident["login_password"],
        a_ident["name"],
        a_ident["email"],
        a_ident["platform_password"],
        trade_no_of(a_cashier),
        "ANSWER-OF-A-777",
    ]
    pages = [
        "/exam/",
        "/exam/answers",
        "/exam/submit",
        "/shop/",
        "/shop/cart",
        "/shop/addresses",
        "/shop/orders/",
        f"/shop/orders/{b_no}",
        f"/shop/orders/{a_no}",
        f"/shop/orders/{a_no}/pay",
        "/bank/",
        "/bank/statement",
        "/gateway/",
        b_cashier,
        a_cashier,
    ]
    for path in pages:
        resp = b.get(path)
        assert resp.status_code in (200, 404), (path, resp.status_code)
        text = body(resp)
        for secret in secrets_of_a:
            assert secret not in text, f"{secret!r} of candidate A shown on B's page {path}"
    # control: B's own data is on B's pages
    assert B_ADDRESS["recipient"] in body(b.get("/shop/addresses"))
    assert b_no in body(b.get("/shop/orders/"))
    assert b_ident["account_no"] in body(b.get("/exam/"))
    assert b_no in body(b.get(b_cashier))
    # and A's on A's
    assert A_ADDRESS["recipient"] in body(a.get(f"/shop/orders/{a_no}"))


def test_world_is_never_taken_from_url_or_form(candidates, pair) -> None:  # noqa: ANN001
    a, b = pair
    att_a = candidates.attempt_of(a)
    (sku,) = pick_skus(candidates, a)
    a_before = world_state(candidates, a)
    smuggled = {"attempt_id": att_a.id, "attempt": att_a.id, "world": att_a.world_path, "key": att_a.key}
    resp = b.post(
        "/shop/cart/add", query_string=smuggled, data={"sku": sku.code, "quantity": "2", **smuggled}
    )
    assert resp.status_code == 302
    assert world_state(candidates, a) == a_before
    assert [(c, q) for _, c, q in cart_lines(candidates, b)] == [(sku.code, 2)]
    assert candidates.attempt_of(b).id != att_a.id


def _session_cookie(secret: str, data: dict) -> str:
    signer = Flask("forger")
    signer.secret_key = secret
    return signer.session_interface.get_signing_serializer(signer).dumps(data)


def test_forged_session_cookie_does_not_bind_a_world(app, candidates, pair) -> None:  # noqa: ANN001
    a, _ = pair
    att_a = candidates.attempt_of(a)
    (sku,) = pick_skus(candidates, a)
    with a.session_transaction() as sess:
        generation = sess["who"]["gen"]  # the login's current session generation
    who = {"kind": "candidate", "id": att_a.candidate_id, "name": "x", "gen": generation}
    a_before = world_state(candidates, a)

    intruder = app.test_client()
    intruder.set_cookie("session", _session_cookie("not-the-secret", {"attempt_id": att_a.id, "who": who}))
    resp = intruder.get("/shop/cart")
    assert resp.status_code == 302 and "/exam/login" in resp.location
    resp = intruder.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1"})
    assert resp.status_code == 302 and "/exam/login" in resp.location
    assert world_state(candidates, a) == a_before

    # control: the same cookie signed with the app's key would bind (so the refusal above is the signature)
    insider = app.test_client()
    insider.set_cookie(
        "session", _session_cookie(app.config["SECRET_KEY"], {"attempt_id": att_a.id, "who": who})
    )
    assert insider.get("/shop/").status_code == 200


# --- closed worlds -------------------------------------------------------------------------------


@pytest.fixture
def enqueued(rt, monkeypatch):  # noqa: ANN001, ANN201
    """Grading requests, recorded instead of starting a browser."""
    calls: list[tuple] = []
    monkeypatch.setattr(rt.grading, "enqueue", lambda *a, **k: calls.append(a))
    return calls


@pytest.fixture
def busy_shopper(candidates, shopper):  # noqa: ANN001, ANN201
    """A shopper with an unpaid order (its cashier open), a cart line and a saved answer; returns
    (client, order no, item id)."""
    sku, other = pick_skus(candidates, shopper, n=2)
    number = place_order(candidates, shopper, sku.code, 2)
    open_cashier(shopper, number)
    assert shopper.post("/shop/cart/add", data={"sku": other.code, "quantity": "1"}).status_code == 302
    ((item_id, _, _),) = cart_lines(candidates, shopper)
    assert shopper.post("/exam/answers", data={"order_no": number}).status_code == 302
    return shopper, number, item_id


def _writes(candidates, client, number: str, item_id: int) -> list[tuple[str, dict]]:  # noqa: ANN001
    ident = buyer_identity(candidates, client)
    (sku,) = pick_skus(candidates, client)
    aid = first_address_id(candidates, client)
    w = candidates.world(client)
    try:  # the order's signed request and trade, made when its cashier was opened
        request = dict(w.db.scalars(select(Order).where(Order.number == number)).one().payment_request)
        cashier = f"/gateway/cashier/{w.db.scalars(select(Trade.trade_no).where(Trade.out_trade_no == number)).one()}"
    finally:
        w.close()
    return [
        ("/shop/cart/add", {"sku": sku.code, "quantity": "1"}),
        (f"/shop/cart/{item_id}/quantity", {"quantity": "3"}),
        (f"/shop/cart/{item_id}/remove", {}),
        ("/shop/checkout", {"address_id": aid, "shipping_method": "express"}),
        # paying: the shop's signed request, the platform taking it, the cashier (card or account)
        (f"/shop/orders/{number}/pay", {}),
        (GATEWAY_DO, request),
        (f"{cashier}/pay-card", {"card_no": ident["account_no"], "card_password": ident["payment_password"]}),
        (
            f"{cashier}/pay-card",
            {"card_no": ident["account_no"], "card_password": wrong_password(ident["payment_password"])},
        ),
        (f"{cashier}/login", {"email": ident["email"], "password": ident["platform_password"]}),
        (f"{cashier}/pay-account", {"pay_password": ident["payment_password"]}),
        (f"/shop/orders/{number}/cancel", {}),
        ("/shop/addresses", GOOD_ADDRESS),
        (f"/shop/addresses/{aid}/delete", {}),
        (f"/shop/addresses/{aid}/default", {}),
        (
            "/shop/register",
            {
                "username": "late_user",
                "password": "secret123",
                "password_confirm": "secret123",
                "phone": "13800138001",
            },
        ),
        ("/shop/login", {"username": "buyer_01", "password": "secret123"}),
        ("/shop/logout", {}),
        ("/bank/login", {"account_no": ident["account_no"], "password": ident["login_password"]}),
        ("/exam/answers", {"order_no": "CHANGED-AFTER-CLOSE"}),
    ]


def _assert_every_write_refused(candidates, client, number: str, item_id: int) -> None:  # noqa: ANN001
    before = world_state(candidates, client)
    answers = dict(candidates.attempt_of(client).answers)
    for path, data in _writes(candidates, client, number, item_id):
        resp = client.post(path, data=data)
        assert_refused(resp, 403, CLOSED)
        assert world_state(candidates, client) == before, path
    assert candidates.attempt_of(client).answers == answers
    # reading still works
    assert client.get(f"/shop/orders/{number}").status_code == 200
    assert client.get("/shop/cart").status_code == 200


def test_submit_needs_confirmation(candidates, busy_shopper, enqueued) -> None:  # noqa: ANN001
    client, _, _ = busy_shopper
    resp = client.post("/exam/submit", data={})
    assert resp.status_code == 302 and resp.location.endswith("/exam/submit")
    assert candidates.attempt_of(client).status == "active"
    assert enqueued == []


def test_writes_after_submit_are_refused(candidates, busy_shopper, enqueued) -> None:  # noqa: ANN001
    client, number, item_id = busy_shopper
    attempt_id = candidates.attempt_of(client).id
    assert client.post("/exam/submit", data={"confirm": "yes"}).status_code == 302
    attempt = candidates.attempt_of(client)
    assert (attempt.status, attempt.submit_reason) == ("submitted", "candidate")
    assert enqueued == [(attempt_id, "submit:candidate")]
    _assert_every_write_refused(candidates, client, number, item_id)
    # submitting again neither reopens nor re-queues
    assert client.post("/exam/submit", data={"confirm": "yes"}).status_code == 302
    assert candidates.attempt_of(client).status == "submitted"
    assert enqueued == [(attempt_id, "submit:candidate")]


def test_writes_after_deadline_are_refused_and_attempt_auto_submitted(
    rt, candidates, busy_shopper, enqueued
) -> None:  # noqa: ANN001
    client, number, item_id = busy_shopper
    attempt_id = candidates.attempt_of(client).id
    before = world_state(candidates, client)
    deadline = time.time() - 60
    db = rt.control.session()
    db.get(Attempt, attempt_id).deadline_real = deadline
    db.commit()
    db.close()

    (sku,) = pick_skus(candidates, client)
    resp = client.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1"})
    assert_refused(resp, 403, CLOSED)
    assert world_state(candidates, client) == before
    attempt = candidates.attempt_of(client)
    assert (attempt.status, attempt.submit_reason) == ("submitted", "deadline")
    assert attempt.submitted_real == pytest.approx(deadline)
    assert enqueued == [(attempt_id, "submit:deadline")]
    _assert_every_write_refused(candidates, client, number, item_id)
    assert enqueued == [(attempt_id, "submit:deadline")]


def test_deadline_is_enforced_on_a_page_view_too(rt, candidates, shopper, enqueued) -> None:  # noqa: ANN001
    attempt_id = candidates.attempt_of(shopper).id
    db = rt.control.session()
    db.get(Attempt, attempt_id).deadline_real = time.time() - 1
    db.commit()
    db.close()
    assert shopper.get("/exam/status").get_json() == {"status": "submitted", "seconds_left": 0}
    assert candidates.attempt_of(shopper).submit_reason == "deadline"
    assert enqueued == [(attempt_id, "submit:deadline")]


# --- money conservation --------------------------------------------------------------------------


def test_money_is_conserved_through_purchases_payments_and_cancellations(candidates, shopper) -> None:  # noqa: ANN001
    client = shopper
    ident = buyer_identity(candidates, client)
    s1, s2, s3 = pick_skus(candidates, client, n=3, max_price=10000)
    stock_before = {s.id: s.allocated for s in (s1, s2, s3)}

    n1 = place_order(candidates, client, s1.code, 2)
    assert pay(client, n1, ident["account_no"], ident["payment_password"]).status_code == 303
    n2 = place_order(candidates, client, s2.code, 1, method="sf")
    assert client.post(f"/shop/orders/{n2}/cancel").status_code == 302
    n3 = place_order(candidates, client, s3.code, 3, method="sf")
    assert pay(client, n3, ident["account_no"], wrong_password(ident["payment_password"])).status_code == 401
    assert pay(client, n3, ident["account_no"], ident["payment_password"]).status_code == 303
    # one cart over two shops makes two orders: pay one, cancel the other
    for sku in (s1, s2):
        assert client.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1"}).status_code == 302
    known = _numbers(candidates, client)
    resp = client.post(
        "/shop/checkout",
        data={"address_id": first_address_id(candidates, client), "shipping_method": "express"},
    )
    assert resp.status_code == 302 and resp.location.endswith("/shop/orders/")
    new = sorted(_numbers(candidates, client) - known)
    w = candidates.world(client)
    holds_s1 = {
        o.number for o in w.db.scalars(select(Order)) if any(ln.sku_code == s1.code for ln in o.lines)
    }
    w.close()
    # the order holding s1 is paid (with the platform account: its bound card), the other cancelled
    # (which shop's order comes first depends on ids)
    n4, n5 = sorted(new, key=lambda n: n not in holds_s1)
    assert pay_with_account(client, open_cashier(client, n4), ident).status_code == 303
    assert client.post(f"/shop/orders/{n5}/cancel").status_code == 302
    # paying a cancelled or paid order again is refused
    assert pay(client, n5, ident["account_no"], ident["payment_password"]).status_code == 409
    assert pay(client, n1, ident["account_no"], ident["payment_password"]).status_code == 409

    w = candidates.world(client)
    try:
        entries = list(w.db.scalars(select(JournalEntry)))
        for entry in entries:
            assert len(entry.lines) >= 2
            assert sum(line.amount_fen for line in entry.lines) == 0, entry.memo
        assert w.db.scalar(select(func.sum(JournalLine.amount_fen))) == 0
        accounts = list(w.db.scalars(select(BankAccount)))
        assert sum(bank.balance(w, acc) for acc in accounts) == 0

        orders = {o.number: o for o in w.db.scalars(select(Order))}
        paid = [orders[n] for n in (n1, n3, n4)]
        assert all(o.payment_status == "paid" for o in paid)
        assert all(orders[n].status == "closed" and orders[n].payment_status == "unpaid" for n in (n2, n5))
        spent = sum(o.total_fen for o in paid)
        assert bank.balance(w, bank.find_account(w, ident["account_no"])) == 500000 - spent
        assert bank.balance(w, bank.find_account(w, bank.FUNDING_ACCOUNT_NO)) == -500000
        trades = list(w.db.scalars(select(Trade)))
        for o in orders.values():
            shop_acc = bank.find_account(w, w.db.get(Shop, o.shop_id).bank_account_no)
            expected = sum(p.total_fen for p in paid if p.shop_id == o.shop_id)
            assert bank.balance(w, shop_acc) == expected
            its = [t for t in trades if t.out_trade_no == o.number]
            refs = [e for e in entries if e.reference in {t.trade_no for t in its}]
            if o.payment_status == "paid":
                (trade,) = its  # one trade per order, however often its cashier was opened
                assert (trade.status, trade.trade_no, trade.total_fen) == (
                    "TRADE_SUCCESS",
                    o.trade_no,
                    o.total_fen,
                )
                assert trade.pay_channel == ("account" if o.number == n4 else "card")
                assert len(refs) == 1
                assert sorted(line.amount_fen for line in refs[0].lines) == [-o.total_fen, o.total_fen]
            else:
                assert refs == []
        # stock: paid orders keep their allocation, cancelled ones gave it back
        allocated = {s.id: w.db.get(Sku, s.id).allocated - stock_before[s.id] for s in (s1, s2, s3)}
        assert allocated == {s1.id: 3, s2.id: 0, s3.id: 3}
    finally:
        w.close()


def test_a_cashier_opened_before_the_order_was_cancelled_takes_no_money(candidates, shopper) -> None:  # noqa: ANN001
    """The buyer opens the cashier, cancels the order in another tab, then pays at the cashier: the
    order is closed and its stock released, so the payment must be refused (the shop closes its trade
    when it cancels, as a merchant calls alipay.trade.close) and no money may move."""
    number, _, ident = _unpaid_order(candidates, shopper)
    cashier = open_cashier(shopper, number)
    assert shopper.post(f"/shop/orders/{number}/cancel").status_code == 302
    before = world_state(candidates, shopper)
    resp = pay_at(shopper, cashier, ident["account_no"], ident["payment_password"])
    after = world_state(candidates, shopper)
    order = get_order(candidates, shopper, number)
    assert (order.status, order.payment_status) == ("closed", "unpaid")
    assert after["balances"] == before["balances"], "a cancelled order's trade took the buyer's money"
    assert resp.status_code == 409, body(resp)


def test_concurrent_payments_of_one_order_pay_once(candidates, shopper) -> None:  # noqa: ANN001
    """Two payments of one trade at the cashier (a double-clicked 确认付款), each a unit of work that
    reads then writes, run one after the other: the second finds the trade paid, the buyer pays once."""
    import threading

    from sandbox.errors import Conflict
    from sandbox.worlds.store import open_world
    from tests.platform_pay import pay_trade_in_world

    number, attempt, ident = _unpaid_order(candidates, shopper)
    trade_no = trade_no_of(open_cashier(shopper, number))

    def pay_trade(world):  # noqa: ANN001, ANN202
        return pay_trade_in_world(world, trade_no, ident["account_no"], ident["payment_password"])

    first = open_world(attempt.world_path, write_lock=True)  # holds the write lock from here on
    outcome: list[object] = []

    def second() -> None:
        w2 = open_world(attempt.world_path, write_lock=True)  # waits for `first` to finish
        try:
            pay_trade(w2)
            w2.commit()
            outcome.append("paid again")
        except Conflict as exc:
            outcome.append(exc)
        finally:
            w2.close()

    thread = threading.Thread(target=second)
    thread.start()
    pay_trade(first)
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    w = candidates.world(shopper)
    try:
        assert len([e for e in w.events("gateway.trade_paid") if e.payload["trade_no"] == trade_no]) == 1
        assert len([e for e in w.events("payment.succeeded") if e.payload["order_no"] == number]) == 1
        assert len(list(w.db.scalars(select(JournalEntry).where(JournalEntry.reference == trade_no)))) == 1
        total = w.db.scalars(select(Order).where(Order.number == number)).one().total_fen
        assert bank.balance(w, bank.find_account(w, ident["account_no"])) == 500000 - total
    finally:
        w.close()


def test_write_in_flight_at_submit_is_kept_and_later_writes_refused(candidates, shopper, rt) -> None:  # noqa: ANN001
    """交卷 waits for a write holding the world's lock; a write that comes after finds the world closed."""
    import threading

    from sandbox.control import attempts as attempt_service
    from sandbox.control.models import Attempt as AttemptRow
    from sandbox.worlds.store import open_world
    from tests.platform_pay import pay_trade_in_world

    monkeypatch_jobs: list[int] = []
    rt.grading.enqueue = lambda attempt_id, by: monkeypatch_jobs.append(attempt_id)  # no browser here
    number, attempt, ident = _unpaid_order(candidates, shopper)
    trade_no = trade_no_of(open_cashier(shopper, number))

    in_flight = open_world(attempt.world_path, write_lock=True)  # a payment at the cashier, mid-way
    pay_trade_in_world(in_flight, trade_no, ident["account_no"], ident["payment_password"])

    submitted = threading.Event()

    def submit() -> None:
        db = rt.control.session()
        attempt_service.submit(rt, db, db.get(AttemptRow, attempt.id), "candidate")
        db.close()
        submitted.set()

    thread = threading.Thread(target=submit)
    thread.start()
    assert not submitted.wait(0.3)  # 交卷 waits for the payment in flight
    in_flight.commit()  # the candidate is told 付款成功 ...
    in_flight.close()
    thread.join(timeout=30)
    assert submitted.is_set() and monkeypatch_jobs == [attempt.id]

    w = candidates.world(shopper)  # ... so the submitted world has it, and the shop's record of it
    assert [e.payload["trade_no"] for e in w.events("gateway.trade_paid")] == [trade_no]
    assert [e.payload["order_no"] for e in w.events("payment.succeeded")] == [number]
    assert w.meta().closed
    w.close()


def test_world_closed_before_the_attempt_row_refuses_writes(candidates, shopper, rt) -> None:  # noqa: ANN001
    """A request that read the attempt as open but got the lock after 交卷 closed the world is refused."""
    import time as time_module

    from sandbox.control import attempts as attempt_service

    attempt = candidates.attempt_of(shopper)
    attempt_service.close_world(rt, attempt, time_module.time())  # the control row still says active
    resp = shopper.post("/shop/addresses", data={"recipient": "张三", "phone": "13800000000"})
    assert resp.status_code == 403 and "已交卷或考试已结束，不能再修改" in resp.get_data(as_text=True)


def _unpaid_order(candidates, shopper):  # noqa: ANN001, ANN202
    """Place a cheap one-line order; returns its number, the attempt and the buyer's identity."""
    from sqlalchemy import select as sa_select

    from sandbox.storefront.models import Sku
    from tests.conftest import first_address_id

    w = candidates.world(shopper)
    sku = w.db.scalars(
        sa_select(Sku.code).where(Sku.price_fen <= 10000, Sku.quantity - Sku.allocated >= 5)
    ).first()
    w.close()
    shopper.post("/shop/cart/add", data={"sku": sku, "quantity": "1"})
    number = shopper.post(
        "/shop/checkout",
        data={"address_id": first_address_id(candidates, shopper), "shipping_method": "express"},
    ).location.split("/")[-2]
    attempt = candidates.attempt_of(shopper)
    return number, attempt, attempt.identities[0]
