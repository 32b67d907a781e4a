"""Partial solution: wins the lot within the budget and lists the item, but neither pays nor rates."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# listed 30, won 20 of 40 (not paid), rated 0, within-budget 15
EXPECTED_SCORE = 65


def solve(page: Any, ctx: Any) -> None:
    """Stops once the lot is won."""
    url = steps.bid_and_list(page, ctx)
    steps.wait_won(page, url)
