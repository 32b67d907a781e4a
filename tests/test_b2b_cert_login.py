"""Certificate login (证书登录) of enterprise members on the B2B platform: a company that requires it
(`cert_login: true` on the scenario's enterprise account, or the member's 安全设置) lets a member in
only after the password *and* an enterprise certificate of the company signed in the certificate
store; a company without it logs in with the password as before."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sandbox.b2b import members
from sandbox.b2b.company_models import Company, CompanyUser
from sandbox.pki.models import CertKind
from tests import test_bank_accounts as bank_tests
from tests.test_cert_login import PASSWORD, change_certificate, events, put_certificate, set_challenge, sign

bank_world = bank_tests.bank_world  # the fixture: a candidate in a world made from world.accounts

AUDIENCE = members.CERT_AUDIENCE
CERT_MEMBER = [
    {"role": "enterprise", "company": {"approved": True}, "cert_login": True, "cert": {"kind": "enterprise"}}
]
PLAIN_MEMBER = [{"role": "enterprise", "company": {"approved": True}}]
OTHER_CODE = "91330106MA2B0TEST0"  # any code other than the identity's company's


def password_step(bw, target: str = ""):  # noqa: ANN001, ANN201
    """The login form with the enterprise identity's login and password."""
    ident = bw.ident("enterprise")
    data = {"login": ident["b2b_login"], "password": ident["b2b_password"], "next": target}
    return bw.client.post("/b2b/login", data=data)


def start(bw) -> str:  # noqa: ANN001
    """Press 使用证书登录 on the certificate step: the platform sends the browser to the store."""
    resp = bw.client.get("/b2b/login/cert/sign")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    target = urlsplit(resp.location)
    query = parse_qs(target.query)
    assert target.path == "/certs/sign" and query["audience"] == [AUDIENCE]
    assert query["next"] == ["/b2b/login/cert/done"] and query["site"][0]
    return query["challenge"][0]


def cert_step(bw, entry_id: int):  # noqa: ANN001, ANN201
    """The certificate step with a store entry (password PASSWORD); the done page's answer."""
    challenge = start(bw)
    sign(bw, "enterprise", entry_id, challenge, AUDIENCE)
    return bw.client.get("/b2b/login/cert/done")


def signed_in(bw) -> bool:  # noqa: ANN001
    """Whether the member pages let the client in."""
    return bw.client.get("/b2b/member/profile").status_code == 200


def company(bw) -> Company:  # noqa: ANN001
    w = bw.world()
    try:
        user = w.db.query(CompanyUser).filter_by(login=bw.ident("enterprise")["b2b_login"]).one()
        row = user.company
        w.db.expunge(row)
        return row
    finally:
        w.close()


