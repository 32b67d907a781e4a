"""Training progress (过程式模块测验 → 终结式综合考试): each trainee's best result per module.

The modules are the standard's: the practical scenarios grouped by their `module`, and the theory
bank's knowledge points, each practised as a quiz. A module counts as passed at 60 per cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.control.models import Attempt, GradeRun, Staff, StaffRole
from sandbox.errors import N_
from sandbox.theory.models import Question

PASS_PERCENT = 60.0
# The theory bank's knowledge points (labels for templates: `_(point)`).
KNOWLEDGE_POINTS = (
    N_("电子商务基础"),
    N_("计算机与网络基础"),
    N_("网络商务信息"),
    N_("电子支付"),
    N_("交易安全与CA认证"),
    N_("网上单证"),
    N_("物流配送"),
    N_("网络营销"),
    N_("B2C与B2B交易"),
    N_("法律法规与职业道德"),
)


@dataclass
class ModuleProgress:
    """One module of one trainee."""

    kind: str  # practical | theory
    key: str  # the scenario module, or the knowledge point
    best: float | None = None  # best percentage reached
    tries: int = 0
    scenarios: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether the best result reaches the pass mark."""
        return self.best is not None and self.best >= PASS_PERCENT


def _practical(db: Session, rt: Any, staff: Staff) -> list[ModuleProgress]:
    modules: dict[str, ModuleProgress] = {}
    by_scenario: dict[str, str] = {}
    for scenario in rt.scenarios.all():
        key = str(scenario.data.get("module") or scenario.id)
        modules.setdefault(key, ModuleProgress("practical", key)).scenarios.append(scenario.id)
        by_scenario[scenario.id] = key
    runs = db.execute(
        select(Attempt.scenario_id, GradeRun.score, GradeRun.max_score)
        .join(GradeRun, GradeRun.attempt_id == Attempt.id)
        .where(Attempt.staff_id == staff.id, Attempt.mode == "practice", GradeRun.status == "done")
    )
    for scenario_id, score, max_score in runs:
        row = modules.get(by_scenario.get(scenario_id, ""))
        if row is None or not max_score:
            continue
        row.tries += 1
        percent = round(100.0 * (score or 0) / max_score, 1)
        row.best = percent if row.best is None else max(row.best, percent)
    return sorted(modules.values(), key=lambda m: m.key)


def _theory(db: Session, staff: Staff) -> list[ModuleProgress]:
    from sandbox.theory import sitting as sittings

    points = sorted(set(db.scalars(select(Question.knowledge_point).where(Question.active.is_(True)))))
    best = sittings.best_by_point(db, staff)
    tries = {p: n for p, n in _quiz_counts(db, staff).items()}
    return [ModuleProgress("theory", p, best=best.get(p), tries=tries.get(p, 0)) for p in points]


def _quiz_counts(db: Session, staff: Staff) -> dict[str, int]:
    from sandbox.theory import sitting as sittings

    counts: dict[str, int] = {}
    for s in sittings.quiz_history(db, staff):
        if s.status == "active":
            continue
        for row in (s.rules or {}).get("draw", []):
            if row.get("point"):
                counts[row["point"]] = counts.get(row["point"], 0) + 1
                break
    return counts


def progress(db: Session, rt: Any, staff: Staff) -> list[ModuleProgress]:
    """Every module with the trainee's best result, practical first."""
    return _practical(db, rt, staff) + _theory(db, staff)


def readiness(rows: list[ModuleProgress]) -> tuple[int, int]:
    """(modules passed, modules in all)."""
    return sum(r.passed for r in rows), len(rows)


def trainees(db: Session) -> list[Staff]:
    """Every trainee login."""
    return list(db.scalars(select(Staff).where(Staff.role == StaffRole.TRAINEE).order_by(Staff.id)))
