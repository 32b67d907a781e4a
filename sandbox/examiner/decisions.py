"""What examiners decide about results, each kept with who, when and why (the audit trail):
overrides of an item's points, voided items, marks of manual items, regrades of one attempt or many,
publication of an exam's results, and candidates' review requests (复核申请) with their answers.

Rows of decisions are only ever added (a withdrawn override is a new row with no points), never
changed or deleted, except that a void is lifted by stamping it. See sandbox.examiner.scoring for how
the decisions combine into the score that counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.control.models import (
    Attempt,
    AttemptStatus,
    Exam,
    GradeRun,
    ItemVoid,
    ManualMark,
    RegradeBatch,
    RegradePolicy,
    ReviewRequest,
    ReviewStatus,
    ScoreOverride,
)
from sandbox.errors import N_, Conflict, DomainError, Forbidden, NotFound
from sandbox.examiner.scoring import PENDING, FinalItem, final_items, refresh_score
from sandbox.scenarios.versions import grading_version

MAX_REASON = 1000
MIN_REVIEW_REASON = 5
POLICIES = (RegradePolicy.LATEST, RegradePolicy.KEEP_HIGHER)
POINTS_RE = re.compile(r"^\d{1,4}(\.\d{1,2})?$")


TOO_LONG = N_("填写的内容不能超过 %(max)s 个字")


def _reason(text: str | None, missing: str = N_("请填写原因")) -> str:
    """A mandatory reason, trimmed; DomainError (`missing`) when blank, or when too long."""
    value = (text or "").strip()
    if not value:
        raise DomainError(missing)
    if len(value) > MAX_REASON:
        raise DomainError(TOO_LONG, max=MAX_REASON)
    return value


def parse_points(raw: str | None, max_points: float) -> float:
    """Points typed by an examiner: 0 to the item's maximum, at most two decimals."""
    text = (raw or "").strip()
    if not POINTS_RE.match(text):
        raise DomainError(N_("分数应为不小于 0 的数字，最多两位小数"))
    points = float(text)
    if points > max_points:
        raise DomainError(N_("分数不能超过本项满分 %(max)s 分"), max=f"{max_points:g}")
    return points


def _item(attempt: Attempt, item_id: str) -> FinalItem:
    """An item of the attempt as it counts now; NotFound if the attempt has no such graded item."""
    for item in final_items(attempt):
        if item.item_id == item_id:
            return item
    raise NotFound(N_("该答卷没有这个已评分的评分项"))


# -- overrides ---------------------------------------------------------------------------------


def override(
    db: Session, attempt: Attempt, item_id: str, raw_points: str | None, reason: str | None, by: str
) -> ScoreOverride:
    """Set an item's points by hand, with a mandatory reason; later regrades keep it."""
    item = _item(attempt, item_id)
    return _add_override(db, attempt, item, parse_points(raw_points, item.max_points), reason, by)


def withdraw_override(
    db: Session, attempt: Attempt, item_id: str, reason: str | None, by: str
) -> ScoreOverride:
    """End the override of an item (the grader's points count again), with a reason."""
    item = _item(attempt, item_id)
    if item.source != "override":
        raise Conflict(N_("该评分项没有人工改分"))
    return _add_override(db, attempt, item, None, reason, by)


def _add_override(
    db: Session, attempt: Attempt, item: FinalItem, points: float | None, reason: str | None, by: str
) -> ScoreOverride:
    """Append an override row (points None: withdrawn) and store the score as it now counts."""
    row = ScoreOverride(
        attempt_id=attempt.id,
        item_id=item.item_id,
        points=points,
        old_points=item.points,
        graded_points=item.graded_points,
        reason=_reason(reason),
        by=by,
        at=datetime.now(),
    )
    db.add(row)
    db.flush()
    refresh_score(attempt)
    db.commit()
    return row


# -- manual items ------------------------------------------------------------------------------


def mark_manual(
    db: Session, attempt: Attempt, item_id: str, raw_points: str | None, note: str | None, by: str
) -> ManualMark:
    """An examiner's judgement of a manual item (a note is asked for when not full marks)."""
    item = _item(attempt, item_id)
    if item.source not in (PENDING, "manual") and not (
        isinstance(item.decision, ManualMark) or item.status == PENDING
    ):
        raise Conflict(N_("该评分项不是人工评分项"))
    points = parse_points(raw_points, item.max_points)
    text = (note or "").strip()
    if len(text) > MAX_REASON:
        raise DomainError(TOO_LONG, max=MAX_REASON)
    if points < item.max_points and not text:
        raise DomainError(N_("未给满分时请填写评语"))
    row = ManualMark(
        attempt_id=attempt.id, item_id=item_id, points=points, note=text, by=by, at=datetime.now()
    )
    db.add(row)
    db.flush()
    refresh_score(attempt)
    db.commit()
    return row


# -- voids -------------------------------------------------------------------------------------


def _affected(db: Session, scenario_id: str, exam_id: int | None) -> list[Attempt]:
    q = select(Attempt).where(Attempt.scenario_id == scenario_id)
    if exam_id is not None:
        q = q.where(Attempt.exam_id == exam_id)
    return list(db.scalars(q))


