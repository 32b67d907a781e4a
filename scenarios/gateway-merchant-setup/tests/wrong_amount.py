"""Partial solution: a complete setup, but the trial payment is of another amount."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# key 20 + notify URL 15 + shop keys 15; no trial of the asked amount, so no trade number either
EXPECTED_SCORE = 50


def solve(page: Any, ctx: Any) -> None:
    """Everything, with one yuan more than asked."""
    steps.console_login(page, ctx)
    private_pem = steps.generate_keys(page, ctx)
    platform_pem = steps.platform_key(page, ctx)
    steps.seller_login(page, ctx)
    steps.set_notify_url(page, ctx, steps.shop_notify_url(page, ctx))
    steps.save_shop_keys(page, ctx, private_pem, platform_pem)
    trade_no = steps.trial_payment(page, ctx, ctx.params["amount_fen"] + 100)
    steps.write_answer(page, ctx, trade_no)
