"""The answer sheet's comparison table and the web's answer checks: full, partial per row and field,
empty; bad input on the table (rows that do not exist, junk values, too long)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from graders.checks import answers as answer_checks
from graders.checks import web as web_checks
from graders.context import GradeContext
from sandbox.web import services as web
from sandbox.web.models import QuoteStatus

PRODUCT, LIMIT = "不锈钢保温杯", 500
COLUMNS = (
    ("supplier", "text"),
    ("price", "money"),
    ("min_order", "text"),
    ("contact", "phone"),
    ("source", "text"),
)


@dataclass
class Sheet:
    """A scenario stand-in: only the answer sheet's fields."""

    fields: list[dict[str, Any]]

    def answer_fields(self) -> list[dict[str, Any]]:
        """The answer fields."""
        return self.fields


def table_fields(
    table: str, rows: int, columns: tuple[tuple[str, str], ...], prefix: str
) -> list[dict[str, Any]]:
    """The cells of a table as answer fields."""
    return [
        {
            "id": f"{prefix}{r}_{c}",
            "type": t,
            "label": {"zh": f"第{r}行 {c}"},
            "table": {"id": table, "row": r, "column": c},
        }
        for r in range(1, rows + 1)
        for c, t in columns
    ]


def context(w, fields: list[dict[str, Any]], answers: dict[str, str]) -> GradeContext:  # noqa: ANN001
    """A grading context over the world with these answers."""
    return GradeContext(Sheet(fields), {}, answers, [], w, evidence_dir=None)  # type: ignore[arg-type]


def yuan(fen: int) -> str:
    """Fen as written yuan."""
    return f"{fen // 100}.{fen % 100:02d}"


def right_rows(w) -> list[dict[str, str]]:  # noqa: ANN001
    """The expected rows as a candidate writes them (host form of the address, unit after 起订量)."""
    rows = []
    for o in web.cheapest_offers(w, PRODUCT, LIMIT):
        page = web.page_for_address(w, o.urls[0])
        rows.append(
            {
                "supplier": o.supplier,
                "price": f"¥{yuan(o.price_fen)}",
                "min_order": f"{o.min_order}个",
                "contact": f"+86 {o.contact_phone[:3]}-{o.contact_phone[3:7]}-{o.contact_phone[7:]}",
                "source": f"http://{page.site.host}/{page.path}",
            }
        )
    return rows


def written(rows: list[dict[str, str]], prefix: str = "s") -> dict[str, str]:
    """Answers of a table from rows."""
    return {f"{prefix}{n}_{c}": v for n, row in enumerate(rows, start=1) for c, v in row.items()}


def grade(w, answers: dict[str, str]):  # noqa: ANN001, ANN201
    """web.supplier_table on a 3-row table."""
    ctx = context(w, table_fields("suppliers", 3, COLUMNS, "s"), answers)
    return web_checks.supplier_table(ctx, PRODUCT, LIMIT, 3, "suppliers")


def test_supplier_table_full_marks_in_any_row_order(w) -> None:  # noqa: ANN001
    rows = right_rows(w)
    assert grade(w, written(rows)).fraction == 1.0
    assert grade(w, written(rows[::-1])).fraction == 1.0


def test_supplier_table_partial_per_row_and_field(w) -> None:  # noqa: ANN001
    rows = right_rows(w)
    wrong_price = [dict(rows[0], price="1.00"), *rows[1:]]
    assert grade(w, written(wrong_price)).fraction == pytest.approx(14 / 15, abs=1e-4)
    no_sources = [{k: v for k, v in r.items() if k != "source"} for r in rows]
    assert grade(w, written(no_sources)).fraction == pytest.approx(12 / 15, abs=1e-4)
    two_rows = rows[:2]
    result = grade(w, written(two_rows))
    assert result.fraction == pytest.approx(10 / 15, abs=1e-4)
    assert any("第3行" in line for line in result.evidence[0]["value"])


