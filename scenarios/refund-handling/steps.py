"""Steps of a merchant handling a refund, shared by the reference and other solutions."""

from __future__ import annotations

import re
from typing import Any


def yuan(fen: int) -> str:
    """Fen as the yuan a person types."""
    return f"{fen // 100}.{fen % 100:02d}"


def letter_order_no(page: Any, ctx: Any) -> str:
    """Read the customer's letter in the merchant's mailbox; the order number it names."""
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/mail/"))
    if page.locator('[data-role="address"]').inner_text().strip() != merchant["email"]:
        page.select_option("select[name=address]", merchant["email"])  # the merchant's mailbox
        page.get_by_role("button", name="切换").click()
    page.get_by_text("申请部分退款").first.click()
    subject = page.locator("h2").filter(has_text="申请部分退款").first.inner_text()
    return re.search(r"\d{12,}", subject).group(0)


def console_login(page: Any, ctx: Any) -> None:
    """Log in to the platform's merchant centre as the merchant."""
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/gateway/console/login"))
    page.fill("#email", merchant["email"])
    page.fill("#password", merchant["platform_password"])
    page.get_by_role("button", name="登录").click()
    page.locator('[data-role="key-status"]').wait_for()


def open_trade(page: Any, ctx: Any, order_no: str) -> None:
    """Find the order's trade in the merchant centre and open it."""
    page.goto(ctx.url("/gateway/console/trades"))
    page.fill("#out_trade_no", order_no)
    page.get_by_role("button", name="查询").click()
    page.locator('[data-role="trades"] tbody tr a').first.click()
    page.locator('[data-role="refund"]').wait_for()


def refund(page: Any, fen: int, reason: str = "商品外包装破损，部分退款补偿") -> None:
    """Refund an amount of the open trade."""
    page.fill("#amount", yuan(fen))
    page.fill("#reason", reason)
    page.get_by_role("button", name="确认退款").click()


def refund_everything_again(page: Any) -> str:
    """Try to refund the whole order amount once more; the error code the platform answers."""
    total = page.locator('[data-role="total"]').inner_text().strip().lstrip("¥").replace(",", "")
    page.fill("#amount", total)
    page.fill("#reason", "顾客要求全额退款")
    page.get_by_role("button", name="确认退款").click()
    return page.locator('[data-role="refund-code"]').inner_text().strip()


def buyer_balance_after_refund(page: Any, ctx: Any) -> str:
    """Log in to the buyer's online bank; the balance right after the refund (newest credit)."""
    buyer = ctx.buyer
    page.goto(ctx.url("/bank/login"))
    page.fill("#account_no", buyer["account_no"])
    page.fill("#password", buyer["login_password"])
    page.get_by_role("button", name="登录").click()
    page.goto(ctx.url("/bank/statement"))
    row = page.locator('tr[data-kind="refund"]').first
    return row.locator("td").last.inner_text().strip().replace(",", "")


def write_answers(page: Any, ctx: Any, **answers: str) -> None:
    """Fill the answer sheet."""
    page.goto(ctx.url("/exam/answers"))
    for field, value in answers.items():
        page.fill(f"#ans-{field}", value)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()
