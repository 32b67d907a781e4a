"""Partial solution: ships the paid orders as asked and leaves the after-sales requests unanswered."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# shipped 40 + unpaid left 10
EXPECTED_SCORE = 50


def solve(page: Any, ctx: Any) -> None:
    """Shipping, nothing more."""
    carrier = ctx.params["carrier"]
    steps.seller_login(page, ctx)
    steps.wait_for_new_orders(page, ctx)
    for number in steps.orders_to_ship(page, ctx):
        steps.ship(page, ctx, number, carrier["code"], carrier["service"])
