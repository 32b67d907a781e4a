"""Reference solution of refund-handling: everything through the UI, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Read the letter, refund the part asked, meet the limit, read the buyer's statement."""
    order_no = steps.letter_order_no(page, ctx)
    steps.console_login(page, ctx)
    steps.open_trade(page, ctx, order_no)
    steps.refund(page, ctx.params["refund_fen"])
    page.locator(".flash", has_text="退款成功").wait_for()
    code = steps.refund_everything_again(page)
    balance = steps.buyer_balance_after_refund(page, ctx)
    steps.write_answers(page, ctx, error_code=code, buyer_balance=balance)
