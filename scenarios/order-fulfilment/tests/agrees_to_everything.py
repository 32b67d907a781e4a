"""Partial solution: ships as asked, takes the return back and refunds it, but also refunds the late
request that the shop's rule says to refuse."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# shipped 40 + unpaid left 10 + return agreed 15 + return refunded 20; the late refund was not refused
EXPECTED_SCORE = 85


def solve(page: Any, ctx: Any) -> None:
    """Everything agreed."""
    carrier = ctx.params["carrier"]
    steps.seller_login(page, ctx)
    steps.wait_for_new_orders(page, ctx)
    for number in steps.orders_to_ship(page, ctx):
        steps.ship(page, ctx, number, carrier["code"], carrier["service"])
    asked = steps.requests(page, ctx)
    steps.refund_at_once(page, ctx, asked["仅退款"])
    steps.ask_goods_back(page, ctx, asked["退货退款"])
    steps.receive_and_refund(page, ctx, asked["退货退款"])
