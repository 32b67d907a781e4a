"""Certificates: issued only to passers of a final exam, once; the public lookup; signed PDFs that
verify, and tampered, extended or foreign-signed ones that do not; the holder's download; revocation."""

from __future__ import annotations

import hashlib
import io
import os
import re
from datetime import date

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pypdf import PdfWriter
from sqlalchemy import func, select
from test_exam_results import attempt, candidate, make_exam, sitting

from sandbox.certificates import services, signing
from sandbox.certificates.models import CertificateRecord
from sandbox.control import people
from sandbox.control.models import Attempt, StaffRole
from sandbox.errors import DomainError

NUMBER = re.compile(r"^EC2026(\d)(\d{6})$")


@pytest.fixture
def db(rt):  # noqa: ANN001, ANN201
    """A control-database session."""
    session = rt.control.session()
    yield session
    session.close()


@pytest.fixture
def passed_exam(db):  # noqa: ANN001, ANN201
    """A final exam: 甲 passes both parts, 乙 fails theory, 丙 is still being graded; an examiner."""
    exam = make_exam(db, "CERT-1", level="电子商务员", scenarios=["s-a"])
    jia, yi, bing = (
        candidate(db, exam, "C0001", "张三"),
        candidate(db, exam, "C0002", "李四"),
        candidate(db, exam, "C0003", "王五"),
    )
    sitting(db, exam, jia, 82.5)
    attempt(db, exam, jia, "s-a", 7.5)
    sitting(db, exam, yi, 59.5)
    attempt(db, exam, yi, "s-a", 10.0)
    sitting(db, exam, bing, 90.0)
    attempt(db, exam, bing, "s-a", None, status="submitted")
    people.create_staff(db, "examiner", "考评员", StaffRole.EXAMINER, "exam1234")
    people.create_staff(db, "trainee", "学员", StaffRole.TRAINEE, "train1234")
    return exam


def _count(db) -> int:  # noqa: ANN001
    db.expire_all()
    return db.scalar(select(func.count(CertificateRecord.id)))


def _issue(db, exam):  # noqa: ANN001, ANN202
    return services.issue_for_exam(db, exam, "考评员", today=date(2026, 12, 1))


def _staff(app, username: str = "examiner", password: str = "exam1234"):  # noqa: ANN001, ANN202
    client = app.test_client()
    assert client.post("/staff/login", data={"username": username, "password": password}).status_code == 302
    return client


def _candidate(app, ticket: str):  # noqa: ANN001, ANN202
    client = app.test_client()
    assert client.post("/exam/login", data={"ticket_no": ticket, "password": "pass1234"}).status_code == 302
    return client


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- issuance ---------------------------------------------------------------------------------------


def test_issued_only_to_passers_only_after_the_call_and_once(db, passed_exam) -> None:  # noqa: ANN001
    assert _count(db) == 0  # nothing before the call
    issued = _issue(db, passed_exam)
    assert [r.name for r in issued] == ["张三"]  # 李四 failed theory, 王五 is still being graded
    record = issued[0]
    match = NUMBER.match(record.number)
    assert match and match.group(1) == "4" and match.group(2) == "000001"
    assert (record.level, record.issued_on) == ("电子商务员", date(2026, 12, 1))
    assert (record.theory_score, record.practical_score) == (82.5, 75.0)
    assert _issue(db, passed_exam) == [] and _count(db) == 1  # idempotent
    # Once 王五's attempt is graded (a pass), a second call issues only his, with the next number.
    bing = next(c for c in passed_exam.candidates if c.ticket_no == "C0003")
    graded = next(a for a in db.scalars(select(Attempt)) if a.candidate_id == bing.id)
    db.delete(graded)
    db.commit()
    attempt(db, passed_exam, bing, "s-a", 9.0)
    again = _issue(db, passed_exam)
    assert [r.name for r in again] == ["王五"] and again[0].number.endswith("000002")
    assert _count(db) == 2


def test_no_certificate_for_module_tests_or_exams_without_a_level(db) -> None:  # noqa: ANN001
    module = make_exam(db, "MOD-1", kind="module")
    no_level = make_exam(db, "NOLEVEL-1", level=None)
    for exam, ticket in ((module, "M0001"), (no_level, "N0001")):
        cand = candidate(db, exam, ticket)
        sitting(db, exam, cand, 100.0)
        attempt(db, exam, cand, "s-a", 10.0)
        assert services.issue_for_exam(db, exam, "考评员") == []
    assert _count(db) == 0


def test_numbers_carry_the_level_digit(db) -> None:  # noqa: ANN001
    exam = make_exam(db, "SENIOR-1", level="高级电子商务师", theory_rules=None)
    cand = candidate(db, exam, "S0001")
    attempt(db, exam, cand, "s-a", 10.0)
    (record,) = _issue(db, exam)
    assert NUMBER.match(record.number).group(1) == "1"
    assert record.theory_score is None and record.practical_score == 100.0


