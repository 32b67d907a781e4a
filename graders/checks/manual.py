"""Manual checks: items an examiner judges (e.g. the quality of a product description).

The grader does not score them: it gathers what the examiner needs to judge (the candidate's answer,
the rubric guide) and leaves the item pending, 0 points, until the examiner marks it in the manual
grading queue (see sandbox.examiner.scoring). The reference solution's full marks therefore exclude
manual items until an examiner has judged them.
"""

from __future__ import annotations

from typing import Any

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext

PENDING_FEEDBACK = "待考评员人工评分"


def guide_text(guide: Any, lang: str = "zh") -> str:
    """A rubric guide given as text or as {zh, en}."""
    if isinstance(guide, dict):
        return str(guide.get(lang) or guide.get("zh") or "")
    return str(guide or "")


@check("manual", "manual.judge")
def judge(ctx: GradeContext, guide: Any = "") -> CheckResult:
    """Judged by an examiner from the attempt's replay and timeline; `guide` (text or {zh, en})
    tells the examiner what earns the points."""
    evidence = [text_evidence("评分指南", guide_text(guide))] if guide else []
    return CheckResult(0.0, PENDING_FEEDBACK, evidence)


@check("manual", "manual.answer")
def answer(ctx: GradeContext, field: str, guide: Any = "") -> CheckResult:
    """Judged by an examiner from the candidate's answer to `field` (e.g. a written product
    description); `guide` (text or {zh, en}) tells the examiner what earns the points."""
    given = (ctx.answers.get(field) or "").strip()
    evidence = [text_evidence("考生填写", given or "（未填写）")]
    if guide:
        evidence.append(text_evidence("评分指南", guide_text(guide)))
    return CheckResult(0.0, PENDING_FEEDBACK, evidence)
