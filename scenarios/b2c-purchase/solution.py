"""Reference solution of b2c-purchase: everything through the UI, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Register, add the address, buy the right quantity, pay, write the order number."""
    steps.register(page, ctx)
    steps.add_address(page, ctx)
    order_no = steps.buy(page, ctx, ctx.params["quantity"])
    steps.pay(page, ctx, order_no)
    steps.write_answer(page, ctx, order_no)
