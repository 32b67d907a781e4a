"""An attempt's final score: the counted grading run, with examiners' decisions applied on top.

Per item, the first that applies wins:
1. the latest override of the item (an examiner set its points by hand, with a reason);
2. a void of the item in force for the attempt's exam (everyone gets its full marks);
3. for a `manual` item, the examiner's latest mark (until then it is pending, 0 points);
4. the points of the counted grading run.
Decisions are keyed by attempt and item id, never by run: a regrade changes only what the grader
gave, and the attempt page shows where the grader now disagrees with an override in force.
Every examiner page, export and report reads scores from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from sandbox.control.models import Attempt, GradeRun, ItemVoid, ManualMark, ScoreOverride

PENDING = "pending"  # status of a manual item the examiner has not judged yet


@dataclass
class FinalItem:
    """One rubric item as it counts: the grader's points, or what an examiner decided instead."""

    item_id: str
    title: str
    points: float
    max_points: float
    status: str  # passed | partial | failed | skipped | error | pending (manual, not yet judged)
    feedback: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    graded_points: float = 0.0  # what the grading run gave
    source: str = "run"  # run | override | void | manual | pending
    note: str = ""  # the override's, void's or manual mark's reason
    by: str = ""  # who decided (override, void, manual mark)
    decision: Any = None  # the ScoreOverride, ItemVoid or ManualMark in force


def counted_run(attempt: Attempt) -> GradeRun | None:
    """The grading run whose points count: the one a regrade policy kept, else the latest finished."""
    done = [r for r in attempt.grade_runs if r.status == "done"]
    if attempt.counted_run_id is not None:
        kept = next((r for r in done if r.id == attempt.counted_run_id), None)
        if kept is not None:
            return kept
    return done[-1] if done else None


def _latest(rows: list[Any]) -> dict[str, Any]:
    """The latest row per item id (rows in id order)."""
    latest: dict[str, Any] = {}
    for row in rows:
        latest[row.item_id] = row
    return latest


def overrides_in_force(db: Session, attempt_id: int) -> dict[str, ScoreOverride]:
    """Item id -> the override in force (withdrawn ones left out)."""
    rows = list(
        db.scalars(
            select(ScoreOverride).where(ScoreOverride.attempt_id == attempt_id).order_by(ScoreOverride.id)
        )
    )
    return {k: v for k, v in _latest(rows).items() if v.points is not None}


def manual_marks(db: Session, attempt_id: int) -> dict[str, ManualMark]:
    """Item id -> the examiner's latest mark of a manual item."""
    rows = db.scalars(select(ManualMark).where(ManualMark.attempt_id == attempt_id).order_by(ManualMark.id))
    return _latest(list(rows))


def voids_for(db: Session, scenario_id: str, exam_id: int | None) -> dict[str, ItemVoid]:
    """Item id -> the void in force for attempts of this scenario in this exam (or in every exam)."""
    q = select(ItemVoid).where(ItemVoid.scenario_id == scenario_id, ItemVoid.lifted_at.is_(None))
    q = q.where(or_(ItemVoid.exam_id.is_(None), ItemVoid.exam_id == exam_id))
    return _latest(list(db.scalars(q.order_by(ItemVoid.id))))


def apply_decisions(db: Session, attempt: Attempt, run: GradeRun | None) -> list[FinalItem]:
    """A run's items as they count for the attempt, decisions applied (empty without a run)."""
    if run is None:
        return []
    overrides = overrides_in_force(db, attempt.id)
    voids = voids_for(db, attempt.scenario_id, attempt.exam_id)
    marks = manual_marks(db, attempt.id)
    items = []
    for i in run.items:
        item = FinalItem(
            i.item_id, i.title, i.points, i.max_points, i.status, i.feedback, list(i.evidence or []), i.points
        )
        if i.status == PENDING:
            item.source, item.points = PENDING, 0.0
            mark = marks.get(i.item_id)
            if mark is not None:
                item.points = min(max(mark.points, 0.0), i.max_points)
                item.source, item.note, item.by, item.decision = "manual", mark.note, mark.by, mark
        void = voids.get(i.item_id)
        if void is not None:
            item.points, item.source, item.note, item.by, item.decision = (
                i.max_points,
                "void",
                void.reason,
                void.by,
                void,
            )
        override = overrides.get(i.item_id)
        if override is not None:
            item.points = min(max(override.points, 0.0), i.max_points)
            item.source, item.note, item.by, item.decision = (
                "override",
                override.reason,
                override.by,
                override,
            )
        items.append(item)
    return items


def final_items(attempt: Attempt) -> list[FinalItem]:
    """The counted run's items with overrides, manual marks and voids applied (empty if never graded)."""
    db = object_session(attempt)
    return apply_decisions(db, attempt, counted_run(attempt))


def total(items: list[FinalItem]) -> tuple[float, float]:
    """(score, max) of a list of items."""
    return round(sum(i.points for i in items), 2), round(sum(i.max_points for i in items), 2)


def final_score(attempt: Attempt) -> tuple[float, float] | None:
    """(score, max) of the attempt as it counts, or None if it has no counted run."""
    items = final_items(attempt)
    return total(items) if items else None


def pending_items(attempt: Attempt) -> list[FinalItem]:
    """Manual items still waiting for an examiner's judgement."""
    return [i for i in final_items(attempt) if i.source == PENDING]


def refresh_score(attempt: Attempt) -> None:
    """Store the attempt's score as it now counts (after a run, an override, a void or a mark)."""
    score = final_score(attempt)
    if score is not None:
        attempt.score, attempt.max_score = score
