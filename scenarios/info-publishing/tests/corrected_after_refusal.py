"""Partial solution: the post is right; the mail, with no product link and no test, is first sent to the
whole list (refused), then to the opted-in subscribers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# post 30 + post-rules 10 + mail 40 × (50 % recipients + 30 % product) = 32; no test mail, and a refused send
EXPECTED_SCORE = 72


def solve(page: Any, ctx: Any) -> None:
    """Post; write the mail without the link; send to everyone (refused), then to the subscribed."""
    steps.forum_login(page, ctx)
    steps.post_thread(page, ctx)
    steps.wait_for_review(page, ctx)
    steps.seller_login(page, ctx)
    steps.write_mail(page, ctx, None)
    steps.open_draft(page, ctx)
    steps.send_to_everyone(page)
    steps.send_to_subscribed(page)