def test_supplier_table_refuses_unreliable_sources_and_wrong_suppliers(w) -> None:  # noqa: ANN001
    rows = right_rows(w)
    stale = next(q for q in web.quotes(w, PRODUCT, QuoteStatus.OUTDATED) if q.page.path == "prices")
    bad_source = [dict(rows[0], source=stale.page.url), *rows[1:]]
    assert grade(w, written(bad_source)).fraction == pytest.approx(14 / 15, abs=1e-4)
    stranger = [dict(rows[0], supplier=stale.supplier), *rows[1:]]
    assert grade(w, written(stranger)).fraction == pytest.approx(10 / 15, abs=1e-4)
    twice = [rows[0], rows[0], rows[0]]
    assert grade(w, written(twice)).fraction == pytest.approx(5 / 15, abs=1e-4)


@pytest.mark.parametrize(
    "junk",
    ["", "   ", "<script>alert(1)</script>", "' OR 1=1 --", "9" * 400, "NaN", "inf", "１２３", "\u202e"],
)
def test_supplier_table_junk_scores_nothing_and_never_fails(w, junk: str) -> None:  # noqa: ANN001
    answers = {f"s{r}_{c}": junk for r in range(1, 4) for c, _t in COLUMNS}
    result = grade(w, answers)
    assert result.fraction == 0.0


def test_generic_answer_table_with_fixed_rows(w) -> None:  # noqa: ANN001
    fields = table_fields("t", 2, (("name", "text"), ("amount", "money")), "t")
    rows = [{"name": "甲", "amount": 1250}, {"name": "乙", "amount": ["3.00", "3"]}]
    full = {"t1_name": "甲", "t1_amount": "12.5元", "t2_name": " 乙 ", "t2_amount": "¥3"}
    assert answer_checks.table(context(w, fields, full), "t", rows).fraction == 1.0
    swapped = {"t1_name": "乙", "t1_amount": "3", "t2_name": "甲", "t2_amount": "12.50"}
    assert answer_checks.table(context(w, fields, swapped), "t", rows).fraction == 0.0
    assert answer_checks.table(context(w, fields, swapped), "t", rows, key="name").fraction == 1.0
    empty = answer_checks.table(context(w, fields, {}), "t", rows)
    assert empty.fraction == 0.0 and "未填写" in empty.feedback
    with pytest.raises(ValueError, match="no table"):
        answer_checks.table(context(w, fields, full), "nope", rows)


def price_fields() -> list[dict[str, Any]]:
    """The market-research answer sheet."""
    cols = (("source", "text"), ("supplier", "text"), ("price", "money"))
    return [
        *table_fields("prices", 6, cols, "p"),
        {"id": "median", "type": "money"},
        {"id": "unreliable", "type": "text"},
    ]


