"""Partial solution: sets up the app at the platform, but never configures the shop or tries a payment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# key 20 + notify URL 15
EXPECTED_SCORE = 35


def solve(page: Any, ctx: Any) -> None:
    """Key pair and notify URL at the platform only."""
    steps.console_login(page, ctx)
    steps.generate_keys(page, ctx)
    steps.seller_login(page, ctx)
    steps.set_notify_url(page, ctx, steps.shop_notify_url(page, ctx))
