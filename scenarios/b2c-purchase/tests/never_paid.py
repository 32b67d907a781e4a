"""Partial solution: places the right order and writes its number, but never pays."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

EXPECTED_SCORE = 70  # registered 10 + address 20 + order 25 + order number 15; no payment, so not 待发货


def solve(page: Any, ctx: Any) -> None:
    """Everything but the payment."""
    steps.register(page, ctx)
    steps.add_address(page, ctx)
    order_no = steps.buy(page, ctx, ctx.params["quantity"])
    steps.write_answer(page, ctx, order_no)
