"""Partial solution: no search engine (straight to the browser's portal), and the 起订量 condition is
ignored, so the cheapest supplier (whose minimum order is too large) takes a row; two rows are right."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# searched 0 + table 90 × 10/15 cells
EXPECTED_SCORE = 60


def solve(page: Any, ctx: Any) -> None:
    """Compare the current price lists, ignore the minimum order, fill the table."""
    steps.fill_table(page, ctx, steps.offers(page, ctx)[:3])
