"""Partial solution: buys one more than asked (and pays): registration and address only."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# registered 10 + address 15; the order is wrong, so nothing that builds on it counts
EXPECTED_SCORE = 25


def solve(page: Any, ctx: Any) -> None:
    """Everything right except the quantity."""
    steps.register(page, ctx)
    steps.add_address(page, ctx)
    order_no = steps.buy(page, ctx, ctx.params["quantity"] + 1)
    steps.pay(page, ctx, order_no)
    steps.write_answer(page, ctx, order_no)
