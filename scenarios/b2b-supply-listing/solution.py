"""Reference solution of b2b-supply-listing: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Submit the profile, wait for approval, publish the listing, wait for it, search for it."""
    steps.login(page, ctx)
    steps.submit_profile(page, ctx)
    steps.wait_for_membership(page)
    steps.post_offer(page, ctx)
    steps.wait_for_offer(page, ctx)
    steps.search_as_visitor(page, ctx)
