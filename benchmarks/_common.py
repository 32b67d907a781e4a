"""Shared set-up for the benchmarks: a throwaway application on temporary databases."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sandbox import create_app  # noqa: E402


def temp_app(**extra):  # noqa: ANN003, ANN201
    """An application in a new temporary folder (its own control DB, templates and worlds)."""
    data = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
    return create_app({"DATA_DIR": data, "CONTROL_DB_URL": f"sqlite:///{data / 'control.sqlite'}", **extra})


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> tuple[float, float]:
    """(median, p95)."""
    return statistics.median(values), percentile(values, 95)
