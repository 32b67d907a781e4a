"""End to end in Chromium: the enterprise member logs in, fills in the company profile, is approved by
the platform, posts a supply listing that is published, and a visitor finds it by searching."""

from __future__ import annotations

import os
from pathlib import Path

SCENARIO = "b2b-supply-listing"


def test_member_profile_listing_and_visitor_search(harness, tmp_path: Path) -> None:  # noqa: ANN001
    shots = Path(os.environ.get("B2B_MARKET_SCREENSHOTS") or tmp_path)
    attempt = harness.new_attempt(SCENARIO, 2)
    me = next(i for i in attempt.identities if i["role"] == "enterprise")
    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(base + harness.login_path(attempt))
    page.goto(base + "/b2b/")
    page.screenshot(path=str(shots / "b2b-home.png"), full_page=True)
    page.get_by_role("link", name="会员登录").first.click()
    page.fill("#login", me["b2b_login"])
    page.fill("#password", me["b2b_password"])
    page.get_by_role("button", name="登录", exact=True).click()
    page.locator('[data-role="profile-form"]').wait_for()  # a member without a profile lands on it

    # A wrong check character is refused with the reason, on the field.
    page.fill("#name", me["company_name"])
    wrong = me["credit_code"][:17] + ("0" if me["credit_code"][17] != "0" else "1")
    page.fill("#credit_code", wrong)
    page.fill("#address", me["address"])
    page.fill("#contact_name", me["name"])
    page.fill("#contact_phone", me["mobile"])
    page.fill("#business_scope", "日用百货、厨房用品的批发与零售；货物进出口")
    page.fill("#main_products", "日用百货、厨房用品")
    page.get_by_role("button", name="提交审核").click()
    error = page.locator('[data-error-for="credit_code"]')
    assert "校验位不正确" in error.inner_text()
    page.screenshot(path=str(shots / "b2b-profile-error.png"), full_page=True)
    page.fill("#credit_code", me["credit_code"])
    page.get_by_role("button", name="提交审核").click()
    page.locator(".flash", has_text="企业资料已提交审核").wait_for()
    page.locator('[data-role="membership"][data-state="approved"]').wait_for(timeout=60_000)

    # A listing with a phone number in its title is rejected with the rule and the number found.
    page.goto(base + "/b2b/member/offers/new")
    page.select_option("#category", "家居用品")
    page.select_option("#unit", "个")
    page.fill("#title", f"304不锈钢保温杯 批发 电话{me['mobile']}")
    page.fill("#product", "不锈钢保温杯")
    page.fill("#spec", "304不锈钢内胆，500ml")
    page.fill("#quantity", "3000")
    page.fill("#price", "26.80")
    page.fill("#delivery_terms", "下单后15天内发货")
    page.fill("#payment_terms", "款到发货")
    page.get_by_role("button", name="提交审核").click()
    row = page.locator('[data-role="my-offers"] tbody tr').first
    row.locator('[data-role="offer-reason"]').wait_for(timeout=60_000)
    assert me["mobile"] in row.locator('[data-role="offer-reason"]').inner_text()
    page.screenshot(path=str(shots / "b2b-my-offers-rejected.png"), full_page=True)
    row.get_by_role("link", name="修改").click()
    page.fill("#title", "304不锈钢真空保温杯 500ml 支持定制LOGO")
    page.get_by_role("button", name="提交审核").click()
    page.locator('[data-role="my-offers"] tbody tr').first.locator(
        '[data-role="offer-state"]:text-is("已发布")'
    ).wait_for(timeout=60_000)
    page.screenshot(path=str(shots / "b2b-my-offers.png"), full_page=True)

    # A visitor (a fresh browser in the same world, not signed in to the platform) searches for it.
    page.locator(".b2b-top button.linkish").click()  # the platform's own 退出, not the exam's
    page.locator('[data-role="login"]').wait_for()
    page.goto(base + "/b2b/")
    page.fill('.b2b-search input[name="q"]', "不锈钢 保温杯")
    page.locator(".b2b-search button[type=submit]").click()
    card = page.locator(".offer-card", has_text="304不锈钢真空保温杯 500ml 支持定制LOGO")
    assert card.locator('[data-role="price"]').inner_text().startswith("¥26.80")
    assert card.locator(".offer-company").inner_text() == me["company_name"]
    page.screenshot(path=str(shots / "b2b-search.png"), full_page=True)
    card.click()
    assert me["company_name"] in page.locator('[data-role="offer-company"]').inner_text()
    page.screenshot(path=str(shots / "b2b-offer.png"), full_page=True)
    context.close()
