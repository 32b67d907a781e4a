"""Grade 20 attempts solved by the reference solution: prints `first <N> s` (including starting
Chromium and the loopback server) and `amortised <N> s per attempt` (the other 19)."""

from __future__ import annotations

import argparse
import time

from _common import temp_app

from graders.browser import GradingBrowser
from graders.harness import Harness
from graders.runner import grade_attempt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=20)
    parser.add_argument("--scenario", default="b2c-purchase")
    args = parser.parse_args()

    app = temp_app()
    rt = app.extensions["sandbox"]
    harness = Harness(app)
    solution = rt.scenarios.get(args.scenario).folder / "solution.py"
    attempts = []
    solve_started = time.perf_counter()
    for seed in range(1, args.attempts + 1):
        attempt = harness.new_attempt(args.scenario, seed)
        harness.solve(attempt, solution)
        harness.submit(attempt)
        attempts.append(attempt)
    print(
        f"solved {len(attempts)} attempts through the UI in {time.perf_counter() - solve_started:.1f} s (not timed below)"
    )
    harness.close()

    started = time.perf_counter()
    browser = GradingBrowser(app)
    scores = [grade_attempt(rt, attempts[0].id, "bench", browser).score]
    first = time.perf_counter() - started
    rest_started = time.perf_counter()
    for attempt in attempts[1:]:
        scores.append(grade_attempt(rt, attempt.id, "bench", browser).score)
    rest = time.perf_counter() - rest_started
    browser.close()
    assert all(s == 100 for s in scores), scores
    print(f"scores all 100: {len(scores)} attempts")
    print(f"first {first:.2f} s")
    print(f"amortised {rest / max(1, len(attempts) - 1):.2f} s per attempt")


if __name__ == "__main__":
    main()
