"""Reference solution of cert-incident: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Revoke the leaked certificate, obtain and install a new one, and name the bad letter and why."""
    steps.revoke_leaked(page, ctx)
    steps.obtain(page, ctx)
    number, reason = steps.bad_letter(steps.read_letters(page, ctx))
    steps.choose(page, ctx, {"letter": number, "reason": reason})
