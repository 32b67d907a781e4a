"""The search engine's pages: the results markup other scenarios rely on, bad input over HTTP, the
search.query event, the grader checks, and two candidates' worlds kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html
from sqlalchemy import select

from graders.checks import search as search_checks
from graders.context import GradeContext
from sandbox.storefront.models import Product
from sandbox.worlds.store import open_world


def page(client, query: str, status: int = 200):  # noqa: ANN001, ANN201
    """GET /search/?… and the parsed page."""
    resp = client.get(f"/search/{query}")
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    return html.fromstring(resp.get_data(as_text=True))


def cls(name: str) -> str:
    """An XPath test for a class."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def results(doc) -> list:  # noqa: ANN001
    return doc.xpath(f"//ol[{cls('search-results')}]/li[{cls('search-result')}]")


@pytest.fixture
def cand(candidates):  # noqa: ANN001, ANN201
    """A candidate's client with its attempt started."""
    client = candidates.login()
    client.world_path = candidates.attempt_of(client).world_path
    return client


def test_home_has_the_box_and_the_operator_help(cand) -> None:  # noqa: ANN001
    doc = page(cand, "")
    form = doc.xpath(f"//form[{cls('search-form')}]")[0]
    assert form.get("method") == "get" and form.xpath(".//input[@name='q']")
    help_text = doc.xpath(f"string(//aside[{cls('search-help')}])")
    for operator in ('"', "-", "site:", "intitle:"):
        assert operator in help_text


def test_results_follow_the_markup_contract(cand) -> None:  # noqa: ANN001
    doc = page(cand, "?q=手机")
    total = doc.xpath(f"//*[{cls('search-total')}]")[0]
    assert int(total.get("data-total")) > 10
    hits = results(doc)
    assert len(hits) == 10
    for li in hits:
        a = li.xpath(f".//a[{cls('result-title')}]")[0]
        assert a.get("href") == li.get("data-url") and a.get("href").startswith("/") and not a.get("target")
        assert li.xpath(f".//*[{cls('result-url')}]")[0].text_content().startswith(li.get("data-site"))
        assert li.xpath(f".//*[{cls('result-date')}]") and li.xpath(f".//*[{cls('result-kind')}]")
        assert li.xpath(f".//*[{cls('result-snippet')}]//mark")
    nxt = doc.xpath(f"//nav[{cls('pagination')}]//a[@rel='next']")[0]
    second = page(cand, nxt.get("href").removeprefix("/search/"))
    assert results(second) and second.xpath(f"//nav[{cls('pagination')}]//a[@rel='prev']")
    # The first result opens in the world.
    assert cand.get(hits[0].xpath(f".//a[{cls('result-title')}]")[0].get("href")).status_code == 200


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("?q=！！！@@@", "请输入要搜索的关键词"),
        ("?q=" + "保温杯" * 200, "查询词过长"),
        ("?q=%27%3B+DROP+TABLE+search_docs%3B+--", None),
        ("?q=%25%27+OR+1%3D1+--", None),
        ("?q=.*(a|b)%2B%24", None),
        ("?q=[^a-z]%5C", None),
        ("?q=手机&type=nonsense&site=%3Cscript%3E", None),
    ],
)
def test_odd_queries_get_a_page_not_an_error(cand, query: str, notice: str | None) -> None:  # noqa: ANN001
    doc = page(cand, query)
    text = doc.text_content()
    if notice:
        assert notice in text
    assert doc.xpath(f"//*[{cls('search-total')}]")
    w = open_world(cand.world_path, read_only=True)
    try:
        assert w.db.scalar(select(Product.id).limit(1)) is not None  # nothing dropped
    finally:
        w.close()


@pytest.mark.parametrize(
    "query",
    [
        "?q=手机&page=abc",
        "?q=手机&page=0",
        "?q=手机&page=99999999999999999999",
        "?q=手机&from=2026-13-01",
        "?q=手机&to=NaN",
    ],
)
def test_malformed_filters_are_refused_with_a_message(cand, query: str) -> None:  # noqa: ANN001
    doc = page(cand, query, status=400)
    assert doc.xpath(f"//*[{cls('search-notice')}]")
    w = open_world(cand.world_path, read_only=True)
    try:
        assert w.events("search.query") == []  # a refused query is not recorded
    finally:
        w.close()


def test_each_query_is_recorded_and_checks_read_it(cand, tmp_path: Path) -> None:  # noqa: ANN001
    doc = page(cand, "?q=手机+-苹果&type=goods")
    shown = [li.get("data-url") for li in results(doc)]
    w = open_world(cand.world_path, read_only=True)
    try:
        (ev,) = w.events("search.query")
        assert ev.actor == "candidate" and ev.payload["q"] == "手机 -苹果"
        assert ev.payload["exclude"] == ["苹果"] and ev.payload["filters"]["type"] == "goods"
        assert ev.payload["urls"] == shown and ev.payload["total"] >= len(shown)
        ctx = GradeContext(None, {}, {}, [], w, tmp_path)
        assert search_checks.queried(ctx, terms=["手机"]).fraction == 1
        assert search_checks.queried(ctx, terms=["手机"], operator="exclude", kind="goods").fraction == 1
        assert search_checks.queried(ctx, terms=["保温杯"]).fraction == 0
        assert search_checks.queried(ctx, terms=["手机"], at_least=2).fraction == 0
        found = search_checks.findable(ctx, q="手机", url=shown[0], within=3)
        assert found.fraction == 1 and "第 1 条" in found.feedback
        assert search_checks.findable(ctx, q="手机", url="/nowhere").fraction == 0
        assert len(w.events("search.query")) == 1  # the grader's query is not recorded
    finally:
        w.close()


def _rename_a_product(world_path, new_name: str) -> str:  # noqa: ANN001
    """Change a listed product's name directly in the world and record the merchant's event."""
    w = open_world(world_path)
    try:
        product = w.db.scalars(select(Product).where(Product.status == "listed").order_by(Product.id)).first()
        product.name = new_name
        w.emit("product.updated", code=product.code, shop_id=product.shop_id, title=new_name)
        w.commit()
        return product.code
    finally:
        w.close()


def test_a_change_is_searchable_at_once_and_only_in_its_own_world(candidates) -> None:  # noqa: ANN001
    a, b = candidates.login("T0001"), candidates.login("T0002")
    code = _rename_a_product(candidates.attempt_of(a).world_path, "量子纠缠保温杯")
    hits_a = results(page(a, "?q=量子纠缠"))
    urls = [li.get("data-url") for li in hits_a]
    assert urls[0] == f"/shop/p/{code}" and set(urls) <= {urls[0], "/shop/store/1"}  # and its shop's page
    assert results(page(b, "?q=量子纠缠")) == []
    wa = candidates.world(a)
    wb = candidates.world(b)
    try:
        assert [e.payload["q"] for e in wa.events("search.query")] == ["量子纠缠"]
        assert [e.payload["total"] for e in wb.events("search.query")] == [0]
    finally:
        wa.close()
        wb.close()


def test_a_submitted_world_is_searched_without_writing(candidates, cand) -> None:  # noqa: ANN001
    code = _rename_a_product(cand.world_path, "量子纠缠保温杯")
    w = open_world(cand.world_path, read_only=True)
    try:
        from sandbox.search import services

        r = services.run(w, "量子纠缠", record=True)
        assert r.hits[0].url == f"/shop/p/{code}" and w.events("search.query") == []
    finally:
        w.close()
