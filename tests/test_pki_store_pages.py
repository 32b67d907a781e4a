"""The certificate store's pages (证书管理器, /certs/): import a .p12, details, export, backup, delete,
a CSR and its certificate, and the USB key's step of a certificate login. Keys never rest in clear."""

from __future__ import annotations

import io
import re
import sqlite3
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from sandbox.errors import DomainError
from sandbox.pki import ca, keys, login, store
from sandbox.pki.authority import Subject
from sandbox.pki.models import CertKind, StoreEntry
from seed_data.pki_seed import PARTNERS
from tests.conftest import action_log_rows

PASSWORD = "Cert#2026"
NEW_PASSWORD = "Backup#2026"


@dataclass
class Holder:
    """A candidate's client, its attempt's first identity and helpers on its world."""

    candidates: object
    client: object

    @property
    def ident(self) -> dict:
        return self.candidates.attempt_of(self.client).identities[0]

    def world(self, read_only: bool = True):  # noqa: ANN201
        return self.candidates.world(self.client, read_only=read_only)

    def p12(self, password: str = PASSWORD, cn: str = "") -> tuple[bytes, x509.Certificate]:
        """A PKCS#12 the world's CA issued to this identity (as its download page would hand it)."""
        w = self.world(read_only=False)
        try:
            key = keys.new_key()
            subject = Subject(CertKind.PERSONAL, cn or self.ident["name"], email=self.ident["email"])
            row = ca.issue(w, subject, key.public_key(), holder=self.ident["email"])
            cert = x509.load_der_x509_certificate(row.der)
            data = keys.make_p12(subject.name, key, cert, ca.chain(w), password)
            w.commit()
        finally:
            w.close()
        return data, cert

    def entries(self) -> list[StoreEntry]:
        w = self.world()
        try:
            return store.entries(w, self.ident["email"])
        finally:
            w.close()

    def upload(self, data: bytes, password: str = PASSWORD, name: str = "张三.p12"):  # noqa: ANN201
        return self.client.post(
            "/certs/import",
            data={"p12": (io.BytesIO(data), name), "password": password},
            content_type="multipart/form-data",
        )

    def imported(self, password: str = PASSWORD) -> tuple[int, x509.Certificate]:
        """Import a fresh .p12; the new entry's id and certificate."""
        data, cert = self.p12(password)
        resp = self.upload(data, password)
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return int(resp.location.rstrip("/").rsplit("/", 1)[1]), cert


@pytest.fixture
def holder(candidates) -> Holder:  # noqa: ANN001
    return Holder(candidates, candidates.login())


def test_empty_store_explains_where_certificates_come_from(holder) -> None:  # noqa: ANN001
    page = holder.client.get("/certs/").get_data(as_text=True)
    assert 'data-role="store-empty"' in page and 'href="/ca/"' in page
    assert 'data-role="cert-row"' not in page
    assert f'data-role="owner">{holder.ident["email"]}<' in page
    for hook in ("import-p12", "request-csr", "import-cert"):
        assert f'data-role="{hook}"' in page


def test_import_p12_lists_it_and_shows_the_details(holder) -> None:  # noqa: ANN001
    data, cert = holder.p12()
    resp = holder.upload(data)
    assert resp.status_code == 302
    (entry,) = holder.entries()
    assert resp.location.endswith(f"/certs/{entry.id}")
    assert entry.fingerprint == keys.fingerprint(cert) and entry.source == "p12"
    page = holder.client.get(resp.location).get_data(as_text=True)
    assert "证书已导入" in page
    listing = holder.client.get("/certs/").get_data(as_text=True)
    row = re.search(r'<tr data-role="cert-row" data-serial="([0-9A-F]+)".*?</tr>', listing, re.S)
    assert row and row.group(1) == keys.serial_hex(cert)
    assert holder.ident["name"] in row.group(0) and "签名、加密" in row.group(0)
    assert 'data-key="yes"' in row.group(0) and 'data-status="valid"' in row.group(0)
    assert f'data-role="fingerprint">{keys.fingerprint(cert)}<' in page
    assert f'data-role="serial">{keys.serial_hex(cert)}<' in page
    assert "数字签名" in page and "密钥加密" in page and "客户端身份验证" in page
    assert 'data-role="ca-status" data-status="valid"' in page
    events = _events(holder, "cert.imported")
    assert events[-1]["serial"] == keys.serial_hex(cert) and PASSWORD not in str(events)


