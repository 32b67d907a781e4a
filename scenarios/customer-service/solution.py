"""Reference solution of customer-service: every buyer answered at once and by the shop's rules."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Sign in, answer the four buyers as they come, resolve the three orders, transfer the refund."""
    steps.login(page, ctx)
    steps.serve(page, ctx)
