"""Partial solution: both documents at a tax rate other than the letter's; each adds up by itself."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# Everything but the money: each totals item keeps its right total (a quarter: 2 + 2 of 8 + 8) and
# both 大写 items are lost (6 + 8): 100 - 6 - 6 - 6 - 8 = 74.
EXPECTED_SCORE = 74


def solve(page: Any, ctx: Any) -> None:
    """Fill both documents with the wrong rate."""
    wrong = "9" if str(ctx.params["tax_rate"]) != "9" else "6"
    steps.sign_in(page, ctx)
    steps.purchase_order(page, ctx, tax_rate=wrong)
    steps.invoice(page, ctx, tax_rate=wrong)
