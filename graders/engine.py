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
    status: str  # passed | partial | failed | skipped | error | pending (manual: an examiner judges)
    feedback: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    would_be: str | None = None  # for a skipped item: what its check found (for information)


STATUS_WORDS = {"passed": "通过", "partial": "部分得分", "failed": "不通过", "error": "评分程序出错"}


def _status(fraction: float) -> str:
    if fraction >= 1.0:
        return "passed"
    return "partial" if fraction > 0 else "failed"


def _evaluate(ctx: GradeContext, item: dict[str, Any]) -> tuple[float, str, str, list[dict[str, Any]]]:
    """Run an item's check: (fraction, status, feedback, evidence); a broken check is an error."""
    spec = item["check"]
    fn = CHECKS[(spec["kind"], spec["name"])]
    try:
        result: CheckResult = fn(ctx, **render_value(spec.get("args") or {}, ctx.params))
    except Exception as exc:  # a broken check must not sink the whole grading run
        return (
            0.0,
            "error",
            f"评分程序出错：{exc.__class__.__name__}: {exc}",
            [{"type": "text", "label": "traceback", "value": traceback.format_exc(limit=5)}],
        )
    fraction = max(0.0, min(1.0, float(result.fraction)))
    feedback = result.feedback
    if spec.get("must_not"):
        fraction = 1.0 - fraction
        feedback = ("未发生禁止的操作" if fraction == 1.0 else "发生了禁止的操作：") + (
            "" if fraction == 1.0 else feedback
        )
    return fraction, _status(fraction), feedback, list(result.evidence)


def run_rubric(ctx: GradeContext) -> list[ItemOutcome]:
    """Grade every rubric item in order.

    An item whose `requires` did not all earn points (passed or partial) scores 0 ("skipped"), but
    its check still runs, for information: the examiner sees whether it would have passed and its
    evidence. It sees what earlier checks found without qualifying (`ctx.near_facts`, e.g. the order
    with the wrong quantity), and facts it sets are discarded, so a skipped item never feeds a scored one.
    """
    load_builtin()
    load_scenario_checks(ctx.scenario.folder)
    outcomes: list[ItemOutcome] = []
    earned: set[str] = set()
    for item in ctx.scenario.rubric:
        title = (item.get("text") or {}).get("zh", item["id"])
        max_points = float(item["points"])
        missing = [r for r in item.get("requires", []) if r not in earned]
        if missing:
            kept = dict(ctx.facts)
            ctx.facts.update({k: v for k, v in ctx.near_facts.items() if k not in kept})
            _, would_be, feedback, evidence = _evaluate(ctx, item)
            ctx.facts.clear()
            ctx.facts.update(kept)
            outcomes.append(
                ItemOutcome(
                    item["id"],
                    title,
                    0.0,
                    max_points,
                    "skipped",
                    f"不计分：前置评分项{'、'.join(missing)}未得分。"
                    f"若计分，本项将{STATUS_WORDS[would_be]}：{feedback}",
                    evidence,
                    would_be,
                )
            )
            continue
        fraction, status, feedback, evidence = _evaluate(ctx, item)
        if item["check"]["kind"] == "manual" and status != "error":
            # An examiner judges it (manual grading queue): pending, 0 points until then.
            outcomes.append(ItemOutcome(item["id"], title, 0.0, max_points, "pending", feedback, evidence))
            continue
        points = round(max_points * fraction, 2)
        if fraction > 0 and status != "error":
            earned.add(item["id"])
        outcomes.append(ItemOutcome(item["id"], title, points, max_points, status, feedback, evidence))
    return outcomes