def void_item(
    db: Session, scenario: Any, item_id: str, exam_id: int | None, reason: str | None, by: str
) -> ItemVoid:
    """Void a faulty item: full marks to every attempt of the scenario (in one exam, or all)."""
    if item_id not in {i["id"] for i in scenario.rubric}:
        raise NotFound(N_("该场景没有这个评分项"))
    if exam_id is not None and db.get(Exam, exam_id) is None:
        raise NotFound(N_("考试不存在"))
    row = ItemVoid(
        scenario_id=scenario.id,
        item_id=item_id,
        exam_id=exam_id,
        reason=_reason(reason),
        by=by,
        at=datetime.now(),
    )
    db.add(row)
    db.flush()
    for attempt in _affected(db, scenario.id, exam_id):
        refresh_score(attempt)
    db.commit()
    return row


def lift_void(db: Session, void_id: int, reason: str | None, by: str) -> ItemVoid:
    """Undo a void (its item is scored by the grader again), with a reason."""
    row = db.get(ItemVoid, void_id)
    if row is None:
        raise NotFound(N_("作废记录不存在"))
    if row.lifted_at is not None:
        raise Conflict(N_("该作废已撤销"))
    row.lift_reason, row.lifted_by, row.lifted_at = _reason(reason), by, datetime.now()
    db.flush()
    for attempt in _affected(db, row.scenario_id, row.exam_id):
        refresh_score(attempt)
    db.commit()
    return row


# -- regrades ----------------------------------------------------------------------------------


@dataclass
class RegradePlan:
    """A regrade batch as queued: its row, and attempts left out with why."""

    batch: RegradeBatch
    queued: list[Attempt]
    skipped: list[tuple[Attempt, str]]


def regrade(
    rt: Any,
    db: Session,
    *,
    attempt: Attempt | None = None,
    exam_id: int | None = None,
    scenario_id: str | None = None,
    policy: str | None,
    use_current: bool,
    reason: str | None,
    by: str,
) -> RegradePlan:
    """Queue a regrade of one attempt, of an exam's attempts, or of a scenario's (in an exam, if
    given), each from its final snapshot, with a policy (latest | keep_higher) and a reason.

    Attempts still being worked on are left out, and so are those the current scenario version cannot
    grade (with `use_current`); if nothing is left, nothing is queued (Conflict).
    """
    if policy not in POLICIES:
        raise DomainError(N_("请选择重新评分的计分规则"))
    why = _reason(reason, N_("请填写重新评分的原因"))
    if attempt is not None:
        scope, candidates = "attempt", [attempt]
    elif scenario_id:
        scope = "scenario"
        q = select(Attempt).where(Attempt.scenario_id == scenario_id)
        candidates = list(db.scalars(q.where(Attempt.exam_id == exam_id) if exam_id else q))
    elif exam_id is not None:
        if db.get(Exam, exam_id) is None:
            raise NotFound(N_("考试不存在"))
        scope = "exam"
        candidates = list(
            db.scalars(select(Attempt).where(Attempt.exam_id == exam_id, Attempt.mode == "exam"))
        )
    else:
        raise DomainError(N_("请选择要重新评分的范围"))
    if attempt is not None:
        if attempt.status == AttemptStatus.ACTIVE:
            raise Conflict(N_("考生尚未交卷，不能评分"))
        grading_version(rt, attempt, use_current, keep=False)  # refused with its reasons
    queued, skipped = [], []
    for a in sorted(candidates, key=lambda a: a.id):
        if a.status == AttemptStatus.ACTIVE:
            skipped.append((a, N_("考生尚未交卷")))
            continue
        try:
            grading_version(rt, a, use_current, keep=False)
        except DomainError as exc:
            skipped.append((a, exc.key % exc.params if exc.params else exc.key))
            continue
        queued.append(a)
    if not queued:
        raise Conflict(N_("没有可以重新评分的答卷（均未交卷或当前版本无法评分）"))
    batch = RegradeBatch(
        scope=scope,
        exam_id=exam_id if scope != "attempt" else attempt.exam_id,
        scenario_id=scenario_id if scope == "scenario" else (attempt.scenario_id if attempt else None),
        policy=policy,
        use_current=use_current,
        reason=why,
        requested_by=by,
        created_at=datetime.now(),
        total=len(queued),
    )
    db.add(batch)
    db.commit()
    for a in queued:
        rt.grading.enqueue(
            a.id,
            "regrade",
            use_current=use_current,
            policy=policy,
            requested_by=by,
            reason=why,
            batch_id=batch.id,
        )
    return RegradePlan(batch, queued, skipped)


def batch_progress(db: Session, batch: RegradeBatch) -> dict[str, int]:
    """How many of a batch's jobs are queued, running, done and failed."""
    db.refresh(batch)
    counts = {"queued": 0, "running": 0, "done": 0, "failed": 0}
    for job in batch.jobs:
        counts[job.status] = counts.get(job.status, 0) + 1
    counts["total"] = batch.total
    return counts


# -- publication and review requests -----------------------------------------------------------


