"""Partial solution: refund and refusal right, but the balance written is the one before the refund."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# refunded 40 + refused 25 + error code 15; the balance is off by the refund
EXPECTED_SCORE = 80


def solve(page: Any, ctx: Any) -> None:
    """Everything, with the balance before the refund on the answer sheet."""
    order_no = steps.letter_order_no(page, ctx)
    steps.console_login(page, ctx)
    steps.open_trade(page, ctx, order_no)
    steps.refund(page, ctx.params["refund_fen"])
    page.locator(".flash", has_text="退款成功").wait_for()
    code = steps.refund_everything_again(page)
    balance = steps.buyer_balance_after_refund(page, ctx)
    before = int(round(float(balance) * 100)) - ctx.params["refund_fen"]
    steps.write_answers(page, ctx, error_code=code, buyer_balance=steps.yuan(before))
