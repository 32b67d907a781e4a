"""Partial solution: makes the asked refund and stops there."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# refunded 40
EXPECTED_SCORE = 40


def solve(page: Any, ctx: Any) -> None:
    """The refund, nothing more."""
    order_no = steps.letter_order_no(page, ctx)
    steps.console_login(page, ctx)
    steps.open_trade(page, ctx, order_no)
    steps.refund(page, ctx.params["refund_fen"])
    page.locator(".flash", has_text="退款成功").wait_for()
