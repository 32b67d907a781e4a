"""Partial solution: accepts the quotation above the budget instead of countering; the rest is right."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# inquired 10, countered 0, within-budget 0, signed 20, ordered 10, receipt 15, paid 20
EXPECTED_SCORE = 75


def solve(page: Any, ctx: Any) -> None:
    """No counter-offer: the quote is accepted as it is."""
    qty, price = steps.through_receipt(page, ctx, haggle=False)
    steps.pay(page, steps.yuan(qty * price))
    steps.release(page, ctx)
