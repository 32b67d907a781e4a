"""Reference solution of b2b-supplier-flow: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Quote the list price, hold the lowest price, contract, accept, ship with the carrier, invoice."""
    steps.through_order(page, ctx)
    steps.ship(page, ctx.params["carrier"]["code"], ctx.params["carrier"]["service"])
    steps.invoice(page)
