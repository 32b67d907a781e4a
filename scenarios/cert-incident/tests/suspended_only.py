"""Partial solution: the leaked certificate is only suspended (not revoked), no new certificate; the bad
letter is found, with its reason."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# letter 25 + reason 20; suspending is not revoking (0), no new certificate (0 + 0)
EXPECTED_SCORE = 45


def solve(page: Any, ctx: Any) -> None:
    """Suspend instead of revoking; answer the letters."""
    page.goto(ctx.url("/ca/service"))
    page.locator('[data-role="service-form"] #password').fill(ctx.identity("holder")["cert_password"])
    page.check('[data-role="action-suspend"]')
    page.locator('[data-role="service-submit"]').click()
    page.locator(".flash", has_text="已挂起").wait_for()
    number, reason = steps.bad_letter(steps.read_letters(page, ctx))
    steps.choose(page, ctx, {"letter": number, "reason": reason})
