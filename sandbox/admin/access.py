"""Access rules of an exam session: which parts it has, when each opens, who may enter and from where.

An exam made before these rules existed (a practical part only, no window, no proctor password, no
network list) is open as it always was: every check here passes for it.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sandbox.control.models import Candidate, Exam
from sandbox.errors import N_, DomainError
from sandbox.secrets_hashing import check_secret

THEORY = "theory"
PRACTICAL = "practical"
PARTS = (THEORY, PRACTICAL)
DEFAULT_PASS = 60.0
DEFAULT_THEORY_MINUTES = 90
# The standard's four levels, lowest first (labels for templates: `_(exam.level)`).
LEVELS = (N_("电子商务员"), N_("助理电子商务师"), N_("电子商务师"), N_("高级电子商务师"))


class Paused(DomainError):
    """The candidate (or their room) is paused by a proctor: nothing may be written until resumed."""

    status = 423


def has_part(exam: Exam, part: str) -> bool:
    """Whether the exam has this part (a module test may have only one)."""
    if part == THEORY:
        return bool(exam.theory_rules)
    return bool(exam.scenario_ids)


def parts(exam: Exam) -> list[str]:
    """The exam's parts in the order they are sat."""
    return [p for p in PARTS if has_part(exam, p)]


def window(exam: Exam, part: str) -> tuple[datetime | None, datetime | None]:
    """When the part opens and closes (None: no limit on that side)."""
    if part == THEORY:
        return exam.theory_opens_at, exam.theory_closes_at
    return exam.practical_opens_at, exam.practical_closes_at


def gated(exam: Exam) -> bool:
    """Whether candidates go through the exam's home page (parts, windows, proctor password) before a
    part, rather than straight to the practical desktop as exams without any of these rules do."""
    return bool(
        exam.theory_rules
        or exam.proctor_password_hash
        or exam.practical_opens_at
        or exam.practical_closes_at
        or exam.late_entry_minutes
    )


def address_allowed(exam: Exam, address: str | None) -> bool:
    """Whether a request from `address` may sit this exam (no list: any address)."""
    networks = [n for n in (exam.allowed_networks or []) if n]
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    for net in networks:
        try:
            if ip in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


def parse_networks(text: str) -> list[str]:
    """Networks typed one per line or separated by commas (e.g. 10.1.2.0/24); a bad one is refused."""
    out: list[str] = []
    for raw in text.replace(",", "\n").replace("，", "\n").splitlines():
        raw = raw.strip()
        if not raw:
            continue
        try:
            out.append(str(ipaddress.ip_network(raw, strict=False)))
        except ValueError:
            raise DomainError(N_("IP 地址段格式不正确：%(value)s"), value=raw) from None
    return out


def is_paused(candidate: Candidate) -> bool:
    """Whether a proctor has paused this candidate."""
    return candidate.paused_at is not None


def require_not_paused(candidate: Candidate) -> None:
    """Refuse any work while the candidate is paused."""
    if is_paused(candidate):
        raise Paused(N_("考试已被监考员暂停，请听从监考员安排"))


@dataclass
class PartState:
    """What a candidate's exam home shows for one part."""

    part: str
    opens: datetime | None
    closes: datetime | None
    state: str  # not_open | open | closed | late
    entered: bool


def part_state(exam: Exam, candidate: Candidate, part: str, now: datetime | None = None) -> PartState:
    """Whether the part is open for this candidate now."""
    now = now or datetime.now()
    opens, closes = window(exam, part)
    entered = bool((candidate.entered or {}).get(part))
    if opens and now < opens:
        state = "not_open"
    elif closes and now >= closes:
        state = "closed"
    elif (
        not entered
        and opens
        and exam.late_entry_minutes
        and now > opens + timedelta(minutes=exam.late_entry_minutes)
    ):
        state = "late"
    else:
        state = "open"
    return PartState(part, opens, closes, state, entered)


def check_entry(
    db: Session,
    candidate: Candidate,
    part: str,
    *,
    address: str | None,
    password: str | None = None,
    now: datetime | None = None,
) -> None:
    """Admit the candidate to a part, or raise why not. The first admission is recorded (a proctor
    password is asked once per part; later entries, e.g. after a reload, need none)."""
    exam = candidate.exam
    if not has_part(exam, part):
        raise DomainError(N_("本场考试没有这一部分"), status=404)
    if not address_allowed(exam, address):
        raise DomainError(N_("本机不在本场考试允许的网络范围内，请在考场机器上作答"), status=403)
    require_not_paused(candidate)
    state = part_state(exam, candidate, part, now)
    if state.state == "not_open":
        raise DomainError(
            N_("未到开考时间，请于 %(time)s 后进入"), status=403, time=f"{state.opens:%Y-%m-%d %H:%M}"
        )
    if state.state == "closed":
        raise DomainError(N_("本部分考试已结束，不能再进入"), status=403)
    if state.state == "late":
        raise DomainError(
            N_("已超过迟到入场时限（开考后 %(minutes)s 分钟），不能进入"),
            status=403,
            minutes=exam.late_entry_minutes,
        )
    if state.entered:
        return
    if exam.proctor_password_hash and not check_secret(exam.proctor_password_hash, password or ""):
        raise DomainError(N_("监考密码错误，请向监考员询问"), status=403)
    entered = dict(candidate.entered or {})
    entered[part] = (now or datetime.now()).isoformat(timespec="seconds")
    candidate.entered = entered
    db.commit()


def deadline(
    exam: Exam | None, candidate: Candidate | None, part: str, minutes: float, start: float
) -> float:
    """When a part started at `start` (epoch seconds) ends: its minutes plus the candidate's extra
    time, and no later than the part's window closes (plus the extra time)."""
    extra = ((candidate.extra_minutes or 0) if candidate is not None else 0) * 60
    end = start + minutes * 60 + extra
    if exam is not None:
        _, closes = window(exam, part)
        if closes is not None:
            end = min(end, closes.timestamp() + extra)
    return end


def now_real() -> float:
    """Epoch seconds (one place, so callers agree)."""
    return time.time()
