"""Steps of a merchant checking a delivery in and counting stock, shared by the reference and other
solutions."""

from __future__ import annotations

from typing import Any

LOCATION = "WH/A-01"


def seller_login(page: Any, ctx: Any) -> None:
    """Log in to the seller centre as the merchant."""
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/seller/login"))
    page.fill("#login", merchant["shop_login"])
    page.fill("#password", merchant["shop_password"])
    page.get_by_role("button", name="登录").click()
    page.locator(".sellernav").wait_for()


def open_receipt(page: Any, ctx: Any) -> None:
    """Wait for the supplier's delivery on the receipts page (it arrives early in the attempt), open it."""
    selector = '[data-role="receipts"] tr[data-receipt]'
    ctx.wait_until_shown(page, ctx.url("/seller/stock/receipts"), selector, timeout_s=60)
    page.locator(selector).first.locator("a").first.click()
    page.locator('[data-role="delivery-note"]').wait_for()


def check_in(page: Any, quantity: int | None = None, location: str = LOCATION) -> tuple[str, int]:
    """Check the open receipt in: `quantity` received (default: what the delivery note says was sent)
    into `location`; returns the SKU and the quantity entered."""
    line = page.locator('[data-role="receipt-lines"] tr[data-sku]').first
    sku = line.get_attribute("data-sku")
    shipped = int(line.locator('[data-role="shipped"]').inner_text().strip())
    ordered = int(line.locator('[data-role="ordered"]').inner_text().strip())
    qty = shipped if quantity is None else quantity
    page.fill(f"#received_{sku}", str(qty))
    page.select_option("#location", location)
    page.fill("#remark", f"供应商缺货 {ordered - shipped} 件，按实收 {qty} 件入库")
    page.get_by_role("button", name="确认入库").click()
    page.locator(".flash", has_text="已验收入库").wait_for()
    return sku, qty


def count(page: Any, ctx: Any, sku: str, counted: int, location: str = LOCATION) -> None:
    """Count a location: `counted` for the SKU, the system's quantity for the others; confirm."""
    page.goto(ctx.url("/seller/stock/counts"))
    page.select_option("#location", location)
    page.get_by_role("button", name="生成盘点单").click()
    rows = page.locator('[data-role="count-lines"] tr[data-sku]')
    rows.first.wait_for()
    for i in range(rows.count()):
        row = rows.nth(i)
        code = row.get_attribute("data-sku")
        system = row.locator('[data-role="system"]').inner_text().strip()
        page.fill(f"#counted_{code}", str(counted) if code == sku else system)
    page.fill("#note", "破损报废")
    page.get_by_role("button", name="确认盘点").click()
    page.locator(".flash", has_text="已确认").wait_for()


def figure(page: Any, ctx: Any, sku: str, role: str = "available") -> str:
    """A SKU's figure (available, on-hand, allocated) on its stock page."""
    page.goto(ctx.url(f"/seller/stock/sku/{sku}"))
    return page.locator(f'.figure [data-role="{role}"]').inner_text().strip()


def physical_count(ctx: Any) -> int:
    """What the task says the count found."""
    p = ctx.params
    return p["opening"] + p["ordered"] - p["shortfall"] - p["damaged"]


def write_answers(page: Any, ctx: Any, **answers: str) -> None:
    """Fill the answer sheet."""
    page.goto(ctx.url("/exam/answers"))
    for field, value in answers.items():
        page.fill(f"#ans-{field}", value)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()
