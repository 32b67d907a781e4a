"""Partial solution: the right three suppliers with prices, minimum orders and phones, but no source
addresses and no search: 12 of 15 cells."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# searched 0 + table 90 × 12/15 cells
EXPECTED_SCORE = 72


def solve(page: Any, ctx: Any) -> None:
    """Compare the current price lists within the limit; leave the sources empty."""
    best = steps.within_limit(steps.offers(page, ctx), ctx.params["item"]["limit"])[:3]
    steps.fill_table(page, ctx, best, ("supplier", "price", "min_order", "contact"))
