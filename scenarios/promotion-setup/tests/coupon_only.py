"""Partial solution: the coupon as asked, no 满减."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# coupon 40 + the shopper sees the coupon (half of 25); no 满减
EXPECTED_SCORE = 52.5


def solve(page: Any, ctx: Any) -> None:
    """Only the coupon."""
    p = ctx.params
    steps.seller_login(page, ctx)
    assert steps.create_coupon(
        page,
        ctx,
        p["coupon_face_fen"],
        p["coupon_threshold_fen"],
        p["coupon_total"],
        p["coupon_limit"],
        p["valid_days"],
    )
