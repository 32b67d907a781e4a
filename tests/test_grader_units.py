"""Unit tests of the grading engine: normalisers, run_rubric with fake checks, result formats."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from graders import normalise as n
from graders.checks import CHECKS, CheckResult, check
from graders.context import GradeContext
from graders.engine import ItemOutcome, run_rubric
from graders.results import results_document, to_csv, to_junit
from sandbox.scenarios.loader import Scenario

# --- normalise -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fen"),
    [
        ("¥1,234.50", 123450),
        ("￥1,234.5", 123450),
        ("1234.5元", 123450),
        ("1234.50", 123450),
        (" 1 234.50 ", 123450),
        ("１２３４．５０", 123450),  # full-width digits and point
        ("人民币 88", 8800),
        ("RMB 0.01", 1),
        ("12", 1200),
    ],
)
def test_money_good(raw: str, fen: int) -> None:
    assert n.money(raw) == fen
    assert n.normalise("money", raw) == fen


@pytest.mark.parametrize("raw", ["12.345", "0.001", "", "   ", "abc", "12元5角", "1.2.3", "¥"])
def test_money_not_money(raw: str) -> None:
    assert n.money(raw) is None


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "inf", "-Infinity", "sNaN"])
def test_money_special_decimals_are_not_money(raw: str) -> None:
    """Decimal accepts these spellings; a typed answer like 'inf' must be 'not money', not a crash."""
    assert n.money(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "2026-03-15",
        "2026/3/15",
        "2026.03.15",
        "2026年3月15日",
        "2026年03月15",
        " 2026 年 3 月 15 日 ",
        "２０２６－０３－１５",
        "2026-3-15",
    ],
)
def test_day_good(raw: str) -> None:
    assert n.day(raw) == date(2026, 3, 15)
    assert n.normalise("date", raw) == date(2026, 3, 15)


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "15/03/2026", "20260315", "2026-03", "", "明天"])
def test_day_bad(raw: str) -> None:
    assert n.day(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026 0315 0932 000017", "202603150932000017"),
        ("".join(chr(ord(c) + 0xFEE0) for c in "202603150932000017"), "202603150932000017"),  # full-width
        (" 2026-0315_0932\u3000000017 ", "202603150932000017"),  # dashes, underscores, ideographic space
        ("p00021-02", "P0002102"),
    ],
)
def test_identifier(raw: str, expected: str) -> None:
    assert n.identifier(raw) == expected
    assert n.normalise("id", raw) == expected


def test_text() -> None:
    assert n.text("  ＡＢＣ\u3000  def \n g ") == "ABC def g"
    assert n.text(None) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a, b、c；d", {"A", "B", "C", "D"}),
        ("P001，P002;P003 P004\tP005", {"P001", "P002", "P003", "P004", "P005"}),
        ("sku-1, SKU1, ｓｋｕ１", {"SKU1"}),
        (" , ；、 ", set()),
        ("", set()),
    ],
)
def test_item_set(raw: str, expected: set[str]) -> None:
    assert n.item_set(raw) == frozenset(expected)
    assert n.normalise("set", raw) == frozenset(expected)


def test_item_set_ignores_order() -> None:
    assert n.item_set("b、a") == n.item_set("A, B")


# --- run_rubric with fake checks ---------------------------------------------------------------------

CALLS: list[tuple[str, dict[str, Any]]] = []


@check("state", "unittest.fraction")
def _fraction(ctx: GradeContext, value: float, label: str = "") -> CheckResult:
    CALLS.append(("fraction", {"value": value, "label": label}))
    return CheckResult(value, f"fraction {value}", [{"type": "text", "label": "v", "value": value}])


@check("state", "unittest.boom")
def _boom(ctx: GradeContext) -> CheckResult:
    CALLS.append(("boom", {}))
    raise RuntimeError("database went away")


@check("answer", "unittest.args")
def _args(ctx: GradeContext, **kwargs: Any) -> CheckResult:
    CALLS.append(("args", kwargs))
    ctx.facts["seen"] = kwargs
    return CheckResult.passed("ok")


def item(
    id_: str, points: float, kind: str, name: str, args: dict | None = None, **extra: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {"kind": kind, "name": name}
    if args is not None:
        spec["args"] = args
    if "must_not" in extra:
        spec["must_not"] = extra.pop("must_not")
    return {"id": id_, "points": points, "text": {"zh": f"评分项{id_}"}, "check": spec, **extra}


def frac(id_: str, points: float, value: float, **extra: Any) -> dict[str, Any]:
    return item(id_, points, "state", "unittest.fraction", {"value": value, "label": id_}, **extra)


def make_ctx(tmp_path: Path, rubric: list[dict[str, Any]], params: dict | None = None) -> GradeContext:
    scenario = Scenario(
        folder=tmp_path,
        data={
            "id": "unit",
            "version": 1,
            "title": {"zh": "单元"},
            "minutes": 10,
            "world": {"base": "default"},
            "tasks": [{"id": "t", "text": {"zh": "任务"}}],
            "rubric": rubric,
        },
    )
    return GradeContext(
        scenario=scenario,
        params=params or {},
        answers={},
        identities=[],
        world=None,
        evidence_dir=tmp_path / "evidence",
    )


def by_id(outcomes: list[ItemOutcome]) -> dict[str, ItemOutcome]:
    return {o.id: o for o in outcomes}


@pytest.fixture(autouse=True)
def _clear_calls():  # noqa: ANN202
    CALLS.clear()
    yield
    CALLS.clear()


def test_fake_checks_are_registered() -> None:
    assert CHECKS[("state", "unittest.fraction")] is _fraction
    assert ("state", "unittest.boom") in CHECKS


def test_passed_failed_and_requires_gating(tmp_path: Path) -> None:
    rubric = [
        frac("a", 10, 1.0),
        frac("b", 20, 1.0, requires=["a"]),
        frac("c", 15, 0.0),
        frac("d", 5, 1.0, requires=["c"]),
        frac("e", 5, 1.0, requires=["a", "c", "d"]),
    ]
    outcomes = run_rubric(make_ctx(tmp_path, rubric))
    assert [(o.id, o.status, o.points, o.max_points) for o in outcomes] == [
        ("a", "passed", 10.0, 10.0),
        ("b", "passed", 20.0, 20.0),
        ("c", "failed", 0.0, 15.0),
        ("d", "skipped", 0.0, 5.0),
        ("e", "skipped", 0.0, 5.0),
    ]
    o = by_id(outcomes)
    assert o["a"].title == "评分项a" and o["a"].feedback == "fraction 1.0"
    assert o["a"].evidence == [{"type": "text", "label": "v", "value": 1.0}]
    assert o["d"].feedback == "不计分：前置评分项c未得分。若计分，本项将通过：fraction 1.0"
    assert o["e"].feedback.startswith("不计分：前置评分项c、d未得分。")
    # Skipped items still run their check, for information, and say what it found.
    assert [c[1]["label"] for c in CALLS if c[0] == "fraction"] == ["a", "b", "c", "d", "e"]
    assert (o["d"].would_be, o["d"].evidence) == ("passed", [{"type": "text", "label": "v", "value": 1.0}])
    assert o["a"].would_be is None


def test_partial_fraction(tmp_path: Path) -> None:
    rubric = [frac("p", 20, 0.5), frac("q", 10, 1 / 3), frac("after", 5, 1.0, requires=["p"])]
    o = by_id(run_rubric(make_ctx(tmp_path, rubric)))
    assert (o["p"].status, o["p"].points) == ("partial", 10.0)
    assert (o["q"].status, o["q"].points) == ("partial", 3.33)
    assert o["after"].status == "passed"  # partial credit found the object: what builds on it counts


def test_fraction_is_clamped(tmp_path: Path) -> None:
    o = by_id(run_rubric(make_ctx(tmp_path, [frac("hi", 10, 1.7), frac("lo", 10, -0.4)])))
    assert (o["hi"].status, o["hi"].points) == ("passed", 10.0)
    assert (o["lo"].status, o["lo"].points) == ("failed", 0.0)


def test_must_not_inverts(tmp_path: Path) -> None:
    rubric = [
        frac("clean", 10, 0.0, must_not=True),
        frac("dirty", 10, 1.0, must_not=True),
        frac("some", 10, 0.25, must_not=True),
        frac("gated", 4, 1.0, requires=["clean"]),
        frac("gated2", 4, 1.0, requires=["dirty"]),
    ]
    o = by_id(run_rubric(make_ctx(tmp_path, rubric)))
    assert (o["clean"].status, o["clean"].points, o["clean"].feedback) == ("passed", 10.0, "未发生禁止的操作")
    assert (o["dirty"].status, o["dirty"].points) == ("failed", 0.0)
    assert o["dirty"].feedback == "发生了禁止的操作：fraction 1.0"
    assert (o["some"].status, o["some"].points) == ("partial", 7.5)
    assert o["gated"].status == "passed" and o["gated2"].status == "skipped"


def test_raising_check_is_an_error_and_the_run_continues(tmp_path: Path) -> None:
    rubric = [
        frac("first", 10, 1.0),
        item("broken", 30, "state", "unittest.boom"),
        frac("later", 10, 1.0),
        frac("needs-broken", 5, 1.0, requires=["broken"]),
    ]
    outcomes = run_rubric(make_ctx(tmp_path, rubric))
    o = by_id(outcomes)
    assert [x.id for x in outcomes] == ["first", "broken", "later", "needs-broken"]
    assert (o["broken"].status, o["broken"].points, o["broken"].max_points) == ("error", 0.0, 30.0)
    assert "RuntimeError: database went away" in o["broken"].feedback
    assert o["broken"].evidence[0]["label"] == "traceback"
    assert "database went away" in o["broken"].evidence[0]["value"]
    assert (o["later"].status, o["later"].points) == ("passed", 10.0)
    assert o["needs-broken"].status == "skipped"
    assert sum(x.points for x in outcomes) == 20.0


def test_wrong_args_are_an_error_too(tmp_path: Path) -> None:
    rubric = [item("bad-args", 10, "state", "unittest.fraction", {"nope": 1}), frac("ok", 10, 1.0)]
    o = by_id(run_rubric(make_ctx(tmp_path, rubric)))
    assert o["bad-args"].status == "error" and "TypeError" in o["bad-args"].feedback
    assert o["ok"].status == "passed"


def test_args_are_rendered_from_params_with_types(tmp_path: Path) -> None:
    params = {
        "quantity": 3,
        "product": {"sku": "P00021-02", "name": "绿联 充电宝"},
        "address": {"city": "杭州市"},
    }
    rubric = [
        item(
            "x",
            10,
            "answer",
            "unittest.args",
            {
                "qty": "{{ quantity }}",
                "sku": "{{ product.sku }}",
                "addr": "{{ address }}",
                "text": "买 {{ quantity }} 件{{ product.name }}",
                "plain": "as-is",
                "n": 5,
            },
        )
    ]
    ctx = make_ctx(tmp_path, rubric, params)
    (outcome,) = run_rubric(ctx)
    assert outcome.status == "passed"
    assert CALLS == [
        (
            "args",
            {
                "qty": 3,
                "sku": "P00021-02",
                "addr": {"city": "杭州市"},
                "text": "买 3 件绿联 充电宝",
                "plain": "as-is",
                "n": 5,
            },
        )
    ]
    assert ctx.facts["seen"]["qty"] == 3


def test_unknown_param_in_args_is_an_error(tmp_path: Path) -> None:
    rubric = [item("x", 10, "answer", "unittest.args", {"qty": "{{ missing }}"}), frac("y", 1, 1.0)]
    o = by_id(run_rubric(make_ctx(tmp_path, rubric)))
    assert o["x"].status == "error" and o["y"].status == "passed"
    assert CALLS == [("fraction", {"value": 1.0, "label": "y"})]


def test_scenario_checks_py_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "checks.py").write_text(
        "from graders.checks import CheckResult, check\n"
        "@check('state', 'unittest.from_folder')\n"
        "def f(ctx):\n"
        "    return CheckResult(0.5, 'half')\n",
        encoding="utf-8",
    )
    try:
        (outcome,) = run_rubric(make_ctx(tmp_path, [item("f", 8, "state", "unittest.from_folder")]))
        assert (outcome.status, outcome.points, outcome.feedback) == ("partial", 4.0, "half")
    finally:
        CHECKS.pop(("state", "unittest.from_folder"), None)


# --- results -----------------------------------------------------------------------------------------


def sample_outcomes() -> list[ItemOutcome]:
    return [
        ItemOutcome("registered", "注册了会员", 10.0, 10.0, "passed", "已注册"),
        ItemOutcome("address", "地址一致", 5.0, 20.0, "partial", "邮编不对 <310012> & 电话"),
        ItemOutcome("paid", "完成付款", 0.0, 20.0, "failed", "未付款"),
        ItemOutcome("visible", "显示待发货", 0.0, 10.0, "skipped", "前置评分项未通过：paid"),
        ItemOutcome("answer", "订单号", 0.0, 15.0, "error", "评分程序出错：RuntimeError: x"),
    ]


def test_results_document_gradescope_fields() -> None:
    doc = results_document(sample_outcomes(), {"execution_time": 1.25, "attempt": "a-1", "seed": 7})
    assert (doc["score"], doc["max_score"], doc["execution_time"]) == (15.0, 75.0, 1.25)
    assert doc["output"] == "15 / 75"
    assert doc["visibility"] == "visible"
    assert (doc["attempt"], doc["seed"]) == ("a-1", 7)
    assert len(doc["tests"]) == 5
    assert doc["tests"][0] == {
        "name": "注册了会员",
        "number": "registered",
        "score": 10.0,
        "max_score": 10.0,
        "status": "passed",
        "output": "已注册",
    }
    assert [t["status"] for t in doc["tests"]] == ["passed", "failed", "failed", "failed", "failed"]
    assert [i["status"] for i in doc["items"]] == ["passed", "partial", "failed", "skipped", "error"]
    assert doc["items"][1] == {
        "id": "address",
        "title": "地址一致",
        "points": 5.0,
        "max_points": 20.0,
        "status": "partial",
        "feedback": "邮编不对 <310012> & 电话",
        "evidence": [],
        "would_be": None,
    }
    assert list(doc).count("execution_time") == 1


def test_results_document_rounds_scores() -> None:
    outs = [ItemOutcome(str(i), "t", 3.33, 10.0, "partial", "") for i in range(3)]
    doc = results_document(outs, {})
    assert (doc["score"], doc["max_score"], doc["execution_time"]) == (9.99, 30.0, None)


def test_to_junit_is_xml_with_failures() -> None:
    doc = results_document(sample_outcomes(), {"execution_time": 0.1})
    xml = to_junit(doc, "b2c-purchase a-1")
    assert xml.startswith("<?xml")
    suite = ET.fromstring(xml)
    assert suite.tag == "testsuite"
    assert suite.attrib == {"name": "b2c-purchase a-1", "tests": "5", "failures": "3", "errors": "1"}
    cases = {c.attrib["name"]: c for c in suite.findall("testcase")}
    assert list(cases) == ["registered", "address", "paid", "visible", "answer"]
    assert all(c.attrib["classname"] == "b2c-purchase a-1" for c in cases.values())
    assert list(cases["registered"]) == []
    (failure,) = list(cases["paid"])
    assert failure.tag == "failure" and failure.attrib["message"] == "0.0/20.0: 未付款"
    assert cases["address"].find("failure").attrib["message"] == "5.0/20.0: 邮编不对 <310012> & 电话"
    assert cases["visible"].find("failure") is not None
    (error,) = list(cases["answer"])
    assert error.tag == "error" and error.attrib["message"] == "评分程序出错：RuntimeError: x"


def test_to_csv_header_and_rows() -> None:
    doc1 = results_document(sample_outcomes()[:3], {})
    doc2 = results_document([ItemOutcome("extra", "另一项", 2.0, 2.0, "passed", "")], {})
    rows = [
        {
            "attempt": "a-1",
            "candidate": "考生甲（T0001）",
            "scenario": "b2c-purchase",
            "status": "graded",
            **doc1,
        },
        {
            "attempt": "a-2",
            "candidate": "考生乙（T0002）",
            "scenario": "b2c-purchase",
            "status": "graded",
            **doc2,
        },
        {"attempt": "a-3", "candidate": "考生丙", "scenario": "b2c-purchase", "status": "active"},
    ]
    parsed = list(csv.reader(io.StringIO(to_csv(rows))))
    assert parsed[0] == [
        "attempt",
        "candidate",
        "scenario",
        "status",
        "score",
        "max_score",
        "registered",
        "address",
        "paid",
        "extra",
    ]
    assert parsed[1] == [
        "a-1",
        "考生甲（T0001）",
        "b2c-purchase",
        "graded",
        "15.0",
        "50.0",
        "10.0",
        "5.0",
        "0.0",
        "",
    ]
    assert parsed[2] == ["a-2", "考生乙（T0002）", "b2c-purchase", "graded", "2.0", "2.0", "", "", "", "2.0"]
    assert parsed[3] == ["a-3", "考生丙", "b2c-purchase", "active", "", ""] + [""] * 4
    assert len(parsed) == 4


def test_to_csv_empty() -> None:
    assert list(csv.reader(io.StringIO(to_csv([])))) == [
        ["attempt", "candidate", "scenario", "status", "score", "max_score"]
    ]


@pytest.mark.parametrize(("given", "status"), [("¥123.45", "passed"), ("123.4", "failed"), ("inf", "failed")])
def test_money_answer_check_end_to_end(tmp_path: Path, given: str, status: str) -> None:
    """The built-in answer.equals check with type money: a non-money answer fails, it does not error."""
    rubric = [
        item(
            "amount",
            10,
            "answer",
            "answer.equals",
            {"field": "amount", "expected": "{{ total }}", "type": "money"},
        )
    ]
    ctx = make_ctx(tmp_path, rubric, {"total": "123.45"})
    ctx.answers["amount"] = given
    (outcome,) = run_rubric(ctx)
    assert outcome.status == status, outcome.feedback
