"""Reference solution of bank-account-transfer: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Apply, read the mailed credentials, log in, transfer, write the balance after the fee."""
    steps.apply(page, ctx)
    creds = steps.credentials(page, ctx)
    steps.login(page, ctx, creds)
    steps.transfer(page, ctx, creds, f"{ctx.params['amount']}.00")
    steps.write_answer(page, ctx, steps.balance(page, ctx))
