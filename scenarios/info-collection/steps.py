"""Steps of the supplier-comparison paper, shared by the reference and other solutions (all through the
pages: the search engine, the browser and the answer sheet)."""

from __future__ import annotations

import re
from typing import Any

ROWS_JS = "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
KV_JS = """(dl, label) => { for (const dt of dl.querySelectorAll('dt')) {
  if (dt.innerText.trim() === label) return dt.nextElementSibling.innerText.trim(); } return ''; }"""


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
    found = items.evaluate_all(
        "(lis, p) => lis.filter(li => li.innerText.includes(p)).map(li => li.querySelector('a').dataset.site)",
        product,
    )
    return list(found)


def read_offer(page: Any, ctx: Any, slug: str, spec: str) -> dict[str, Any]:
    """A supplier's offer from its own price list (价格表) and contact page (联系我们)."""
    page.goto(ctx.url(f"/web/{slug}/prices"))
    published = page.locator("[data-role=published] time").get_attribute("datetime") or ""
    rows = page.locator(".web-table tbody tr").evaluate_all(ROWS_JS)
    row = next(r for r in rows if r[1] == spec)
    offer = {
        "supplier": page.locator(".web-site-name").inner_text().strip(),
        "price": row[2].split("元")[0],
        "min_order": row[3],
        "published": published,
        "source": page.locator("[data-role=address]").input_value(),
    }
    page.goto(ctx.url(f"/web/{slug}/contact"))
    offer["contact"] = page.locator("dl.web-kv").evaluate(KV_JS, "手机")
    return offer


def offers(page: Any, ctx: Any, *, current_only: bool = True) -> list[dict[str, Any]]:
    """Every supplier's offer of the task's product, cheapest first (by default only price lists of
    this year: a site whose price list is years old has stopped)."""
    item = ctx.params["item"]
    found = [read_offer(page, ctx, slug, item["spec"]) for slug in company_sites(page, ctx, item["product"])]
    if current_only:
        found = [o for o in found if o["published"] >= "2026-01-01"]
    return sorted(found, key=lambda o: float(o["price"]))


def quantity(text: str) -> int:
    """The number in a 起订量 such as 500个."""
    return int(re.sub(r"\D", "", text))


def within_limit(found: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The offers whose 起订量 is at most the limit."""
    return [o for o in found if quantity(o["min_order"]) <= limit]


def fill_table(page: Any, ctx: Any, rows: list[dict[str, Any]], columns: tuple[str, ...] = ()) -> None:
    """Write the comparison table on the answer sheet and save it."""
    columns = columns or ("supplier", "price", "min_order", "contact", "source")
    page.goto(ctx.url("/exam/answers"))
    for n, row in enumerate(rows, start=1):
        for column in columns:
            page.fill(f"#ans-s{n}_{column}", str(row[column]))
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()
