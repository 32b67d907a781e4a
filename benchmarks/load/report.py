"""The load test's figures from Locust's per-request samples: the login phase (the hall's first minute,
while everyone logs in) apart from the steady phase, and the routes with the worst p95."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Sample:
    """One request as Locust timed it (t: seconds since the test started)."""

    t: float
    method: str
    name: str
    ms: float
    ok: bool
    error: str


@dataclass
class Figures:
    """Latency percentiles, throughput and failures of a set of requests."""

    label: str
    requests: int
    p50: float
    p95: float
    p99: float
    rate: float
    failures: int

    def row(self) -> str:
        """One line of the printed table."""
        return (
            f"{self.label:44} {self.requests:8d} {self.p50:8.0f} {self.p95:8.0f} {self.p99:8.0f}"
            f" {self.rate:8.1f} {self.failures:8d}"
        )


HEADER = f"{'':44} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'failures':>8}"


def read_samples(path: Path) -> list[Sample]:
    """The samples the locustfile wrote (LOAD_SAMPLES)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            Sample(float(r["t"]), r["method"], r["name"], float(r["ms"]), r["ok"] == "1", r["error"])
            for r in csv.DictReader(fh)
        ]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(label: str, samples: list[Sample], seconds: float) -> Figures:
    """Figures of these samples over a phase lasting `seconds` (failed requests count in the latency)."""
    times = [s.ms for s in samples if s.method not in ("STEP", "ERROR")]
    return Figures(
        label,
        len(times),
        percentile(times, 0.50),
        percentile(times, 0.95),
        percentile(times, 0.99),
        len(times) / seconds if seconds > 0 else 0.0,
        sum(1 for s in samples if not s.ok),
    )


def phases(samples: list[Sample], ramp: float, duration: float) -> list[Figures]:
    """Login phase [0, ramp), steady phase [ramp, duration), the whole run, and the ticket logins alone."""
    login = [s for s in samples if s.t < ramp]
    steady = [s for s in samples if s.t >= ramp]
    logins = [s for s in samples if s.method == "POST" and s.name == "/exam/login"]
    return [
        figures(f"login phase (0-{ramp:.0f} s, everyone logs in)", login, ramp),
        figures(f"steady phase ({ramp:.0f}-{duration:.0f} s)", steady, max(0.0, duration - ramp)),
        figures("whole run", samples, duration),
        figures("  of which ticket logins (POST /exam/login)", logins, duration),
    ]


def routes(samples: list[Sample], duration: float, worst: int = 10) -> list[Figures]:
    """Per route (method and template), the `worst` by p95."""
    by_route: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_route[f"{s.method} {s.name}"].append(s)
    rows = [figures(label, group, duration) for label, group in by_route.items()]
    return sorted(rows, key=lambda f: -f.p95)[:worst]


def errors(samples: list[Sample], limit: int = 10) -> list[str]:
    """The most frequent failure messages, with their counts."""
    counts: dict[str, int] = defaultdict(int)
    for s in samples:
        if not s.ok:
            counts[s.error or f"{s.method} {s.name}"] += 1
    return [f"{n:6d} x {msg}" for msg, n in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]]


def as_dict(rows: list[Figures]) -> list[dict]:
    """Rows as plain dicts (for --json)."""
    return [asdict(r) for r in rows]
