"""Partial solution: everything but publishing the shop, so buyers never see the goods."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# opened 15 + decorated 20 + three goods 45; not published (10), so the shopper sees nothing (10)
EXPECTED_SCORE = 80


def solve(page: Any, ctx: Any) -> None:
    """The shop decorated and its goods listed, left unpublished."""
    steps.seller_login(page, ctx)
    steps.apply(page, ctx)
    steps.wait_for_decision(page)
    steps.decorate(page, ctx)
    steps.publish_goods(page, ctx)
    steps.feature(page, ctx, ctx.params["shop"]["good1"]["title"])
