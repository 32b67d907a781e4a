"""Reference solution of market-research: search, read every supplier's own price list, keep the
current ones, write five of them, their median (of every current price), and the stopped site's
price list as the unreliable source (the why is for the examiner)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Collect, analyse, answer."""
    steps.search(page, ctx, f"{ctx.params['item']['keyword']} 批发价格")
    found = steps.prices(page, ctx)
    now = steps.current(found)
    stale = next(o for o in found if o not in now)
    steps.fill(
        page,
        ctx,
        now[:5],
        median=steps.median(now),
        unreliable=stale["source"],
        why=f"该价格表发布于{stale['published'][:4]}年，网站此后未再更新，报价已过时，且明显低于其他厂家今年的报价。",
    )
