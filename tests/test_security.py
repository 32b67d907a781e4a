"""Security: CSRF, session cookie flags, signed logins, the action log, and redirects after login."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from sandbox.control import people, signed_login
from sandbox.control.models import ActionLog, Attempt
from sandbox.worlds.store import open_world
from tests.conftest import SCENARIO, action_log_rows, make_app, start_attempt
from tests.platform_pay import GATEWAY_DO, open_cashier, pay_at, request_fields
from tests.test_bad_input import (
    assert_refused,
    body,
    buyer_identity,
    cart_lines,
    pick_skus,
    place_order,
    world_state,
    wrong_password,
)

CSRF_MESSAGE = "页面已过期或表单来源无效，请刷新后重试"
CLOSED = "已交卷或考试已结束，不能再修改"

# --- CSRF ----------------------------------------------------------------------------------------


class Worlds:
    """`candidates.world(client)` for an app other than the `app` fixture."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.rt = app.extensions["sandbox"]

    def attempt_of(self, client) -> Attempt:  # noqa: ANN001
        with client.session_transaction() as sess:
            attempt_id = sess["attempt_id"]
        db = self.rt.control.session()
        try:
            return db.get(Attempt, attempt_id)
        finally:
            db.close()

    def world(self, client, read_only: bool = True):  # noqa: ANN001, ANN201
        return open_world(self.attempt_of(client).world_path, read_only=read_only)


@pytest.fixture
def csrf_app(tmp_path, templates_dir):  # noqa: ANN001, ANN201
    """An application with CSRF protection on and one candidate C0001."""
    app = make_app(tmp_path / "d", templates_dir, WTF_CSRF_ENABLED=True)
    rt = app.extensions["sandbox"]
    db = rt.control.session()
    exam = people.create_exam(db, "T-CSRF", "CSRF 测试", [SCENARIO])
    people.add_candidate(db, exam, "C0001", "考生丙", "pass1234")
    db.commit()
    db.close()
    yield app
    rt.grading.stop()


