"""Run a scenario's rubric: `requires` gates, typed args from params, `must_not` inversion."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

from graders.checks import CHECKS, CheckResult, load_builtin, load_scenario_checks
from graders.context import GradeContext
from sandbox.scenarios.loader import render_value

GRADER_VERSION = "1.0.0"


@dataclass
class ItemOutcome:
    """The graded result of one rubric item."""

    id: str
    title: str
    points: float
    max_points: float
    status: str  # passed | partial | failed | skipped | error
    feedback: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


def _status(fraction: float) -> str:
    if fraction >= 1.0:
        return "passed"
    return "partial" if fraction > 0 else "failed"


def run_rubric(ctx: GradeContext) -> list[ItemOutcome]:
    """Grade every rubric item in order; an item whose prerequisites failed scores 0 (skipped)."""
    load_builtin()
    load_scenario_checks(ctx.scenario.folder)
    outcomes: list[ItemOutcome] = []
    passed: set[str] = set()
    for item in ctx.scenario.rubric:
        title = (item.get("text") or {}).get("zh", item["id"])
        max_points = float(item["points"])
        missing = [r for r in item.get("requires", []) if r not in passed]
        if missing:
            outcomes.append(
                ItemOutcome(
                    item["id"], title, 0.0, max_points, "skipped", "前置评分项未通过：" + "、".join(missing)
                )
            )
            continue
        spec = item["check"]
        fn = CHECKS[(spec["kind"], spec["name"])]
        try:
            result: CheckResult = fn(ctx, **render_value(spec.get("args") or {}, ctx.params))
        except Exception as exc:  # a broken check must not sink the whole grading run
            outcomes.append(
                ItemOutcome(
                    item["id"],
                    title,
                    0.0,
                    max_points,
                    "error",
                    f"评分程序出错：{exc.__class__.__name__}: {exc}",
                    [{"type": "text", "label": "traceback", "value": traceback.format_exc(limit=5)}],
                )
            )
            continue
        fraction = max(0.0, min(1.0, float(result.fraction)))
        feedback = result.feedback
        if spec.get("must_not"):
            fraction = 1.0 - fraction
            feedback = ("未发生禁止的操作" if fraction == 1.0 else "发生了禁止的操作：") + (
                "" if fraction == 1.0 else feedback
            )
        points = round(max_points * fraction, 2)
        status = _status(fraction)
        if status == "passed":
            passed.add(item["id"])
        outcomes.append(ItemOutcome(item["id"], title, points, max_points, status, feedback, result.evidence))
    return outcomes
