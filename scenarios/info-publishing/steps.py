"""Steps of the info-publishing paper (the forum post, the marketing mail), shared by the reference and the
other solutions; everything through the pages, as a candidate would."""

from __future__ import annotations

from typing import Any

from graders.harness import wait_until_shown

BOARD = "promotion"  # 网店推广


def product_code(page: Any, ctx: Any) -> str:
    """The task's product's code, read from the seller centre's goods list (signed in there first)."""
    page.goto(ctx.url("/seller/goods"))
    return page.locator("tbody[data-product]", has_text=ctx.params["product"]).first.get_attribute(
        "data-product"
    )


def seller_login(page: Any, ctx: Any) -> None:
    """Sign in to 邮件营销 with the seller-centre account (the marketing app's own sign-in page)."""
    me = ctx.identity("merchant")
    page.goto(ctx.url("/marketing/"))
    form = page.locator('[data-role="marketing-login"]')
    form.locator("#login").fill(me["shop_login"])
    form.locator("#password").fill(me["shop_password"])
    form.get_by_role("button", name="登录").click()
    page.locator(".flash", has_text="登录成功").wait_for()


# --- the forum ------------------------------------------------------------------------------------


def forum_login(page: Any, ctx: Any) -> None:
    """Sign in to the forum with the identity's e-mail and payment-platform password."""
    me = ctx.identity("merchant")
    page.goto(ctx.url("/forum/login"))
    form = page.locator('form[data-role="forum-login"]')
    form.locator('input[name="login"]').fill(me["email"])
    form.locator('input[name="password"]').fill(me["platform_password"])
    form.locator('button[type="submit"]').click()
    page.locator('[data-role="forum-user"]').wait_for()


def post_thread(
    page: Any, ctx: Any, board: str = BOARD, title: str | None = None, body: str | None = None
) -> None:
    """Write the promotional post in `board`."""
    me = ctx.identity("merchant")
    product = ctx.params["product"]
    page.goto(ctx.url(f"/forum/post?board={board}"))
    form = page.locator('form[data-role="post-form"]')
    form.locator('select[name="board"]').select_option(board)
    form.locator('input[name="title"]').fill(title or f"{product} 新品上架 限时优惠")
    form.locator('textarea[name="body"]').fill(
        body
        or f"「{me['shop_name']}」新到{product}，做工扎实，用料讲究，现在下单享限时优惠。"
        "欢迎到商城搜索本店名称进店选购，有问题可以在店铺里留言咨询。"
    )
    form.locator('button[type="submit"]').click()
    page.locator('[data-role="thread-title"]').wait_for()


def wait_for_review(page: Any, ctx: Any, status: str = "approved") -> None:
    """Wait until the moderator's decision shows on 我的帖子."""
    wait_until_shown(page, ctx.url("/forum/mine"), f'tr.my-thread[data-status="{status}"]')


# --- the marketing mail ---------------------------------------------------------------------------


def write_mail(page: Any, ctx: Any, code: str | None) -> None:
    """Write the campaign about the product (with its page's link when `code` is given); save the draft."""
    product = ctx.params["product"]
    page.goto(ctx.url("/marketing/"))
    page.locator('[data-action="new-campaign"]').click()
    page.fill("#subject", f"{product} 新品上架，订阅会员专享优惠")
    link = f'<p><a href="/shop/p/{code}">点击查看「{product}」</a></p>' if code else ""
    page.fill(
        "#body",
        f"<p>亲爱的会员：</p><p>本店新到 <strong>{product}</strong>，订阅会员下单享专属优惠。</p>{link}"
        '<p>不想再收到本店的邮件？<a href="{unsubscribe}">退订</a></p>',
    )
    page.uncheck("#unsubscribe_footer")
    page.get_by_role("button", name="保存草稿").click()
    page.locator('[data-role="preview"]').wait_for()


def send_test(page: Any, ctx: Any) -> None:
    """Send the draft to oneself and look at it in the mailbox."""
    page.locator('[data-action="test-send"]').click()
    page.locator(".flash", has_text="测试邮件已发送").wait_for()
    page.goto(ctx.url("/mail/"))
    page.locator("table.mails a", has_text="[测试]").first.click()
    page.locator('[data-role="body"]').wait_for()


def open_draft(page: Any, ctx: Any) -> None:
    """Open the newest campaign from the list."""
    page.goto(ctx.url("/marketing/"))
    page.locator('[data-role="campaigns"] tbody tr').first.locator("a").click()
    page.locator('[data-role="campaign"]').wait_for()


def send_to_subscribed(page: Any) -> None:
    """Send to every opted-in subscriber (the segment)."""
    page.check("#segment-subscribed")
    page.locator('[data-action="send"]').click()
    page.locator('[data-role="report"]').wait_for()


def send_to_everyone(page: Any) -> None:
    """Tick everyone on the list (待确认 and 已退订 too) and send: refused, nothing sent."""
    page.check("#pick-all")
    page.locator('[data-action="send"]').click()
    page.locator('[data-role="error"]', has_text="没有订阅").wait_for()
