"""Checks about the world's web and collecting information from it: the suppliers' comparison table,
the prices collected from several sources, their median, the unreliable source, and how the
candidate searched. Expected answers are computed from the world (sandbox.web.services), never
written into a scenario."""

from __future__ import annotations

import re
import statistics
import unicodedata
from typing import Any

from graders.checks import CheckResult, check, text_evidence
from graders.checks.answers import grade_table, table_cells
from graders.context import GradeContext
from graders.normalise import money, text
from sandbox.scenarios.loader import fmt_yuan
from sandbox.web import services as web
from sandbox.web.models import QuoteStatus

_QUANTITY = re.compile(r"(\d+)\s*[^\d\s]{0,2}(起订|起)?")


def quantity(value: str) -> int | None:
    """A quantity as written ('500', '500个', '2,000箱起订') -> 500; None if it is not one."""
    m = _QUANTITY.fullmatch(re.sub(r"[,，\s]", "", text(value)))
    return int(m[1]) if m else None


def _yuan(fen: Any) -> str:
    return f"{fmt_yuan(fen)} 元" if isinstance(fen, int) else str(fen)


def _page_url(ctx: GradeContext, address: str) -> str | None:
    page = web.page_for_address(ctx.world, address)
    return page.url if page is not None else None


def _same_page(ctx: GradeContext) -> Any:
    def same(given: str, expected: Any) -> bool:
        return bool(given.strip()) and _page_url(ctx, given) == expected

    return same


@check("answer", "web.supplier_table")
def supplier_table(
    ctx: GradeContext, product: str, max_min_order: int | None = None, n: int = 3, table: str = "suppliers"
) -> CheckResult:
    """The answer sheet's table `table` lists the `n` cheapest suppliers of `product` whose 起订量 is
    at most `max_min_order`, by their current prices (outdated, contradictory and promotional
    sources ignored). Graded per row and field; rows may be in any order (matched by supplier).

    Columns (the table's column keys): supplier (text), price (money, per unit), min_order (a
    quantity, the unit may be written), contact (phone), source (a page stating that price: its
    address as the address bar shows it, or /web/… path)."""
    offers = web.cheapest_offers(ctx.world, product, int(max_min_order) if max_min_order else None, int(n))
    expected = [
        {
            "supplier": o.supplier,
            "price": o.price_fen,
            "min_order": o.min_order,
            "contact": o.contact_phone,
            "source": list(o.urls),
        }
        for o in offers
    ]
    same = {
        "min_order": lambda given, want: quantity(given) == want,
        "source": _same_page(ctx),
    }
    return grade_table(ctx, table, expected, key="supplier", same=same, shown={"price": _yuan})


@check("answer", "web.price_sources", sets=("collected_prices",))
def price_sources(ctx: GradeContext, product: str, at_least: int = 5, table: str = "prices") -> CheckResult:
    """The answer sheet's table `table` gives prices of `product` from at least `at_least` different
    sources (rows of: source = a page's address, supplier, price). Each row earns a third for a
    page that quotes the product, a third for a supplier that page quotes it from, and a third for
    that supplier's price on that page, when the page is a reliable (current) source of it. Sets the
    fact `collected_prices`: the prices of the fully right rows (fen)."""
    cells = table_cells(ctx, table)
    seen: set[tuple[str, str]] = set()
    points = 0.0
    collected: list[int] = []
    lines = []
    for n, row in cells.items():
        given = {c: (ctx.answers.get(f["id"]) or "").strip() for c, f in row.items()}
        if not any(given.values()):
            continue
        url = _page_url(ctx, given.get("source", ""))
        quotes = [q for q in web.quotes(ctx.world, product) if url and q.page.url == url]
        name = text(given.get("supplier", ""))
        mine = next((q for q in quotes if text(q.supplier) == name), None)
        price = money(given.get("price", ""))
        if url is None or not quotes:
            lines.append(f"第{n}行：来源网页不存在或没有{product}的报价（0 分）")
            continue
        if (url, name) in seen:
            lines.append(f"第{n}行：与前面的行重复（0 分）")
            continue
        seen.add((url, name))
        row_points = 1 / 3
        if mine is not None:
            row_points += 1 / 3
            if mine.status == QuoteStatus.VALID and price == mine.price_fen:
                row_points += 1 / 3
                collected.append(price)
        verdict = "" if mine is None else f"，该来源报价 {_yuan(mine.price_fen)}（{_status(mine.status)}）"
        lines.append(
            f"第{n}行：{url} {given.get('supplier') or '（空）'} {given.get('price') or '（空）'}{verdict}"
        )
        points += row_points
    ctx.facts["collected_prices"] = collected
    fraction = min(1.0, points / int(at_least)) if at_least else 0.0
    evidence = [
        text_evidence("逐行核对", lines or ["（表格未填写）"]),
        text_evidence("完全正确的报价", len(collected)),
    ]
    if not lines:
        return CheckResult(0.0, "答题卡的报价表未填写", evidence)
    return CheckResult(round(fraction, 4), f"{len(collected)} 条报价完全正确（需 {at_least} 条）", evidence)


