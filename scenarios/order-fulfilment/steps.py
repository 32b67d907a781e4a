"""Steps of a merchant shipping orders and answering after-sales, shared by the reference and other
solutions. The customers act on the world clock: the steps wait for what they do to show (ctx.wait_until_shown)."""

from __future__ import annotations

from typing import Any


def seller_login(page: Any, ctx: Any) -> None:
    """Log in to the seller centre as the merchant (confirmations are accepted from now on)."""
    page.on("dialog", lambda dialog: dialog.accept())
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/seller/login"))
    page.fill("#login", merchant["shop_login"])
    page.fill("#password", merchant["shop_password"])
    page.get_by_role("button", name="登录").click()
    page.locator(".sellerhead").wait_for()


def wait_for_new_orders(page: Any, ctx: Any, count: int = 4) -> None:
    """Wait until the customers' new orders are in (the shop had two before the attempt)."""
    ctx.wait_until_shown(page, ctx.url("/seller/orders"), "tr[data-order-no]", count + 2)


def orders_to_ship(page: Any, ctx: Any) -> list[str]:
    """Numbers of the orders waiting to be shipped."""
    page.goto(ctx.url("/seller/orders?status=awaiting_shipment"))
    return [row.get_attribute("data-order-no") for row in page.locator("tr[data-order-no]").all()]


def unpaid_orders(page: Any, ctx: Any) -> list[str]:
    """Numbers of the orders waiting for payment."""
    page.goto(ctx.url("/seller/orders?status=awaiting_payment"))
    return [row.get_attribute("data-order-no") for row in page.locator("tr[data-order-no]").all()]


def ship(page: Any, ctx: Any, number: str, carrier: str, service: str) -> None:
    """Ship everything of an order with an electronic waybill of the carrier's service."""
    page.goto(ctx.url(f"/seller/orders/{number}"))
    page.select_option("#choice", f"{carrier}|{service}")
    page.get_by_role("button", name="申请电子面单并发货").click()
    page.locator(".flash", has_text="已发货").wait_for()


def cancel(page: Any, ctx: Any, number: str, reason: str) -> None:
    """Cancel an order with a reason."""
    page.goto(ctx.url(f"/seller/orders/{number}"))
    page.fill("#cancel-reason", reason)
    page.locator('[data-role="cancel-form"] button[type=submit]').click()
    page.locator(".flash", has_text="订单已取消").wait_for()


def requests(page: Any, ctx: Any, count: int = 2) -> dict[str, str]:
    """The after-sales requests to answer, by kind label (仅退款 / 退货退款) → request number."""
    ctx.wait_until_shown(page, ctx.url("/seller/aftersales?tab=todo"), "tr[data-aftersale-no]", count)
    found = {}
    for row in page.locator("tr[data-aftersale-no]").all():
        found[row.locator("td").nth(2).inner_text().strip()] = row.get_attribute("data-aftersale-no")
    return found


def ask_goods_back(page: Any, ctx: Any, number: str) -> None:
    """Agree to a return: the customer sends the goods back."""
    page.goto(ctx.url(f"/seller/aftersales/{number}"))
    page.get_by_role("button", name="同意退货（请买家寄回商品）").click()
    page.locator(".flash", has_text="已同意退货").wait_for()


def receive_and_refund(page: Any, ctx: Any, number: str) -> None:
    """Wait for the return parcel to be signed for, then confirm receipt (restock and refund)."""
    ctx.wait_until_shown(
        page, ctx.url(f"/seller/aftersales/{number}"), '[data-role="return-status"]', text="已签收"
    )
    page.get_by_role("button", name="确认收货并退款").click()
    page.locator(".flash", has_text="已确认收到退货").wait_for()


def refund_at_once(page: Any, ctx: Any, number: str) -> None:
    """Agree to a refund-only request (the money goes back at once)."""
    page.goto(ctx.url(f"/seller/aftersales/{number}"))
    page.get_by_role("button", name="同意退款").click()
    page.locator(".flash", has_text="已同意售后申请").wait_for()


def refuse(page: Any, ctx: Any, number: str, reason: str) -> None:
    """Refuse a request with a reason."""
    page.goto(ctx.url(f"/seller/aftersales/{number}"))
    page.fill("#reject-reason", reason)
    page.locator('[data-role="reject-form"] button[type=submit]').click()
    page.locator(".flash", has_text="已拒绝售后申请").wait_for()
