"""Reference solution of b2b-purchase-flow: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Find, inquire, counter within budget, sign, order, confirm the short delivery, pay what arrived."""
    qty, price = steps.through_receipt(page, ctx)
    steps.pay(page, steps.yuan(qty * price))
    steps.release(page, ctx)
