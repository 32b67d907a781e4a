"""Partial solution: stops after accepting the order (nothing shipped, nothing invoiced)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# quoted 15, held-floor 15, contract 20, accepted 10, shipped 0, invoiced 0
EXPECTED_SCORE = 60


def solve(page: Any, ctx: Any) -> None:
    """Everything up to the accepted order."""
    steps.through_order(page, ctx)
