"""The CA's site (/ca/): apply, the RA's decision, download as PKCS#12 or for a CSR, the directory,
certificate services (revoke, suspend, resume, renew), CRL and OCSP — and what each refuses."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from sqlalchemy import func, select
from stdnum.cn import uscc

from sandbox.pki import ca, keys, store
from sandbox.pki.models import CertApplication, Certificate
from tests.conftest import action_log_rows

PASSWORD = "Cert#2026pw"
NPC = "wang.xiaoyan@hengxin.mail.sim"


@dataclass
class CaSite:
    """A candidate's client on the CA's site, with direct access to the candidate's world."""

    candidates: Any
    client: Any

    @property
    def ident(self) -> dict[str, Any]:
        return self.candidates.attempt_of(self.client).identities[0]

    @property
    def attempt_id(self) -> int:
        return self.candidates.attempt_of(self.client).id

    def world(self, read_only: bool = True):  # noqa: ANN201
        return self.candidates.world(self.client, read_only=read_only)

    def form(self, **changes: str) -> dict[str, str]:
        """A personal application filled with the identity's own details."""
        ident = self.ident
        form = {
            "kind": "personal",
            "name": ident["name"],
            "id_number": ident["id_number"],
            "email": ident["email"],
            "mobile": ident["mobile"],
        }
        form.update(changes)
        return form

    def apply(self, **changes: str) -> str:
        """Submit an application; its number."""
        resp = self.client.post("/ca/apply", data=self.form(**changes))
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return resp.location.rsplit("/", 1)[1]

    def approve(self, number: str) -> tuple[str, str]:
        """The RA approves (in the world, no NPC): the reference number and the authorisation code."""
        w = self.world(read_only=False)
        try:
            code = ca.decide(w, number, approve=True)
            ref_no = ca.get_application(w, number).ref_no
            w.commit()
        finally:
            w.close()
        return ref_no, code

    def download_p12(self, ref_no: str, code: str, password: str = PASSWORD):  # noqa: ANN201
        return self.client.post(
            "/ca/download",
            data={
                "ref_no": ref_no,
                "auth_code": code,
                "mode": "p12",
                "password": password,
                "password2": password,
            },
        )

    def file_ids(self, page: str) -> list[int]:
        return [int(n) for n in re.findall(r'href="/ca/files/(\d+)"', page)]

    def certificate_in_store(self, password: str = PASSWORD, **changes: str) -> str:
        """Apply, get approved, download a .p12 and import it into the identity's store: its serial."""
        ref_no, code = self.approve(self.apply(**changes))
        resp = self.download_p12(ref_no, code, password)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        (file_id,) = self.file_ids(resp.get_data(as_text=True))
        data = self.client.get(f"/ca/files/{file_id}").data
        w = self.world(read_only=False)
        try:
            entry = store.import_p12(w, self.ident["email"], data, password)
            serial = keys.serial_hex(store.certificate(entry))
            w.commit()
        finally:
            w.close()
        return serial

    def entry_of(self, serial: str) -> int:
        w = self.world()
        try:
            return next(
                e.id
                for e in store.entries(w, self.ident["email"])
                if keys.serial_hex(store.certificate(e)) == serial
            )
        finally:
            w.close()

    def status(self, serial: str) -> str:
        w = self.world()
        try:
            return ca.status(w, ca.find(w, serial))
        finally:
            w.close()

    def serve(self, serial: str, action: str, password: str = PASSWORD, reason: str = "key_compromise"):  # noqa: ANN201
        return self.client.post(
            "/ca/service",
            data={
                "entry": str(self.entry_of(serial)),
                "password": password,
                "action": action,
                "reason": reason,
            },
        )

    def count(self, model: type) -> int:
        w = self.world()
        try:
            return w.db.scalar(select(func.count(model.id)))
        finally:
            w.close()


@pytest.fixture
def site(candidates) -> CaSite:  # noqa: ANN001
    return CaSite(candidates, candidates.login())


def _csr(name: str, bits: int = 2048, org: str = "") -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    attrs = [x509.NameAttribute(x509.NameOID.COMMON_NAME, name)]
    if org:
        attrs.append(x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, org))
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs)).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def _broken_signature(pem: str) -> str:
    """The same CSR with one bit of its signature flipped (still well formed)."""
    der = bytearray(x509.load_pem_x509_csr(pem.encode()).public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01
    body = base64.encodebytes(bytes(der)).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "-----BEGIN CERTIFICATE REQUEST-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE REQUEST-----\n"
    )


