"""Partial solution: everything but the notify URL, so the shop learns of the payment only by asking."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# key 20 + shop keys 15 + trial paid by query only 40/2 + trade number 10
EXPECTED_SCORE = 65


def solve(page: Any, ctx: Any) -> None:
    """Keys and a trial payment, with no notify URL set at the platform."""
    steps.console_login(page, ctx)
    private_pem = steps.generate_keys(page, ctx)
    platform_pem = steps.platform_key(page, ctx)
    steps.seller_login(page, ctx)
    steps.save_shop_keys(page, ctx, private_pem, platform_pem)
    trade_no = steps.trial_payment(page, ctx, ctx.params["amount_fen"])
    steps.write_answer(page, ctx, trade_no)