def _events(holder: Holder, name: str) -> list[dict]:
    w = holder.world()
    try:
        return [e.payload for e in w.events(name)]
    finally:
        w.close()


def test_the_ca_download_path_imports_too(holder) -> None:  # noqa: ANN001
    ident = holder.ident
    w = holder.world(read_only=False)
    form = ca.ApplicationForm(
        CertKind.PERSONAL, name=ident["name"], id_number=ident["id_number"], email=ident["email"]
    )
    application = ca.apply(w, ident["email"], form)
    code = ca.decide(w, application.number, approve=True)
    (download,) = ca.download_p12(w, ident["email"], application.ref_no, code, PASSWORD, PASSWORD)
    data, filename = download.data, download.filename
    w.commit()
    w.close()
    resp = holder.upload(data, name=filename)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert len(holder.entries()) == 1


@pytest.mark.parametrize(
    ("data", "password", "status", "message"),
    [
        (None, "wrong-pass", 403, "证书密码错误"),
        (b"this is not a pkcs12 file" * 4, PASSWORD, 400, "不是有效的 PKCS#12 证书文件"),
        (b"", PASSWORD, 400, "请选择要导入的 .p12 / .pfx 文件"),
        (b"0" * (keys.MAX_UPLOAD + 10), PASSWORD, 400, "文件太大"),
    ],
)
def test_bad_imports_are_refused_and_store_nothing(holder, data, password, status, message) -> None:  # noqa: ANN001
    good, _cert = holder.p12()
    resp = holder.upload(good if data is None else data, password)
    page = resp.get_data(as_text=True)
    assert resp.status_code == status and message in page
    assert 'data-role="error"' in page and 'name="p12"' in page
    assert holder.entries() == []
    assert _events(holder, "cert.imported") == []


def test_importing_the_same_certificate_twice_is_a_conflict(holder) -> None:  # noqa: ANN001
    data, _cert = holder.p12()
    assert holder.upload(data).status_code == 302
    resp = holder.upload(data)
    assert resp.status_code == 409 and "该证书已在证书管理器中" in resp.get_data(as_text=True)
    assert len(holder.entries()) == 1


def test_export_pem_and_der_are_the_certificate_without_the_key(holder) -> None:  # noqa: ANN001
    pk, cert = holder.imported()
    pem = holder.client.get(f"/certs/{pk}/export.pem")
    assert pem.status_code == 200 and "attachment" in pem.headers["Content-Disposition"]
    assert ".pem" in pem.headers["Content-Disposition"]
    assert x509.load_pem_x509_certificate(pem.data) == cert and b"PRIVATE" not in pem.data
    der = holder.client.get(f"/certs/{pk}/export.der")
    assert der.status_code == 200 and "attachment" in der.headers["Content-Disposition"]
    assert x509.load_der_x509_certificate(der.data) == cert


