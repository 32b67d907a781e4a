"""Another route to full marks: a first account with a typo, then the purchase from a second one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# Grading follows the account that placed the order; the typo account costs nothing.
EXPECTED_SCORE = 100


def solve(page: Any, ctx: Any) -> None:
    """Register with a wrong phone, log out, register again properly and do everything there."""
    steps.register(page, ctx, username="buyer_typo", phone="13000000000")
    page.locator("form[action$='/shop/logout'] button").click()  # the storefront's 退出, not the exam's
    steps.register(page, ctx, username="buyer_02")
    steps.add_address(page, ctx)
    order_no = steps.buy(page, ctx, ctx.params["quantity"])
    steps.pay(page, ctx, order_no)
    steps.write_answer(page, ctx, order_no)
