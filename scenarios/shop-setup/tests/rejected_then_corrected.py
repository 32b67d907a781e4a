"""Partial solution: a wrong settlement card first (the platform rejects it), corrected; then the
decoration without featured goods, and no goods at all."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# opened 15 (the corrected application) + decorated 4 of 5 parts (16); no goods, not published
EXPECTED_SCORE = 31


def solve(page: Any, ctx: Any) -> None:
    """Rejected for a card the bank does not have, applies again with the right one, decorates."""
    steps.seller_login(page, ctx)
    steps.apply(page, ctx, settlement_account_no="6222000000000000000")
    steps.wait_for_decision(page, "rejected")
    page.locator('[data-role="shop-status"]', has_text="结算银行卡号不存在").wait_for()
    steps.apply(page, ctx)
    steps.wait_for_decision(page)
    steps.decorate(page, ctx)