def csrf_token(client, path: str) -> str:  # noqa: ANN001
    """The CSRF token of the form on `path`."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', body(client.get(path)))
    assert match, f"no csrf token on {path}"
    return match.group(1)


@pytest.fixture
def csrf_member(csrf_app):  # noqa: ANN001, ANN201
    """A candidate of the CSRF app, logged in (with tokens) and with a storefront member."""
    client = csrf_app.test_client()
    resp = client.post(
        "/exam/login",
        data={"ticket_no": "C0001", "password": "pass1234", "csrf_token": csrf_token(client, "/exam/login")},
    )
    assert resp.status_code == 302
    assert client.get("/exam/").status_code == 200
    resp = client.post(
        "/shop/register",
        data={
            "username": "buyer_c",
            "password": "secret123",
            "password_confirm": "secret123",
            "phone": "13800138000",
            "csrf_token": csrf_token(client, "/shop/register"),
        },
    )
    assert resp.status_code == 302, body(resp)
    return client


def test_login_without_csrf_token_is_refused(csrf_app) -> None:  # noqa: ANN001
    client = csrf_app.test_client()
    resp = client.post("/exam/login", data={"ticket_no": "C0001", "password": "pass1234"})
    assert_refused(resp, 400, CSRF_MESSAGE)
    with client.session_transaction() as sess:
        assert "who" not in sess
    assert client.get("/exam/").status_code == 302
    db = csrf_app.extensions["sandbox"].control.session()
    assert db.scalars(select(Attempt)).all() == []
    db.close()


@pytest.mark.parametrize("token", [None, "", "forged-token", "IjEyMyI.abc.def"])
def test_world_write_without_valid_csrf_token_is_refused(csrf_app, csrf_member, token: str | None) -> None:  # noqa: ANN001
    worlds = Worlds(csrf_app)
    (sku,) = pick_skus(worlds, csrf_member)
    before = world_state(worlds, csrf_member)
    data = {"sku": sku.code, "quantity": "1"}
    if token is not None:
        data["csrf_token"] = token
    assert_refused(csrf_member.post("/shop/cart/add", data=data), 400, CSRF_MESSAGE)
    assert world_state(worlds, csrf_member) == before
    # control: with the page's token the same post goes through
    data["csrf_token"] = csrf_token(csrf_member, "/shop/cart")
    assert csrf_member.post("/shop/cart/add", data=data).status_code == 302
    assert [(c, q) for _, c, q in cart_lines(worlds, csrf_member)] == [(sku.code, 1)]


def test_answer_sheet_without_csrf_token_is_refused(csrf_app, csrf_member) -> None:  # noqa: ANN001
    worlds = Worlds(csrf_app)
    resp = csrf_member.post("/exam/answers", data={"order_no": "123"})
    assert_refused(resp, 400, CSRF_MESSAGE)
    assert worlds.attempt_of(csrf_member).answers == {}


def test_csrf_refusal_is_recorded_in_action_log(csrf_app, csrf_member) -> None:  # noqa: ANN001
    """binding.py promises every request of a candidate is logged; a CSRF-refused post is one."""
    worlds = Worlds(csrf_app)
    attempt_id = worlds.attempt_of(csrf_member).id
    assert csrf_member.post("/shop/cart/add", data={"sku": "X", "quantity": "1"}).status_code == 400
    db = csrf_app.extensions["sandbox"].control.session()
    rows = db.scalars(
        select(ActionLog).where(
            ActionLog.attempt_id == attempt_id,
            ActionLog.kind == "request",
            ActionLog.path == "/shop/cart/add",
        )
    ).all()
    db.close()
    assert [(r.method, r.status_code) for r in rows] == [("POST", 400)]


def test_cashier_payment_without_csrf_token_is_refused(csrf_app, csrf_member) -> None:  # noqa: ANN001
    """A page elsewhere cannot make the buyer pay: the cashier's forms need the token. The shop's signed
    request is posted to the platform without one (from the shop's page, as to Alipay): its signature
    is what protects it."""
    from tests.conftest import GOOD_ADDRESS

    worlds = Worlds(csrf_app)
    client = csrf_member
    token = csrf_token(client, "/shop/addresses")
    assert client.post("/shop/addresses", data={**GOOD_ADDRESS, "csrf_token": token}).status_code == 302
    (sku,) = pick_skus(worlds, client)
    resp = client.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1", "csrf_token": token})
    assert resp.status_code == 302
    page = body(client.get("/shop/checkout"))
    address_id = re.search(r'name="address_id" value="(\d+)"', page).group(1)
    resp = client.post(
        "/shop/checkout", data={"address_id": address_id, "shipping_method": "express", "csrf_token": token}
    )
    number = resp.location.split("/")[-2]
    assert_refused(client.post(f"/shop/orders/{number}/pay"), 400, CSRF_MESSAGE)
    resp = client.post(f"/shop/orders/{number}/pay", data={"csrf_token": token})
    fields = request_fields(resp)
    assert resp.status_code == 200 and "csrf_token" not in fields
    resp = client.post(GATEWAY_DO, data=fields)
    assert resp.status_code == 303
    cashier = resp.location
    ident = buyer_identity(worlds, client)
    card = {"card_no": ident["account_no"], "card_password": ident["payment_password"]}
    before = world_state(worlds, client)
    for token_sent in (None, "forged-token"):
        data = card if token_sent is None else {**card, "csrf_token": token_sent}
        assert_refused(client.post(f"{cashier}/pay-card", data=data), 400, CSRF_MESSAGE)
        login = {"email": ident["email"], "password": ident["platform_password"]}
        assert_refused(client.post(f"{cashier}/login", data=login), 400, CSRF_MESSAGE)
    assert world_state(worlds, client) == before
    # control: with the cashier page's token the payment goes through
    resp = client.post(f"{cashier}/pay-card", data={**card, "csrf_token": csrf_token(client, cashier)})
    assert resp.status_code == 303, body(resp)
    assert (
        world_state(worlds, client)["balances"][ident["account_no"]] < before["balances"][ident["account_no"]]
    )


# --- session cookie ------------------------------------------------------------------------------


def _session_cookie_header(resp) -> str:  # noqa: ANN001
    cookies = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, resp.headers
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(app, exam) -> None:  # noqa: ANN001
    client = app.test_client()
    resp = client.post("/exam/login", data={"ticket_no": "T0001", "password": "pass1234"})
    assert resp.status_code == 302
    header = _session_cookie_header(resp)
    attrs = [a.strip().lower() for a in header.split(";")]
    assert "httponly" in attrs
    assert "samesite=lax" in attrs


def test_session_cookie_flags_with_csrf_on(csrf_app) -> None:  # noqa: ANN001
    client = csrf_app.test_client()
    resp = client.post(
        "/exam/login",
        data={"ticket_no": "C0001", "password": "pass1234", "csrf_token": csrf_token(client, "/exam/login")},
    )
    header = _session_cookie_header(resp)
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_wrong_exam_password_is_refused(app, exam) -> None:  # noqa: ANN001
    client = app.test_client()
    resp = client.post("/exam/login", data={"ticket_no": "T0001", "password": "wrong-pass"})
    assert_refused(resp, 401, "准考证号或密码错误", error_page=False)
    with client.session_transaction() as sess:
        assert "who" not in sess
    assert client.get("/exam/").status_code == 302


# --- signed login --------------------------------------------------------------------------------


def _unbound(client) -> bool:  # noqa: ANN001
    """The client is bound to no attempt: world pages send it to the exam login."""
    resp = client.get("/shop/")
    return resp.status_code == 302 and "/exam/login" in resp.location


def _token_at(secret: str, claims: dict, issued: float) -> str:
    """A token like signed_login.issue, but stamped at `issued`."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(issued)

    return URLSafeTimedSerializer(secret, salt=signed_login.SALT, signer=Signer).dumps(claims)


@pytest.fixture
def attempt(rt, exam):  # noqa: ANN001, ANN201
    """T0001's attempt, started without the web UI."""
    return start_attempt(rt)


def test_signed_login_candidate_role_works_when_allowed(app, attempt) -> None:  # noqa: ANN001
    """Control for the refusals below."""
    app.config["ALLOW_SIGNED_CANDIDATE_LOGIN"] = True
    client = app.test_client()
    resp = client.get(
        f"/signed-login/{signed_login.issue(app.config['SECRET_KEY'], attempt.id, 'candidate')}"
    )
    assert resp.status_code == 302
    assert client.get("/shop/").status_code == 200
    with client.session_transaction() as sess:
        assert sess["attempt_id"] == attempt.id


def test_signed_login_candidate_role_refused_by_default(app, attempt) -> None:  # noqa: ANN001
    assert not app.config.get("ALLOW_SIGNED_CANDIDATE_LOGIN")
    client = app.test_client()
    resp = client.get(
        f"/signed-login/{signed_login.issue(app.config['SECRET_KEY'], attempt.id, 'candidate')}"
    )
    assert resp.status_code == 403
    assert _unbound(client)


@pytest.mark.parametrize("kind", ["other-secret", "tampered", "garbage", "expired"])
def test_forged_or_expired_signed_login_is_403(app, attempt, kind: str) -> None:  # noqa: ANN001
    app.config["ALLOW_SIGNED_CANDIDATE_LOGIN"] = True  # so that only the token can be the reason
    secret = app.config["SECRET_KEY"]
    claims = {"attempt": attempt.id, "role": "candidate"}
    if kind == "other-secret":
        token = signed_login.issue("other-secret", attempt.id, "candidate")
    elif kind == "tampered":
        good = signed_login.issue(secret, attempt.id, "candidate")
        token = good[:10] + ("A" if good[10] != "A" else "B") + good[11:]
    elif kind == "garbage":
        token = "not-a-token"
    else:
        token = _token_at(secret, claims, time.time() - 3600)
        # control: the same construction, stamped now, is accepted
        fresh = app.test_client()
        assert fresh.get(f"/signed-login/{_token_at(secret, claims, time.time())}").status_code == 302
    client = app.test_client()
    resp = client.get(f"/signed-login/{token}")
    assert resp.status_code == 403
    assert _unbound(client)


def test_signed_login_unknown_role_is_not_treated_as_candidate(app, attempt) -> None:  # noqa: ANN001
    """Only the roles signed_login knows may log in; an unknown role must not fall through to "candidate"."""
    app.config["ALLOW_SIGNED_CANDIDATE_LOGIN"] = True
    token = _token_at(app.config["SECRET_KEY"], {"attempt": attempt.id, "role": "examiner"}, time.time())
    client = app.test_client()
    assert client.get(f"/signed-login/{token}").status_code == 403
    assert _unbound(client)


def test_signed_login_refusal_shows_a_chinese_message(app, attempt) -> None:  # noqa: ANN001
    client = app.test_client()
    resp = client.get("/signed-login/not-a-token")
    assert resp.status_code == 403
    assert re.search(r"[\u4e00-\u9fff]", body(resp)), body(resp)


def grader_token(app, attempt) -> str:  # noqa: ANN001
    """A grader's (read-only) signed login to the attempt's live world."""
    return signed_login.issue(
        app.config["SECRET_KEY"], attempt.id, "buyer", world=attempt.world_path, frozen_real=time.time()
    )


def test_grader_signed_login_is_read_only(app, candidates, shopper) -> None:  # noqa: ANN001
    att = candidates.attempt_of(shopper)
    (sku,) = pick_skus(candidates, shopper)
    token = grader_token(app, att)
    grader = app.test_client()
    assert grader.get(f"/signed-login/{token}").status_code == 302
    assert grader.get("/shop/").status_code == 200
    before = world_state(candidates, shopper)
    assert_refused(grader.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1"}), 403, CLOSED)
    assert_refused(grader.post("/shop/addresses", data={}), 403, CLOSED)
    assert world_state(candidates, shopper) == before
    assert candidates.attempt_of(shopper).status == "active"
    # nor the candidate's own answer sheet or submission, even for an attempt still open
    assert_refused(grader.post("/exam/answers", data={"order_no": "1"}), 403, CLOSED)
    assert_refused(grader.post("/exam/submit", data={"confirm": "yes"}), 403, CLOSED)
    assert grader.get("/exam/answers").status_code == 403
    assert candidates.attempt_of(shopper).status == "active" and candidates.attempt_of(shopper).answers == {}


def test_grader_session_expires(app, candidates, shopper, monkeypatch) -> None:  # noqa: ANN001
    att = candidates.attempt_of(shopper)
    token = grader_token(app, att)
    grader = app.test_client()
    grader.get(f"/signed-login/{token}")
    assert grader.get("/shop/").status_code == 200
    later = time.time() + signed_login.GRADER_SESSION_SECONDS + 1
    monkeypatch.setattr("sandbox.binding.time.time", lambda: later)
    assert grader.get("/shop/").status_code == 302  # back to a login page: the grader's session is gone


def _is_off_site(location: str) -> bool:
    """Whether a browser would leave the site for this Location (backslash = slash, tabs/newlines dropped)."""
    normalised = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    parts = urlsplit(normalised)
    return bool(parts.scheme or parts.netloc)


OFF_SITE_TARGETS = [
    "//evil.example/x",
    "https://evil.example/x",
    "javascript:alert(1)",
    "/\\evil.example/x",
    "/\t/evil.example/x",
    "/ /evil.example/x",
]


@pytest.mark.parametrize("target", OFF_SITE_TARGETS)
def test_signed_login_next_stays_on_site(app, attempt, target: str) -> None:  # noqa: ANN001
    token = grader_token(app, attempt)
    resp = app.test_client().get(f"/signed-login/{token}", query_string={"next": target})
    assert resp.status_code == 302
    assert not _is_off_site(resp.location), resp.location


def test_signed_login_next_local_path_is_followed(app, attempt) -> None:  # noqa: ANN001
    """Control for the test above."""
    token = grader_token(app, attempt)
    resp = app.test_client().get(f"/signed-login/{token}", query_string={"next": "/shop/cart"})
    assert resp.status_code == 302 and resp.location == "/shop/cart"


# --- redirects after storefront login ------------------------------------------------------------


@pytest.mark.parametrize("target", OFF_SITE_TARGETS)
def test_storefront_login_next_stays_on_site(shopper, target: str) -> None:  # noqa: ANN001
    resp = shopper.post("/shop/login", data={"username": "buyer_01", "password": "secret123", "next": target})
    assert resp.status_code == 302
    assert not _is_off_site(resp.location), resp.location


def test_storefront_login_next_local_path_is_followed(shopper) -> None:  # noqa: ANN001
    """Control for the test above."""
    resp = shopper.post(
        "/shop/login", data={"username": "buyer_01", "password": "secret123", "next": "/shop/cart"}
    )
    assert resp.status_code == 302 and resp.location == "/shop/cart"


def test_wrong_storefront_password_is_refused(candidates, shopper) -> None:  # noqa: ANN001
    before = world_state(candidates, shopper)
    resp = shopper.post("/shop/login", data={"username": "buyer_01", "password": "wrong-one"})
    assert_refused(resp, 401, "用户名或密码错误", error_page=False)
    assert world_state(candidates, shopper) == before


# --- action log ----------------------------------------------------------------------------------


_log = action_log_rows


@pytest.fixture
def logged_secrets(candidates, shopper):  # noqa: ANN001, ANN201
    """The shopper logs in to the store and bank and pays (once wrongly); returns (attempt id, identity)."""
    ident = buyer_identity(candidates, shopper)
    assert (
        shopper.post("/shop/login", data={"username": "buyer_01", "password": "secret123"}).status_code == 302
    )
    assert (
        shopper.post(
            "/bank/login", data={"account_no": ident["account_no"], "password": ident["login_password"]}
        ).status_code
        == 302
    )
    (sku,) = pick_skus(candidates, shopper)
    number = place_order(candidates, shopper, sku.code, 1)
    cashier = open_cashier(shopper, number)
    assert (
        pay_at(shopper, cashier, ident["account_no"], wrong_password(ident["payment_password"])).status_code
        == 401
    )
    assert pay_at(shopper, cashier, ident["account_no"], ident["payment_password"]).status_code == 303
    # the platform account at the cashier: its login password and pay password (refused: already paid)
    login = {"email": ident["email"], "password": ident["platform_password"]}
    assert shopper.post(f"{cashier}/login", data=login).status_code == 303
    pay_password = {"pay_password": ident["payment_password"]}
    assert shopper.post(f"{cashier}/pay-account", data=pay_password).status_code == 409
    return candidates.attempt_of(shopper).id, ident


def test_password_fields_are_redacted_in_action_log(rt, logged_secrets) -> None:  # noqa: ANN001
    attempt_id, ident = logged_secrets
    rows = [r for r in _log(rt, attempt_id) if r.kind == "request" and r.method == "POST"]
    by_path = {}
    for r in rows:
        last = r.path.split("/")[-1] if "/orders/" in r.path or "/cashier/" in r.path else r.path
        by_path.setdefault(last, []).append(r)
    assert [r.form["password"] for r in by_path["/shop/register"]] == ["***"]
    assert [r.form["password"] for r in by_path["/shop/login"]] == ["***"]
    assert [r.form["password"] for r in by_path["/bank/login"]] == ["***"]
    assert [r.form["card_password"] for r in by_path["pay-card"]] == ["***", "***"]
    assert [r.form["password"] for r in by_path["login"]] == ["***"]
    assert [r.form["pay_password"] for r in by_path["pay-account"]] == ["***"]
    # what is not secret stays readable for the examiner
    assert [r.form["card_no"] for r in by_path["pay-card"]] == [ident["account_no"]] * 2
    assert [r.form["email"] for r in by_path["login"]] == [ident["email"]]
    assert [r.form.get("method") for r in by_path[GATEWAY_DO]] == ["alipay.trade.page.pay"]
    assert by_path["/shop/login"][0].form["username"] == "buyer_01"
    assert [r.form["shipping_method"] for r in by_path["/shop/checkout"]] == [
        "express"
    ]  # "pin" is in "shipping"
    assert [r.form["quantity"] for r in by_path["/shop/cart/add"]] == ["1"]


def test_no_password_value_is_stored_anywhere_in_action_log(rt, logged_secrets) -> None:  # noqa: ANN001
    attempt_id, ident = logged_secrets
    rows = _log(rt, attempt_id)
    dump = json.dumps([[r.path, r.form, r.outcome, r.payload] for r in rows], ensure_ascii=False)
    leaks = [s for s in ("secret123", ident["login_password"], ident["platform_password"]) if s in dump]
    form_values = [v for r in rows if r.form for v in r.form.values()]
    if ident["payment_password"] in form_values:
        leaks.append(ident["payment_password"])
    assert leaks == [], [r.form for r in rows if r.form and any(s in json.dumps(r.form) for s in leaks)]


def test_failed_requests_are_logged_with_status(rt, monkeypatch, candidates, shopper) -> None:  # noqa: ANN001
    monkeypatch.setattr(rt.grading, "enqueue", lambda *a, **k: None)
    attempt_id = candidates.attempt_of(shopper).id
    ident = buyer_identity(candidates, shopper)
    (sku,) = pick_skus(candidates, shopper)
    assert shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "abc"}).status_code == 400
    assert shopper.post("/shop/cart/add", data={"sku": "NO-SUCH", "quantity": "1"}).status_code == 404
    number = place_order(candidates, shopper, sku.code, 1)
    cashier = open_cashier(shopper, number)
    assert (
        pay_at(shopper, cashier, ident["account_no"], wrong_password(ident["payment_password"])).status_code
        == 401
    )
    assert shopper.post("/exam/submit", data={"confirm": "yes"}).status_code == 302
    assert shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "1"}).status_code == 403

    requests = [
        (r.method, r.path, r.status_code, r.outcome, r.form)
        for r in _log(rt, attempt_id)
        if r.kind == "request"
    ]
    assert (
        "POST",
        "/shop/cart/add",
        400,
        "购买数量必须是正整数",
        {"sku": sku.code, "quantity": "abc"},
    ) in requests
    assert ("POST", "/shop/cart/add", 404, "商品规格不存在", {"sku": "NO-SUCH", "quantity": "1"}) in requests
    assert (
        "POST",
        f"{cashier}/pay-card",
        401,
        "支付密码错误，还可以尝试 4 次",
        {"card_no": ident["account_no"], "card_password": "***"},
    ) in requests
    assert ("POST", "/shop/cart/add", 403, CLOSED, {"sku": sku.code, "quantity": "1"}) in requests

    events = [(r.event_name, r.payload) for r in _log(rt, attempt_id) if r.kind == "event"]
    failed = [p for name, p in events if name == "payment.password_failed"]
    assert [(p["account_no"], p["failures"]) for p in failed] == [(ident["account_no"], 1)]
    # a refused request leaves no domain event of the refused action
    assert [p["quantity"] for name, p in events if name == "cart.item_added"] == [1]
    assert ("attempt.submitted", {"reason": "candidate"}) in events
