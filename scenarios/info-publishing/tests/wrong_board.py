"""Partial solution: the promotional post goes to 行业资讯 (the moderator hides it: promotion belongs in
网店推广); the mail is right."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# post 0 (post-rules skipped); mail 40 + test-mail 10 + no-refused-send 10
EXPECTED_SCORE = 60


def solve(page: Any, ctx: Any) -> None:
    """Post in 行业资讯 and see it hidden; the mail as asked."""
    steps.forum_login(page, ctx)
    steps.post_thread(page, ctx, board="news")
    steps.wait_for_review(page, ctx, "hidden")
    steps.seller_login(page, ctx)
    steps.write_mail(page, ctx, steps.product_code(page, ctx))
    steps.send_test(page, ctx)
    steps.open_draft(page, ctx)
    steps.send_to_subscribed(page)