def _credit_code(valid: bool = True) -> str:
    base = "91330106MA2H7Q3K5"
    check = uscc.calc_check_digit(base)
    return base + (check if valid else ("0" if check != "0" else "1"))


def _wrong_check(id_number: str) -> str:
    last = id_number[-1]
    return id_number[:-1] + ("1" if last != "1" else "2")


# --- applying -----------------------------------------------------------------------------------------


def test_apply_form_is_prefilled_and_an_application_lands_on_its_page(site: CaSite) -> None:
    page = site.client.get("/ca/apply").get_data(as_text=True)
    ident = site.ident
    for value in (ident["name"], ident["id_number"], ident["email"], ident["mobile"]):
        assert f'value="{value}"' in page
    assert 'data-role="owner">' + ident["email"] in page
    number = site.apply()
    page = site.client.get(f"/ca/applications/{number}").get_data(as_text=True)
    assert number in page and "待审核" in page and 'http-equiv="refresh"' in page
    assert f"证书申请已提交，申请编号 {number}" in page  # the flash
    listing = site.client.get("/ca/applications").get_data(as_text=True)
    assert f'data-application="{number}"' in listing
    # approved: the page says where the codes went and stops refreshing
    site.approve(number)
    page = site.client.get(f"/ca/applications/{number}").get_data(as_text=True)
    assert "已批准，待下载" in page and f"参考号和授权码已发到 {ident['email']}" in page
    assert 'http-equiv="refresh"' not in page


def test_a_rejected_application_shows_the_reason(site: CaSite) -> None:
    number = site.apply()
    w = site.world(read_only=False)
    try:
        ca.decide(w, number, approve=False, reason="身份证件照片不清晰")
        w.commit()
    finally:
        w.close()
    listing = site.client.get("/ca/applications").get_data(as_text=True)
    row = listing.split(f'data-application="{number}"', 1)[1].split("</tr>", 1)[0]
    assert "已驳回" in row and "身份证件照片不清晰" in row
    page = site.client.get(f"/ca/applications/{number}").get_data(as_text=True)
    assert "身份证件照片不清晰" in page and "重新申请" in page


def test_apply_with_a_wrong_id_checksum_is_refused_and_stores_nothing(site: CaSite) -> None:
    resp = site.client.post("/ca/apply", data=site.form(id_number=_wrong_check(site.ident["id_number"])))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "身份证号码不正确" in page
    assert f'value="{site.ident["name"]}"' in page  # the values are kept
    assert site.count(CertApplication) == 0


def test_enterprise_application_needs_a_valid_credit_code(site: CaSite) -> None:
    enterprise = {"kind": "enterprise", "org": "测试商贸有限公司"}
    resp = site.client.post("/ca/apply", data=site.form(**enterprise, credit_code=_credit_code(valid=False)))
    assert resp.status_code == 400 and "统一社会信用代码不正确" in resp.get_data(as_text=True)
    assert site.count(CertApplication) == 0
    number = site.apply(**enterprise, credit_code=_credit_code(), dual="1")
    page = site.client.get(f"/ca/applications/{number}").get_data(as_text=True)
    assert "企业证书" in page and "测试商贸有限公司" in page and "双证书" in page


def test_another_identitys_application_is_not_found(site: CaSite) -> None:
    w = site.world(read_only=False)
    try:
        theirs = ca.apply(w, NPC, ca.ApplicationForm(**{**site.form(), "email": NPC}))
        number = theirs.number
        w.commit()
    finally:
        w.close()
    assert site.client.get(f"/ca/applications/{number}").status_code == 404
    assert number not in site.client.get("/ca/applications").get_data(as_text=True)
    assert site.client.get("/ca/applications/SQ-NOPE").status_code == 404


# --- downloading --------------------------------------------------------------------------------------


def test_download_p12_with_the_codes_then_the_code_is_spent(site: CaSite) -> None:
    ref_no, code = site.approve(site.apply())
    resp = site.download_p12(ref_no, code)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "打开「证书管理器」导入 .p12 文件" in page
    (file_id,) = site.file_ids(page)
    got = site.client.get(f"/ca/files/{file_id}")
    disposition = got.headers["Content-Disposition"]
    assert got.mimetype == "application/x-pkcs12" and disposition.startswith("attachment")
    disposition.encode("latin-1")  # a server writes headers in Latin-1: the Chinese name is RFC 5987 encoded
    assert "filename*=UTF-8''" in disposition
    key, cert, chain = keys.read_p12(got.data, PASSWORD)
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == site.ident["name"]
    assert len(chain) == 2 and isinstance(key, rsa.RSAPrivateKey)
    assert "证书已签发，请下载文件" in page  # the flash shows on the result page, not on the next one
    files = site.client.get("/ca/files").get_data(as_text=True)
    assert f"/ca/files/{file_id}" in files and "证书已签发，请下载文件" not in files
    again = site.download_p12(ref_no, code)
    assert again.status_code == 409 and "授权码已使用过" in again.get_data(as_text=True)


