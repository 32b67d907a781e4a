"""Reference solution of enterprise-bank-cert: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Obtain the enterprise certificate, log in with it, prepare the payment, release it as approver."""
    steps.obtain(page, ctx, "operator", "enterprise")
    steps.cert_login(page, ctx)
    steps.prepare_payment(page, ctx)
    steps.logout(page)
    steps.release(page, ctx)
