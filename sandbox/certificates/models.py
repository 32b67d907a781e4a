"""Qualification certificates (职业资格证书) issued to candidates who passed, in the control database."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.control.models import Candidate, ControlBase, Exam


class CertificateRecord(ControlBase):
    """A certificate: number, holder, level and date; the public lookup (证书查询) reads these rows."""

    __tablename__ = "certificate_records"
    __table_args__ = (UniqueConstraint("exam_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(20))
    issued_on: Mapped[date] = mapped_column(Date)
    theory_score: Mapped[float | None] = mapped_column(Float)
    practical_score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    exam: Mapped[Exam] = relationship()
    candidate: Mapped[Candidate] = relationship()
