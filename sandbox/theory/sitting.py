"""A theory sitting's lifecycle: start (draw the paper), autosave answers, mark, submit and score.

Every answer is committed when it is saved, so a reload, a crash or a restart loses nothing. A save
and a submission each begin by writing the sitting's row, so SQLite orders them: an answer saved
before the submission is scored, one that comes after it is refused.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.admin import access
from sandbox.control.attempts import attempt_seed
from sandbox.control.models import Candidate, Exam, Staff
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.theory import paper
from sandbox.theory.models import Question, QuestionType, TheoryAnswer, TheorySitting

ACTIVE = "active"
SUBMITTED = "submitted"
EXAM = "exam"
PRACTICE = "practice"
SUBMITTED_MESSAGE = N_("已交卷，不能再修改答案")
LATE_MESSAGE = N_("考试时间已到，答案未保存")
AUTO_SUBMITTED_MESSAGE = N_("考试时间已到，系统已自动交卷")


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _paused(sitting: TheorySitting) -> bool:
    return sitting.candidate is not None and access.is_paused(sitting.candidate)


def _clock(sitting: TheorySitting, now: float | None) -> float:
    """The sitting's time: it stands still while the candidate is paused (resuming extends the deadline)."""
    if _paused(sitting):
        return min(_now(now), sitting.candidate.paused_at.timestamp())
    return _now(now)


def sitting_for(db: Session, exam: Exam, candidate: Candidate) -> TheorySitting | None:
    """The candidate's sitting of this exam's theory part, if started."""
    return db.scalars(
        select(TheorySitting).where(
            TheorySitting.exam_id == exam.id, TheorySitting.candidate_id == candidate.id
        )
    ).first()


def start_sitting(
    db: Session,
    *,
    exam: Exam | None = None,
    candidate: Candidate | None = None,
    staff: Staff | None = None,
    rules: dict[str, Any],
    minutes: float,
    title: str = "",
    now: float | None = None,
    seed: int | None = None,
) -> TheorySitting:
    """Draw the paper and start the clock; an exam candidate has one sitting (this returns it)."""
    if candidate is not None:
        exam = exam or candidate.exam
        existing = sitting_for(db, exam, candidate)
        if existing is not None:
            return existing
    rules = paper.validate_rules(rules, level=exam.level if exam is not None else None)
    now = _now(now)
    if candidate is not None:
        seed = attempt_seed("theory", exam.id, candidate.id)
        end = access.deadline(exam, candidate, access.THEORY, minutes, now)
    else:
        if seed is None:
            seed = attempt_seed("theory-practice", staff.id if staff else 0, uuid.uuid4().hex)
        end = now + minutes * 60
    items = paper.draw(db, rules, seed)
    sitting = TheorySitting(
        mode=EXAM if candidate is not None else PRACTICE,
        exam_id=exam.id if exam is not None else None,
        candidate_id=candidate.id if candidate is not None else None,
        staff_id=staff.id if staff is not None else None,
        title=title or (exam.title if exam is not None else ""),
        seed=seed,
        rules=rules,
        items=items,
        marked=[],
        status=ACTIVE,
        started_at=datetime.fromtimestamp(now),
        started_real=now,
        deadline_real=end,
    )
    db.add(sitting)
    try:
        db.commit()
    except IntegrityError:
        # Two tabs opened the paper at once: the other one's sitting stands.
        db.rollback()
        if candidate is None:
            raise
        return sitting_for(db, exam, candidate)
    return sitting


def seconds_left(sitting: TheorySitting, now: float | None = None) -> int:
    """Whole seconds until the deadline (0 once passed or submitted)."""
    if sitting.status != ACTIVE:
        return 0
    return max(0, int(sitting.deadline_real - _clock(sitting, now)))


def item_for(sitting: TheorySitting, question_id: int) -> dict[str, Any]:
    """The paper's item for a question, or a 404 when it is not on this paper."""
    for item in sitting.items:
        if item["question_id"] == question_id:
            return item
    raise NotFound(N_("该题不在你的试卷上"))


def _claim(db: Session, sitting: TheorySitting) -> bool:
    """Write the sitting's row while it is active (holding SQLite's write lock until commit)."""
    return bool(
        db.execute(
            update(TheorySitting)
            .where(TheorySitting.id == sitting.id, TheorySitting.status == ACTIVE)
            .values(status=ACTIVE)
        ).rowcount
    )


