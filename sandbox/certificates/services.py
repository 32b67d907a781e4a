"""Certificates: issue one to every candidate who passed a final exam, look one up by number and
name, print and sign its PDF, check an uploaded PDF, revoke.

Certificate numbers are `EC` + the year of issue + the level's digit (电子商务员 4, 助理电子商务师 3,
电子商务师 2, 高级电子商务师 1; 0 for any other) + a six-digit sequence per year and level, e.g.
EC20264000001. Numbers are unique (the table says so) and never reused, a revoked one included.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.certificates import results, signing
from sandbox.certificates.models import CertificateRecord
from sandbox.control.models import Exam
from sandbox.errors import N_, Conflict, DomainError
from sandbox.theory import sitting as theory_sitting
from sandbox.theory.models import TheorySitting

log = logging.getLogger(__name__)

LEVEL_DIGITS = {"电子商务员": "4", "助理电子商务师": "3", "电子商务师": "2", "高级电子商务师": "1"}
FINAL = "final"
PDF_FOLDER = "certificates"  # signed PDFs kept under DATA_DIR, printed once per certificate
STATIC = Path(__file__).resolve().parent.parent / "static"
PDF_CSS = ("css/certificates.css",)

# Why a PDF did not verify, as shown to the person who uploaded it.
PROBLEM_MESSAGES = {
    signing.UNREADABLE: N_("文件已损坏，无法读取其中的签名"),
    signing.UNSIGNED: N_("文件中没有电子签名"),
    signing.MODIFIED: N_("文件已被修改"),
    signing.BAD_SIGNATURE: N_("签名无效"),
    signing.FOREIGN: N_("非本系统签发"),
    signing.NO_NUMBER: N_("证书编号不存在"),
}
NOT_FOUND = N_("证书编号不存在")
REVOKED = N_("证书已注销")


@dataclass
class VerifyOutcome:
    """An uploaded PDF's check: valid with its record, or the reason (a message key) it is not."""

    valid: bool
    record: CertificateRecord | None = None
    reason: str | None = None


def level_digit(level: str | None) -> str:
    """The digit a level puts in certificate numbers."""
    return LEVEL_DIGITS.get((level or "").strip(), "0")


def _next_sequence(db: Session, prefix: str) -> int:
    numbers = db.scalars(select(CertificateRecord.number).where(CertificateRecord.number.like(f"{prefix}%")))
    used = [int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()]
    return max(used, default=0) + 1


def _issue(db: Session, exam: Exam, by: str, today: date) -> list[CertificateRecord]:
    """Add the missing records of the exam's passers (not committed)."""
    existing = set(
        db.scalars(select(CertificateRecord.candidate_id).where(CertificateRecord.exam_id == exam.id))
    )
    prefix = f"EC{today.year}{level_digit(exam.level)}"
    sequence = _next_sequence(db, prefix)
    issued = []
    for result in results.exam_results(db, exam):
        if result.candidate.id in existing or result.passed is not True:
            continue
        record = CertificateRecord(
            number=f"{prefix}{sequence:06d}",
            exam_id=exam.id,
            candidate_id=result.candidate.id,
            name=result.candidate.name,
            level=exam.level or "",
            issued_on=today,
            theory_score=result.theory.score if result.theory.present else None,
            practical_score=result.practical.score if result.practical.present else None,
            created_at=datetime.now(),
        )
        db.add(record)
        issued.append(record)
        sequence += 1
    if issued:
        log.info("%s issued %d certificates for exam %s", by, len(issued), exam.code)
    return issued


def issue_for_exam(db: Session, exam: Exam, by: str, today: date | None = None) -> list[CertificateRecord]:
    """Issue a certificate to every candidate of a final exam with a level whose result passed; the
    records made by this call (none for a module test, nor for an incomplete result; a candidate who
    already has one gets no second). Theory sittings whose time is up are submitted first."""
    if (exam.kind or FINAL) != FINAL or not (exam.level or "").strip():
        return []
    for row in db.scalars(
        select(TheorySitting).where(
            TheorySitting.exam_id == exam.id, TheorySitting.status == theory_sitting.ACTIVE
        )
    ).all():
        theory_sitting.enforce_deadline(db, row)
    today = today or date.today()
    for attempt in range(3):
        issued = _issue(db, exam, by, today)
        try:
            db.commit()
            return issued
        except IntegrityError:  # another publish issued at the same moment: count again
            db.rollback()
            if attempt == 2:
                raise
    return []


