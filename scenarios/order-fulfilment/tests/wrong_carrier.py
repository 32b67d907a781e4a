"""Partial solution: ships with another carrier than asked, cancels the unpaid order, refuses the late
refund and leaves the return request unanswered."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# shipped: every order half (another carrier) = 20; the unpaid order cancelled: 0; late refund refused 15
EXPECTED_SCORE = 35


def solve(page: Any, ctx: Any) -> None:
    """The wrong carrier, a cancelled unpaid order, one request refused."""
    other = "YTO" if ctx.params["carrier"]["code"] != "YTO" else "EMS"
    steps.seller_login(page, ctx)
    steps.wait_for_new_orders(page, ctx)
    for number in steps.orders_to_ship(page, ctx):
        steps.ship(page, ctx, number, other, "standard")
    for number in steps.unpaid_orders(page, ctx):
        steps.cancel(page, ctx, number, "顾客迟迟未付款")
    asked = steps.requests(page, ctx)
    steps.refuse(page, ctx, asked["仅退款"], "签收已超过7天，不支持无理由退款")
