"""Partial solution: everything up to the receipt, then only half the amount due is paid."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# inquired 10, countered 15, within-budget 10, signed 20, ordered 10, receipt 15, paid 10 of 20
EXPECTED_SCORE = 90


def solve(page: Any, ctx: Any) -> None:
    """Pays half of what was delivered, released by the approver."""
    qty, price = steps.through_receipt(page, ctx)
    steps.pay(page, steps.yuan(qty * price // 2))
    steps.release(page, ctx)
