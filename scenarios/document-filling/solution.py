"""Reference solution of document-filling: both documents filled in and sent through the pages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Sign in, send the purchase order to the supplier and the invoice to the customer."""
    steps.sign_in(page, ctx)
    steps.purchase_order(page, ctx)
    steps.invoice(page, ctx)