def test_download_refuses_wrong_and_expired_codes_and_mismatched_passwords(site: CaSite) -> None:
    number = site.apply()
    ref_no, code = site.approve(number)
    wrong = "A" * len(code) if code != "A" * len(code) else "B" * len(code)
    resp = site.download_p12(ref_no, wrong)
    assert resp.status_code == 403 and "参考号或授权码错误" in resp.get_data(as_text=True)
    assert site.download_p12("0000000000", code).status_code == 403
    resp = site.client.post(
        "/ca/download",
        data={
            "ref_no": ref_no,
            "auth_code": code,
            "mode": "p12",
            "password": PASSWORD,
            "password2": "other-pw",
        },
    )
    assert resp.status_code == 400 and "两次输入的证书密码不一致" in resp.get_data(as_text=True)
    resp = site.client.post("/ca/download", data={"ref_no": ref_no, "auth_code": code, "mode": "fax"})
    assert resp.status_code == 400 and "请选择下载方式" in resp.get_data(as_text=True)
    w = site.world(read_only=False)
    try:
        application = ca.get_application(w, number)
        application.code_expires_at = w.now() - timedelta(minutes=1)
        w.commit()
    finally:
        w.close()
    resp = site.download_p12(ref_no, code)
    assert resp.status_code == 403 and "授权码已过期" in resp.get_data(as_text=True)
    assert site.count(Certificate) == _seeded(site)  # nothing was issued


def test_five_wrong_codes_lock_the_authorisation_code(site: CaSite) -> None:
    ref_no, code = site.approve(site.apply())
    wrong = "A" * len(code) if code != "A" * len(code) else "B" * len(code)
    for _ in range(ca.MAX_CODE_FAILURES):
        assert site.download_p12(ref_no, wrong).status_code == 403
    resp = site.download_p12(ref_no, code)
    assert resp.status_code == 403 and "授权码输错次数过多" in resp.get_data(as_text=True)


def _seeded(site: CaSite) -> int:
    w = site.world()
    try:
        return w.db.scalar(select(func.count(Certificate.id)).where(Certificate.application_id.is_(None)))
    finally:
        w.close()


def test_csr_mode_checks_the_request_and_issues_for_a_good_one(site: CaSite) -> None:
    name = site.ident["name"]
    ref_no, code = site.approve(site.apply())

    def submit(csr: str):  # noqa: ANN202
        return site.client.post(
            "/ca/download", data={"ref_no": ref_no, "auth_code": code, "mode": "csr", "csr": csr}
        )

    resp = submit(_csr(name, bits=1024))
    assert resp.status_code == 400 and "RSA 密钥至少 2048 位（请求中为 1024 位）" in resp.get_data(
        as_text=True
    )
    resp = submit(_csr("张冒名"))
    assert resp.status_code == 400 and f"CN 应为「{name}」，请求中为「张冒名」" in resp.get_data(as_text=True)
    resp = submit(_broken_signature(_csr(name)))
    assert resp.status_code == 400 and "证书请求的签名无效" in resp.get_data(as_text=True)
    assert submit("not a csr").status_code == 400
    good = _csr(name)
    resp = submit(good)  # the refusals did not spend the code
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "证书管理器" in page
    (file_id,) = site.file_ids(page)
    got = site.client.get(f"/ca/files/{file_id}")
    assert got.mimetype == "application/x-x509-ca-cert"
    cert = x509.load_pem_x509_certificate(got.data)
    assert (
        cert.public_key().public_numbers()
        == x509.load_pem_x509_csr(good.encode()).public_key().public_numbers()
    )


# --- directory, CRL, OCSP --------------------------------------------------------------------------------


