"""Partial solution: does everything, but writes the balance as if there were no fee."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# applied 20 + opened 20 + logged in 10 + transfer 30; the balance is off by the fee
EXPECTED_SCORE = 80


def solve(page: Any, ctx: Any) -> None:
    """The whole task, with the fee forgotten on the answer sheet."""
    steps.apply(page, ctx)
    creds = steps.credentials(page, ctx)
    steps.login(page, ctx, creds)
    steps.transfer(page, ctx, creds, f"{ctx.params['amount']}.00")
    steps.write_answer(page, ctx, f"{10000 - ctx.params['amount']}.00")