# --- lookup and revocation --------------------------------------------------------------------------


def test_lookup_needs_number_and_name(db, passed_exam) -> None:  # noqa: ANN001
    (record,) = _issue(db, passed_exam)
    assert services.lookup(db, record.number, "张三").id == record.id
    assert services.lookup(db, f"  {record.number.lower()} ", " 张三 ").id == record.id
    assert services.lookup(db, record.number, "李四") is None
    assert services.lookup(db, "EC20264999999", "张三") is None
    assert services.lookup(db, record.number, "") is None


def test_public_lookup_page_needs_no_login(app, db, passed_exam) -> None:  # noqa: ANN001
    (record,) = _issue(db, passed_exam)
    client = app.test_client()
    form = client.get("/certificates/verify")
    assert form.status_code == 200 and "证书查询" in form.get_data(as_text=True)
    found = client.get("/certificates/verify", query_string={"number": record.number, "name": "张三"})
    page = found.get_data(as_text=True)
    assert found.status_code == 200 and 'data-state="valid"' in page and "有效" in page
    assert "电子商务员" in page and "2026-12-01" in page and "张三" in page
    wrong = client.get("/certificates/verify", query_string={"number": record.number, "name": "李四"})
    assert wrong.status_code == 404 and "未查到" in wrong.get_data(as_text=True)
    assert "张三" not in wrong.get_data(as_text=True)  # a wrong name learns nothing
    services.revoke(db, record, "证书信息有误", "考评员")
    revoked = client.get("/certificates/verify", query_string={"number": record.number, "name": "张三"})
    assert revoked.status_code == 200 and 'data-state="revoked"' in revoked.get_data(as_text=True)
    assert "已注销" in revoked.get_data(as_text=True)


def test_lookups_are_throttled_per_address(app, db, passed_exam) -> None:  # noqa: ANN001
    app.config["CERT_LOOKUP_LIMIT"] = "3/minute"
    client = app.test_client()
    for n in range(3):
        assert (
            client.get(
                "/certificates/verify", query_string={"number": f"EC2026400000{n}", "name": "x"}
            ).status_code
            == 404
        )
    blocked = client.get("/certificates/verify", query_string={"number": "EC20264000001", "name": "张三"})
    assert blocked.status_code == 429 and "查询过于频繁" in blocked.get_data(as_text=True)
    assert client.get("/certificates/verify").status_code == 200  # the bare form is not a lookup


def test_revoke_needs_a_reason_and_happens_once(db, passed_exam) -> None:  # noqa: ANN001
    (record,) = _issue(db, passed_exam)
    with pytest.raises(DomainError) as exc:
        services.revoke(db, record, "  ", "考评员")
    assert exc.value.key == "请填写注销原因" and record.revoked_at is None
    services.revoke(db, record, "冒名顶替", "考评员")
    assert record.revoked_at is not None and "冒名顶替" in record.revoke_reason
    with pytest.raises(DomainError) as exc:
        services.revoke(db, record, "again", "考评员")
    assert exc.value.status == 409


def test_staff_list_and_revocation_page(app, db, passed_exam) -> None:  # noqa: ANN001
    (record,) = _issue(db, passed_exam)
    trainee = _staff(app, "trainee", "train1234")
    assert trainee.get("/certificates/").status_code == 302
    assert app.test_client().get("/certificates/").status_code == 302
    client = _staff(app)
    page = client.get(f"/certificates/?exam={passed_exam.id}").get_data(as_text=True)
    assert record.number in page and "张三" in page and "C0001" in page
    refused = client.post(f"/certificates/{record.id}/revoke", data={"reason": ""})
    assert refused.status_code == 400 and "请填写注销原因" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(CertificateRecord, record.id).revoked_at is None
    done = client.post(f"/certificates/{record.id}/revoke", data={"reason": "证书信息有误"})
    assert done.status_code == 302
    db.expire_all()
    assert db.get(CertificateRecord, record.id).revoked_at is not None
    assert "已注销" in client.get("/certificates/").get_data(as_text=True)
    assert client.post("/certificates/999/revoke", data={"reason": "x"}).status_code == 404


# --- the signing identity ---------------------------------------------------------------------------


def test_signing_identity_is_made_once_and_reused(app) -> None:  # noqa: ANN001
    ident = services.signing_identity(app)
    folder = app.config["DATA_DIR"] / signing.FOLDER
    assert oct(os.stat(folder / "signer-key.pem").st_mode & 0o777) == "0o600"
    assert oct(os.stat(folder / "root-key.pem").st_mode & 0o777) == "0o600"
    signing._cache.clear()  # a restart
    again = services.signing_identity(app)
    assert again.root_fingerprint == ident.root_fingerprint
    root = again.root
    assert root.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == signing.ROOT_CN
    assert again.signer.issuer == root.subject


