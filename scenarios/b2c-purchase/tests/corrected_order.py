"""Full marks: a wrong quantity ordered and paid first (a paid order cannot be cancelled), then put
right with a second order, which the candidate reports on the answer sheet."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# The order named on the answer sheet qualifies, so it is the one graded.
EXPECTED_SCORE = 100


def solve(page: Any, ctx: Any) -> None:
    """Order and pay one too many, then order and pay the right quantity and report that order."""
    steps.register(page, ctx)
    steps.add_address(page, ctx)
    wrong = steps.buy(page, ctx, ctx.params["quantity"] + 1)
    steps.pay(page, ctx, wrong)
    right = steps.buy(page, ctx, ctx.params["quantity"])
    steps.pay(page, ctx, right)
    steps.write_answer(page, ctx, right)
