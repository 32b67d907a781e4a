"""The CA's services in a world: the RA as an NPC, dual certificates, CSRs, renewal, OCSP, signed
documents, and keys that never rest in clear."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp

from sandbox.errors import DomainError
from sandbox.pki import authority, ca, documents, keys, store, validation
from sandbox.pki.models import ApplicationStatus, CertKind, Usage
from sandbox.worlds import npc
from sandbox.worlds.world import World

ME = "li.ming@mail.sim"
FORM = ca.ApplicationForm(kind=CertKind.PERSONAL, name="李明", id_number="11010519491231002X", email=ME)
COMPANY = ca.ApplicationForm(
    kind=CertKind.ENTERPRISE,
    name="李明",
    id_number="11010519491231002X",
    email=ME,
    org="恒信商贸有限公司",
    credit_code="91330106MA2H7Q3K53",
    dual=True,
)


@pytest.fixture(autouse=True)
def _actions(w: World) -> None:
    from sandbox import domains
    from sandbox.mail import services as mail

    domains.load_npc_actions()
    mail.open_mailbox(w, ME, "李明")


def _approved(w: World, form: ca.ApplicationForm = FORM) -> tuple[str, str]:
    application = ca.apply(w, ME, form)
    code = ca.decide(w, application.number, approve=True)
    return application.ref_no, code


def test_the_ra_npc_reviews_after_its_delay_and_mails_the_codes(w: World) -> None:
    application = ca.apply(w, ME, FORM)
    from sandbox.pki import npc as ca_npc

    ca_npc.review(w, {"after": "+2m"}, w.events("cert.applied")[-1])
    assert application.status == ApplicationStatus.PENDING
    with w.at(w.now() + timedelta(minutes=3)):
        npc.run_due(w, [])  # the RA decides and hands its letter to the mail
        npc.run_due(w, [])  # the letter is delivered
    assert application.status == ApplicationStatus.APPROVED and application.ref_no
    letter = [e for e in w.events("mail.sent") if e.payload["to"] == [ME]]
    assert letter and "参考号和授权码" in letter[-1].payload["subject"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id_number": "11010519491231002Y"}, "身份证号码不正确"),
        ({"id_number": "110105194913310020"}, "身份证号码不正确"),
        ({"email": "not-an-address"}, "电子邮箱"),
        (
            {"kind": CertKind.ENTERPRISE, "org": "恒信", "credit_code": "91330106MA2H7Q3K54"},
            "统一社会信用代码",
        ),
        (
            {
                "kind": CertKind.SERVER,
                "org": "恒信",
                "credit_code": "91330106MA2H7Q3K53",
                "domain": "no_domain",
            },
            "域名",
        ),
    ],
)
def test_bad_applications_are_refused_and_change_nothing(w: World, change: dict, message: str) -> None:
    form = ca.ApplicationForm(**{**FORM.__dict__, **change})
    with pytest.raises(DomainError, match=message):
        ca.apply(w, ME, form)
    assert ca.applications_of(w, ME) == []


def test_a_dual_application_gives_a_signing_and_an_encryption_certificate(w: World) -> None:
    ref, code = _approved(w, COMPANY)
    files = ca.download_p12(w, ME, ref, code, "secret-1", "secret-1")
    assert [f.filename.endswith(s) for f, s in zip(files, ("-sign.p12", "-enc.p12"), strict=True)] == [
        True,
        True,
    ]
    usages = []
    for f in files:
        key, cert, chain = keys.read_p12(f.data, "secret-1")
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        usages.append((ku.digital_signature, ku.key_encipherment))
        assert [c.subject for c in chain] == [ca.issuing_cert(w).subject, ca.root_cert(w).subject]
        assert (
            cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_IDENTIFIER)[0].value
            == COMPANY.credit_code
        )
    assert usages == [(True, False), (False, True)]
    assert ca.encryption_certificate(w, ME).usage == Usage.ENCRYPT


def _csr(bits: int = 2048, cn: str = "李明") -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    csr = keys.make_csr(key, authority.Subject(CertKind.PERSONAL, cn, ME).x509_name())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def test_csrs_are_checked_before_the_codes_are_spent(w: World) -> None:
    ref, code = _approved(w)
    with pytest.raises(DomainError, match="至少 2048 位"):
        ca.download_for_csr(w, ME, ref, code, _csr(1024))
    with pytest.raises(DomainError, match="CN 应为"):
        ca.download_for_csr(w, ME, ref, code, _csr(cn="张三"))
    broken = _csr().replace("\n", "").replace("-----BEGIN CERTIFICATE REQUEST-----", "")
    with pytest.raises(DomainError):
        ca.download_for_csr(w, ME, ref, code, broken)
    files = ca.download_for_csr(w, ME, ref, code, _csr())
    assert files[0].filename.endswith(".cer") and b"BEGIN CERTIFICATE" in files[0].data
    with pytest.raises(DomainError, match="已使用"):
        ca.download_for_csr(w, ME, ref, code, _csr())


def test_a_csr_with_a_changed_subject_has_a_bad_signature(w: World) -> None:
    ref, code = _approved(w)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good = keys.make_csr(key, authority.Subject(CertKind.PERSONAL, "李明", ME).x509_name())
    other = keys.make_csr(key, authority.Subject(CertKind.PERSONAL, "李明明", ME).x509_name())
    # Splice the other request's signature onto this one: the signature no longer covers the subject.
    from asn1crypto import csr as asn1_csr

    spliced = asn1_csr.CertificationRequest.load(good.public_bytes(serialization.Encoding.DER))
    spliced["signature"] = asn1_csr.CertificationRequest.load(other.public_bytes(serialization.Encoding.DER))[
        "signature"
    ]
    pem = x509.load_der_x509_csr(spliced.dump()).public_bytes(serialization.Encoding.PEM).decode()
    with pytest.raises(DomainError, match="签名无效"):
        ca.download_for_csr(w, ME, ref, code, pem)


def test_renewal_supersedes_the_old_certificate(w: World) -> None:
    ref, code = _approved(w)
    key, cert, _ = keys.read_p12(ca.download_p12(w, ME, ref, code, "secret-1")[0].data, "secret-1")
    old = ca.known(w, cert)
    new = ca.renew(w, old, keys.new_key().public_key(), by=ME)
    assert old.status == "revoked" and old.reason == "superseded" and new.subject_cn == "李明"
    assert validation.check(w, cert, {"digital_signature"}).outcome == validation.Outcome.REVOKED
    with pytest.raises(DomainError):
        ca.renew(w, old, keys.new_key().public_key(), by=ME)


def _ocsp(w: World, cert: x509.Certificate) -> ocsp.OCSPResponse:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, ca.issuing_cert(w), hashes.SHA1()).build()
    return ocsp.load_der_ocsp_response(ca.ocsp_answer(w, request.public_bytes(serialization.Encoding.DER)))


def test_ocsp_answers_good_revoked_and_unknown(w: World) -> None:
    ref, code = _approved(w)
    _, cert, _ = keys.read_p12(ca.download_p12(w, ME, ref, code, "secret-1")[0].data, "secret-1")
    assert _ocsp(w, cert).certificate_status == ocsp.OCSPCertStatus.GOOD
    ca.suspend(w, ca.known(w, cert), ME)
    answer = _ocsp(w, cert)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.certificate_hold
    signed = _ocsp(w, cert)  # signed by the issuing CA
    ca.issuing_cert(w).public_key().verify(
        signed.signature, signed.tbs_response_bytes, padding.PKCS1v15(), signed.signature_hash_algorithm
    )
    stranger = authority.end_entity_certificate(
        authority.Subject(CertKind.PERSONAL, "路人", "x@mail.sim"),
        keys.new_key().public_key(),
        Usage.BOTH,
        ca.issuing_cert(w),
        ca._issuing_key(w),
        w.now(),
        30,
    )  # signed with this CA's key but never recorded: the CA does not know it
    assert _ocsp(w, stranger).certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert validation.check(w, stranger, {"digital_signature"}).outcome == validation.Outcome.UNTRUSTED


def test_signed_documents_show_changes_and_revocation(w: World) -> None:
    ref, code = _approved(w)
    data = ca.download_p12(w, ME, ref, code, "secret-1")[0].data
    entry = store.import_p12(w, ME, data, "secret-1")
    contract = {"number": "HT-001", "amount_fen": 1200000, "buyer": "恒信商贸有限公司"}
    signature = documents.sign(w, ME, entry.id, "secret-1", "contract", "HT-001", contract)
    assert documents.verify(w, signature, contract).outcome == validation.Outcome.VALID
    assert (
        documents.verify(w, signature, {**contract, "amount_fen": 1300000}).outcome
        == validation.Outcome.TAMPERED
    )
    with pytest.raises(DomainError):
        documents.sign(w, ME, entry.id, "wrong-pass", "contract", "HT-001", contract)
    ca.revoke(w, ca.known(w, store.certificate(entry)), "key_compromise", ME)
    assert documents.verify(w, signature, contract).outcome == validation.Outcome.REVOKED
    with pytest.raises(DomainError, match="证书已吊销"):
        documents.sign(w, ME, entry.id, "secret-1", "contract", "HT-002", contract)


def test_no_private_key_rests_in_clear(w: World) -> None:
    ref, code = _approved(w, COMPANY)
    for f in ca.download_p12(w, ME, ref, code, "secret-1"):
        store.import_p12(w, ME, f.data, "secret-1")
    w.db.flush()
    from sqlalchemy import text

    for (table,) in w.db.execute(text("SELECT name FROM sqlite_master WHERE type='table'")):
        for row in w.db.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 (table names from the schema)
            for value in row:
                raw = value if isinstance(value, bytes) else str(value).encode()
                assert b"BEGIN PRIVATE KEY" not in raw and b"BEGIN RSA PRIVATE KEY" not in raw
                if isinstance(value, bytes) and value[:1] == b"\x30":
                    with pytest.raises((TypeError, ValueError)):
                        serialization.load_der_private_key(value, None)
