"""Partial solution: registers with another phone and ships to another address, otherwise right."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# registered 5 (wrong phone) + address 15 + order 25 + ship-to 0 + paid 20 + order number 10 + visible 10
EXPECTED_SCORE = 85

ELSEWHERE = {
    "recipient": "路人甲",
    "phone": "13000000000",
    "detail": "无关路1号1栋101室",
    "postcode": "999999",
}


def other_region(task: dict) -> dict:
    """A 省/市/区 where no part equals the task's."""
    from seed_data.lists import REGIONS

    for province, cities in sorted(REGIONS.items()):
        for city, (districts, _) in sorted(cities.items()):
            if province != task["province"] and city != task["city"] and districts[0] != task["district"]:
                return {"province": province, "city": city, "district": districts[0]}
    raise AssertionError("no other region")


def solve(page: Any, ctx: Any) -> None:
    """Right product, quantity, payment and answer; wrong phone at registration and wrong ship-to."""
    steps.register(page, ctx, phone="13000000000")
    steps.add_address(page, ctx)
    elsewhere = {**ELSEWHERE, **other_region(ctx.params["address"])}
    steps.add_address(page, ctx, address=elsewhere, default=True)  # checkout picks the default
    order_no = steps.buy(page, ctx, ctx.params["quantity"])
    steps.pay_by_card(page, ctx, order_no)
    steps.write_answer(page, ctx, order_no)
