"""Certificate login (证书登录) to enterprise online banking and to the payment platform's merchant
console: the relying party's challenge, signed in the certificate store with the certificate's key,
checked for chain, validity, revocation and usage, then mapped to its user (enterprise certificate:
organizationIdentifier = the company's credit code and CN = the user's name; console: the e-mail
address). 证书用户 (`cert_login: true`) cannot use their password."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from sqlalchemy import select

from sandbox.bank import accounts, idcheck
from sandbox.bank import services as bank
from sandbox.bank.models import EnterpriseRole, EnterpriseUser
from sandbox.gateway.models import ConsoleLogin
from sandbox.pki import authority, ca, keys, login, store
from sandbox.pki.models import Assertion, CertKind, StoreEntry
from tests import test_bank_accounts as bank_tests

bank_world = bank_tests.bank_world  # the fixture: a candidate in a world of the bank's roles

PASSWORD = "pw123456"
TEAM = [{"role": "operator", "bank": "ABC", "bank_balance_fen": 500000}, {"role": "approver"}]
CORP = "/bank/corp/login/cert"
CONSOLE = "/gateway/console/login/cert"


def put_certificate(  # noqa: PLR0913
    bw,  # noqa: ANN001
    role: str,
    *,
    kind: str = CertKind.ENTERPRISE,
    name: str | None = None,
    credit_code: str | None = None,
    not_before_days: int = 0,
    foreign: bool = False,
) -> int:
    """Give the identity a certificate with its key in its store; returns the store entry's id."""
    ident = bw.ident(role)
    subject = authority.Subject(
        kind=kind,
        name=name or ident["name"],
        email=ident["email"],
        org=ident.get("company_name", "") if kind == CertKind.ENTERPRISE else "",
        credit_code=(credit_code or ident.get("credit_code", "")) if kind == CertKind.ENTERPRISE else "",
    )
    key = keys.new_key()
    w = bw.world(read_only=False)
    try:
        if foreign:  # a CA this world does not know
            rogue_key = keys.new_key()
            rogue = authority.root_certificate(
                rogue_key, authority.ca_name("外来根CA", "外来认证有限公司"), w.now()
            )
            cert = authority.end_entity_certificate(
                subject, key.public_key(), "both", rogue, rogue_key, w.now(), 365
            )
        else:
            start = w.now() - timedelta(days=not_before_days) if not_before_days else None
            row = ca.issue(w, subject, key.public_key(), holder=ident["email"], not_before=start)
            cert = x509.load_der_x509_certificate(row.der)
        entry = store.import_key(w, ident["email"], key, cert, PASSWORD, "p12")
        w.commit()
        return entry.id
    finally:
        w.close()


def change_certificate(bw, entry_id: int, action: str) -> None:  # noqa: ANN001
    """Revoke or suspend, at the CA, the certificate of a store entry."""
    w = bw.world(read_only=False)
    try:
        entry = w.db.get(StoreEntry, entry_id)
        row = ca.known(w, store.certificate(entry))
        if action == "revoke":
            ca.revoke(w, row, "key_compromise", by="holder")
        else:
            ca.suspend(w, row, by="holder")
        w.commit()
    finally:
        w.close()


def start(bw, path: str = CORP, audience: str = "bank.corp") -> str:  # noqa: ANN001
    """Press 证书登录: the site sends the browser to the certificate store; returns the challenge."""
    resp = bw.client.get(path)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    target = urlsplit(resp.location)
    query = parse_qs(target.query)
    assert target.path == "/certs/sign" and query["audience"] == [audience]
    assert query["next"] == [path + "/done"] and query["site"][0]
    return query["challenge"][0]


def sign(bw, role: str, entry_id: int, challenge: str, audience: str = "bank.corp") -> None:  # noqa: ANN001
    """What the store does when the user picks the certificate and types its password."""
    w = bw.world(read_only=False)
    try:
        login.sign_challenge(w, bw.ident(role)["email"], entry_id, PASSWORD, audience, challenge)
        w.commit()
    finally:
        w.close()


def cert_login(bw, role: str, entry_id: int, path: str = CORP, audience: str = "bank.corp"):  # noqa: ANN001, ANN201
    """The whole certificate login; returns the answer of the site's done page."""
    challenge = start(bw, path, audience)
    sign(bw, role, entry_id, challenge, audience)
    return bw.client.get(path + "/done")


def events(bw, name: str) -> list:  # noqa: ANN001
    w = bw.world()
    try:
        return [(e.payload, e.actor) for e in w.events(name)]
    finally:
        w.close()


