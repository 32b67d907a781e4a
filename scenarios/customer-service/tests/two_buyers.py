"""Partial solution: answers the first two buyers (stock, bargaining) by the rules and leaves the others."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# first-response 2 of 4 (7.5), stock 10, discount 10, coupon 10, size 0, refund 0, resolved 2 of 4 (5),
# promises 15, no-buyer-lost 5
EXPECTED_SCORE = 62.5


def solve(page: Any, ctx: Any) -> None:
    """Two buyers answered and resolved; the size and refund buyers wait in vain."""
    steps.login(page, ctx)
    steps.serve(page, ctx, how_many=2)
