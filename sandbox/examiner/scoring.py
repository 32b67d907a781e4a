"""An attempt's final score: the counted grading run, with examiners' overrides, manual marks and
voided items applied on top. Every examiner page, export and report reads scores from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.control.models import Attempt, GradeRun


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


def counted_run(attempt: Attempt) -> GradeRun | None:
    """The grading run whose points count: the latest finished one (regrade policies may keep an older)."""
    done = [r for r in attempt.grade_runs if r.status == "done"]
    return done[-1] if done else None


def final_items(attempt: Attempt) -> list[FinalItem]:
    """The counted run's items with overrides, manual marks and voids applied (empty if never graded)."""
    run = counted_run(attempt)
    if run is None:
        return []
    return [
        FinalItem(
            i.item_id, i.title, i.points, i.max_points, i.status, i.feedback, list(i.evidence or []), i.points
        )
        for i in run.items
    ]


def final_score(attempt: Attempt) -> tuple[float, float] | None:
    """(score, max) of the attempt as it counts, or None if it has no counted run."""
    items = final_items(attempt)
    if not items:
        return None
    return round(sum(i.points for i in items), 2), round(sum(i.max_points for i in items), 2)