def publish_results(db: Session, exam: Exam, review_days: int | None = None) -> Exam:
    """Show candidates their results; the review window opens now."""
    if review_days is not None:
        if not 0 <= review_days <= 90:
            raise DomainError(N_("复核申请期限应为 0 到 90 天"))
        exam.review_days = review_days
    exam.results_published_at = datetime.now()
    db.commit()
    return exam


def review_deadline(exam: Exam | None) -> datetime | None:
    """Until when candidates of the exam may file a review request (None: results not published)."""
    if exam is None or exam.results_published_at is None:
        return None
    return exam.results_published_at + timedelta(days=exam.review_days if exam.review_days is not None else 7)


def file_review(
    db: Session, attempt: Attempt, reason: str | None, item_id: str | None = None, now: datetime | None = None
) -> ReviewRequest:
    """A candidate asks for a review of a published result, within the exam's review window."""
    now = now or datetime.now()
    deadline = review_deadline(attempt.exam) if attempt.mode == "exam" else None
    if deadline is None or attempt.status != AttemptStatus.GRADED:
        raise Forbidden(N_("成绩尚未公布，不能申请复核"))
    if now > deadline:
        raise Forbidden(N_("复核申请期限已过（截止 %(deadline)s）"), deadline=f"{deadline:%Y-%m-%d %H:%M}")
    text = _reason(reason, N_("请填写复核理由"))
    if len(text) < MIN_REVIEW_REASON:
        raise DomainError(N_("复核理由至少 %(min)s 个字"), min=MIN_REVIEW_REASON)
    if item_id:
        _item(attempt, item_id)
    open_one = db.scalar(
        select(ReviewRequest.id).where(
            ReviewRequest.attempt_id == attempt.id, ReviewRequest.status == ReviewStatus.OPEN
        )
    )
    if open_one is not None:
        raise Conflict(N_("已有一份复核申请正在处理，请等待答复"))
    row = ReviewRequest(
        attempt_id=attempt.id,
        item_id=item_id or None,
        reason=text,
        filed_at=now,
        status=ReviewStatus.OPEN,
        score_before=attempt.score,
    )
    db.add(row)
    db.commit()
    return row


def answer_review(db: Session, request: ReviewRequest, answer: str | None, by: str) -> ReviewRequest:
    """The examiner's answer to a review request (any change of points is made by override or
    regrade before answering; the score after is recorded with the answer)."""
    if request.status != ReviewStatus.OPEN:
        raise Conflict(N_("该复核申请已答复"))
    request.answer = _reason(answer, N_("请填写答复"))
    request.answered_by, request.answered_at = by, datetime.now()
    request.score_after = request.attempt.score
    request.status = ReviewStatus.ANSWERED
    db.commit()
    return request


# -- the audit trail ---------------------------------------------------------------------------


@dataclass
class AuditEntry:
    """One decision about an attempt's result."""

    at: datetime
    by: str
    kind: str  # override | withdraw | manual | void | lift | regrade | review | answer
    item_id: str
    old: float | None
    new: float | None
    reason: str


def audit_trail(db: Session, attempt: Attempt) -> list[AuditEntry]:
    """Every decision about the attempt's result, oldest first."""
    entries: list[AuditEntry] = []
    for o in db.scalars(select(ScoreOverride).where(ScoreOverride.attempt_id == attempt.id)):
        kind = "override" if o.points is not None else "withdraw"
        entries.append(AuditEntry(o.at, o.by, kind, o.item_id, o.old_points, o.points, o.reason))
    for m in db.scalars(select(ManualMark).where(ManualMark.attempt_id == attempt.id)):
        entries.append(AuditEntry(m.at, m.by, "manual", m.item_id, None, m.points, m.note))
    q = select(ItemVoid).where(ItemVoid.scenario_id == attempt.scenario_id)
    for v in db.scalars(q):
        if v.exam_id is not None and v.exam_id != attempt.exam_id:
            continue
        entries.append(AuditEntry(v.at, v.by, "void", v.item_id, None, None, v.reason))
        if v.lifted_at is not None:
            entries.append(
                AuditEntry(v.lifted_at, v.lifted_by or "", "lift", v.item_id, None, None, v.lift_reason or "")
            )
    runs = db.scalars(
        select(GradeRun).where(GradeRun.attempt_id == attempt.id, GradeRun.requested_by.is_not(None))
    )
    for r in runs:
        entries.append(
            AuditEntry(r.started_at, r.requested_by or "", "regrade", "", None, r.score, r.reason or "")
        )
    for rq in db.scalars(select(ReviewRequest).where(ReviewRequest.attempt_id == attempt.id)):
        entries.append(
            AuditEntry(rq.filed_at, "", "review", rq.item_id or "", rq.score_before, None, rq.reason)
        )
        if rq.answered_at is not None:
            entries.append(
                AuditEntry(
                    rq.answered_at,
                    rq.answered_by or "",
                    "answer",
                    rq.item_id or "",
                    rq.score_before,
                    rq.score_after,
                    rq.answer or "",
                )
            )
    return sorted(entries, key=lambda e: e.at)
