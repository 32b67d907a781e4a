"""Partial solution: the candidate does not look at the price lists' dates, so the supplier whose site
stopped in 2024 (cheapest of all on paper) takes the first row; the other two rows are right."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# searched 10 + table 90 × 10/15 cells (the stale supplier's row is not an expected row)
EXPECTED_SCORE = 70


def solve(page: Any, ctx: Any) -> None:
    """Search, compare every price list whatever its date, fill the table."""
    item = ctx.params["item"]
    steps.search(page, ctx, item["product"])
    best = steps.within_limit(steps.offers(page, ctx, current_only=False), item["limit"])[:3]
    steps.fill_table(page, ctx, best)