def _status(status: str) -> str:
    return {
        QuoteStatus.VALID: "有效",
        QuoteStatus.OUTDATED: "已过时",
        QuoteStatus.CONTRADICTORY: "与厂家最新报价矛盾",
        QuoteStatus.PROMOTIONAL: "广告宣传",
    }.get(status, status)


def _median(values: list[int]) -> set[int]:
    """The median in fen; of an even count, the mean rounded either way."""
    if not values:
        return set()
    m = statistics.median(values)
    return {int(m)} if m == int(m) else {int(m), int(m) + 1}


@check("answer", "web.median_price")
def median_price(ctx: GradeContext, field: str, product: str) -> CheckResult:
    """The answer is the median price of `product`: of every supplier's current price, or of the
    prices the candidate collected correctly (the fact `collected_prices`, at least five)."""
    given = ctx.answers.get(field, "")
    world = _median([o.price_fen for o in web.current_offers(ctx.world, product)])
    collected = ctx.facts.get("collected_prices") or []
    own = _median(collected) if len(collected) >= 5 else set()
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("各供应商现行报价的中位数", " 或 ".join(_yuan(v) for v in sorted(world))),
    ]
    if own:
        evidence.append(text_evidence("考生所采集报价的中位数", " 或 ".join(_yuan(v) for v in sorted(own))))
    if not given.strip():
        return CheckResult(0.0, "未作答", evidence)
    if money(given) in world | own:
        return CheckResult(1.0, "中位数正确", evidence)
    return CheckResult(0.0, "中位数不正确", evidence)


@check("answer", "web.unreliable_source")
def unreliable_source(ctx: GradeContext, field: str, product: str) -> CheckResult:
    """The answer names (by address) a page whose price of `product` cannot be trusted: outdated, in
    contradiction with the supplier's current price list, or an advertisement."""
    given = ctx.answers.get(field, "")
    bad = web.unreliable_pages(ctx.world, product)
    url = _page_url(ctx, given) if given.strip() else None
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("不可靠的来源", [f"{u}（{_status(s)}）" for u, s in bad.items()]),
    ]
    if not given.strip():
        return CheckResult(0.0, "未作答", evidence)
    if url is None:
        return CheckResult(0.0, "填写的不是本网络中的网页地址", evidence)
    if url in bad:
        return CheckResult(1.0, f"该来源确不可靠（{_status(bad[url])}）", evidence)
    return CheckResult(0.0, "该来源是可靠的当前报价", evidence)


@check("event", "web.searched")
def searched(ctx: GradeContext, words: Any, at_least: int = 1) -> CheckResult:
    """The candidate used the search engine (`search.query` events) with a query containing one of
    `words` (a word or a list), at least `at_least` times."""
    wanted = [_squash(w) for w in ([words] if isinstance(words, str) else list(words)) if str(w).strip()]
    queries = [
        str(ev.payload.get("q", "")) for ev in ctx.world.events("search.query") if ev.actor == "candidate"
    ]
    hits = [q for q in queries if any(w in _squash(q) for w in wanted)]
    evidence = [
        text_evidence("检索记录", queries[:30] or ["（没有使用搜索引擎）"]),
        text_evidence("含关键词的检索", len(hits)),
    ]
    if len(hits) >= int(at_least):
        return CheckResult(1.0, "使用搜索引擎按产品关键词检索", evidence)
    return CheckResult(0.0, "没有用产品关键词检索" if queries else "没有使用搜索引擎", evidence)


def _squash(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lower()
