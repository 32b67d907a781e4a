"""Reference solution of shop-setup: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Apply, wait for the approval, decorate, publish three goods, feature one, publish the shop."""
    steps.seller_login(page, ctx)
    steps.apply(page, ctx)
    steps.wait_for_decision(page)
    steps.decorate(page, ctx)
    steps.publish_goods(page, ctx)
    steps.feature(page, ctx, ctx.params["shop"]["good1"]["title"])
    steps.publish_shop(page, ctx)
    steps.look_in_storefront(page, ctx)
