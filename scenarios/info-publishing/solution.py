"""Reference solution of info-publishing: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Post in 网店推广 and wait for the review; write the mail, test it on oneself, send it to the subscribed."""
    steps.forum_login(page, ctx)
    steps.post_thread(page, ctx)
    steps.wait_for_review(page, ctx)
    steps.seller_login(page, ctx)
    code = steps.product_code(page, ctx)
    steps.write_mail(page, ctx, code)
    steps.send_test(page, ctx)
    steps.open_draft(page, ctx)
    steps.send_to_subscribed(page)