def set_challenge(bw, key: str, challenge: str) -> None:  # noqa: ANN001
    """Put a challenge in the world's session (what a copied cookie would carry)."""
    with bw.client.session_transaction() as sess:
        worlds = dict(sess.get("worlds") or {})
        worlds[bw.attempt.key] = {**worlds.get(bw.attempt.key, {}), key: challenge}
        sess["worlds"] = worlds


# --- enterprise online banking ---------------------------------------------------------------------


def test_the_login_page_offers_certificate_login(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    page = bw.client.get("/bank/corp/login").get_data(as_text=True)
    assert 'data-role="cert-login"' in page and f'href="{CORP}"' in page and "证书登录" in page


def test_an_operator_logs_in_with_the_enterprise_certificate(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    op = bw.ident("operator")
    entry = put_certificate(bw, "operator")
    assert bw.client.get("/bank/corp/").status_code == 302  # not logged in yet
    resp = bw.client.get(CORP)
    store_page = resp.location  # the certificate store, acting for the first identity: the operator
    assert "证书" in bw.client.get(store_page).get_data(as_text=True)
    resp = bw.client.post(store_page, data={"entry": str(entry), "password": PASSWORD})
    assert resp.status_code == 303 and resp.location == CORP + "/done"
    resp = bw.client.get(resp.location)
    assert resp.status_code == 302 and resp.location.endswith("/bank/corp/")
    page = bw.client.get("/bank/corp/")
    assert page.status_code == 200 and op["company_name"] in page.get_data(as_text=True)
    assert "登录成功" in page.get_data(as_text=True)
    ((payload, actor),) = events(bw, "bank.logged_in")
    w = bw.world()
    try:
        serial = keys.serial_hex(store.certificate(w.db.get(StoreEntry, entry)))
    finally:
        w.close()
    assert payload == {
        "channel": "enterprise",
        "login": op["corp_login"],
        "account_no": op["account_no"],
        "bank_code": "ABC",
        "method": "certificate",
        "serial": serial,
    }
    assert actor == "candidate"


def test_the_approver_gets_the_approvers_login(bank_world) -> None:  # noqa: ANN001
    """The CN picks the user among the company's users."""
    bw = bank_world(TEAM)
    entry = put_certificate(bw, "approver")
    assert cert_login(bw, "approver", entry).status_code == 302
    ((payload, _),) = events(bw, "bank.logged_in")
    assert payload["login"] == bw.ident("approver")["corp_login"]


OTHER_CODE = idcheck.make_credit_code("110105", "MA0000042")


@pytest.mark.parametrize(
    ("case", "status", "text", "outcome"),
    [
        ("revoked", 403, "证书已吊销", "revoked"),
        ("suspended", 403, "证书已挂起", "suspended"),
        ("expired", 403, "证书已过期", "expired"),
        ("foreign", 403, "不受信任", "untrusted"),
        ("personal", 403, "个人证书", "not_enterprise"),
        ("other_company", 403, "该证书未绑定本行企业网银操作员", "unbound"),
        ("other_person", 403, "该证书未绑定本行企业网银操作员", "unbound"),
    ],
)
def test_certificates_that_do_not_log_in(bank_world, case: str, status: int, text: str, outcome: str) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    options = {
        "expired": {"not_before_days": 730},
        "foreign": {"foreign": True},
        "personal": {"kind": CertKind.PERSONAL},
        "other_company": {"credit_code": OTHER_CODE},
        "other_person": {"name": "冒名者"},
    }.get(case, {})
    entry = put_certificate(bw, "operator", **options)
    if case in ("revoked", "suspended"):
        change_certificate(bw, entry, "revoke" if case == "revoked" else "suspend")
    resp = cert_login(bw, "operator", entry)
    page = resp.get_data(as_text=True)
    assert resp.status_code == status and text in page, page
    assert 'data-role="cert-login"' in page  # back on the login page
    assert bw.client.get("/bank/corp/").status_code == 302  # not logged in
    assert events(bw, "bank.logged_in") == []
    refusals = [p for p, _ in events(bw, "cert.login_refused")]
    assert [(p["audience"], p["outcome"]) for p in refusals] == [("bank.corp", outcome)]
    w = bw.world()
    try:  # the signed challenge is used up
        assert all(a.used_at is not None for a in w.db.scalars(select(Assertion)))
    finally:
        w.close()


def test_a_suspended_certificate_logs_in_again_once_resumed(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    entry = put_certificate(bw, "operator")
    change_certificate(bw, entry, "suspend")
    assert cert_login(bw, "operator", entry).status_code == 403
    w = bw.world(read_only=False)
    try:
        ca.resume(w, ca.known(w, store.certificate(w.db.get(StoreEntry, entry))), by="holder")
        w.commit()
    finally:
        w.close()
    assert cert_login(bw, "operator", entry).status_code == 302


def test_two_users_of_the_company_with_the_certificates_name_are_refused(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    op = bw.ident("operator")
    w = bw.world(read_only=False)
    try:
        account = bank.find_account(w, op["account_no"])
        accounts.add_enterprise_user(w, account, EnterpriseRole.APPROVER, op["name"], "abc12345", "123456")
        w.commit()
    finally:
        w.close()
    entry = put_certificate(bw, "operator")
    resp = cert_login(bw, "operator", entry)
    assert resp.status_code == 403 and "同名操作员" in resp.get_data(as_text=True)
    assert bw.client.get("/bank/corp/").status_code == 302


def test_a_used_challenge_does_not_log_in_again(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    entry = put_certificate(bw, "operator")
    challenge = start(bw)
    sign(bw, "operator", entry, challenge)
    assert bw.client.get(CORP + "/done").status_code == 302
    bw.client.post("/bank/corp/logout")
    assert bw.client.get("/bank/corp/").status_code == 302
    # the done page forgets the challenge: going back logs in nobody
    again = bw.client.get(CORP + "/done")
    assert again.status_code == 400 and "登录请求无效或已过期" in again.get_data(as_text=True)
    # a copied cookie carrying the used challenge is refused too
    set_challenge(bw, "bank_cert_challenge", challenge)
    replay = bw.client.get(CORP + "/done")
    assert replay.status_code == 403 and "登录请求已使用" in replay.get_data(as_text=True)
    assert bw.client.get("/bank/corp/").status_code == 302
    assert len(events(bw, "bank.logged_in")) == 1


def test_no_challenge_or_no_signature_logs_in_nobody(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    resp = bw.client.get(CORP + "/done")  # never went to the store
    assert resp.status_code == 400 and "登录请求无效或已过期" in resp.get_data(as_text=True)
    start(bw)  # went to the store, signed nothing, came back
    resp = bw.client.get(CORP + "/done")
    assert resp.status_code == 401 and "没有收到证书签名" in resp.get_data(as_text=True)
    assert bw.client.get("/bank/corp/").status_code == 302


def test_a_challenge_signed_for_the_platform_does_not_open_the_bank(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    entry = put_certificate(bw, "operator")
    challenge = start(bw)
    sign(bw, "operator", entry, challenge, audience="gateway.console")
    resp = bw.client.get(CORP + "/done")
    assert resp.status_code == 401 and bw.client.get("/bank/corp/").status_code == 302


def test_a_certificate_user_cannot_use_the_password(bank_world) -> None:  # noqa: ANN001
    bw = bank_world([{**TEAM[0], "cert_login": True}, TEAM[1]])
    op, approver = bw.ident("operator"), bw.ident("approver")
    assert op["cert_login"] is True and "cert_login" not in approver
    w = bw.world()
    try:
        flags = {u.login: u.cert_required for u in w.db.scalars(select(EnterpriseUser))}
    finally:
        w.close()
    assert flags == {op["corp_login"]: True, approver["corp_login"]: False}
    form = {"login": op["corp_login"], "password": op["login_password"]}
    resp = bw.client.post("/bank/corp/login", data=form)
    assert resp.status_code == 403 and "该操作员已启用证书登录，请使用证书登录" in resp.get_data(as_text=True)
    assert bw.client.get("/bank/corp/").status_code == 302 and events(bw, "bank.logged_in") == []
    # a wrong password says nothing about the certificate
    wrong = bw.client.post("/bank/corp/login", data={**form, "password": "wrong-pass1"})
    assert wrong.status_code == 401 and "已启用证书登录" not in wrong.get_data(as_text=True)
    # the approver, not a certificate user, still logs in with the password
    approver_form = {"login": approver["corp_login"], "password": approver["login_password"]}
    assert bw.client.post("/bank/corp/login", data=approver_form).status_code == 302
    bw.client.post("/bank/corp/logout")
    # and the operator with the certificate
    entry = put_certificate(bw, "operator")
    assert cert_login(bw, "operator", entry).status_code == 302
    assert bw.client.get("/bank/corp/").status_code == 200
    methods = [p["method"] for p, _ in events(bw, "bank.logged_in")]
    assert methods == ["password", "certificate"]


def test_a_seeded_certificate_user_logs_in_through_the_store(bank_world) -> None:  # noqa: ANN001
    """What a scenario writes: a 证书用户 who starts with an enterprise certificate in the store."""
    bw = bank_world([{**TEAM[0], "cert_login": True, "cert": {"kind": "enterprise"}}, TEAM[1]])
    op = bw.ident("operator")
    assert op["cert_login"] is True and op["cert_password"]
    store_page = bw.client.get(CORP).location
    page = bw.client.get(store_page).get_data(as_text=True)
    w = bw.world()
    try:
        (entry,) = store.signing_entries(w, op["email"])
    finally:
        w.close()
    assert f'value="{entry.id}"' in page
    wrong = bw.client.post(store_page, data={"entry": str(entry.id), "password": "not-the-password"})
    assert wrong.status_code == 403 and bw.client.get("/bank/corp/").status_code == 302
    resp = bw.client.post(store_page, data={"entry": str(entry.id), "password": op["cert_password"]})
    assert resp.status_code == 303
    assert bw.client.get(resp.location).status_code == 302
    assert bw.client.get("/bank/corp/").status_code == 200


def test_the_identities_of_other_scenarios_gain_no_flag() -> None:
    from seed_data.overlay import make_identities

    plain = make_identities(11, TEAM)
    flagged = make_identities(11, [{**TEAM[0], "cert_login": True}, TEAM[1]])
    assert all("cert_login" not in i for i in plain)
    assert {k: v for k, v in flagged[0].items() if k != "cert_login"} == plain[0] and flagged[1] == plain[1]


# --- the payment platform's merchant console --------------------------------------------------------

MERCHANT = [{"role": "merchant", "cert_login": True}]


def test_a_merchant_logs_in_to_the_console_with_a_certificate(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(MERCHANT)
    merchant = bw.ident("merchant")
    w = bw.world()
    try:
        (console_login,) = [c for c in w.db.scalars(select(ConsoleLogin)) if c.email == merchant["email"]]
        assert console_login.cert_required
    finally:
        w.close()
    page = bw.client.get("/gateway/console/login").get_data(as_text=True)
    assert f'href="{CONSOLE}"' in page
    # the password is refused to a certificate-only login
    form = {"email": merchant["email"], "password": merchant["platform_password"]}
    resp = bw.client.post("/gateway/console/login", data=form)
    assert resp.status_code == 403 and "已启用证书登录" in resp.get_data(as_text=True)
    assert bw.client.get("/gateway/console/").status_code == 302
    # a personal certificate for the merchant's address logs in
    entry = put_certificate(bw, "merchant", kind=CertKind.PERSONAL)
    resp = cert_login(bw, "merchant", entry, CONSOLE, "gateway.console")
    assert resp.status_code == 302 and resp.location.endswith("/gateway/console/")
    assert bw.client.get("/gateway/console/").status_code == 200
    ((payload, _),) = events(bw, "gateway.console_logged_in")
    assert payload["email"] == merchant["email"] and payload["method"] == "certificate"


def test_the_console_refuses_a_revoked_or_unbound_certificate(bank_world) -> None:  # noqa: ANN001
    bw = bank_world([{"role": "merchant"}, {"role": "buyer"}])
    entry = put_certificate(bw, "merchant", kind=CertKind.PERSONAL)
    change_certificate(bw, entry, "revoke")
    resp = cert_login(bw, "merchant", entry, CONSOLE, "gateway.console")
    assert resp.status_code == 403 and "证书已吊销" in resp.get_data(as_text=True)
    # a valid certificate whose address is no merchant's (the buyer's)
    other = put_certificate(bw, "buyer", kind=CertKind.PERSONAL)
    resp = cert_login(bw, "buyer", other, CONSOLE, "gateway.console")
    assert resp.status_code == 403 and "该证书未绑定商家中心账号" in resp.get_data(as_text=True)
    assert bw.client.get("/gateway/console/").status_code == 302
    refusals = [(p["audience"], p["outcome"]) for p, _ in events(bw, "cert.login_refused")]
    assert refusals == [("gateway.console", "revoked"), ("gateway.console", "unbound")]
    # without a flag, the password still works
    merchant = bw.ident("merchant")
    form = {"email": merchant["email"], "password": merchant["platform_password"]}
    assert bw.client.post("/gateway/console/login", data=form).status_code == 302
