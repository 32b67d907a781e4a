"""Partial solution: applied and downloaded, but the .p12 never imported, so nothing can be signed; the
encrypted mail needs only the partner's certificate, and goes out without the quote."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# applied 10 + issued 15 + encrypted without the quote 12.5; not installed, no signed mail, no answer
EXPECTED_SCORE = 37.5


def solve(page: Any, ctx: Any) -> None:
    """Apply and download; send the partner an encrypted mail without the quote."""
    steps.apply(page, ctx)
    steps.wait_for_approval(page)
    ref, code = steps.codes(page, ctx)
    steps.download(page, ctx, ref, code)
    steps.send(page, ctx, ctx.params["partner"]["email"], "你好", "稍后发报价。", encrypt=True)
