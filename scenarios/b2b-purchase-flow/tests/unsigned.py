"""Partial solution: inquires and counters within budget, but never signs the contract."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# inquired 10, countered 15, within-budget 10; nothing after the contract
EXPECTED_SCORE = 35


def solve(page: Any, ctx: Any) -> None:
    """Stops when the contract arrives."""
    steps.login(page, ctx)
    steps.inquire(page, ctx, steps.find_listing(page, ctx))
    steps.counter(page, ctx)
