"""Partial solution: the application is approved, and nothing more is done."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# opened 15
EXPECTED_SCORE = 15


def solve(page: Any, ctx: Any) -> None:
    """Apply and wait for the approval."""
    steps.seller_login(page, ctx)
    steps.apply(page, ctx)
    steps.wait_for_decision(page)
