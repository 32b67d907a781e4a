"""Partial solution: checks in the quantity ordered instead of the one received; the count then finds
the shortfall as well as the damaged units, and the available stock read afterwards is right."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# receipt 0 (wrong quantity) + count 0 (difference includes the shortfall) + available 30
EXPECTED_SCORE = 30


def solve(page: Any, ctx: Any) -> None:
    """The ordered quantity checked in, then the count and the answer as the reference does."""
    steps.seller_login(page, ctx)
    steps.open_receipt(page, ctx)
    sku, _ = steps.check_in(page, ctx.params["ordered"])
    steps.count(page, ctx, sku, steps.physical_count(ctx))
    steps.write_answers(page, ctx, available=steps.figure(page, ctx, sku))
