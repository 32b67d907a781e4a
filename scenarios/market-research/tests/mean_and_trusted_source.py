"""Partial solution: no search engine; five right prices, but the mean is written for the median, and
the source named as unreliable is a supplier's current price list (a reliable one)."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# prices 40 (searched, median, unreliable and so why: 0)
EXPECTED_SCORE = 40


def solve(page: Any, ctx: Any) -> None:
    """Collect five current prices; answer their mean and a reliable page."""
    now = steps.current(steps.prices(page, ctx))[:5]
    mean = statistics.mean(float(o["price"]) for o in now)
    steps.fill(page, ctx, now, median=f"{mean:.2f}", unreliable=now[0]["source"], why="价格最低，不可信")
