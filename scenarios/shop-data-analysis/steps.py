"""Steps of the shop-data-analysis paper, shared by the reference and other solutions (all through the
pages: 生意参谋 signed in with the seller-centre account, and the answer sheet)."""

from __future__ import annotations

from typing import Any

ROWS_JS = "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"


def sign_in(page: Any, ctx: Any) -> None:
    """Open 生意参谋 and sign in with the merchant's seller-centre login; the overview shows."""
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/analytics/"))
    form = page.locator('[data-role="analytics-login"]')
    form.locator("#login").fill(merchant["shop_login"])
    form.locator("#password").fill(merchant["shop_password"])
    form.get_by_role("button", name="登录").click()
    page.locator(".flash", has_text="登录成功").wait_for()
    # The seller centre may send the login back to its own home (until it lets 生意参谋 be a `next`):
    # open 生意参谋 again, as a candidate would from the desktop.
    page.goto(ctx.url("/analytics/"))
    page.locator('[data-role="cards"]').wait_for()


def report(page: Any, name: str) -> None:
    """Open one of 生意参谋's reports from its menu (店铺概况, 商品排行, 流量来源)."""
    page.locator(".an-nav a", has_text=name).click()
    page.locator('[data-role="range-form"]').wait_for()


def custom_range(page: Any, start: str, end: str) -> None:
    """Query the open report over the days from `start` to `end` (YYYY-MM-DD)."""
    page.fill("#an-start", start)
    page.fill("#an-end", end)
    page.locator('[data-role="range-form"] button').click()
    page.locator('[data-role="range"]', has_text=f"{start} ~ {end}").wait_for()


def product_rows(page: Any) -> list[dict[str, str]]:
    """The rows of the open product ranking: name, code, visitors and conversion rate."""
    rows = page.locator('[data-role="products"] tbody tr[data-product]')
    found = []
    for code, cells in zip(
        rows.evaluate_all("rows => rows.map(r => r.dataset.product)"), rows.evaluate_all(ROWS_JS), strict=True
    ):
        name = cells[1].removesuffix(code).strip()
        found.append({"code": code, "name": name, "visitors": cells[2], "conversion": cells[7]})
    return found


def product_conversion(page: Any, product: str, start: str, end: str) -> str:
    """The conversion rate of the product (by name) over the days, read on its own page (its funnel)."""
    report(page, "商品排行")
    custom_range(page, start, end)
    page.locator('[data-role="products"] tbody a', has_text=product).first.click()
    page.locator('[data-role="funnel"]').wait_for()
    return page.locator('[data-role="funnel"] [data-role="conversion"] strong').inner_text().strip()


def top_source(page: Any, start: str, end: str) -> tuple[str, str]:
    """The source of the most visitors over the days and its share, from the sources report."""
    report(page, "流量来源")
    custom_range(page, start, end)
    first = page.locator('[data-role="sources"] tbody tr').first
    return first.locator("td").first.inner_text().strip(), first.locator(
        '[data-role="share"]'
    ).inner_text().strip()


def ranking_30_days(page: Any, sort: str) -> list[dict[str, str]]:
    """The product ranking over 近30天 in the order `sort` (visitors, sales, conversion)."""
    report(page, "商品排行")
    page.locator('.an-presets [data-range="30"]').click()
    page.locator('.an-presets [data-range="30"].on').wait_for()
    page.locator(f'[data-sort="{sort}"]').click()
    page.locator(f'[data-sort="{sort}"].on').wait_for()
    return product_rows(page)


def answer(page: Any, ctx: Any, **answers: str) -> None:
    """Write the answers on the answer sheet (the source is a drop-down) and save."""
    page.goto(ctx.url("/exam/answers"))
    for field, value in answers.items():
        if field == "source":
            page.select_option("#ans-source", value)
        else:
            page.fill(f"#ans-{field}", value)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()
