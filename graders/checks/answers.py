"""Answer checks: typed answers from the answer sheet, compared after typed normalisation."""

from __future__ import annotations

from typing import Any

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import identifier, normalise


@check("answer", "answer.order_number")
def order_number(ctx: GradeContext, field: str) -> CheckResult:
    """The answer is the number of the order an earlier item found."""
    given = ctx.answers.get(field, "")
    expected = ctx.facts.get("order_no")
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("应为", expected or "（无符合要求的订单）"),
    ]
    if not given.strip():
        return CheckResult(0.0, "答题卡未填写订单号", evidence)
    if expected and identifier(given) == identifier(expected):
        return CheckResult(1.0, "订单号正确", evidence)
    return CheckResult(0.0, "订单号与符合要求的订单不一致", evidence)


@check("answer", "answer.equals")
def equals(ctx: GradeContext, field: str, expected: Any, type: str = "text") -> CheckResult:  # noqa: A002
    """The answer equals `expected` once both are normalised as `type`."""
    given = ctx.answers.get(field, "")
    evidence = [text_evidence("考生填写", given or "（未填写）"), text_evidence("应为", expected)]
    if given.strip() and normalise(type, given) == normalise(type, str(expected)):
        return CheckResult(1.0, "答案正确", evidence)
    return CheckResult(0.0, "答案不正确" if given.strip() else "未作答", evidence)
