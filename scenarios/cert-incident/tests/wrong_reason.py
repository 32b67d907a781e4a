"""Partial solution: revoked for the wrong reason (停止使用), a new certificate obtained and installed;
the bad letter is named but with a wrong reason."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# revoked for another reason 12.5 + issued 15 + installed 15 + letter 25; reason wrong (0)
EXPECTED_SCORE = 67.5


def solve(page: Any, ctx: Any) -> None:
    """Revoke as 停止使用, renew the certificate by applying again, answer with a wrong reason."""
    steps.revoke_leaked(page, ctx, "cessation_of_operation")
    steps.obtain(page, ctx)
    number, reason = steps.bad_letter(steps.read_letters(page, ctx))
    wrong = next(r for r in ("tampered", "revoked", "untrusted", "expired") if r != reason)
    steps.choose(page, ctx, {"letter": number, "reason": wrong})
