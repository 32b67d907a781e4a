"""Steps shared by the solutions (optional): each drives the pages as a candidate would."""

from __future__ import annotations

from typing import Any


def register(page: Any, ctx: Any, phone: str, username: str = "buyer_01") -> None:
    """Open a storefront member account with this phone."""
    page.goto(ctx.url("/shop/register"))
    page.fill("#username", username)
    page.fill("#phone", phone)
    page.fill("#password", "secret123")
    page.fill("#confirm", "secret123")
    page.get_by_role("button", name="注册").click()
    page.locator(".flash", has_text="注册成功").wait_for()


def read_price(page: Any, ctx: Any, product: dict) -> str:
    """Search for the product, open it and read its variant's price as shown (e.g. '¥299.00')."""
    page.goto(ctx.url("/shop/"))
    page.get_by_placeholder("搜索商品、品牌").fill(product["name"])
    page.get_by_role("button", name="搜索").click()
    page.locator(f'[data-product="{product["code"]}"]').click()
    return page.locator(f'[data-sku="{product["sku"]}"] .price').inner_text().strip()


def write_answer(page: Any, ctx: Any, field: str, value: str) -> None:
    """Write an answer on the answer sheet and save it."""
    page.goto(ctx.url("/exam/answers"))
    page.fill(f"#ans-{field}", value)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()
