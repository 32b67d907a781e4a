"""A partial solution: registers properly but never writes the price.

Every file here is a solution that must score exactly its EXPECTED_SCORE; `scenarios verify` runs
them all. Write one for each mistake the rubric should catch.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# registered 40; no price on the answer sheet
EXPECTED_SCORE = 40


def solve(page: Any, ctx: Any) -> None:
    """Only the registration."""
    steps.register(page, ctx, ctx.params["customer"]["phone"])