def lookup(db: Session, number: str | None, name: str | None) -> CertificateRecord | None:
    """The certificate with this number and holder's name (both must match; revoked ones included)."""
    number, name = (number or "").strip().upper(), (name or "").strip()
    if not number or not name:
        return None
    record = db.scalars(select(CertificateRecord).where(CertificateRecord.number == number)).first()
    if record is None or record.name.strip() != name:
        return None
    return record


def revoke(db: Session, record: CertificateRecord, reason: str | None, by: str) -> CertificateRecord:
    """Revoke a certificate with a reason (lookups and PDF checks then say 已注销)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("请填写注销原因"))
    if len(reason) > 500:
        raise DomainError(N_("注销原因不能超过 %(max)s 个字"), max=500)
    if record.revoked_at is not None:
        raise Conflict(N_("证书 %(number)s 已注销"), number=record.number)
    record.revoked_at = datetime.now()
    record.revoke_reason = f"{reason}（{by}）" if by else reason
    db.commit()
    log.info("%s revoked certificate %s", by, record.number)
    return record


def _config(app_or_config: Flask | Mapping[str, Any]) -> Mapping[str, Any]:
    return app_or_config.config if isinstance(app_or_config, Flask) else app_or_config


def signing_identity(app_or_config: Flask | Mapping[str, Any]) -> signing.SigningIdentity:
    """The sandbox's signing identity (made on first use under DATA_DIR)."""
    return signing.identity(_config(app_or_config)["DATA_DIR"])


def document_html(app: Flask, record: CertificateRecord) -> str:
    """The certificate as an HTML page (printed to PDF; it names no other file)."""
    template = app.jinja_env.get_template("certificates/document.html")
    return template.render(record=record, exam=record.exam, candidate=record.candidate)


def certificate_pdf(app: Flask, record: CertificateRecord) -> bytes:
    """The certificate's signed PDF: printed by Chromium and signed once, then kept and served as is."""
    from sandbox.examiner.reports import html_to_pdf

    folder = Path(app.config["DATA_DIR"]) / PDF_FOLDER
    path = folder / f"{record.number}.pdf"
    if path.exists():
        return path.read_bytes()
    css = "\n".join((STATIC / name).read_text(encoding="utf-8") for name in PDF_CSS)
    pdf = html_to_pdf(document_html(app, record), css, app.config.get("CHROMIUM", ""))
    signed = signing.sign_pdf(signing_identity(app), pdf, record.number, f"职业技能等级证书 {record.number}")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{record.number}.{secrets.token_hex(4)}.pdf"
    tmp.write_bytes(signed)
    os.replace(tmp, path)
    return signed


def verify_pdf(db: Session, app_or_config: Flask | Mapping[str, Any], data: bytes) -> VerifyOutcome:
    """Check an uploaded certificate PDF: our signature, intact, whole file, a number we issued and
    did not revoke. A file that is not a PDF at all is refused (400)."""
    check = signing.verify_pdf(signing_identity(app_or_config), data)
    if check.problem == signing.NOT_PDF:
        raise DomainError(N_("上传的文件不是 PDF"), status=400)
    if not check.ok:
        return VerifyOutcome(False, reason=PROBLEM_MESSAGES[check.problem])
    record = db.scalars(select(CertificateRecord).where(CertificateRecord.number == check.number)).first()
    if record is None:
        return VerifyOutcome(False, reason=NOT_FOUND)
    if record.revoked_at is not None:
        return VerifyOutcome(False, record=record, reason=REVOKED)
    return VerifyOutcome(True, record=record)


def exam_certificates(db: Session, exam_id: int | None = None) -> list[CertificateRecord]:
    """Certificates (of one exam, or all), by exam then number."""
    q = select(CertificateRecord).order_by(CertificateRecord.exam_id, CertificateRecord.number)
    if exam_id is not None:
        q = q.where(CertificateRecord.exam_id == exam_id)
    return list(db.scalars(q))


def holder_certificate(db: Session, candidate_id: int, number: str) -> CertificateRecord | None:
    """The certificate with this number if this candidate holds it."""
    record = db.scalars(select(CertificateRecord).where(CertificateRecord.number == number)).first()
    return record if record is not None and record.candidate_id == candidate_id else None
