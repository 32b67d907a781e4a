"""Partial solution: the coupon starts tomorrow, and the 满减 has only its first tier."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# coupon 40 × 80 % (validity wrong) = 32; 满减 35 × (70 % × ½ + 15 % + 15 %) = 22.75; the shopper sees
# neither the top tier nor a coupon that has not started: 0
EXPECTED_SCORE = 54.75


def solve(page: Any, ctx: Any) -> None:
    """Both created, each with a fault."""
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
        start_later=timedelta(days=1),
    )
    assert steps.create_full_reduction(page, ctx, p["tiers"][:1], p["valid_days"])
