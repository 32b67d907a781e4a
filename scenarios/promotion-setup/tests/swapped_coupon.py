"""Partial solution: face and threshold swapped (a threshold below the face is refused), then the 满减."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# No coupon (refused); 满减 35 + the shopper sees the 满减 (half of 25)
EXPECTED_SCORE = 47.5


def solve(page: Any, ctx: Any) -> None:
    """The seller centre refuses the swapped coupon; the 满减 is right."""
    p = ctx.params
    steps.seller_login(page, ctx)
    accepted = steps.create_coupon(
        page,
        ctx,
        p["coupon_threshold_fen"],
        p["coupon_face_fen"],
        p["coupon_total"],
        p["coupon_limit"],
        p["valid_days"],
    )
    assert not accepted and "必须高于面额" in page.locator('[role="alert"]').inner_text()
    assert steps.create_full_reduction(page, ctx, p["tiers"], p["valid_days"])
