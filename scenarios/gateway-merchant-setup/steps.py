"""Steps of a merchant connecting its shop to the platform, shared by the reference and other solutions."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def console_login(page: Any, ctx: Any) -> None:
    """Log in to the platform's merchant centre as the merchant."""
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/gateway/console/login"))
    page.fill("#email", merchant["email"])
    page.fill("#password", merchant["platform_password"])
    page.get_by_role("button", name="登录").click()
    page.locator('[data-role="key-status"]').wait_for()


def generate_keys(page: Any, ctx: Any, upload: bool = True) -> str:
    """Generate a key pair with the key tool, download the private key, upload the public key."""
    page.goto(ctx.url("/gateway/console/"))
    page.get_by_role("button", name="密钥工具：生成密钥").click()
    with page.expect_download() as download:
        page.locator('[data-role="download-private"]').click()
    private_pem = Path(download.value.path()).read_text()
    if upload:
        page.get_by_role("button", name="上传此公钥到应用").click()
        page.locator(".flash", has_text="应用公钥已保存").wait_for()
    return private_pem


def platform_key(page: Any, ctx: Any) -> str:
    """The platform's public key, as the merchant centre shows it."""
    page.goto(ctx.url("/gateway/console/"))
    return page.locator('[data-role="platform-key"]').inner_text()


def seller_login(page: Any, ctx: Any) -> None:
    """Log in to the shop's back office."""
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/seller/login"))
    page.fill("#login", merchant["shop_login"])
    page.fill("#password", merchant["shop_password"])
    page.get_by_role("button", name="登录").click()
    page.locator(".sellerhead").wait_for()


def shop_notify_url(page: Any, ctx: Any) -> str:
    """The shop's notify URL, from its back office."""
    page.goto(ctx.url("/seller/payment"))
    return page.locator('[data-id="notify_url"]').inner_text().strip()


def set_notify_url(page: Any, ctx: Any, url: str) -> None:
    """Set the app's notify URL in the merchant centre."""
    page.goto(ctx.url("/gateway/console/"))
    page.fill("#notify_url", url)
    page.get_by_role("button", name="保存地址").click()
    page.locator(".flash").first.wait_for()


def save_shop_keys(page: Any, ctx: Any, private_pem: str, platform_pem: str) -> None:
    """Save the private key and the platform's public key in the shop's back office."""
    page.goto(ctx.url("/seller/payment"))
    page.fill("#private_key", private_pem)
    page.fill("#platform_public_key", platform_pem)
    page.get_by_role("button", name="保存密钥").click()
    page.locator(".flash", has_text="密钥已保存").wait_for()


def trial_payment(page: Any, ctx: Any, amount_fen: int) -> str:
    """Start a trial payment, pay it by the buyer's card at the cashier; the platform's trade number."""
    buyer = ctx.buyer
    page.goto(ctx.url("/seller/payment"))
    page.fill("#amount", f"{amount_fen // 100}.{amount_fen % 100:02d}")
    page.get_by_role("button", name="发起测试支付").click()
    page.locator('[data-role="card-pay"]').wait_for()
    page.fill("#card_no", buyer["account_no"])
    page.fill("#card_password", buyer["payment_password"])
    page.locator('[data-role="card-pay"] button[type=submit]').click()
    row = page.locator('[data-role="trials"] tbody tr').first
    row.wait_for()
    return row.locator('[data-role="trade-no"]').inner_text().strip()


def write_answer(page: Any, ctx: Any, trade_no: str) -> None:
    """Write the trade number on the answer sheet."""
    page.goto(ctx.url("/exam/answers"))
    page.fill("#ans-trade_no", trade_no)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()
