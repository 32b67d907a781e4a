"""Exams and the people in them: create exams, import candidates, authenticate logins."""

from __future__ import annotations

import csv
import functools
import secrets
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.control.models import Candidate, Exam, Staff
from sandbox.errors import N_, DomainError
from sandbox.secrets_hashing import check_secret, hash_login_password

CANDIDATE_COLUMNS = ("ticket_no", "name", "password")


def create_exam(db: Session, code: str, title: str, scenario_ids: list[str]) -> Exam:
    """Create an exam over the given scenarios."""
    if db.scalars(select(Exam).where(Exam.code == code)).first():
        raise DomainError(N_("考试代码已存在"), status=409)
    exam = Exam(code=code, title=title, scenario_ids=list(scenario_ids), created_at=datetime.now())
    db.add(exam)
    db.commit()
    return exam


def add_candidate(db: Session, exam: Exam, ticket_no: str, name: str, password: str) -> Candidate:
    """Register one candidate for an exam."""
    candidate = Candidate(
        exam=exam, ticket_no=ticket_no.strip(), name=name.strip(), password_hash=hash_login_password(password)
    )
    db.add(candidate)
    return candidate


def import_candidates(db: Session, exam: Exam, path: Path) -> int:
    """Import candidates from a UTF-8 CSV with columns ticket_no,name,password; all or nothing."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in CANDIDATE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DomainError(N_("CSV 缺少列：%(cols)s"), cols=", ".join(missing))
        rows = list(reader)
    seen = set(db.scalars(select(Candidate.ticket_no)))
    for line_no, row in enumerate(rows, start=2):
        ticket = (row["ticket_no"] or "").strip()
        if not ticket or not (row["name"] or "").strip() or len(row["password"] or "") < 6:
            raise DomainError(N_("第 %(line)s 行：准考证号、姓名不能为空，密码至少6位"), line=line_no)
        if ticket in seen:
            raise DomainError(N_("第 %(line)s 行：准考证号 %(ticket)s 重复"), line=line_no, ticket=ticket)
        seen.add(ticket)
        add_candidate(db, exam, ticket, row["name"], row["password"])
    db.commit()
    return len(rows)


def create_staff(db: Session, username: str, display_name: str, role: str, password: str) -> Staff:
    """Create an examiner or trainee login."""
    staff = Staff(
        username=username, display_name=display_name, role=role, password_hash=hash_login_password(password)
    )
    db.add(staff)
    db.commit()
    return staff


@functools.lru_cache(maxsize=1)
def _decoy_hash() -> str:
    """A hash of nothing anyone types: checked when the account does not exist, so that an unknown
    ticket costs as much time as a known one and response times do not tell which tickets exist."""
    return hash_login_password(secrets.token_urlsafe(16))


def _verified(row: Candidate | Staff | None, password: str) -> bool:
    """Check the password against the account's hash, or the decoy's when there is no account."""
    matched = check_secret(row.password_hash if row is not None else _decoy_hash(), password or "")
    return row is not None and matched


def authenticate_candidate(db: Session, ticket_no: str, password: str) -> Candidate:
    """The candidate with this admission ticket and password."""
    candidate = db.scalars(select(Candidate).where(Candidate.ticket_no == (ticket_no or "").strip())).first()
    if not _verified(candidate, password):
        raise DomainError(N_("准考证号或密码错误"), status=401)
    return candidate


def authenticate_staff(db: Session, username: str, password: str) -> Staff:
    """The staff member with these credentials."""
    staff = db.scalars(select(Staff).where(Staff.username == (username or "").strip())).first()
    if not _verified(staff, password):
        raise DomainError(N_("用户名或密码错误"), status=401)
    return staff


def new_session_generation(db: Session, person: Candidate | Staff) -> int:
    """Bump the person's session generation, ending every session of theirs; return the new one.

    A login stores the new number in its cookie; a logout just bumps it.
    """
    person.session_generation = (person.session_generation or 0) + 1
    db.commit()
    return person.session_generation


def login_failure(db: Session, kind: str, account: str | None) -> str:
    """How a failed login is recorded: a wrong password for an existing account, or an unknown one.

    Asked only after the password check, which costs the same either way.
    """
    from sandbox.control.models import LoginOutcome

    name = (account or "").strip()
    column = Candidate.ticket_no if kind == "candidate" else Staff.username
    exists = db.scalars(select(column).where(column == name)).first() is not None
    return LoginOutcome.WRONG_PASSWORD if exists else LoginOutcome.UNKNOWN_ACCOUNT
