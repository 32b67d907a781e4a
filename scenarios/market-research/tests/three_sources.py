"""Partial solution: only three sources collected; the median (of every current price) is right; no
unreliable source named."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# searched 10 + prices 40 × 3/5 + median 20
EXPECTED_SCORE = 54


def solve(page: Any, ctx: Any) -> None:
    """Search, collect three, give the median."""
    steps.search(page, ctx, ctx.params["item"]["product"])
    now = steps.current(steps.prices(page, ctx))
    steps.fill(page, ctx, now[:3], median=steps.median(now))
