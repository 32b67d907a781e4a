"""Partial solution: generates two key pairs and saves the private key of the one not uploaded."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# key 20 + notify URL 15 + shop keys: platform key only 15/2; the platform refuses the shop's
# signature, so no trial payment is paid
EXPECTED_SCORE = 42.5


def solve(page: Any, ctx: Any) -> None:
    """The private key saved in the shop is not the one whose public half the platform has."""
    steps.console_login(page, ctx)
    steps.generate_keys(page, ctx)
    other_private = steps.generate_keys(page, ctx, upload=False)
    platform_pem = steps.platform_key(page, ctx)
    steps.seller_login(page, ctx)
    steps.set_notify_url(page, ctx, steps.shop_notify_url(page, ctx))
    steps.save_shop_keys(page, ctx, other_private, platform_pem)
    page.goto(ctx.url("/seller/payment"))
    page.fill("#amount", f"{ctx.params['amount_fen'] // 100}.{ctx.params['amount_fen'] % 100:02d}")
    page.get_by_role("button", name="发起测试支付").click()
    page.get_by_text("isv.invalid-signature").first.wait_for()
