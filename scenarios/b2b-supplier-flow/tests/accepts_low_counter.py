"""Partial solution: accepts the purchaser's counter-offer below the lowest price, otherwise right."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# quoted 15, held-floor 0 of 15, contract 20, accepted 10, shipped 20, invoiced 20
EXPECTED_SCORE = 85


def solve(page: Any, ctx: Any) -> None:
    """Agrees to 90% of the list price."""
    steps.through_order(page, ctx, hold=False)
    steps.ship(page, ctx.params["carrier"]["code"], ctx.params["carrier"]["service"])
    steps.invoice(page)
