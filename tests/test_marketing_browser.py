"""End to end in Chromium: the shop owner signs in to 邮件营销 with the seller-centre account, writes a
campaign, previews it, sends a test to the own mailbox, is refused when the whole list (待确认 and 已退订
too) is ticked, sends to the opted-in segment, and watches the NPC recipients' deliveries and bounces
arrive on the world clock; a recipient's unsubscribe page takes effect at once."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from graders.harness import wait_until_shown
from sandbox.marketing.models import Campaign, OptIn, Subscriber
from sandbox.worlds.store import open_world

SCENARIO = "info-publishing"


def test_write_test_refuse_send_and_report(harness, tmp_path: Path) -> None:  # noqa: ANN001
    shots = Path(os.environ.get("MARKETING_SCREENSHOTS") or tmp_path)
    attempt = harness.new_attempt(SCENARIO, 2)
    me = next(i for i in attempt.identities if i["role"] == "merchant")
    product = attempt.params["product"]
    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(base + harness.login_path(attempt))
    page.locator('.dock [data-app="marketing"]').click()
    form = page.locator('[data-role="marketing-login"]')
    form.locator("#login").fill(me["shop_login"])
    form.locator("#password").fill(me["shop_password"])
    form.get_by_role("button", name="登录").click()
    page.locator(".flash", has_text="登录成功").wait_for()
    page.goto(base + "/marketing/subscribers")
    rows = page.locator('[data-role="subscribers"] tbody tr')
    assert rows.count() >= 9 and page.locator('tr[data-status="pending"]').count() >= 2
    page.screenshot(path=str(shots / "marketing-subscribers.png"), full_page=True)

    page.locator('[data-action="new-campaign"]').click()
    assert page.input_value("#sender_name") == me["shop_name"]
    page.fill("#subject", f"{product} 新品上架，会员专享8折")
    page.fill(
        "#body",
        f"<p>亲爱的会员：</p><p>本店新到 <strong>{product}</strong>，订阅会员专享8折。</p>"
        '<p><a href="/shop/p/P00001">立即查看</a></p><script>alert(1)</script>',
    )
    page.uncheck("#unsubscribe_footer")
    page.get_by_role("button", name="保存草稿").click()
    page.locator('[data-role="no-unsubscribe"]').wait_for()  # neither the tag nor the footer
    page.locator('[data-action="send"]').click()
    assert "没有退订链接" in page.locator('[data-role="error"]').inner_text()
    page.locator('[data-action="edit"]').click()
    page.check("#unsubscribe_footer")
    page.get_by_role("button", name="保存草稿").click()
    preview = page.locator('[data-role="preview"]')
    assert "点此退订" in preview.inner_text() and preview.locator("script").count() == 0
    page.screenshot(path=str(shots / "marketing-campaign.png"), full_page=True)

    page.locator('[data-action="test-send"]').click()
    page.locator(".flash", has_text="测试邮件已发送").wait_for()
    page.goto(base + "/mail/")
    page.locator("table.mails a", has_text="[测试]").first.click()
    body = page.locator('[data-role="body"]')
    assert product in body.inner_text() and body.locator("script").count() == 0
    page.screenshot(path=str(shots / "marketing-mail.png"), full_page=True)
    page.go_back()
    page.go_back()

    # Ticking the whole list is refused, naming the addresses that have not opted in; nothing is sent.
    page.check("#pick-all")
    assert page.is_checked("#segment-picked")
    page.locator('[data-action="send"]').click()
    error = page.locator('[data-role="error"]')
    assert "没有订阅" in error.inner_text()
    pending = page.locator('[data-role="recipients"] tr[data-status="pending"]').first.get_attribute(
        "data-address"
    )
    assert pending in error.inner_text()
    page.screenshot(path=str(shots / "marketing-refused.png"), full_page=True)

    page.check("#segment-subscribed")
    page.locator('[data-action="send"]').click()
    page.locator(".flash", has_text="邮件已发送给").wait_for()
    url = page.url
    w = open_world(attempt.world_path, read_only=True)
    try:
        c = w.db.scalars(select(Campaign)).one()
        sent_to = {d.address for d in c.deliveries}
        opted = {s.address for s in w.db.scalars(select(Subscriber)) if s.opted_in_at(c.sent_at)}
        live = [d for d in c.deliveries if d.message_id]
        token, dead = live[0].subscriber.token, len(c.deliveries) - len(live)
    finally:
        w.close()
    assert sent_to == opted and dead >= 1
    # World minutes run 30 times as fast: deliveries and bounces arrive within seconds.
    wait_until_shown(page, url, 'tr[data-delivery="bounced"]', count=dead)
    wait_until_shown(page, url, 'tr[data-delivery="delivered"]', count=len(live))
    assert page.locator('[data-figure="sent"] strong').inner_text() == str(len(sent_to))
    if os.environ.get("MARKETING_SCREENSHOTS"):  # for the README: wait for the first opens (2-45 world min)
        wait_until_shown(page, url, "tr[data-opened]", count=2, timeout_s=120)
    page.screenshot(path=str(shots / "marketing-report.png"), full_page=True)

    page.goto(base + f"/marketing/unsubscribe/{token}?c={c.id}")
    page.screenshot(path=str(shots / "marketing-unsubscribe.png"), full_page=True)
    page.locator('[data-action="unsubscribe"]').click()
    page.locator('[data-role="unsubscribed"]').wait_for()
    w = open_world(attempt.world_path, read_only=True)
    try:
        assert (
            w.db.scalars(select(Subscriber).where(Subscriber.token == token)).one().status
            == OptIn.UNSUBSCRIBED
        )
    finally:
        w.close()
    context.close()
