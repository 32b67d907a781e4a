"""Live proctoring (监考): who is where, time left, answers saved; pause, resume and extra time, logged.

A pause stops the candidate's clocks: nothing may be done while paused (see `guard`), and resuming
moves the deadlines of the candidate's open attempt and theory paper on by the time paused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox.admin import access
from sandbox.control.models import Attempt, AttemptStatus, Candidate, Exam, ProctorAction
from sandbox.errors import N_, DomainError, NotFound
from sandbox.theory import sitting as theory_sitting
from sandbox.theory.models import TheoryAnswer, TheorySitting

ONLINE_WITHIN = timedelta(seconds=90)  # the countdowns poll every 20–30 s
MAX_EXTRA_MINUTES = 240
MIN_REASON = 2


@dataclass
class LiveRow:
    """One candidate on the proctor's screen."""

    candidate: Candidate
    online: bool
    where: str  # absent | home | theory | practical | done
    task: str
    seconds_left: int | None
    last_seen: datetime | None
    theory_answered: int | None
    theory_total: int | None
    theory_submitted: bool | None
    practical_answers: int
    practical_submitted: int
    practical_total: int
    paused: bool

    def as_json(self) -> dict[str, Any]:
        """The row for the live view's poll."""
        c = self.candidate
        return {
            "candidate_id": c.id,
            "ticket_no": c.ticket_no,
            "name": c.name,
            "room": c.room or "",
            "seat": c.seat or "",
            "online": self.online,
            "where": self.where,
            "task": self.task,
            "seconds_left": self.seconds_left,
            "last_seen": self.last_seen.isoformat(timespec="seconds") if self.last_seen else None,
            "theory_answered": self.theory_answered,
            "theory_total": self.theory_total,
            "theory_submitted": self.theory_submitted,
            "practical_answers": self.practical_answers,
            "practical_submitted": self.practical_submitted,
            "practical_total": self.practical_total,
            "extra_minutes": c.extra_minutes or 0,
            "paused": self.paused,
            "pause_reason": c.pause_reason or "",
        }


def _candidate(db: Session, exam: Exam, candidate_id: int | None) -> Candidate:
    """A candidate of this exam (another exam's candidate is not found here)."""
    candidate = db.get(Candidate, candidate_id) if candidate_id else None
    if candidate is None or candidate.exam_id != exam.id:
        raise NotFound(N_("本场考试没有这名考生"))
    return candidate


def live_rows(
    db: Session, exam: Exam, titles: dict[str, str] | None = None, now: float | None = None
) -> list[LiveRow]:
    """Every candidate of the exam as the proctor sees them now."""
    now = time.time() if now is None else now
    now_dt = datetime.fromtimestamp(now)
    titles = titles or {}
    candidates = list(exam.candidates)
    ids = [c.id for c in candidates]
    attempts: dict[int, list[Attempt]] = {}
    for a in db.scalars(select(Attempt).where(Attempt.candidate_id.in_(ids)).order_by(Attempt.id)):
        attempts.setdefault(a.candidate_id, []).append(a)
    sittings = {
        s.candidate_id: s
        for s in db.scalars(
            select(TheorySitting).where(TheorySitting.exam_id == exam.id, TheorySitting.candidate_id.in_(ids))
        )
    }
    answered: dict[int, int] = {}
    if sittings:
        for a in db.scalars(
            select(TheoryAnswer).where(TheoryAnswer.sitting_id.in_([s.id for s in sittings.values()]))
        ):
            if a.choice:
                answered[a.sitting_id] = answered.get(a.sitting_id, 0) + 1
    rows = []
    for c in candidates:
        mine = attempts.get(c.id, [])
        sitting = sittings.get(c.id)
        active = [a for a in mine if a.status == AttemptStatus.ACTIVE]
        path = c.last_seen_path or ""
        online = c.last_seen_at is not None and now_dt - c.last_seen_at <= ONLINE_WITHIN
        seconds_left = None
        task = ""
        if path.startswith("/theory") and sitting is not None and sitting.status == "active":
            where = "theory"
            seconds_left = theory_sitting.seconds_left(sitting, now)
        elif active:
            where = "practical"
            task = titles.get(active[0].scenario_id, active[0].scenario_id)
            clock = min(now, c.paused_at.timestamp()) if c.paused_at else now  # a pause stops the clock
            seconds_left = max(0, int(active[0].deadline_real - clock))
        elif sitting is not None and sitting.status == "active":
            where = "theory"
            seconds_left = theory_sitting.seconds_left(sitting, now)
        elif c.last_seen_at is None:
            where = "absent"
        elif _all_done(exam, mine, sitting):
            where = "done"
        else:
            where = "home"
        rows.append(
            LiveRow(
                candidate=c,
                online=online,
                where=where,
                task=task,
                seconds_left=seconds_left,
                last_seen=c.last_seen_at,
                theory_answered=answered.get(sitting.id, 0) if sitting else None,
                theory_total=len(sitting.items) if sitting else None,
                theory_submitted=(sitting.status != "active") if sitting else None,
                practical_answers=sum(1 for a in mine for v in (a.answers or {}).values() if v),
                practical_submitted=sum(1 for a in mine if a.status != AttemptStatus.ACTIVE),
                practical_total=len(exam.scenario_ids or []),
                paused=access.is_paused(c),
            )
        )
    return rows


