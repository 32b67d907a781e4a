"""Answer checks: typed answers from the answer sheet, compared after typed normalisation."""

from __future__ import annotations

from collections.abc import Callable
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


# --- comparison tables (answer fields with `table: {id, row, column}`) --------------------------------

# A column's comparison: (what the candidate wrote, one expected value) -> equal?
Same = Callable[[str, Any], bool]


def table_cells(ctx: GradeContext, table: str) -> dict[int, dict[str, dict[str, Any]]]:
    """The answer fields of a table by row and column key."""
    cells: dict[int, dict[str, dict[str, Any]]] = {}
    for fld in ctx.scenario.answer_fields():
        spec = fld.get("table") or {}
        if spec.get("id") == table:
            cells.setdefault(int(spec["row"]), {})[spec["column"]] = fld
    if not cells:
        raise ValueError(f"the answer sheet has no table {table!r}")
    return dict(sorted(cells.items()))


def typed_same(type_: str) -> Same:
    """Equality after the answer type's normaliser (money facts may be integer fen)."""

    def same(given: str, expected: Any) -> bool:
        if not given.strip():
            return False
        if type_ == "money" and isinstance(expected, int):
            return normalise("money", given) == expected
        return normalise(type_, given) == normalise(type_, str(expected))

    return same


def _alternatives(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def grade_table(
    ctx: GradeContext,
    table: str,
    expected: list[dict[str, Any]],
    *,
    key: str | None = None,
    same: dict[str, Same] | None = None,
    shown: dict[str, Callable[[Any], str]] | None = None,
) -> CheckResult:
    """Grade a table of the answer sheet against expected rows, per row and field.

    Each expected row maps column keys to a value, or to a list of values any of which is right
    (e.g. every page stating a price). With `key` (a column), a written row is matched to the
    expected row with the same key, whatever its place; without it, row n is compared to expected
    row n. A cell is compared with `same[column]` if given, else with its answer type's normaliser.
    The fraction earned is the right cells over every expected cell.
    """
    cells = table_cells(ctx, table)
    columns = list(dict.fromkeys(c for row in cells.values() for c in row))
    compare = {c: (same or {}).get(c) or typed_same(_column_type(cells, c)) for c in columns}
    heads = {c: _column_head(cells, c) for c in columns}
    show = shown or {}
    written = [
        {c: (ctx.answers.get(fld["id"]) or "").strip() for c, fld in row.items()} for row in cells.values()
    ]
    if not any(v for row in written for v in row.values()):
        return CheckResult(
            0.0, "答题卡的表格未填写", [text_evidence("应为", _rows_text(expected, heads, show))]
        )
    unused = list(range(len(expected)))
    right = 0
    lines = []
    for n, row in enumerate(written, start=1):
        if not any(row.values()):
            lines.append(f"第{n}行：未填写")
            continue
        if key is not None:
            match = next(
                (
                    i
                    for i in unused
                    if any(compare[key](row.get(key, ""), v) for v in _alternatives(expected[i][key]))
                ),
                None,
            )
        else:
            match = n - 1 if n - 1 < len(expected) else None
        if match is None:
            lines.append(
                f"第{n}行：{row.get(key, '') if key else ''} 不是应填的行（0 分）".replace("  ", " ")
            )
            continue
        unused.remove(match)
        want = expected[match]
        marks = []
        for c in columns:
            ok = c in want and any(compare[c](row.get(c, ""), v) for v in _alternatives(want[c]))
            right += ok
            marks.append(
                f"{c} {'✓' if ok else '✗'} {row.get(c) or '（空）'}"
                + ("" if ok else f"（应为 {_show(want.get(c), show.get(c))}）")
            )
        lines.append(f"第{n}行：" + "；".join(marks))
    total = len(expected) * len(columns)
    fraction = right / total if total else 0.0
    evidence = [text_evidence("逐行核对", lines), text_evidence("应为", _rows_text(expected, heads, show))]
    feedback = f"表格 {right}/{total} 项正确"
    return CheckResult(round(fraction, 4), feedback, evidence)


def _column_type(cells: dict[int, dict[str, dict[str, Any]]], column: str) -> str:
    return next((row[column].get("type") or "text" for row in cells.values() if column in row), "text")


def _show(value: Any, fmt: Callable[[Any], str] | None) -> str:
    values = _alternatives(value)
    if fmt:
        return fmt(values[0])
    return " 或 ".join(str(v) for v in values[:3]) + (" …" if len(values) > 3 else "")


def _column_head(cells: dict[int, dict[str, dict[str, Any]]], column: str) -> str:
    fld = next(row[column] for row in cells.values() if column in row)
    head = (fld.get("table") or {}).get("header") or fld.get("label") or {}
    return str(head.get("zh", column)) if isinstance(head, dict) else str(head)


def _rows_text(
    expected: list[dict[str, Any]], heads: dict[str, str], show: dict[str, Callable[[Any], str]]
) -> list[str]:
    return [
        f"第{n}行："
        + "；".join(f"{h} {_show(row.get(c), show.get(c))}" for c, h in heads.items() if c in row)
        for n, row in enumerate(expected, start=1)
    ]


@check("answer", "answer.table")
def table(ctx: GradeContext, table: str, rows: list[dict[str, Any]], key: str | None = None) -> CheckResult:
    """A comparison table of the answer sheet (fields with `table: {id, row, column}`) equals `rows`,
    graded per row and field: each row maps column keys to the expected value (or a list of values any
    of which is right), compared with the column's answer type. With `key` (a column) the rows may be
    written in any order; without it row n is compared with row n. Points are the share of right cells."""
    return grade_table(ctx, table, rows, key=key)
