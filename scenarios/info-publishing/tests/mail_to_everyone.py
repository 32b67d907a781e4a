"""Partial solution: the post is right, but the mail is sent to the whole list (待确认 and 已退订 too), so
it is refused and never sent."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# post 30 + post-rules 10; no mail sent (mail, test-mail and no-refused-send 0)
EXPECTED_SCORE = 40


def solve(page: Any, ctx: Any) -> None:
    """Post and wait for the review; write the mail, test it, send it to everyone (refused)."""
    steps.forum_login(page, ctx)
    steps.post_thread(page, ctx)
    steps.wait_for_review(page, ctx)
    steps.seller_login(page, ctx)
    steps.write_mail(page, ctx, steps.product_code(page, ctx))
    steps.send_test(page, ctx)
    steps.open_draft(page, ctx)
    steps.send_to_everyone(page)
