"""Reference solution of order-fulfilment: everything through the seller centre, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Ship the paid orders as asked, leave the unpaid one, take the valid return back, refuse the late refund."""
    carrier = ctx.params["carrier"]
    steps.seller_login(page, ctx)
    steps.wait_for_new_orders(page, ctx)
    for number in steps.orders_to_ship(page, ctx):
        steps.ship(page, ctx, number, carrier["code"], carrier["service"])
    asked = steps.requests(page, ctx)
    steps.refuse(page, ctx, asked["仅退款"], "签收已超过7天，不支持以“不想要了”为由退款")
    steps.ask_goods_back(page, ctx, asked["退货退款"])
    steps.receive_and_refund(page, ctx, asked["退货退款"])
