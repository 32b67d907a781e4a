"""Reference solution of shop-data-analysis: sign in to 生意参谋, read the product's conversion rate on
its page over the task's week, the week's top traffic source and its share on the sources report, and
rank the products of the last 30 days by conversion: the first (with enough visitors) is the one to
promote. The why (for the examiner) quotes its figures against the busiest product's."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Read the three answers from the reports and write them on the answer sheet."""
    week = ctx.params["week"]
    steps.sign_in(page, ctx)
    conversion = steps.product_conversion(page, ctx.params["product"], week["start"], week["end"])
    source, share = steps.top_source(page, week["start"], week["end"])
    by_visitors = steps.ranking_30_days(page, "visitors")
    best = steps.ranking_30_days(page, "conversion")[0]
    busiest = by_visitors[0]
    why = (
        f"近30天「{best['name']}」转化率 {best['conversion']}，全店最高，但访客只有 {best['visitors']} 人；"
        f"访客最多的「{busiest['name']}」（{busiest['visitors']} 人）转化率只有 {busiest['conversion']}。"
        "该商品能成交、缺的是流量，推广带来的访客更可能下单。"
    )
    steps.answer(page, ctx, conversion=conversion, source=source, share=share, promote=best["name"], why=why)
