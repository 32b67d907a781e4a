"""Partial solution: never opens the sources report and guesses (搜索, about half the visitors); promotes
the product with the most visitors instead of the best converting one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# viewed-product 10 + conversion 25 + best-source 10 (the guess is right); viewed-sources, source-share,
# promote and so why: 0
EXPECTED_SCORE = 45


def solve(page: Any, ctx: Any) -> None:
    """The right conversion; a guessed source; the busiest product."""
    week = ctx.params["week"]
    steps.sign_in(page, ctx)
    conversion = steps.product_conversion(page, ctx.params["product"], week["start"], week["end"])
    busiest = steps.ranking_30_days(page, "visitors")[0]
    steps.answer(
        page,
        ctx,
        conversion=conversion,
        source="搜索",
        share="50%",
        promote=busiest["name"],
        why="访客最多，最受欢迎。",
    )
