"""Partial solution: the first listing has the company's phone number in its title and is rejected; the
candidate corrects it and it is published (everything but the first-time item)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# member 30 + listing 40 + found 20 (first-time 0: the first version was rejected)
EXPECTED_SCORE = 90


def solve(page: Any, ctx: Any) -> None:
    """Publish a title with a phone number, get it rejected, correct it, search for it."""
    me = ctx.identity("enterprise")
    steps.login(page, ctx)
    steps.submit_profile(page, ctx)
    steps.wait_for_membership(page)
    steps.post_offer(page, ctx, title=f"{ctx.params['offer']['title']} 电话{me['mobile']}")
    steps.wait_for_offer(page, ctx, "rejected")
    steps.correct_offer(page, ctx)
    steps.wait_for_offer(page, ctx)
    steps.search_as_visitor(page, ctx)
