"""Reference solution of info-collection: search, read every supplier's own current price list and
contact page, keep those within the 起订量 limit, and write the three cheapest."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Search the product, compare the suppliers' current price lists, fill the table."""
    item = ctx.params["item"]
    steps.search(page, ctx, f"{item['keyword']} 批发 价格表")
    best = steps.within_limit(steps.offers(page, ctx), item["limit"])[:3]
    steps.fill_table(page, ctx, best)
