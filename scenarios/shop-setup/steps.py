"""Steps of opening a shop, shared by the reference and other solutions (everything through the pages)."""

from __future__ import annotations

from typing import Any

REVIEW_WAIT_MS = 60_000  # the platform reviews three world minutes after the application (6 s real)


def yuan(fen: int) -> str:
    """Fen as the yuan a person types."""
    return f"{fen // 100}.{fen % 100:02d}"


def seller_login(page: Any, ctx: Any) -> None:
    """Sign in to the seller centre as the merchant."""
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/seller/login"))
    page.fill("#login", merchant["shop_login"])
    page.fill("#password", merchant["shop_password"])
    page.get_by_role("button", name="登录").click()
    page.locator(".flash", has_text="登录成功").wait_for()


def apply(page: Any, ctx: Any, **changes: str) -> None:
    """Fill in and send the application (商户入驻) with the task's details (or changed ones)."""
    shop, contact = ctx.params["shop"], ctx.params["contact"]
    values = {
        "shop_name": shop["name"],
        "licence_no": shop["licence"],
        "settlement_account_no": ctx.identity("merchant")["account_no"],
        "contact_name": contact["name"],
        "contact_phone": contact["phone"],
        **changes,
    }
    page.goto(ctx.url("/seller/shop"))
    for field, value in values.items():
        page.fill(f"#{field}", value)
    page.select_option("#shop_type", shop["type"])
    page.get_by_role("button", name="提交申请").click()
    page.locator(".flash", has_text="开店申请已提交").wait_for()


def wait_for_decision(page: Any, state: str = "draft") -> None:
    """Stay on the shop page (it refreshes itself while the review runs) until the decision shows."""
    if state == "draft":
        page.locator('[data-role="shop-status"][data-state="draft"]').wait_for(timeout=REVIEW_WAIT_MS)
    else:
        page.locator('[data-role="application-state"][data-state="rejected"]').wait_for(
            timeout=REVIEW_WAIT_MS
        )


def designer_files(page: Any, ctx: Any) -> dict[str, dict[str, Any]]:
    """Open the designer's letter in the merchant's mailbox and download its attachments."""
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/mail/"))
    if page.locator('[data-role="address"]').inner_text().strip() != merchant["email"]:
        page.select_option("select[name=address]", merchant["email"])
        page.get_by_role("button", name="切换").click()
    page.get_by_role("link", name="店铺装修素材：店标和店招").first.click()
    files = {}
    for name in ("logo.png", "banner.png"):
        link = page.locator('[data-role="attachment"]', has_text=name)
        with page.expect_download() as info:
            link.click()
        download = info.value
        files[download.suggested_filename] = {
            "name": download.suggested_filename,
            "mimeType": "image/png",
            "buffer": open(download.path(), "rb").read(),  # noqa: SIM115
        }
    return files


def upload(page: Any, ctx: Any, part: str, file: dict[str, Any]) -> None:
    """Upload the logo or the banner on the decoration page."""
    page.goto(ctx.url("/seller/shop/decorate"))
    card = page.locator(f'[data-role="{part}-card"]')
    card.locator('input[type="file"]').set_input_files(file)
    card.get_by_role("button", name="上传").click()
    page.locator(".flash", has_text="图片已上传").wait_for()


def set_notice(page: Any, ctx: Any, text: str) -> None:
    """Save the shop notice."""
    page.goto(ctx.url("/seller/shop/decorate"))
    page.fill("#notice", text)
    page.get_by_role("button", name="保存公告").click()
    page.locator(".flash", has_text="店铺公告已保存").wait_for()


def add_category(page: Any, ctx: Any, name: str) -> None:
    """Add a shop category."""
    page.goto(ctx.url("/seller/shop/decorate"))
    page.fill("#category-name", name)
    page.get_by_role("button", name="添加分类").click()
    page.locator(".flash", has_text="店内分类已添加").wait_for()


def decorate(page: Any, ctx: Any) -> None:
    """Logo and banner from the designer's letter, the notice, the shop category."""
    files = designer_files(page, ctx)
    upload(page, ctx, "logo", files["logo.png"])
    upload(page, ctx, "banner", files["banner.png"])
    set_notice(page, ctx, ctx.params["shop"]["notice"])
    add_category(page, ctx, ctx.params["shop"]["category"])


def publish_good(
    page: Any,
    ctx: Any,
    good: dict[str, Any],
    shop_category: str | None = None,
    prices: list[int] | None = None,
) -> None:
    """Publish and list a good with its variants (prices in fen, the task's unless given)."""
    page.goto(ctx.url("/seller/goods/new"))
    page.select_option("#category_id", label=good["category"])
    page.fill("#title", good["title"])
    for i, name in enumerate(good["options"], start=1):
        page.fill(f"#option{i}", name)
    rows = page.locator('[data-role="variants"] tbody tr')
    for i, v in enumerate(good["variants"]):
        row = rows.nth(i)
        values = list(v["options"].values())
        row.locator('input[name="v_opt1"]').fill(values[0])
        if len(values) > 1:
            row.locator('input[name="v_opt2"]').fill(values[1])
        row.locator('input[name="v_price"]').fill(yuan(prices[i] if prices else v["price_fen"]))
        row.locator('input[name="v_stock"]').fill(str(v["stock"]))
    if shop_category:
        page.select_option("#shop_category_id", label=shop_category)
    page.get_by_role("button", name="发布并上架").click()
    page.locator(".flash", has_text="商品已发布并上架").wait_for()


def publish_goods(page: Any, ctx: Any) -> None:
    """The three goods, the first in the shop category."""
    shop = ctx.params["shop"]
    publish_good(page, ctx, shop["good1"], shop["category"])
    publish_good(page, ctx, shop["good2"])
    publish_good(page, ctx, shop["good3"])


def feature(page: Any, ctx: Any, title: str) -> None:
    """Feature a good on the shop's home (掌柜推荐)."""
    page.goto(ctx.url("/seller/shop/decorate"))
    form = page.locator('[data-role="featured-form"]')
    form.locator("label", has_text=title).locator('input[type="checkbox"]').check()
    form.get_by_role("button", name="保存推荐").click()
    page.locator(".flash", has_text="掌柜推荐已保存").wait_for()


def publish_shop(page: Any, ctx: Any) -> None:
    """Publish the shop."""
    page.goto(ctx.url("/seller/shop"))
    page.get_by_role("button", name="发布店铺").click()
    page.locator(".flash", has_text="店铺已发布").wait_for()


def look_in_storefront(page: Any, ctx: Any) -> None:
    """Search the storefront for each good, as a buyer would."""
    shop = ctx.params["shop"]
    for key in ("good1", "good2", "good3"):
        page.goto(ctx.url("/shop/"))
        page.fill('input[name="q"]', shop[key]["title"])
        page.get_by_role("button", name="搜索").click()
        page.locator("a.good", has_text=shop[key]["title"]).first.wait_for()
