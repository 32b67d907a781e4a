"""Steps a buyer takes in the storefront, shared by the reference and partial solutions."""

from __future__ import annotations

import json
from typing import Any


def register(page: Any, ctx: Any, username: str = "buyer_01", phone: str | None = None) -> None:
    """Open a member account (with the task's phone unless another is given)."""
    page.goto(ctx.url("/shop/register"))
    page.fill("#username", username)
    page.fill("#phone", phone or ctx.params["address"]["phone"])
    page.fill("#password", "secret123")
    page.fill("#confirm", "secret123")
    page.get_by_role("button", name="注册").click()
    page.locator(".flash", has_text="注册成功").wait_for()


def add_address(page: Any, ctx: Any, address: dict | None = None, default: bool = False) -> None:
    """Add the task's delivery address (or another one), optionally as the default."""
    a = address or ctx.params["address"]
    page.goto(ctx.url("/shop/addresses"))
    page.fill("#recipient", a["recipient"])
    page.fill("#phone", a["phone"])
    page.select_option("#province", a["province"])
    page.select_option("#city", a["city"])
    page.select_option("#district", a["district"])
    page.fill("#detail", a["detail"])
    page.fill("#postcode", a["postcode"])
    if default:
        page.get_by_label("设为默认地址").check()
    page.get_by_role("button", name="保存地址").click()
    page.locator(".flash", has_text="收货地址已保存").wait_for()


def choose(page: Any, ctx: Any, quantity: int) -> None:
    """Find the product by searching, choose the task's variant and a quantity."""
    product = ctx.params["product"]
    page.goto(ctx.url("/shop/"))
    page.get_by_placeholder("搜索商品、品牌").fill(product["name"])
    page.get_by_role("button", name="搜索").click()
    page.locator(f'[data-product="{product["code"]}"]').click()
    pick_variant(page, product["options"])
    assert page.locator(f'[data-sku="{product["sku"]}"] input').is_checked()
    page.fill("#quantity", str(quantity))


def pick_variant(page: Any, options: str | dict) -> None:
    """Click the chips of a variant's options, e.g. '颜色：白色 / 长度：1米'."""
    if isinstance(options, str):
        options = dict(part.split("：", 1) for part in options.split(" / "))
    for name, value in options.items():
        page.locator(f'.chip[data-attr="{name}"][data-value="{value}"]').click()


def buy(page: Any, ctx: Any, quantity: int) -> str:
    """Buy `quantity` of the task's variant at once (立即购买); returns the order number."""
    choose(page, ctx, quantity)
    page.get_by_role("button", name="立即购买").click()
    return submit_order(page)


def buy_through_cart(page: Any, ctx: Any, quantity: int) -> str:
    """Put the task's variant in the cart and check out the whole cart; returns the order number."""
    choose(page, ctx, quantity)
    page.get_by_role("button", name="加入购物车").click()
    page.locator(".flash", has_text="已加入购物车").wait_for()
    page.get_by_role("link", name="去结算").click()
    return submit_order(page)


def submit_order(page: Any) -> str:
    """Submit the order at checkout and go on to the cashier; returns the order number."""
    page.get_by_role("button", name="提交订单").click()
    page.locator('[data-role="card-pay"]').wait_for()  # checkout goes on to the platform's cashier
    return page.locator('[data-role="out-trade-no"]').inner_text().strip()


def open_cashier(page: Any, ctx: Any, order_no: str) -> None:
    """From the order's payment page to the platform's cashier."""
    page.goto(ctx.url(f"/shop/orders/{order_no}/pay"))
    page.get_by_role("button", name="去支付平台付款").click()
    page.locator('[data-role="card-pay"]').wait_for()


def pay(page: Any, ctx: Any, order_no: str) -> None:
    """Pay the order at the platform's cashier with the buyer's platform account."""
    open_cashier(page, ctx, order_no)
    if page.locator("#email").count():  # the cashier remembers a login within the session
        page.fill("#email", ctx.buyer["email"])
        page.fill("#password", ctx.buyer["platform_password"])
        page.get_by_role("button", name="登录账户").click()
    page.fill("#pay_password", ctx.buyer["payment_password"])
    page.get_by_role("button", name="确认付款").click()
    page.locator(".flash", has_text="付款成功！订单号").wait_for()


def pay_by_card(page: Any, ctx: Any, order_no: str) -> None:
    """Pay the order at the platform's cashier with the buyer's bank card."""
    open_cashier(page, ctx, order_no)
    page.fill("#card_no", ctx.buyer["account_no"])
    page.fill("#card_password", ctx.buyer["payment_password"])
    page.locator('[data-role="card-pay"] button[type=submit]').click()
    page.locator(".flash", has_text="付款成功！订单号").wait_for()


def write_answer(page: Any, ctx: Any, order_no: str) -> None:
    """Write the order number on the answer sheet."""
    page.goto(ctx.url("/exam/answers"))
    page.fill("#ans-order_no", order_no)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()


def add_other_variant_to_cart(page: Any, ctx: Any) -> None:
    """Put one piece of another variant of the task's product in the cart (goods nobody asked for)."""
    product = ctx.params["product"]
    page.goto(ctx.url(f"/shop/p/{product['code']}"))
    other = page.locator(f'[data-sku]:not([data-sku="{product["sku"]}"]):not([data-available="0"])').first
    pick_variant(page, json.loads(other.get_attribute("data-options")))
    page.fill("#quantity", "1")
    page.get_by_role("button", name="加入购物车").click()
    page.locator(".flash", has_text="已加入购物车").wait_for()
