"""Answer checks: typed answers from the answer sheet, compared after typed normalisation."""

from __future__ import annotations

from typing import Any

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import NORMALISERS, normalise
from sandbox.scenarios.loader import fmt_yuan


def _shown(value: Any, type_: str) -> str:
    """A fact as the candidate would write it (money in yuan)."""
    return f"{fmt_yuan(value)} 元" if type_ == "money" and isinstance(value, int) else str(value)


def field_type(ctx: GradeContext, field: str, given: str | None) -> str:
    """The answer type to compare as: the check's `type` if given, else the answer field's declared
    type in the scenario, else text."""
    if given:
        return given
    declared = {a["id"]: a.get("type") for a in ctx.scenario.answer_fields()}
    return declared.get(field) or "text"


def fact_value(facts: dict[str, Any], path: str) -> Any:
    """A fact by dotted path, e.g. 'order.total_fen'; None when an earlier item did not set it."""
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


@check("answer", "answer.matches_fact", needs=("order",))
def matches_fact(ctx: GradeContext, field: str, fact: str, type: str | None = None) -> CheckResult:  # noqa: A002
    """The answer equals a value of the object an earlier item graded, compared as `type` (by
    default the answer field's declared type).

    `fact` is a dotted path into what earlier items set, e.g. `order.number` (type id),
    `order.total_fen`, `order.shipping_fee_fen`, `order.goods_total_fen`, `order.paid_fen`
    (type money: the candidate writes yuan, the fact is in fen).
    """
    type = field_type(ctx, field, type)  # noqa: A001
    if type not in NORMALISERS:
        raise ValueError(f"unknown answer type {type!r}; one of {', '.join(NORMALISERS)}")
    given = ctx.answers.get(field, "")
    expected = fact_value(ctx.facts, fact)
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence(
            "应为", "（前面的评分项没有找到评分对象）" if expected is None else _shown(expected, type)
        ),
    ]
    if not given.strip():
        return CheckResult(0.0, "答题卡未填写", evidence)
    if expected is None:
        return CheckResult(0.0, "没有可核对的评分对象", evidence)
    want = expected if type == "money" and isinstance(expected, int) else normalise(type, str(expected))
    if normalise(type, given) == want:
        return CheckResult(1.0, "答案正确", evidence)
    return CheckResult(0.0, "答案与评分对象不一致", evidence)


@check("answer", "answer.order_number", needs=("order_no",))
def order_number(ctx: GradeContext, field: str) -> CheckResult:
    """The answer is the number of the order an earlier item graded (a leading label is allowed)."""
    given = ctx.answers.get(field, "")
    expected = ctx.facts.get("order_no")
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("应为", expected or "（无符合要求的订单）"),
    ]
    if not given.strip():
        return CheckResult(0.0, "答题卡未填写订单号", evidence)
    if expected and normalise("id", given) == normalise("id", expected):
        return CheckResult(1.0, "订单号正确", evidence)
    return CheckResult(0.0, "订单号与符合要求的订单不一致", evidence)


@check("answer", "answer.equals")
def equals(ctx: GradeContext, field: str, expected: Any, type: str | None = None) -> CheckResult:  # noqa: A002
    """The answer equals `expected` once both are normalised as `type` (text, id, phone, money, date,
    set; by default the answer field's declared type)."""
    type = field_type(ctx, field, type)  # noqa: A001
    given = ctx.answers.get(field, "")
    evidence = [text_evidence("考生填写", given or "（未填写）"), text_evidence("应为", expected)]
    if given.strip() and normalise(type, given) == normalise(type, str(expected)):
        return CheckResult(1.0, "答案正确", evidence)
    return CheckResult(0.0, "答案不正确" if given.strip() else "未作答", evidence)
