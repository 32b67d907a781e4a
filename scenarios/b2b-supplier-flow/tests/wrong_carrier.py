"""Partial solution: ships with another carrier than the task's, otherwise right."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# quoted 15, held-floor 15, contract 20, accepted 10, shipped 10 of 20, invoiced 20
EXPECTED_SCORE = 90


def solve(page: Any, ctx: Any) -> None:
    """Ships with 圆通速递 (YTO), which the task does not name."""
    steps.through_order(page, ctx)
    steps.ship(page, "YTO", "standard")
    steps.invoice(page)
