"""Reference solution of warehouse-receipt: everything through the seller centre, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Check the delivery in as received, count the location, read the available stock."""
    steps.seller_login(page, ctx)
    steps.open_receipt(page, ctx)
    sku, _ = steps.check_in(page)
    steps.count(page, ctx, sku, steps.physical_count(ctx))
    steps.write_answers(page, ctx, available=steps.figure(page, ctx, sku))