def test_directory_finds_by_name_and_serial_and_shows_the_certificate(site: CaSite) -> None:
    page = site.client.get("/ca/directory").get_data(as_text=True)
    assert 'data-role="directory-hint"' in page and 'data-role="directory-results"' not in page
    page = site.client.get("/ca/directory", query_string={"q": "王晓燕"}).get_data(as_text=True)
    (serial,) = re.findall(r'<tr data-serial="([0-9A-F]+)"', page)
    assert "恒信商贸有限公司" in page and "有效" in page
    page = site.client.get("/ca/directory", query_string={"q": serial.lower()}).get_data(as_text=True)
    assert re.findall(r'<tr data-serial="([0-9A-F]+)"', page) == [serial]
    page = site.client.get("/ca/directory", query_string={"q": "孙丽"}).get_data(as_text=True)
    assert "已吊销" in page  # the seeded revoked partner
    page = site.client.get(f"/ca/cert/{serial}").get_data(as_text=True)
    assert serial in page and NPC in page and "数字签名" in page
    assert 'data-role="cert-status">有效<' in page
    der = site.client.get(f"/ca/cert/{serial}.cer")
    assert der.mimetype == "application/x-x509-ca-cert"
    assert keys.serial_hex(x509.load_der_x509_certificate(der.data)) == serial
    pem = site.client.get(f"/ca/cert/{serial}.cer", query_string={"format": "pem"})
    assert keys.serial_hex(x509.load_pem_x509_certificate(pem.data)) == serial
    assert site.client.get(f"/ca/cert/{serial}.cer", query_string={"format": "zip"}).status_code == 400
    assert site.client.get("/ca/cert/ABCDEF0123").status_code == 404


def _ocsp_status(site: CaSite, serial: str) -> ocsp.OCSPCertStatus:
    w = site.world()
    try:
        cert = x509.load_der_x509_certificate(ca.find(w, serial).der)
        issuer = ca.issuing_cert(w)
    finally:
        w.close()
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    resp = site.client.post(
        "/ca/ocsp",
        data=request.public_bytes(serialization.Encoding.DER),
        content_type="application/ocsp-request",
    )
    assert resp.status_code == 200 and resp.mimetype == "application/ocsp-response"
    answer = ocsp.load_der_ocsp_response(resp.data)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    return answer.certificate_status


def test_revoking_shows_in_the_crl_and_ocsp(site: CaSite) -> None:
    serial = site.certificate_in_store()
    assert _ocsp_status(site, serial) == ocsp.OCSPCertStatus.GOOD
    crl = x509.load_der_x509_crl(site.client.get("/ca/crl/issuing.crl").data)
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is None
    resp = site.serve(serial, "revoke", reason="key_compromise")
    assert resp.status_code == 302
    crl_resp = site.client.get("/ca/crl/issuing.crl")
    assert crl_resp.mimetype == "application/pkix-crl"
    crl = x509.load_der_x509_crl(crl_resp.data)
    entry = crl.get_revoked_certificate_by_serial_number(int(serial, 16))
    assert entry is not None
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        == x509.ReasonFlags.key_compromise
    )
    assert _ocsp_status(site, serial) == ocsp.OCSPCertStatus.REVOKED
    page = site.client.get(f"/ca/cert/{serial}").get_data(as_text=True)
    assert 'data-role="cert-status">已吊销<' in page and 'data-role="revoke-reason">密钥泄露<' in page
    assert site.client.get("/ca/ocsp").status_code == 405
    root = x509.load_der_x509_certificate(site.client.get("/ca/root.cer").data)
    issuing = x509.load_der_x509_certificate(site.client.get("/ca/issuing.cer").data)
    assert crl.is_signature_valid(issuing.public_key()) and issuing.issuer == root.subject


def test_ocsp_needs_no_csrf_token_but_the_forms_do(site: CaSite) -> None:
    site.client.application.config["WTF_CSRF_ENABLED"] = True
    w = site.world()
    try:
        cert = x509.load_der_x509_certificate(ca.directory(w, "王晓燕")[0].der)
        issuer = ca.issuing_cert(w)
    finally:
        w.close()
    body = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    resp = site.client.post(
        "/ca/ocsp",
        data=body.public_bytes(serialization.Encoding.DER),
        content_type="application/ocsp-request",
    )
    assert resp.status_code == 200
    assert ocsp.load_der_ocsp_response(resp.data).certificate_status == ocsp.OCSPCertStatus.GOOD
    assert site.client.post("/ca/apply", data=site.form()).status_code == 400  # no token
    assert site.count(CertApplication) == 0


# --- certificate services -----------------------------------------------------------------------------