def test_price_sources_median_and_unreliable_source(w) -> None:  # noqa: ANN001
    offers = web.current_offers(w, PRODUCT)
    rows = [{"source": o.urls[0], "supplier": o.supplier, "price": yuan(o.price_fen)} for o in offers[:5]]
    ctx = context(w, price_fields(), written(rows, "p"))
    assert web_checks.price_sources(ctx, PRODUCT, 5, "prices").fraction == 1.0
    assert sorted(ctx.facts["collected_prices"]) == sorted(o.price_fen for o in offers[:5])
    # Median: of every current price, or of the five collected.
    every = sorted(o.price_fen for o in offers)[len(offers) // 2]
    own = sorted(o.price_fen for o in offers[:5])[2]
    for value, fraction in ((every, 1.0), (own, 1.0), (every + 1, 0.0)):
        ctx.answers["median"] = yuan(value)
        assert web_checks.median_price(ctx, "median", PRODUCT).fraction == fraction
    bad = web.unreliable_pages(w, PRODUCT)
    for url in bad:
        ctx.answers["unreliable"] = url
        assert web_checks.unreliable_source(ctx, "unreliable", PRODUCT).fraction == 1.0
    for answer in (offers[0].urls[0], "", "http://nowhere.example/x"):
        ctx.answers["unreliable"] = answer
        assert web_checks.unreliable_source(ctx, "unreliable", PRODUCT).fraction == 0.0


def test_price_sources_partial_rows(w) -> None:  # noqa: ANN001
    offers = web.current_offers(w, PRODUCT)
    stale = next(q for q in web.quotes(w, PRODUCT, QuoteStatus.OUTDATED) if q.page.path == "prices")
    rows = [{"source": o.urls[0], "supplier": o.supplier, "price": yuan(o.price_fen)} for o in offers[:4]]
    rows.append({"source": stale.page.url, "supplier": stale.supplier, "price": yuan(stale.price_fen)})
    rows.append(dict(rows[0]))  # the same source twice counts once
    ctx = context(w, price_fields(), written(rows, "p"))
    assert web_checks.price_sources(ctx, PRODUCT, 5, "prices").fraction == pytest.approx(
        (4 + 2 / 3) / 5, abs=1e-3
    )
    assert len(ctx.facts["collected_prices"]) == 4


def test_searched_reads_the_candidates_queries(w) -> None:  # noqa: ANN001
    ctx = context(w, [], {})
    assert web_checks.searched(ctx, "保温杯").fraction == 0.0
    w.emit("search.query", actor="candidate", q="304 保温 杯", total=0, urls=[])
    w.emit("search.query", actor="npc", q="保温杯", total=0, urls=[])
    assert web_checks.searched(ctx, ["保温杯"]).fraction == 1.0
    assert web_checks.searched(ctx, "保温杯", at_least=2).fraction == 0.0


def test_quantity_parser() -> None:
    assert [
        web_checks.quantity(v) for v in ("500", "500个", "2,000箱起订", "１０００条", "五百", "", "500-1000")
    ] == [
        500,
        500,
        2000,
        1000,
        None,
        None,
        None,
    ]


# --- the answer sheet (pages) ----------------------------------------------------------------------


@pytest.fixture
def sheet(app, rt, exam):  # noqa: ANN001, ANN201
    """A practice attempt of info-collection, on its answer sheet."""
    from tests.test_web_pages import start_practice

    client, attempt = start_practice(app, rt)
    client.attempt = attempt
    return client


def saved(rt, client) -> dict[str, str]:  # noqa: ANN001
    """The attempt's saved answers."""
    from sandbox.control.models import Attempt

    db = rt.control.session()
    try:
        return dict(db.get(Attempt, client.attempt.id).answers)
    finally:
        db.close()


def test_answer_sheet_shows_the_table(sheet) -> None:  # noqa: ANN001
    html = sheet.get("/exam/answers").get_data(as_text=True)
    assert 'data-table="suppliers"' in html
    assert html.count('<tr data-row="') == 3
    assert "供应商名称" in html and "信息来源网址" in html and 'id="ans-s3_source"' in html


def test_answer_table_takes_only_its_cells(sheet, rt) -> None:  # noqa: ANN001
    resp = sheet.post(
        "/exam/answers",
        data={
            "s1_supplier": "甲公司",
            "s1_price": "不是钱",
            "s4_supplier": "多出的一行",
            "s9_price": "1",
            "x": "y",
        },
    )
    assert resp.status_code == 302
    answers = saved(rt, sheet)
    assert answers["s1_supplier"] == "甲公司" and answers["s1_price"] == "不是钱"
    assert "s4_supplier" not in answers and "s9_price" not in answers and "x" not in answers
    page = sheet.get("/exam/submit").get_data(as_text=True)
    assert "甲公司" in page and 'data-table="suppliers"' in page


def test_answer_table_refuses_a_too_long_value(sheet, rt) -> None:  # noqa: ANN001
    before = saved(rt, sheet)
    resp = sheet.post("/exam/answers", data={"s1_supplier": "长" * 501, "s1_price": "12.00"})
    assert resp.status_code == 400
    assert "500" in resp.get_data(as_text=True)
    assert saved(rt, sheet) == before
