"""Steps of bank-account-transfer shared by the reference and the other solutions."""

from __future__ import annotations

import re
from typing import Any


def applicant(ctx: Any) -> dict[str, Any]:
    """The candidate's applicant identity."""
    return next(i for i in ctx.identities if i["role"] == "applicant")


def payee(ctx: Any) -> dict[str, Any]:
    """The payee at the other bank."""
    return next(i for i in ctx.identities if i["role"] == "payee")


def apply(page: Any, ctx: Any, **changes: str) -> None:
    """Fill in and submit the online application (with the identity's details unless changed)."""
    me = {**applicant(ctx), **changes}
    page.goto(ctx.url("/bank/apply"))
    page.select_option("#bank", me["bank_code"])
    page.select_option("#account_type", "personal")
    for field in ("name", "id_number", "mobile", "email", "address"):
        page.fill(f"#{field}", me[field])
    page.get_by_role("button", name="提交申请").click()
    page.locator(".flash", has_text="开户申请已提交").wait_for()


def credentials(page: Any, ctx: Any) -> dict[str, str]:
    """Open the bank's account-opening mail and read the card number and passwords from it."""
    page.goto(ctx.url("/mail/"))
    page.get_by_role("link", name=re.compile("开户成功通知")).first.click()
    body = page.locator('[data-role="body"]').inner_text()
    return {
        "account_no": re.search(r"账号：(\d+)", body)[1],
        "login_password": re.search(r"登录密码：(\S+)", body)[1],
        "tx_password": re.search(r"交易密码：(\d{6})", body)[1],
    }


def login(page: Any, ctx: Any, creds: dict[str, str]) -> None:
    """Log in to personal online banking."""
    page.goto(ctx.url("/bank/login"))
    page.fill("#account_no", creds["account_no"])
    page.fill("#password", creds["login_password"])
    page.get_by_role("button", name="登录").click()
    page.locator('[data-role="balance"]').wait_for()


def transfer(page: Any, ctx: Any, creds: dict[str, str], amount: str, name: str | None = None) -> None:
    """Send `amount` yuan to the payee (under another name if given)."""
    to = payee(ctx)
    page.goto(ctx.url("/bank/transfer"))
    page.fill("#payee_name", name or to["name"])
    page.fill("#payee_account_no", to["account_no"])
    page.select_option("#payee_bank", to["bank_code"])
    page.fill("#amount", amount)
    page.fill("#tx_password", creds["tx_password"])
    page.get_by_role("button", name="确认转账").click()
    page.locator(".flash", has_text="转账已提交").wait_for()


def balance(page: Any, ctx: Any) -> str:
    """The balance the overview page shows, as written there without the ¥."""
    page.goto(ctx.url("/bank/"))
    return page.locator('[data-role="balance"]').inner_text().replace("¥", "").replace(",", "").strip()


def write_answer(page: Any, ctx: Any, value: str) -> None:
    """Write the balance on the answer sheet."""
    page.goto(ctx.url("/exam/answers"))
    page.fill("#ans-balance", value)
    page.get_by_role("button", name="保存答案").click()
    page.locator(".flash", has_text="答案已保存").wait_for()