def _all_done(exam: Exam, attempts: list[Attempt], sitting: TheorySitting | None) -> bool:
    """Whether the candidate has handed in every part."""
    theory_done = not access.has_part(exam, access.THEORY) or (
        sitting is not None and sitting.status != "active"
    )
    practical_done = len([a for a in attempts if a.status != AttemptStatus.ACTIVE]) >= len(
        exam.scenario_ids or []
    )
    return theory_done and practical_done


def summary(rows: list[LiveRow]) -> dict[str, int]:
    """Head counts for the top of the live view."""
    return {
        "total": len(rows),
        "online": sum(r.online for r in rows),
        "theory": sum(r.where == "theory" for r in rows),
        "practical": sum(r.where == "practical" for r in rows),
        "done": sum(r.where == "done" for r in rows),
        "absent": sum(r.where == "absent" for r in rows),
        "paused": sum(r.paused for r in rows),
    }


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if len(reason) < MIN_REASON:
        raise DomainError(N_("请填写原因（至少2个字）"))
    return reason[:500]


def _targets(
    db: Session, exam: Exam, candidate_id: int | None, room: str | None
) -> tuple[list[Candidate], str | None]:
    """One candidate, or everyone in a room."""
    if candidate_id:
        return [_candidate(db, exam, candidate_id)], None
    room = (room or "").strip()
    if not room:
        raise DomainError(N_("请选择考生或考场"))
    people = [c for c in exam.candidates if (c.room or "") == room]
    if not people:
        raise NotFound(N_("本场考试没有这个考场"))
    return people, room


def _log(
    db: Session,
    exam: Exam,
    action: str,
    reason: str,
    by: str,
    candidate: Candidate | None = None,
    room: str | None = None,
    **detail: Any,
) -> None:
    db.add(
        ProctorAction(
            exam_id=exam.id,
            candidate_id=candidate.id if candidate else None,
            room=room,
            action=action,
            detail=detail or None,
            reason=reason,
            by=by,
            at=datetime.now(),
        )
    )


def pause(
    db: Session,
    exam: Exam,
    *,
    candidate_id: int | None = None,
    room: str | None = None,
    reason: str | None,
    by: str,
) -> int:
    """Pause a candidate or a whole room; returns how many were paused (already paused ones stay)."""
    reason_text = _reason(reason)
    people, room_name = _targets(db, exam, candidate_id, room)
    now = datetime.now()
    count = 0
    for c in people:
        if c.paused_at is None:
            c.paused_at, c.pause_reason = now, reason_text
            count += 1
            _log(db, exam, "pause", reason_text, by, candidate=c, room=room_name)
    if not count:
        raise DomainError(N_("所选考生已处于暂停状态"), status=409)
    db.commit()
    return count


def resume(
    db: Session,
    exam: Exam,
    *,
    candidate_id: int | None = None,
    room: str | None = None,
    reason: str | None,
    by: str,
    now: float | None = None,
) -> int:
    """Resume paused candidates: each one's open deadlines move on by the time they were paused."""
    reason_text = _reason(reason)
    people, room_name = _targets(db, exam, candidate_id, room)
    now = time.time() if now is None else now
    count = 0
    for c in people:
        if c.paused_at is None:
            continue
        held = max(0.0, now - c.paused_at.timestamp())
        _extend(db, exam, c, held)
        c.paused_at = None
        c.pause_reason = None
        count += 1
        _log(db, exam, "resume", reason_text, by, candidate=c, room=room_name, seconds=round(held))
    if not count:
        raise DomainError(N_("所选考生没有被暂停"), status=409)
    db.commit()
    return count


def _extend(db: Session, exam: Exam, candidate: Candidate, seconds: float) -> None:
    """Move the deadlines of the candidate's open attempts and theory paper by `seconds`."""
    if not seconds:
        return
    db.execute(
        update(Attempt)
        .where(Attempt.candidate_id == candidate.id, Attempt.status == AttemptStatus.ACTIVE)
        .values(deadline_real=Attempt.deadline_real + seconds)
    )
    db.execute(
        update(TheorySitting)
        .where(
            TheorySitting.exam_id == exam.id,
            TheorySitting.candidate_id == candidate.id,
            TheorySitting.status == "active",
        )
        .values(deadline_real=TheorySitting.deadline_real + seconds)
    )


def set_extra_time(
    db: Session, exam: Exam, candidate_id: int | None, minutes: str | int | None, reason: str | None, by: str
) -> Candidate:
    """Give a candidate extra minutes (延时); parts already running are lengthened by the change."""
    candidate = _candidate(db, exam, candidate_id)
    try:
        value = int(str(minutes).strip())
    except (TypeError, ValueError):
        raise DomainError(N_("延时分钟数应为 0 到 %(max)s 的整数"), max=MAX_EXTRA_MINUTES) from None
    if not 0 <= value <= MAX_EXTRA_MINUTES:
        raise DomainError(N_("延时分钟数应为 0 到 %(max)s 的整数"), max=MAX_EXTRA_MINUTES)
    reason_text = _reason(reason)
    old = candidate.extra_minutes or 0
    _extend(db, exam, candidate, (value - old) * 60)
    candidate.extra_minutes = value
    _log(db, exam, "extra_time", reason_text, by, candidate=candidate, old=old, new=value)
    db.commit()
    return candidate


def actions(db: Session, exam: Exam) -> list[ProctorAction]:
    """The session's log, newest first."""
    return list(
        db.scalars(
            select(ProctorAction).where(ProctorAction.exam_id == exam.id).order_by(ProctorAction.id.desc())
        )
    )


def rooms(exam: Exam) -> list[str]:
    """The exam's rooms, in order."""
    return sorted({c.room for c in exam.candidates if c.room})
