"""Partial solution: a personal certificate instead of the company's; the bank refuses it, and the
operator's password is refused too (a certificate user), so no payment can be entered."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# applied: 4 of 6 (name, ID number, e-mail right; type, organisation, credit code wrong) = 5; the rest 0
EXPECTED_SCORE = 5


def solve(page: Any, ctx: Any) -> None:
    """Personal certificate; both logins refused."""
    steps.obtain(page, ctx, "operator", "personal")
    page.goto(ctx.url("/bank/corp/login"))
    page.locator('[data-role="cert-login"]').click()
    page.locator('[data-role="sign-entry"]').first.check()
    page.locator('[data-role="sign"] [data-role="password"]').fill(steps.PASSWORD)
    page.locator('[data-role="sign-submit"]').click()
    page.locator('[role="alert"], .alert', has_text="个人证书").first.wait_for()
    steps.password_login(page, ctx, "operator")
    page.locator('[role="alert"], .alert', has_text="证书登录").first.wait_for()
