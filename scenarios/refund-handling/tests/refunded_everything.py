"""Partial solution: refunds the whole order instead of the part asked, then writes what it saw."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# No refund of the asked amount: everything else depends on it
EXPECTED_SCORE = 0


def solve(page: Any, ctx: Any) -> None:
    """A full refund closes the trade; a second one is refused with another code."""
    order_no = steps.letter_order_no(page, ctx)
    steps.console_login(page, ctx)
    steps.open_trade(page, ctx, order_no)
    total = page.locator('[data-role="total"]').inner_text().strip().lstrip("¥").replace(",", "")
    steps.refund(page, int(round(float(total) * 100)), "顾客要求全额退款")
    page.locator(".flash", has_text="退款成功").wait_for()
    balance = steps.buyer_balance_after_refund(page, ctx)
    steps.write_answers(page, ctx, error_code="ACQ.TRADE_HAS_CLOSE", buyer_balance=balance)
