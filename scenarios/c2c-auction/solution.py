"""Reference solution of c2c-auction: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Bid the budget by proxy, list the item, wait for the close, pay and rate the seller 好评."""
    url = steps.bid_and_list(page, ctx)
    steps.wait_won(page, url)
    steps.pay(page, ctx)
    steps.rate(page)
