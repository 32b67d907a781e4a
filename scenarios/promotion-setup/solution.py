"""Reference solution of promotion-setup: everything through the seller centre's pages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """The coupon and the 满减 as asked."""
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
    assert steps.create_full_reduction(page, ctx, p["tiers"], p["valid_days"])
