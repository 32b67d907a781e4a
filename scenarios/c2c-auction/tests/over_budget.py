"""Partial solution: enters a maximum 100 yuan above the budget. The proxy still wins the lot within the
budget (the NPCs stop below it), but the bid broke the rule."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# listed 30, won 40, rated 15, within-budget 0
EXPECTED_SCORE = 85


def solve(page: Any, ctx: Any) -> None:
    """Bid the budget plus 100 yuan."""
    url = steps.bid_and_list(page, ctx, max_fen=int(ctx.params["lot"]["budget"]) + 10000)
    steps.wait_won(page, url)
    steps.pay(page, ctx)
    steps.rate(page)
