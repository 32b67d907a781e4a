"""Steps of this paper: the shared certificate steps (graders/steps/pki.py) and enterprise online banking."""

from __future__ import annotations

from typing import Any

from graders.steps.pki import PASSWORD, apply, obtain

__all__ = ["PASSWORD", "apply", "obtain"]


def cert_login(page: Any, ctx: Any) -> None:
    """Log in to enterprise online banking with the certificate: the store signs the bank's challenge."""
    page.goto(ctx.url("/bank/corp/login"))
    page.locator('[data-role="cert-login"]').click()
    page.locator('[data-role="sign-entry"]').first.check()
    page.locator('[data-role="sign"] [data-role="password"]').fill(PASSWORD)
    page.locator('[data-role="sign-submit"]').click()
    page.locator(".flash", has_text="登录成功").wait_for()


def password_login(page: Any, ctx: Any, role: str) -> None:
    """Log in to enterprise online banking with the login and password (fails for a certificate user)."""
    me = ctx.identity(role)
    page.goto(ctx.url("/bank/corp/login"))
    page.fill("#login", me["corp_login"])
    page.fill("#password", me["login_password"])
    page.locator('[data-role="password-login"] button[type="submit"]').click()


def prepare_payment(page: Any, ctx: Any) -> None:
    """The operator enters the payment to the supplier."""
    payee = ctx.identity("payee")
    page.goto(ctx.url("/bank/corp/payments/new"))
    page.fill("#payee_account_no", payee["account_no"])
    page.fill("#payee_name", payee["name"])
    page.select_option("#payee_bank", payee["bank_code"])
    page.fill("#amount", f"{ctx.params['amount']}.00")
    page.get_by_role("button", name="提交复核").click()
    page.locator(".flash", has_text="付款指令已提交").wait_for()


def logout(page: Any) -> None:
    """Leave enterprise online banking (the bank's own 退出, not the exam shell's)."""
    page.locator(".bk-head").get_by_role("button", name="退出").click()
    page.locator('[data-role="password-login"]').wait_for()


def release(page: Any, ctx: Any) -> None:
    """The approver logs in with the password and releases the waiting payment."""
    password_login(page, ctx, "approver")
    page.locator(".flash", has_text="登录成功").wait_for()
    page.goto(ctx.url("/bank/corp/payments"))
    page.locator('a[href*="/bank/corp/payments/FK"]').first.click()
    page.fill("#tx_password", ctx.identity("approver")["payment_password"])
    page.get_by_role("button", name="复核通过并放行").click()
    page.locator(".flash", has_text="付款已放行").wait_for()
