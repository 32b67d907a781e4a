"""Partial solution: receipt and count right, but writes the quantity on hand, forgetting the units an
order has reserved."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# receipt 35 + count 35; the answer is on hand, not available
EXPECTED_SCORE = 70


def solve(page: Any, ctx: Any) -> None:
    """Everything, with the on-hand figure on the answer sheet."""
    steps.seller_login(page, ctx)
    steps.open_receipt(page, ctx)
    sku, _ = steps.check_in(page)
    steps.count(page, ctx, sku, steps.physical_count(ctx))
    steps.write_answers(page, ctx, available=steps.figure(page, ctx, sku, "on-hand"))
