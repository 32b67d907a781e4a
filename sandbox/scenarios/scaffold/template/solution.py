"""The reference solution: everything through the pages, as a candidate would; must score full marks.

`solve(page, ctx)`: page is a Playwright page logged in as the candidate; ctx.params holds this
attempt's parameters, ctx.buyer its bank card and passwords, ctx.url(path) a sandbox address.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Register with the task's phone, look up the price, write it on the answer sheet."""
    steps.register(page, ctx, ctx.params["customer"]["phone"])
    price = steps.read_price(page, ctx, ctx.params["product"])
    steps.write_answer(page, ctx, "price", price)
