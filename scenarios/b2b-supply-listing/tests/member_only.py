"""Partial solution: the membership is approved, and no listing is published."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# member 30
EXPECTED_SCORE = 30


def solve(page: Any, ctx: Any) -> None:
    """Submit the profile and wait for the approval."""
    steps.login(page, ctx)
    steps.submit_profile(page, ctx)
    steps.wait_for_membership(page)