def test_password_alone_is_not_enough(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(CERT_MEMBER)
    assert bw.ident("enterprise")["cert_login"] is True  # the task panel says so
    resp = password_step(bw)
    assert resp.status_code == 302 and resp.location.endswith("/b2b/login/cert")
    assert not signed_in(bw)
    page = bw.client.get("/b2b/login/cert").get_data(as_text=True)
    assert 'data-role="cert-step"' in page and company(bw).name in page
    assert 'href="/b2b/login/cert/sign"' in page
    assert events(bw, "b2b.member_logged_in") == [] and events(bw, "b2b.member_cert_login") == []


def test_a_wrong_password_never_reaches_the_certificate_step(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(CERT_MEMBER)
    ident = bw.ident("enterprise")
    resp = bw.client.post("/b2b/login", data={"login": ident["b2b_login"], "password": "wrong-pass"})
    assert resp.status_code == 401 and "账号或密码错误" in resp.get_data(as_text=True)
    assert bw.client.get("/b2b/login/cert").status_code == 302
    assert bw.client.get("/b2b/login/cert/sign").status_code == 302  # no challenge without the password


def test_the_seeded_certificate_through_the_store_page(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(CERT_MEMBER)
    ident = bw.ident("enterprise")
    assert password_step(bw, "/b2b/my/offers").status_code == 302
    resp = bw.client.get("/b2b/login/cert/sign")
    sign_page = resp.location
    page = bw.client.get(sign_page).get_data(as_text=True)
    assert "云商通B2B平台" in page
    w = bw.world()
    try:
        from sandbox.pki import store

        (entry,) = store.signing_entries(w, ident["email"])
        entry_id = entry.id
    finally:
        w.close()
    wrong = bw.client.post(sign_page, data={"entry": str(entry_id), "password": "not-it"})
    assert wrong.status_code in (401, 403) and "密码" in wrong.get_data(as_text=True)
    assert not signed_in(bw)
    resp = bw.client.post(sign_page, data={"entry": str(entry_id), "password": ident["cert_password"]})
    assert resp.status_code == 303 and resp.location.endswith("/b2b/login/cert/done")
    resp = bw.client.get("/b2b/login/cert/done")
    assert resp.status_code == 302 and resp.location.endswith("/b2b/my/offers")
    assert signed_in(bw)
    ((payload, _),) = events(bw, "b2b.member_cert_login")
    c = company(bw)
    assert payload["company_id"] == c.id and payload["credit_code"] == c.credit_code and payload["serial"]
    ((logged, _),) = events(bw, "b2b.member_logged_in")
    assert logged["method"] == "certificate" and logged["user"] == ident["b2b_login"]


def test_a_valid_certificate_of_the_company_by_name_only(bank_world) -> None:  # noqa: ANN001
    """A certificate without the credit code is accepted when its organisation is the company's name."""
    bw = bank_world(CERT_MEMBER)
    entry = put_certificate(bw, "enterprise", credit_code=" ")
    assert password_step(bw).status_code == 302
    resp = cert_step(bw, entry)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert signed_in(bw)


def test_another_companys_certificate_is_refused(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(CERT_MEMBER)
    entry = put_certificate(bw, "enterprise", credit_code=OTHER_CODE)
    assert password_step(bw).status_code == 302
    resp = cert_step(bw, entry)
    assert resp.status_code == 403 and "该证书不属于贵公司" in resp.get_data(as_text=True)
    assert not signed_in(bw)
    ((refusal, _),) = events(bw, "cert.login_refused")
    assert refusal["audience"] == AUDIENCE and refusal["outcome"] == "other_company"
    assert events(bw, "b2b.member_cert_login") == []
    # still at the certificate step: the right certificate lets the member in
    good = put_certificate(bw, "enterprise")
    assert cert_step(bw, good).status_code == 302 and signed_in(bw)


def test_a_personal_certificate_is_refused(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(CERT_MEMBER)
    entry = put_certificate(bw, "enterprise", kind=CertKind.PERSONAL)
    assert password_step(bw).status_code == 302
    resp = cert_step(bw, entry)
    assert resp.status_code == 403 and "这是个人证书" in resp.get_data(as_text=True)
    assert not signed_in(bw)


def test_a_revoked_certificate_is_refused(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(CERT_MEMBER)
    entry = put_certificate(bw, "enterprise")
    change_certificate(bw, entry, "revoke")
    assert password_step(bw).status_code == 302
    resp = cert_step(bw, entry)
    assert resp.status_code == 403 and "证书已吊销" in resp.get_data(as_text=True)
    assert not signed_in(bw)
    ((refusal, _),) = events(bw, "cert.login_refused")
    assert refusal["outcome"] == "revoked"


def test_an_expired_certificate_is_refused(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(CERT_MEMBER)
    entry = put_certificate(bw, "enterprise", not_before_days=800)  # issued for a year or two, long ago
    assert password_step(bw).status_code == 302
    resp = cert_step(bw, entry)
    assert resp.status_code == 403 and "证书已过期" in resp.get_data(as_text=True)
    assert not signed_in(bw)


def test_a_replayed_challenge_is_refused(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(CERT_MEMBER)
    entry = put_certificate(bw, "enterprise")
    assert password_step(bw).status_code == 302
    challenge = start(bw)
    sign(bw, "enterprise", entry, challenge, AUDIENCE)
    assert bw.client.get("/b2b/login/cert/done").status_code == 302 and signed_in(bw)
    bw.client.post("/b2b/logout")
    assert not signed_in(bw)
    # a copied cookie carrying the used challenge, after the password again
    assert password_step(bw).status_code == 302
    set_challenge(bw, "b2b_cert_challenge", challenge)
    resp = bw.client.get("/b2b/login/cert/done")
    assert resp.status_code == 403 and "登录请求已使用" in resp.get_data(as_text=True)
    assert not signed_in(bw)
    # the done page without a fresh challenge at all
    resp = bw.client.get("/b2b/login/cert/done")
    assert resp.status_code == 400 and not signed_in(bw)
    assert len(events(bw, "b2b.member_cert_login")) == 1


def test_a_signature_without_the_password_step_signs_nobody_in(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(CERT_MEMBER)
    entry = put_certificate(bw, "enterprise")
    assert password_step(bw).status_code == 302
    challenge = start(bw)
    sign(bw, "enterprise", entry, challenge, AUDIENCE)
    bw.client.post("/b2b/logout")  # forgets the half-done login
    set_challenge(bw, "b2b_cert_challenge", challenge)
    resp = bw.client.get("/b2b/login/cert/done")
    assert resp.status_code == 401 and "请先输入会员账号和密码" in resp.get_data(as_text=True)
    assert not signed_in(bw) and events(bw, "b2b.member_cert_login") == []


def test_a_company_without_the_setting_logs_in_with_the_password(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(PLAIN_MEMBER)
    assert "cert_login" not in bw.ident("enterprise")
    resp = password_step(bw, "/b2b/my/offers")
    assert resp.status_code == 302 and resp.location.endswith("/b2b/my/offers")
    assert signed_in(bw)
    ((payload, _),) = events(bw, "b2b.member_logged_in")
    assert payload["method"] == "password"


def test_the_member_turns_certificate_login_on_and_off(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(PLAIN_MEMBER)
    ident = bw.ident("enterprise")
    assert password_step(bw).status_code == 302
    page = bw.client.get("/b2b/member/security").get_data(as_text=True)
    assert 'data-state="off"' in page
    wrong = bw.client.post("/b2b/member/security", data={"cert_login": "on", "password": "nope-nope"})
    assert wrong.status_code == 401 and "登录密码错误" in wrong.get_data(as_text=True)
    assert company(bw).cert_login is False
    resp = bw.client.post(
        "/b2b/member/security", data={"cert_login": "on", "password": ident["b2b_password"]}
    )
    assert resp.status_code == 302
    assert company(bw).cert_login is True
    assert 'data-state="on"' in bw.client.get("/b2b/member/security").get_data(as_text=True)
    ((payload, _),) = events(bw, "b2b.member_cert_required")
    assert payload["required"] is True and payload["company_id"] == company(bw).id
    # the next login needs the certificate
    bw.client.post("/b2b/logout")
    assert password_step(bw).location.endswith("/b2b/login/cert") and not signed_in(bw)
    entry = put_certificate(bw, "enterprise")
    assert cert_step(bw, entry).status_code == 302 and signed_in(bw)
    # and turned off again: the password is enough
    resp = bw.client.post("/b2b/member/security", data={"password": ident["b2b_password"]})
    assert resp.status_code == 302 and company(bw).cert_login is False
    assert [p["required"] for p, _ in events(bw, "b2b.member_cert_required")] == [True, False]
    bw.client.post("/b2b/logout")
    assert password_step(bw).status_code == 302 and signed_in(bw)


def test_security_page_needs_a_login(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(PLAIN_MEMBER)
    resp = bw.client.get("/b2b/member/security")
    assert resp.status_code == 302 and "/b2b/login" in resp.location
    resp = bw.client.post("/b2b/member/security", data={"cert_login": "on", "password": "x"})
    assert resp.status_code == 302 and "/b2b/login" in resp.location


# --- in Chromium ------------------------------------------------------------------------------------


def _approved_company_with_certificate(attempt, ident: dict) -> None:  # noqa: ANN001
    """Give the attempt's enterprise member an approved company and an enterprise certificate of it
    in the certificate store (password PASSWORD)."""
    from cryptography import x509

    from sandbox.b2b import companies
    from sandbox.pki import authority, ca, keys, store
    from sandbox.worlds.store import open_world

    w = open_world(attempt.world_path, read_only=False)
    try:
        row = companies.open_company(
            w, name=ident["company_name"], code=ident["credit_code"], email=ident["email"]
        )
        user = w.db.query(CompanyUser).filter_by(login=ident["b2b_login"]).one()
        user.company_id = row.id
        subject = authority.Subject(
            CertKind.ENTERPRISE, ident["name"], ident["email"], ident["company_name"], ident["credit_code"]
        )
        key = keys.new_key()
        issued = ca.issue(w, subject, key.public_key(), holder=ident["email"])
        store.import_key(w, ident["email"], key, x509.load_der_x509_certificate(issued.der), PASSWORD, "p12")
        w.commit()
    finally:
        w.close()


def test_turn_on_and_log_in_with_the_certificate_in_chromium(harness, tmp_path) -> None:  # noqa: ANN001
    import os
    from pathlib import Path

    shots = Path(os.environ.get("B2B_CERT_SCREENSHOTS") or tmp_path)
    attempt = harness.new_attempt("b2b-supply-listing", 3)
    me = next(i for i in attempt.identities if i["role"] == "enterprise")
    _approved_company_with_certificate(attempt, me)
    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base + harness.login_path(attempt))

    def password_login() -> None:
        page.goto(base + "/b2b/login")
        page.fill("#login", me["b2b_login"])
        page.fill("#password", me["b2b_password"])
        page.get_by_role("button", name="登录", exact=True).click()

    password_login()
    page.goto(base + "/b2b/member/security")
    page.check('input[name="cert_login"]')
    page.fill("#password", me["b2b_password"])
    page.get_by_role("button", name="保存设置").click()
    page.locator('[data-role="cert-login-state"][data-state="on"]').wait_for()
    page.screenshot(path=str(shots / "b2b-security.png"), full_page=True)
    page.locator(".b2b-top button.linkish").click()  # the platform's own 退出
    page.locator('[data-role="login"]').wait_for()

    password_login()
    page.locator('[data-role="cert-step"]').wait_for()
    assert me["company_name"] in page.inner_text('[data-role="cert-step"]')
    page.screenshot(path=str(shots / "b2b-cert-step.png"), full_page=True)
    page.locator('[data-role="cert-login"]').click()
    page.wait_for_url("**/certs/sign**")
    page.locator('input[name="entry"]').first.check()
    page.fill('input[name="password"]', "wrong-password")
    page.locator('[data-role="sign-submit"]').click()
    page.locator(".alert").wait_for()
    page.locator('input[name="entry"]').first.check()
    page.fill('input[name="password"]', PASSWORD)
    page.screenshot(path=str(shots / "b2b-cert-store-sign.png"), full_page=True)
    page.locator('[data-role="sign-submit"]').click()
    page.locator(".flash", has_text="证书验证通过").wait_for()
    assert me["company_name"] in page.inner_text('[data-role="member"]')
    context.close()
