"""End to end in Chromium: the shop owner signs in to 生意参谋 with the seller-centre account, sees the
overview's chart drawn (a canvas), switches to 近30天, opens the busiest product's funnel from the
ranking and the sources' pie chart; a reversed custom range is refused with its message."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from sandbox.analytics import services
from sandbox.merchant.models import SellerAccount
from sandbox.worlds.store import open_world
from seed_data import analytics_seed

SCENARIO = "info-publishing"


def test_sign_in_charts_ranking_funnel_and_sources(harness, tmp_path: Path) -> None:  # noqa: ANN001
    shots = Path(os.environ.get("ANALYTICS_SCREENSHOTS") or tmp_path)
    attempt = harness.new_attempt(SCENARIO, 3)
    me = next(i for i in attempt.identities if i["role"] == "merchant")
    w = open_world(attempt.world_path)
    account = w.db.scalars(select(SellerAccount).where(SellerAccount.login == me["shop_login"])).one()
    analytics_seed.add_sample_products(w, account.shop, 5)
    shop = services.generate(w, account.shop.id, account.shop.name, "browser", owner_account_id=account.id)
    weak_id = shop.plan["weak"]
    w.commit()
    w.close()

    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(base + harness.login_path(attempt))
    page.goto(base + "/analytics/")
    form = page.locator('[data-role="analytics-login"]')
    form.locator("#login").fill(me["shop_login"])
    form.locator("#password").fill(me["shop_password"])
    form.get_by_role("button", name="登录").click()
    page.locator(".flash", has_text="登录成功").wait_for()
    page.goto(base + "/analytics/")  # the seller centre sends back only to its own pages (see status)
    cards = page.locator('[data-role="cards"]')
    expect(cards).to_be_visible()
    expect(page.locator('[data-chart="an-daily"][data-drawn="1"] canvas')).to_have_count(1)
    expect(page.locator('[data-role="daily"] tbody tr')).to_have_count(7)
    page.screenshot(path=str(shots / "analytics-overview.png"), full_page=True)

    page.locator('.an-presets [data-range="30"]').click()
    expect(page.locator('[data-role="daily"] tbody tr')).to_have_count(30)

    page.locator(".an-nav a", has_text="商品排行").click()
    first = page.locator('[data-role="products"] tbody tr').first
    expect(first).to_be_visible()
    first.locator("a").click()
    expect(page.locator('[data-role="funnel"] .an-step')).to_have_count(4)
    expect(page.locator('[data-chart="an-product"][data-drawn="1"] canvas')).to_have_count(1)
    assert page.url.split("?")[0].endswith("/analytics/products/" + first_code(attempt, weak_id))
    page.screenshot(path=str(shots / "analytics-product.png"), full_page=True)

    page.locator(".an-nav a", has_text="流量来源").click()
    expect(page.locator('[data-chart="an-sources"][data-drawn="1"] canvas')).to_have_count(1)
    expect(page.locator('[data-role="sources"] tbody tr').first).to_have_attribute("data-source", "search")
    page.screenshot(path=str(shots / "analytics-sources.png"), full_page=True)

    page.fill("#an-start", shop.last_day.isoformat())
    page.fill("#an-end", shop.first_day.isoformat())
    page.locator('[data-role="range-form"] button').click()
    expect(page.locator('[data-role="error"]')).to_contain_text("开始日期不能晚于结束日期")
    context.close()


def first_code(attempt, product_id: int) -> str:  # noqa: ANN001
    """The code of the product (the busiest one heads the ranking by visitors)."""
    from sandbox.storefront.models import Product

    w = open_world(attempt.world_path, read_only=True)
    code = w.db.get(Product, product_id).code
    w.close()
    return code
