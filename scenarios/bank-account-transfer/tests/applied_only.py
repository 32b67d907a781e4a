"""Partial solution: applies and gets the account, but never logs in or transfers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# applied 20 + opened 20
EXPECTED_SCORE = 20 + 20


def solve(page: Any, ctx: Any) -> None:
    """Only the application."""
    steps.apply(page, ctx)
