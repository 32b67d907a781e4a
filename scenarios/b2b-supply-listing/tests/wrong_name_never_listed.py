"""Partial solution: the company name is typed wrong, the profile is rejected (it does not match the
business register), and nothing more is done: no points."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

EXPECTED_SCORE = 0


def solve(page: Any, ctx: Any) -> None:
    """Submit the profile with a shortened company name and see it rejected."""
    steps.login(page, ctx)
    name = ctx.identity("enterprise")["company_name"].replace("有限公司", "公司")
    steps.submit_profile(page, ctx, name=name)
    steps.wait_for_membership(page, "rejected")
