"""End to end in Chromium: the shop owner signs in to 客服工作台 with the seller-centre account, picks a
quick reply for a waiting buyer, sends it, and watches the buyer's scripted answer arrive on the world
clock (the page refreshes itself); then marks the chat resolved and reads the figures."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from sandbox.service import services
from sandbox.storefront.models import Shop
from sandbox.worlds.store import open_world

SCENARIO = "info-publishing"  # a merchant with an open shop; its world clock runs 30 times as fast


def arrive(attempt, shop_name: str) -> int:  # noqa: ANN001
    """An NPC buyer asks whether the goods are in stock (what `service.buyer_arrives` does)."""
    w = open_world(attempt.world_path)
    shop = w.db.scalars(select(Shop).where(Shop.name == shop_name)).one()
    services.save_quick_reply(w, shop, "有货", "亲，现货充足，今天下单今天发货")
    conv = services.open_conversation(w, shop, "stock", "小鹿爱购物")
    w.commit()
    w.close()
    return conv.id


def test_answer_a_buyer_and_see_the_scripted_answer(harness, tmp_path: Path) -> None:  # noqa: ANN001
    shots = Path(os.environ.get("SERVICE_SCREENSHOTS") or tmp_path)
    attempt = harness.new_attempt(SCENARIO, 4)
    me = next(i for i in attempt.identities if i["role"] == "merchant")
    conv_id = arrive(attempt, me["shop_name"])
    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(base + harness.login_path(attempt))
    page.goto(base + "/service/")
    form = page.locator('[data-role="service-login"]')
    form.locator("#login").fill(me["shop_login"])
    form.locator("#password").fill(me["shop_password"])
    form.get_by_role("button", name="登录").click()
    waiting = page.locator(f'[data-conversation="{conv_id}"] [data-role="waiting"]')
    page.locator(".flash", has_text="登录成功").wait_for()
    page.goto(base + "/service/")
    waiting.wait_for()
    page.locator(f'[data-conversation="{conv_id}"] a').click()
    page.wait_for_load_state("load")  # service.js listens for the choice once it has run
    page.select_option("#quick", label="有货")  # the script fills the reply box
    expect(page.locator("#reply-text")).to_have_value("亲，现货充足，今天下单今天发货")
    page.locator('[data-action="reply"]').click()
    page.locator(".flash", has_text="已发送").wait_for()
    buyer = page.locator('[data-role="messages"] [data-sender="buyer"]')
    expect(buyer).to_have_count(2, timeout=20_000)  # the buyer's answer, fetched by service.js
    assert "我现在就拍下" in buyer.last.inner_text()
    page.screenshot(path=str(shots / "service-conversation.png"), full_page=True)
    page.locator('[data-action="resolve"]').click()
    page.locator(".flash", has_text="已解决").wait_for()
    page.goto(base + "/service/stats")
    assert page.locator('[data-role="resolved"]').inner_text() == "1"
    page.screenshot(path=str(shots / "service-stats.png"), full_page=True)
    context.close()
