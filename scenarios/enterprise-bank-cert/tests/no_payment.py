"""Partial solution: the certificate is obtained and the operator logs in with it, but no payment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# applied 10 + installed 15 + cert-login 25; no payment (0)
EXPECTED_SCORE = 50


def solve(page: Any, ctx: Any) -> None:
    """Certificate and certificate login only."""
    steps.obtain(page, ctx, "operator", "enterprise")
    steps.cert_login(page, ctx)
