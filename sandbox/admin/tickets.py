"""Admission tickets (准考证): four to an A4 page, as an HTML preview and a PDF printed by Chromium."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sandbox.admin import access
from sandbox.admin.roster import mask_id_number
from sandbox.control.models import Candidate, Exam
from sandbox.errors import N_
from sandbox.examiner import reports

PER_PAGE = 4
STATIC = Path(__file__).resolve().parent.parent / "static"
PDF_CSS = ("css/sandbox.css", "css/admin.css")
PART_LABELS = {access.THEORY: N_("理论知识考试"), access.PRACTICAL: N_("操作技能考试")}


@dataclass
class PartWindow:
    """One part of the exam as a ticket prints it."""

    part: str
    label: str  # message key
    opens: datetime | None
    closes: datetime | None
    minutes: int | None


@dataclass
class Ticket:
    """What one admission ticket shows."""

    candidate_id: int
    name: str
    ticket_no: str
    id_masked: str
    room: str
    seat: str


def part_windows(exam: Exam) -> list[PartWindow]:
    """The exam's parts in the order they are sat, with their windows."""
    out = []
    for part in access.parts(exam):
        opens, closes = access.window(exam, part)
        minutes = exam.theory_minutes if part == access.THEORY else None
        out.append(PartWindow(part, PART_LABELS[part], opens, closes, minutes))
    return out


def tickets_of(candidates: list[Candidate]) -> list[Ticket]:
    """Tickets in the order a room's proctor hands them out: by room, seat, then ticket number."""
    ordered = sorted(candidates, key=lambda c: (c.room or "\uffff", (c.seat or "").zfill(10), c.ticket_no))
    return [
        Ticket(c.id, c.name, c.ticket_no, mask_id_number(c.id_number), c.room or "", c.seat or "")
        for c in ordered
    ]


def pages(tickets: list[Ticket]) -> list[list[Ticket]]:
    """Tickets grouped per printed page."""
    return [tickets[i : i + PER_PAGE] for i in range(0, len(tickets), PER_PAGE)]


def to_pdf(html: str, chromium: str = "") -> bytes:
    """The tickets page printed to A4 PDF (PdfError when Chromium cannot print)."""
    css = "\n".join((STATIC / name).read_text(encoding="utf-8") for name in PDF_CSS)
    return reports.html_to_pdf(html, css, chromium)
