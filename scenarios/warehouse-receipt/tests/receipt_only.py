"""Partial solution: checks the delivery in as received and stops there."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# receipt 35
EXPECTED_SCORE = 35


def solve(page: Any, ctx: Any) -> None:
    """The check-in, nothing more."""
    steps.seller_login(page, ctx)
    steps.open_receipt(page, ctx)
    steps.check_in(page)