def _require_open(db: Session, sitting: TheorySitting, now: float) -> None:
    """Refuse a write to a submitted, paused or overdue sitting (an overdue one is submitted)."""
    if sitting.status != ACTIVE:
        raise Conflict(SUBMITTED_MESSAGE)
    if sitting.candidate is not None:
        access.require_not_paused(sitting.candidate)
    if now >= sitting.deadline_real:
        submit(db, sitting, "deadline", now)
        raise Conflict(LATE_MESSAGE)


def _authored(item: dict[str, Any], shown_choices: list[Any]) -> list[int]:
    """Shown option indexes mapped back to authored ones, checked against the question's type."""
    order = item["order"]
    chosen: set[int] = set()
    for value in shown_choices:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(order):
            raise DomainError(N_("选项不存在"))
        chosen.add(order[value])
    if item["qtype"] != QuestionType.MULTI and len(chosen) > 1:
        raise DomainError(N_("单选题和判断题只能选一个答案"))
    return sorted(chosen)


def save_answer(
    db: Session, sitting: TheorySitting, question_id: int, shown_choices: list[int], now: float | None = None
) -> TheoryAnswer:
    """Autosave one answer (shown option indexes); refused with nothing saved when it may not be."""
    now = _now(now)
    _require_open(db, sitting, now)
    item = item_for(sitting, question_id)
    choice = _authored(item, shown_choices)
    if not _claim(db, sitting):  # submitted meanwhile (by the deadline sweeper or another tab)
        db.rollback()
        db.refresh(sitting)
        raise Conflict(SUBMITTED_MESSAGE)
    answer = db.scalars(
        select(TheoryAnswer).where(
            TheoryAnswer.sitting_id == sitting.id, TheoryAnswer.question_id == question_id
        )
    ).first()
    if answer is None:
        answer = TheoryAnswer(sitting_id=sitting.id, question_id=question_id)
        db.add(answer)
    answer.choice = choice
    answer.saved_at = datetime.fromtimestamp(now)
    db.commit()
    db.refresh(sitting)
    return answer


def set_marked(
    db: Session, sitting: TheorySitting, question_id: int, marked: bool, now: float | None = None
) -> None:
    """Mark a question for review (标记待查) or clear the mark."""
    _require_open(db, sitting, _now(now))
    item_for(sitting, question_id)
    current = [q for q in (sitting.marked or []) if q != question_id]
    if marked:
        current.append(question_id)
    changed = db.execute(
        update(TheorySitting)
        .where(TheorySitting.id == sitting.id, TheorySitting.status == ACTIVE)
        .values(marked=current)
    ).rowcount
    db.commit()
    db.refresh(sitting)
    if not changed:
        raise Conflict(SUBMITTED_MESSAGE)


def answers_by_question(sitting: TheorySitting) -> dict[int, list[int]]:
    """Saved answers as authored option indexes, by question id."""
    return {a.question_id: list(a.choice or []) for a in sitting.answers}


def shown_choices(item: dict[str, Any], authored: list[int]) -> list[int]:
    """Authored option indexes as the indexes the candidate sees."""
    return sorted(item["order"].index(i) for i in authored if i in item["order"])


def answered_count(sitting: TheorySitting) -> int:
    """How many questions have a (non-empty) saved answer."""
    on_paper = {item["question_id"] for item in sitting.items}
    return sum(1 for a in sitting.answers if a.choice and a.question_id in on_paper)


def _score_item(item: dict[str, Any], question: Question | None, choice: list[int], partial: bool) -> dict:
    points = item["points"]
    right = set(question.answer) if question is not None else set()
    chosen = set(choice)
    if not chosen:
        outcome, got = "blank", 0.0
    elif chosen == right:
        outcome, got = "right", float(points)
    elif item["qtype"] == QuestionType.MULTI and partial and chosen < right:
        outcome, got = "partial", round(points * len(chosen) / len(right), 2)
    else:
        outcome, got = "wrong", 0.0
    return {"points": got, "max": points, "correct": outcome == "right", "outcome": outcome, "choice": choice}