def test_revoke_needs_the_certificate_password(site: CaSite) -> None:
    serial = site.certificate_in_store()
    page = site.client.get("/ca/service").get_data(as_text=True)
    assert f'data-serial="{serial}"' in page
    resp = site.serve(serial, "revoke", password="not-the-password")
    assert resp.status_code == 403 and "证书密码错误" in resp.get_data(as_text=True)
    assert site.status(serial) == "valid"
    resp = site.serve(serial, "revoke")
    assert resp.status_code == 302
    page = site.client.get("/ca/service").get_data(as_text=True)
    assert f"证书 {serial} 已吊销" in page
    row = page.split(f'<tr data-serial="{serial}"', 1)[1].split("</tr>", 1)[0]
    assert "已吊销" in row and "密钥泄露" in row
    assert site.status(serial) == "revoked"
    resp = site.serve(serial, "resume")
    assert resp.status_code == 409 and "该证书未被挂起" in resp.get_data(as_text=True)
    resp = site.serve(serial, "revoke")
    assert resp.status_code == 409


def test_suspend_and_resume(site: CaSite) -> None:
    serial = site.certificate_in_store()
    assert site.serve(serial, "suspend").status_code == 302
    assert site.status(serial) == "suspended"
    assert f"证书 {serial} 已挂起" in site.client.get("/ca/service").get_data(as_text=True)
    assert _ocsp_status(site, serial) == ocsp.OCSPCertStatus.REVOKED  # certificateHold
    assert site.serve(serial, "suspend").status_code == 409
    assert site.serve(serial, "resume").status_code == 302
    assert site.status(serial) == "valid"
    assert _ocsp_status(site, serial) == ocsp.OCSPCertStatus.GOOD


def test_renew_puts_a_new_certificate_in_the_store_under_the_same_password(site: CaSite) -> None:
    serial = site.certificate_in_store()
    resp = site.serve(serial, "renew")
    assert resp.status_code == 302
    flash = site.client.get("/ca/service").get_data(as_text=True)
    (new_serial,) = re.findall(r"新证书序列号 ([0-9A-F]+)", flash)
    assert new_serial != serial
    w = site.world()
    try:
        old = ca.find(w, serial)
        assert (old.status, old.reason) == ("revoked", "superseded")
        assert ca.status(w, ca.find(w, new_serial)) == "valid"
        entry = store.get(w, site.ident["email"], site.entry_of(new_serial))
        key = store.unlock(entry, PASSWORD)
        assert keys.public_key_id(store.certificate(entry)) != keys.public_key_id(
            x509.load_der_x509_certificate(old.der)
        )
        assert key.public_key().public_numbers() == store.certificate(entry).public_key().public_numbers()
    finally:
        w.close()


def test_service_refuses_bad_input(site: CaSite) -> None:
    serial = site.certificate_in_store()
    entry = site.entry_of(serial)
    for data, status in (
        ({"entry": "abc", "password": PASSWORD, "action": "revoke"}, 400),
        ({"entry": "99999", "password": PASSWORD, "action": "revoke"}, 404),
        ({"entry": str(entry), "password": PASSWORD, "action": "explode"}, 400),
        ({"entry": str(entry), "password": PASSWORD, "action": "revoke", "reason": "bored"}, 400),
    ):
        assert site.client.post("/ca/service", data=data).status_code == status, data
    assert site.status(serial) == "valid"


def test_the_action_log_never_holds_passwords_or_the_authorisation_code(site: CaSite) -> None:
    ref_no, code = site.approve(site.apply())
    wrong = site.client.post(
        "/ca/download",
        data={
            "ref_no": ref_no,
            "auth_code": code,
            "mode": "p12",
            "password": PASSWORD,
            "password2": PASSWORD + "x",
        },
    )
    assert wrong.status_code == 400
    assert site.download_p12(ref_no, code).status_code == 200
    w = site.world(read_only=False)
    try:
        (application,) = w.db.scalars(select(CertApplication)).all()
        (row,) = application.certificates
        serial = row.serial
        data = ca.downloads_of(w, [site.ident["email"]])[0].data
        store.import_p12(w, site.ident["email"], data, PASSWORD)
        w.commit()
    finally:
        w.close()
    assert site.serve(serial, "suspend", password="Wrong#pass1").status_code == 403
    assert site.serve(serial, "suspend").status_code == 302
    rows = action_log_rows(site.candidates.rt, site.attempt_id)
    posts = [
        r for r in rows if r.kind == "request" and r.method == "POST" and (r.path or "").startswith("/ca/")
    ]
    assert len(posts) >= 5
    assert any(r.form and r.form.get("auth_code") == "***" for r in posts)
    text = json.dumps([[r.form, r.outcome, r.payload, r.path] for r in rows], ensure_ascii=False)
    for secret in (code, PASSWORD, PASSWORD + "x", "Wrong#pass1"):
        assert secret not in text
