"""Reference solution of gateway-merchant-setup: everything through the UI, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Keys, notify URL, the shop's keys, a trial payment, the trade number."""
    steps.console_login(page, ctx)
    private_pem = steps.generate_keys(page, ctx)
    platform_pem = steps.platform_key(page, ctx)
    steps.seller_login(page, ctx)
    steps.set_notify_url(page, ctx, steps.shop_notify_url(page, ctx))
    steps.save_shop_keys(page, ctx, private_pem, platform_pem)
    trade_no = steps.trial_payment(page, ctx, ctx.params["amount_fen"])
    steps.write_answer(page, ctx, trade_no)