def submit(db: Session, sitting: TheorySitting, reason: str = "candidate", now: float | None = None) -> bool:
    """Close the sitting and score it; False if it was already closed."""
    if sitting.status != ACTIVE:
        return False
    now = _now(now)
    submitted_real = min(now, sitting.deadline_real)
    closed = db.execute(
        update(TheorySitting)
        .where(TheorySitting.id == sitting.id, TheorySitting.status == ACTIVE)
        .values(status=SUBMITTED, submitted_at=datetime.fromtimestamp(submitted_real), submit_reason=reason)
    ).rowcount
    if not closed:
        db.rollback()
        db.refresh(sitting)
        return False
    # Read the answers after the write above: every save committed before it is counted.
    db.expire(sitting)
    answers = {
        a.question_id: list(a.choice or [])
        for a in db.scalars(select(TheoryAnswer).where(TheoryAnswer.sitting_id == sitting.id))
    }
    ids = [item["question_id"] for item in sitting.items]
    questions = {q.id: q for q in db.scalars(select(Question).where(Question.id.in_(ids)))}
    partial = bool((sitting.rules or {}).get("multi_partial"))
    results = {
        str(item["question_id"]): _score_item(
            item, questions.get(item["question_id"]), answers.get(item["question_id"], []), partial
        )
        for item in sitting.items
    }
    sitting.results = results
    sitting.score = round(sum(r["points"] for r in results.values()), 2)
    sitting.max_score = float(sum(item["points"] for item in sitting.items))
    db.commit()
    db.refresh(sitting)
    return True


def submit_by_candidate(db: Session, sitting: TheorySitting, now: float | None = None) -> None:
    """The candidate's own 交卷: refused once submitted, paused or past the deadline (which submits it)."""
    now = _now(now)
    enforce_deadline(db, sitting, now)
    if sitting.status != ACTIVE:
        raise Conflict(AUTO_SUBMITTED_MESSAGE if sitting.submit_reason == "deadline" else SUBMITTED_MESSAGE)
    if sitting.candidate is not None:
        access.require_not_paused(sitting.candidate)
    if not submit(db, sitting, "candidate", now):
        raise Conflict(AUTO_SUBMITTED_MESSAGE if sitting.submit_reason == "deadline" else SUBMITTED_MESSAGE)


def enforce_deadline(db: Session, sitting: TheorySitting, now: float | None = None) -> None:
    """Submit a sitting whose time is up (not while the candidate is paused)."""
    now = _now(now)
    if sitting.status == ACTIVE and now >= sitting.deadline_real and not _paused(sitting):
        submit(db, sitting, "deadline", now)


def sweep_due(db: Session, now: float | None = None) -> int:
    """Submit every active sitting whose time is up (not while paused); how many were submitted."""
    now = _now(now)
    due = list(
        db.scalars(
            select(TheorySitting).where(TheorySitting.status == ACTIVE, TheorySitting.deadline_real <= now)
        )
    )
    return sum(1 for sitting in due if not _paused(sitting) and submit(db, sitting, "deadline", now))


def extend(db: Session, sitting: TheorySitting, seconds: float) -> bool:
    """Move an active sitting's deadline by `seconds` (a pause's length, extra time; negative: less).
    False, and nothing changed, once the sitting is submitted."""
    moved = db.execute(
        update(TheorySitting)
        .where(TheorySitting.id == sitting.id, TheorySitting.status == ACTIVE)
        .values(deadline_real=TheorySitting.deadline_real + seconds)
    ).rowcount
    db.commit()
    db.refresh(sitting)
    return bool(moved)


def percent(sitting: TheorySitting) -> float | None:
    """The score out of 100 (one decimal), once scored."""
    if sitting.score is None or not sitting.max_score:
        return None
    return round(sitting.score * 100 / sitting.max_score, 1)


def quiz_history(db: Session, staff: Staff) -> list[TheorySitting]:
    """A trainee's quizzes, newest first."""
    return list(
        db.scalars(
            select(TheorySitting)
            .where(TheorySitting.staff_id == staff.id, TheorySitting.mode == PRACTICE)
            .order_by(TheorySitting.id.desc())
        )
    )


def quiz_point(sitting: TheorySitting) -> str | None:
    """The knowledge point a quiz tests (its draw rows' point)."""
    points = {row.get("point") for row in (sitting.rules or {}).get("draw", [])}
    return points.pop() if len(points) == 1 else None


def best_by_point(db: Session, staff: Staff) -> dict[str, float]:
    """A trainee's best quiz percentage per knowledge point (submitted quizzes only)."""
    best: dict[str, float] = {}
    for sitting in quiz_history(db, staff):
        point, value = quiz_point(sitting), percent(sitting)
        if point and value is not None and sitting.status == SUBMITTED:
            best[point] = max(best.get(point, 0.0), value)
    return best
