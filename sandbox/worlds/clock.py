"""The world clock: time inside a world, derived from real time since the attempt began."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class WorldClock:
    """World time = epoch + (real now - started_real) * scale; frozen worlds stop at `frozen_real`."""

    epoch: datetime
    started_real: float | None
    scale: float = 1.0
    frozen_real: float | None = None
    real_now: Callable[[], float] = field(default=time.time, repr=False)

    def elapsed(self) -> timedelta:
        """World time passed since the attempt started."""
        if self.started_real is None:
            return timedelta(0)
        now = self.frozen_real if self.frozen_real is not None else self.real_now()
        return timedelta(seconds=max(0.0, now - self.started_real) * self.scale)

    def now(self) -> datetime:
        """The current world time (naive, Beijing local time by convention)."""
        return (self.epoch + self.elapsed()).replace(microsecond=0)


def parse_offset(text: str) -> timedelta:
    """Parse an NPC offset such as '+5m', '+90s', '+2h' or '+1d'."""
    match = re.fullmatch(r"\+(\d+)([smhd])", text.strip())
    if not match:
        raise ValueError(f"offset must look like '+5m', got {text!r}")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match[2]]
    return timedelta(**{unit: int(match[1])})
