"""Partial solution: the transfer goes out under a wrong payee name (the other bank will return it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# applied 20 + opened 20 + logged in 10; the transfer is to the wrong name, so the balance item
# (which requires it) earns nothing
EXPECTED_SCORE = 50


def solve(page: Any, ctx: Any) -> None:
    """A typo in the payee's name."""
    steps.apply(page, ctx)
    creds = steps.credentials(page, ctx)
    steps.login(page, ctx, creds)
    steps.transfer(page, ctx, creds, f"{ctx.params['amount']}.00", name=steps.payee(ctx)["name"] + "某")
    steps.write_answer(page, ctx, steps.balance(page, ctx))
