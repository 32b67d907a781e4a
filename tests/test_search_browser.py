"""End to end in Chromium: a candidate searches with an operator, pages through the results, narrows
them with the search tools and opens a result; the queries are recorded in the world."""

from __future__ import annotations

import os
from pathlib import Path

from sandbox.worlds.store import open_world

SCENARIO = "b2c-purchase"


def test_search_page_through_filter_and_open(harness, tmp_path: Path) -> None:  # noqa: ANN001
    shots = Path(os.environ.get("SEARCH_SCREENSHOTS") or tmp_path)
    attempt = harness.new_attempt(SCENARIO, 3)
    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(base + harness.login_path(attempt))
    page.goto(base + "/search/")
    page.screenshot(path=str(shots / "search-home.png"), full_page=True)

    page.locator("form.search-form input[name=q]").fill("手机 -苹果")
    page.locator("form.search-form button[type=submit]").click()
    results = page.locator("ol.search-results > li.search-result")
    results.first.wait_for()
    assert int(page.locator(".search-total").get_attribute("data-total")) > 10
    assert results.count() == 10
    assert results.first.locator(".result-snippet mark").first.inner_text() == "手机"
    assert "苹果" not in page.locator("ol.search-results").inner_text()
    page.screenshot(path=str(shots / "search-results.png"), full_page=True)

    page.locator("nav.pagination a[rel=next]").click()
    page.locator("nav.pagination .current", has_text="2").wait_for()
    assert results.count() > 0

    # The search tools: only goods (商品).
    page.locator("details.search-filters summary").click()
    page.locator("details.search-filters select[name=type]").select_option("goods")
    page.locator("form.search-form button[type=submit]").click()
    page.locator("details.search-filters select[name=type] option[value=goods][selected]").wait_for(
        state="attached"
    )
    kinds = results.evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds and set(kinds) == {"goods"}

    first = results.first.locator("a.result-title")
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(base + href)
    assert page.locator(".search-results").count() == 0  # the result opened in the same tab

    w = open_world(attempt.world_path, read_only=True)
    try:
        queries = [
            (e.payload["q"], e.payload["page"], e.payload["filters"]["type"])
            for e in w.events("search.query")
        ]
    finally:
        w.close()
    assert queries == [("手机 -苹果", 1, ""), ("手机 -苹果", 2, ""), ("手机 -苹果", 1, "goods")]
    context.close()
