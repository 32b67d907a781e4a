"""Partial solution: places the right order and writes its number, but never pays."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# registered 10 + address 15 + order 25 + ship-to 10 + order number 10; unpaid, so not 待发货
EXPECTED_SCORE = 70


def solve(page: Any, ctx: Any) -> None:
    """Everything but the payment."""
    steps.register(page, ctx)
    steps.add_address(page, ctx)
    order_no = steps.buy(page, ctx, ctx.params["quantity"])
    steps.write_answer(page, ctx, order_no)