def test_root_certificate_download_and_fingerprint(app) -> None:  # noqa: ANN001
    client = app.test_client()
    pem = client.get("/certificates/root.pem")
    assert pem.status_code == 200 and pem.data.startswith(b"-----BEGIN CERTIFICATE-----")
    der = x509.load_pem_x509_certificate(pem.data).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    shown = ":".join(digest[i : i + 2] for i in range(0, 64, 2))
    assert shown in client.get("/certificates/verify").get_data(as_text=True)


# --- PDFs ---------------------------------------------------------------------------------------------


def _upload(client, data: bytes, name: str = "c.pdf"):  # noqa: ANN001, ANN202
    return client.post(
        "/certificates/verify/pdf",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _incremental_update(data: bytes, new_name: str) -> bytes:
    """Append a revision that paints another name over the page (the signed bytes stay as they were)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    text = f"q 1 1 1 rg 300 380 200 40 re f Q BT /F1 24 Tf 320 390 Td ({new_name}) Tj ET".encode()
    stream = writer.add_object(generic.StreamObject(stream_data=text))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_holders_pdf_verifies_and_tampering_is_caught(app, db, passed_exam) -> None:  # noqa: ANN001
    (record,) = _issue(db, passed_exam)
    holder = _candidate(app, "C0001")
    resp = holder.get(f"/certificates/mine/{record.number}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pdf = resp.data
    assert pdf.startswith(b"%PDF-") and holder.get(f"/certificates/mine/{record.number}.pdf").data == pdf

    public = app.test_client()
    ok = _upload(public, pdf).get_data(as_text=True)
    assert 'data-state="valid"' in ok and record.number in ok and "张三" in ok

    # One byte changed inside the signed range (in the printed page's content stream).
    at = pdf.index(b"stream", pdf.index(b"/FlateDecode")) + 40
    flipped = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    page = _upload(public, flipped).get_data(as_text=True)
    assert 'data-state="invalid"' in page and "文件已被修改" in page

    # A revision appended after signing that paints another name.
    page = _upload(public, _incremental_update(pdf, "Li Si")).get_data(as_text=True)
    assert 'data-state="invalid"' in page and "文件已被修改" in page

    # Revoked: the signature is fine but the certificate is no longer valid.
    services.revoke(db, record, "证书信息有误", "考评员")
    page = _upload(public, pdf).get_data(as_text=True)
    assert 'data-state="invalid"' in page and "证书已注销" in page


def test_another_candidates_certificate_is_not_found(app, db, passed_exam) -> None:  # noqa: ANN001
    (record,) = _issue(db, passed_exam)
    other = _candidate(app, "C0002")
    assert other.get(f"/certificates/mine/{record.number}.pdf").status_code == 404
    assert other.get("/certificates/mine/EC20264999999.pdf").status_code == 404
    anonymous = app.test_client().get(f"/certificates/mine/{record.number}.pdf")
    assert anonymous.status_code == 302 and "/exam/login" in anonymous.headers["Location"]
    assert not (app.config["DATA_DIR"] / services.PDF_FOLDER).exists()  # nothing was printed


def test_a_pdf_signed_by_another_key_is_not_ours(app, db, passed_exam, tmp_path) -> None:  # noqa: ANN001
    (record,) = _issue(db, passed_exam)
    stranger = signing.identity(tmp_path / "stranger")  # same names, another key
    forged = signing.sign_pdf(stranger, _blank_pdf(), record.number)
    page = _upload(app.test_client(), forged).get_data(as_text=True)
    assert 'data-state="invalid"' in page and "非本系统签发" in page


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda ident: signing.sign_pdf(ident, _blank_pdf(), "EC20264999999"), "证书编号不存在"),
        (lambda ident: _blank_pdf(), "文件中没有电子签名"),
    ],
)
def test_pdfs_we_did_not_issue(app, db, passed_exam, make, reason: str) -> None:  # noqa: ANN001
    _issue(db, passed_exam)
    page = _upload(app.test_client(), make(services.signing_identity(app))).get_data(as_text=True)
    assert 'data-state="invalid"' in page and reason in page


def test_a_file_that_is_not_a_pdf_is_refused(app, db, passed_exam) -> None:  # noqa: ANN001
    (record,) = _issue(db, passed_exam)
    client = app.test_client()
    resp = _upload(client, b"GIF89a not a pdf", "c.gif")
    assert resp.status_code == 400 and "上传的文件不是 PDF" in resp.get_data(as_text=True)
    empty = client.post("/certificates/verify/pdf", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "请选择要验证的 PDF 文件" in empty.get_data(as_text=True)
    db.expire_all()
    assert _count(db) == 1 and db.get(CertificateRecord, record.id).revoked_at is None
