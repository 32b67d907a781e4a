"""Partial solution: the right variant and quantity, but another variant of it in the same order."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# registered 10 + address 15 + order 12.5 (half: goods not asked for) + ship-to 10 + paid 20
# + order number 10 + visible 10
EXPECTED_SCORE = 87.5


def solve(page: Any, ctx: Any) -> None:
    """Everything right, except that the order (the whole cart checked out) also holds one piece of
    another variant."""
    steps.register(page, ctx)
    steps.add_address(page, ctx)
    steps.add_other_variant_to_cart(page, ctx)
    order_no = steps.buy_through_cart(page, ctx, ctx.params["quantity"])
    steps.pay(page, ctx, order_no)
    steps.write_answer(page, ctx, order_no)
