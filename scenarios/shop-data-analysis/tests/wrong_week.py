"""Partial solution: reads the product's conversion rate over the week after the task's (a common slip
with the date picker); everything else right."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# viewed-product 10 + viewed-sources 10 + best-source 10 + source-share 15 + promote 15 (conversion 0;
# the why waits for an examiner)
EXPECTED_SCORE = 60


def solve(page: Any, ctx: Any) -> None:
    """The conversion of the next week, the rest as the reference."""
    week = ctx.params["week"]
    after = [(date.fromisoformat(week[k]) + timedelta(days=7)).isoformat() for k in ("start", "end")]
    steps.sign_in(page, ctx)
    conversion = steps.product_conversion(page, ctx.params["product"], *after)
    source, share = steps.top_source(page, week["start"], week["end"])
    best = steps.ranking_30_days(page, "conversion")[0]
    why = f"{best['name']}转化率 {best['conversion']} 最高，访客 {best['visitors']} 人偏少，值得引流。"
    steps.answer(page, ctx, conversion=conversion, source=source, share=share, promote=best["name"], why=why)
