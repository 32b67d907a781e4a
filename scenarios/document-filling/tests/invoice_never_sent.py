"""Partial solution: the purchase order is right; the invoice is filled in but only saved as a draft."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# The purchase order's 50 points; a draft invoice is not sent, so the invoice's 50 are lost.
EXPECTED_SCORE = 50


def solve(page: Any, ctx: Any) -> None:
    """Send the purchase order, save the invoice as a draft."""
    steps.sign_in(page, ctx)
    steps.purchase_order(page, ctx)
    steps.invoice(page, ctx, action="save")