def test_backup_opens_with_the_new_password_only(holder) -> None:  # noqa: ANN001
    pk, cert = holder.imported()
    resp = holder.client.post(
        f"/certs/{pk}/backup",
        data={"password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert resp.status_code == 200 and resp.mimetype == "application/x-pkcs12"
    assert "attachment" in resp.headers["Content-Disposition"]
    key, backed_up, chain = keys.read_p12(resp.data, NEW_PASSWORD)
    assert backed_up == cert and key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert chain, "the CA chain travels with the backup"
    with pytest.raises(DomainError) as refused:
        keys.read_p12(resp.data, PASSWORD)
    assert refused.value.status == 403
    assert len(_events(holder, "cert.backed_up")) == 1


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        (
            {"password": "wrong-pass", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            403,
            "证书密码错误",
        ),
        (
            {"password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": "other-pass"},
            400,
            "两次输入的新密码不一致",
        ),
        ({"password": PASSWORD, "new_password": "123", "new_password2": "123"}, 400, "证书密码至少 6 位"),
    ],
)
def test_bad_backup_is_refused_on_the_page(holder, form, status, message) -> None:  # noqa: ANN001
    pk, _cert = holder.imported()
    resp = holder.client.post(f"/certs/{pk}/backup", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == status and message in page and 'data-role="fingerprint"' in page
    assert resp.mimetype == "text/html"
    assert _events(holder, "cert.backed_up") == []


def test_delete_needs_the_confirmation_then_removes(holder) -> None:  # noqa: ANN001
    pk, _cert = holder.imported()
    resp = holder.client.post(f"/certs/{pk}/delete", data={})
    assert resp.status_code == 400 and "确认删除" in resp.get_data(as_text=True)
    assert len(holder.entries()) == 1
    resp = holder.client.post(f"/certs/{pk}/delete", data={"confirm": "yes"})
    assert resp.status_code == 302 and resp.location.endswith("/certs/")
    assert "已从证书管理器中删除" in holder.client.get("/certs/").get_data(as_text=True)
    assert holder.entries() == []
    assert holder.client.get(f"/certs/{pk}").status_code == 404
    assert _events(holder, "cert.deleted")[-1]["entry"] == pk


def _csr_form(**changes: str) -> dict[str, str]:
    return {
        "cn": "张小凡",
        "org": "",
        "credit_code": "",
        "password": PASSWORD,
        "password2": PASSWORD,
        **changes,
    }


def test_csr_then_its_certificate_joins_the_waiting_key(holder) -> None:  # noqa: ANN001
    resp = holder.client.post("/certs/request", data=_csr_form())
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (entry,) = holder.entries()
    assert entry.cert_der is None and entry.key_blob is not None
    page = holder.client.get(resp.location).get_data(as_text=True)
    shown = re.search(r'data-role="csr-pem">(.*?)</textarea>', page, re.S).group(1)
    csr = keys.read_csr(shown.replace("&#43;", "+").replace("&#x2B;", "+"))
    assert csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "张小凡"
    download = holder.client.get(f"/certs/{entry.id}/request.csr")
    assert (
        download.status_code == 200 and keys.read_csr(download.data.decode()).public_key() == csr.public_key()
    )
    listing = holder.client.get("/certs/").get_data(as_text=True)
    assert 'data-role="cert-row" data-serial=""' in listing and 'data-key="waiting"' in listing
    assert holder.client.get(f"/certs/{entry.id}/export.pem").status_code == 404

    w = holder.world(read_only=False)
    subject = Subject(CertKind.PERSONAL, "张小凡", email=holder.ident["email"])
    cert = x509.load_der_x509_certificate(ca.issue(w, subject, csr.public_key()).der)
    w.commit()
    w.close()
    resp = holder.client.post(
        "/certs/import-cert",
        data={"cert": (io.BytesIO(keys.pem(cert)), "张小凡.cer")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302 and resp.location.endswith(f"/certs/{entry.id}")
    (joined,) = holder.entries()
    assert joined.id == entry.id and joined.fingerprint == keys.fingerprint(cert)
    assert "与等待中的私钥配对" in holder.client.get(resp.location).get_data(as_text=True)
    # The key made for the CSR signs with the certificate now: the backup opens with the CSR's password.
    backup = holder.client.post(
        f"/certs/{entry.id}/backup",
        data={"password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert keys.read_p12(backup.data, NEW_PASSWORD)[1] == cert


def test_enterprise_csr_names_the_organisation(holder) -> None:  # noqa: ANN001
    org = "恒信商贸有限公司"
    resp = holder.client.post(
        "/certs/request", data=_csr_form(org=org, credit_code="91330106MA2H7Q3K5", province="浙江省")
    )
    assert resp.status_code == 400 and "统一社会信用代码不正确" in resp.get_data(as_text=True)
    resp = holder.client.post("/certs/request", data=_csr_form(org=org, province="浙江省"))
    assert resp.status_code == 302
    (entry,) = holder.entries()
    csr = keys.read_csr(entry.csr_pem)
    assert csr.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == org


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cn": ""}, "请填写证书请求的通用名（CN）"),
        ({"password2": "Other#2026"}, "两次输入的证书密码不一致"),
        ({"password": "12345", "password2": "12345"}, "证书密码至少 6 位"),
        ({"cn": "名" * 65}, "不能超过 64 个字"),
        ({"cn": "张\x00三"}, "不能有控制字符"),
    ],
)
def test_bad_csr_forms_are_refused(holder, changes, message) -> None:  # noqa: ANN001
    resp = holder.client.post("/certs/request", data=_csr_form(**changes))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in page
    assert PASSWORD not in page and "Other#2026" not in page
    assert holder.entries() == []


def test_someone_elses_certificate_is_kept_without_a_key(holder) -> None:  # noqa: ANN001
    w = holder.world()
    partner = ca.directory(w, PARTNERS[0].name)[0]
    pem = keys.pem(x509.load_der_x509_certificate(partner.der)).decode()
    w.close()
    resp = holder.client.post("/certs/import-cert", data={"cert_pem": pem})
    assert resp.status_code == 302
    (entry,) = holder.entries()
    assert entry.key_blob is None and entry.label == PARTNERS[0].name
    page = holder.client.get(resp.location).get_data(as_text=True)
    assert 'data-key="no"' in page and 'data-role="backup"' not in page
    again = holder.client.post("/certs/import-cert", data={"cert_pem": pem})
    assert again.status_code == 409
    bad = holder.client.post("/certs/import-cert", data={"cert_pem": "-----BEGIN CERTIFICATE-----\nAAAA"})
    assert bad.status_code == 400 and "不是有效的证书文件" in bad.get_data(as_text=True)
    assert holder.client.post("/certs/import-cert", data={"cert_pem": " "}).status_code == 400


def _partner_entry(holder: Holder) -> int:
    w = holder.world()
    try:
        return store.entries(w, PARTNERS[0].email)[0].id
    finally:
        w.close()


def test_another_identitys_entries_are_not_found(holder) -> None:  # noqa: ANN001
    theirs = _partner_entry(holder)
    for path in (f"/certs/{theirs}", f"/certs/{theirs}/export.pem", f"/certs/{theirs}/export.der"):
        assert holder.client.get(path).status_code == 404, path
    assert holder.client.post(f"/certs/{theirs}/delete", data={"confirm": "yes"}).status_code == 404
    assert holder.client.post(f"/certs/{theirs}/backup", data={"password": "x"}).status_code == 404
    assert holder.client.post("/certs/switch", data={"owner": PARTNERS[0].email}).status_code == 404
    w = holder.world()
    assert w.db.get(StoreEntry, theirs) is not None
    w.close()


def _sign_url(challenge: str, next_: str = "/bank/corp/login?cert=1", audience: str = "bank.corp") -> str:
    return "/certs/sign?" + urlencode(
        {"audience": audience, "challenge": challenge, "next": next_, "site": "企业网上银行"}
    )


def test_sign_page_signs_the_challenge_for_the_relying_party(holder) -> None:  # noqa: ANN001
    pk, cert = holder.imported()
    challenge = login.new_challenge()
    page = holder.client.get(_sign_url(challenge)).get_data(as_text=True)
    assert "「企业网上银行」请求使用您的证书登录" in page
    assert f'value="{pk}" data-role="sign-entry" data-serial="{keys.serial_hex(cert)}"' in page
    wrong = holder.client.post(_sign_url(challenge), data={"entry": str(pk), "password": "wrong-pass"})
    assert wrong.status_code == 403 and "证书密码错误" in wrong.get_data(as_text=True)
    resp = holder.client.post(_sign_url(challenge), data={"entry": str(pk), "password": PASSWORD})
    assert resp.status_code == 303 and resp.location == "/bank/corp/login?cert=1"
    w = holder.world(read_only=False)
    seen, record = login.verify(w, "bank.corp", challenge)
    assert seen == cert and record.serial == keys.serial_hex(cert)
    with pytest.raises(DomainError):  # another relying party cannot use it
        login.verify(w, "gateway.console", challenge)
    w.close()
    again = holder.client.post(_sign_url(challenge), data={"entry": str(pk), "password": PASSWORD})
    assert again.status_code == 400 and "登录请求已使用" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "next_", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""]
)
def test_sign_refuses_a_return_address_off_the_site(holder, next_) -> None:  # noqa: ANN001
    pk, _cert = holder.imported()
    challenge = login.new_challenge()
    assert holder.client.get(_sign_url(challenge, next_)).status_code == 400
    resp = holder.client.post(_sign_url(challenge, next_), data={"entry": str(pk), "password": PASSWORD})
    assert resp.status_code == 400 and "返回地址" in resp.get_data(as_text=True)
    assert _events(holder, "cert.challenge_signed") == []


def test_sign_refuses_other_identities_entries_and_bad_requests(holder) -> None:  # noqa: ANN001
    pk, _cert = holder.imported()
    challenge = login.new_challenge()
    theirs = _partner_entry(holder)
    resp = holder.client.post(_sign_url(challenge), data={"entry": str(theirs), "password": PASSWORD})
    assert resp.status_code == 404
    assert holder.client.post(_sign_url(challenge), data={"password": PASSWORD}).status_code == 400
    assert (
        holder.client.post(_sign_url(challenge), data={"entry": "１", "password": PASSWORD}).status_code
        == 400
    )
    assert holder.client.get(_sign_url("")).status_code == 400
    assert holder.client.get(_sign_url("x" * 65)).status_code == 400
    assert holder.client.get(_sign_url(challenge, audience="")).status_code == 400
    assert _events(holder, "cert.challenge_signed") == []
    assert pk


def test_sign_without_a_signing_certificate_points_to_the_ca(holder) -> None:  # noqa: ANN001
    page = holder.client.get(_sign_url(login.new_challenge())).get_data(as_text=True)
    assert 'data-role="no-signing-cert"' in page and 'href="/ca/"' in page and 'href="/certs/import"' in page
    assert 'name="entry"' not in page


def test_no_private_key_rests_in_clear_and_no_password_is_logged(holder) -> None:  # noqa: ANN001
    pk, _cert = holder.imported()
    holder.client.post("/certs/request", data=_csr_form())
    holder.client.post(
        f"/certs/{pk}/backup",
        data={"password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    challenge = login.new_challenge()
    holder.client.post(_sign_url(challenge), data={"entry": str(pk), "password": PASSWORD})
    holder.client.post(_sign_url(challenge), data={"entry": str(pk), "password": "wrong-pass"})

    attempt = holder.candidates.attempt_of(holder.client)
    found = []
    with sqlite3.connect(attempt.world_path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 (names from sqlite_master)
                for value in row:
                    blob = value.encode() if isinstance(value, str) else value
                    if isinstance(blob, bytes) and re.search(rb"(?<!ENCRYPTED )PRIVATE KEY", blob):
                        found.append(table)
        blobs = [b for (b,) in db.execute("SELECT key_blob FROM pki_store WHERE key_blob IS NOT NULL")]
        blobs += [b for (b,) in db.execute("SELECT key_blob FROM pki_authorities")]
    assert found == [], f"private keys in clear in {found}"
    assert len(blobs) >= 3
    for blob in blobs:
        with pytest.raises((TypeError, ValueError)):
            serialization.load_der_private_key(blob, password=None)

    logged = " ".join(f"{r.path} {r.form}" for r in action_log_rows(holder.candidates.rt, attempt.id))
    assert "/certs/import" in logged and "/certs/sign" in logged
    for secret in (PASSWORD, NEW_PASSWORD, "wrong-pass"):
        assert secret not in logged
    w = holder.world()
    events = " ".join(str(e.payload) for e in w.events())
    w.close()
    assert PASSWORD not in events and NEW_PASSWORD not in events


def test_closed_attempt_shows_the_store_without_actions(holder) -> None:  # noqa: ANN001
    holder.imported()
    w = holder.world()
    rows = w.db.scalars(select(StoreEntry).where(StoreEntry.owner == holder.ident["email"])).all()
    w.close()
    assert len(rows) == 1
    assert holder.client.post("/exam/submit", data={"confirm": "yes"}).status_code == 302
    assert holder.candidates.attempt_of(holder.client).status != "active"
    page = holder.client.get("/certs/").get_data(as_text=True)
    assert 'data-role="cert-row"' in page and 'data-role="import-p12"' not in page
