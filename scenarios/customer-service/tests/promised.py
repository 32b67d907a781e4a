"""Partial solution: everything by the rules, except that the stock buyer is promised 百分之百正品."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# everything but promises (0 of 15)
EXPECTED_SCORE = 85


def solve(page: Any, ctx: Any) -> None:
    """The stock buyer still orders, but the reply breaks the shop rules."""
    steps.login(page, ctx)
    steps.serve(page, ctx, texts={"stock": "亲，这款有现货，百分之百正品，放心拍。"})
