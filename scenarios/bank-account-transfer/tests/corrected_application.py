"""Full marks after a mistake: the first application has a wrong ID number and is rejected by mail;
the candidate applies again with the right one and finishes the task."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

EXPECTED_SCORE = 100


def solve(page: Any, ctx: Any) -> None:
    """A typo in the ID number first, then the whole task."""
    right = steps.applicant(ctx)["id_number"]
    wrong = right[:-1] + ("0" if right[-1] != "0" else "1")
    steps.apply(page, ctx, id_number=wrong)
    page.goto(ctx.url("/mail/"))
    page.get_by_role("link", name="开户申请结果通知").first.wait_for()
    steps.apply(page, ctx)
    creds = steps.credentials(page, ctx)
    steps.login(page, ctx, creds)
    steps.transfer(page, ctx, creds, f"{ctx.params['amount']}.00")
    steps.write_answer(page, ctx, steps.balance(page, ctx))
