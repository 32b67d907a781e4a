"""Steps of the price-research paper, shared by the reference and other solutions (all through the
pages: the search engine, the browser and the answer sheet)."""

from __future__ import annotations

import statistics
from typing import Any

ROWS_JS = "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"


def search(page: Any, ctx: Any, q: str) -> None:
    """Search the world's search engine as a visitor types it."""
    page.goto(ctx.url("/search/"))
    page.fill("form.search-form input[name=q]", q)
    page.locator("form.search-form [type=submit]").click()
    page.locator(".search-total, .search-empty").first.wait_for()


def company_sites(page: Any, ctx: Any, product: str) -> list[str]:
    """The company sites the browser's portal (网址导航) lists as making or selling the product."""
    page.goto(ctx.url("/web/"))
    items = page.locator('.web-group[data-category="company"] li')
    return list(
        items.evaluate_all(
            "(lis, p) => lis.filter(li => li.innerText.includes(p)).map(li => li.querySelector('a').dataset.site)",
            product,
        )
    )


def read_price(page: Any, ctx: Any, slug: str, spec: str) -> dict[str, Any]:
    """A supplier's price of the specification from its own price list (价格表), with the list's date."""
    page.goto(ctx.url(f"/web/{slug}/prices"))
    rows = page.locator(".web-table tbody tr").evaluate_all(ROWS_JS)
    row = next(r for r in rows if r[1] == spec)
    return {
        "supplier": page.locator(".web-site-name").inner_text().strip(),
        "price": row[2].split("元")[0],
        "published": page.locator("[data-role=published] time").get_attribute("datetime") or "",
        "source": page.locator("[data-role=address]").input_value(),
    }


def prices(page: Any, ctx: Any) -> list[dict[str, Any]]:
    """Every supplier site's price of the task's product, cheapest first."""
    item = ctx.params["item"]
    found = [read_price(page, ctx, slug, item["spec"]) for slug in company_sites(page, ctx, item["product"])]
    return sorted(found, key=lambda o: float(o["price"]))


def current(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The price lists of this year (a site whose list is years old has stopped)."""
    return [o for o in found if o["published"] >= "2026-01-01"]


def median(found: list[dict[str, Any]]) -> str:
    """The median price as yuan with two decimals."""
    return f"{statistics.median(float(o['price']) for o in found):.2f}"


def fill(page: Any, ctx: Any, rows: list[dict[str, Any]], **answers: str) -> None:
    """Write the price table and the other answers on the answer sheet, and save."""
    page.goto(ctx.url("/exam/answers"))
    for n, row in enumerate(rows, start=1):
        for column in ("source", "supplier", "price"):
            page.fill(f"#ans-p{n}_{column}", str(row[column]))
    for field, value in answers.items():
        page.fill(f"#ans-{field}", value)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()
