"""Full marks: the right goods bought and paid twice; the answer sheet names the second order."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# Both orders qualify; the one the candidate reported is graded, so its number is right.
EXPECTED_SCORE = 100


def solve(page: Any, ctx: Any) -> None:
    """Buy and pay the right quantity twice, report the second order."""
    steps.register(page, ctx)
    steps.add_address(page, ctx)
    first = steps.buy(page, ctx, ctx.params["quantity"])
    steps.pay(page, ctx, first)
    second = steps.buy(page, ctx, ctx.params["quantity"])
    steps.pay(page, ctx, second)
    steps.write_answer(page, ctx, second)
