"""Partial solution: lists the item without the reserve price and for a day too long; the rest is right."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# listed 20 of 30 (reserve and days wrong), won 40, rated 15, within-budget 15
EXPECTED_SCORE = 90


def solve(page: Any, ctx: Any) -> None:
    """No reserve price, one day more than asked."""
    days = int(ctx.params["sell"]["days"])
    url = steps.bid_and_list(page, ctx, reserve_price="", days=str(days + 1 if days < 7 else days - 1))
    steps.wait_won(page, url)
    steps.pay(page, ctx)
    steps.rate(page)
