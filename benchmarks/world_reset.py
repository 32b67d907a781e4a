"""Ready worlds for 100 attempts: prints the template build time, then `median <N> ms` and `p95 <N> ms`.

A "ready world" is everything start_attempt does: clone the template, draw the parameters, apply the
per-attempt overlay (identities, bank funding) and record the Attempt.
"""

from __future__ import annotations

import argparse
import time

from _common import summary, temp_app

from sandbox.control import attempts as attempt_service
from sandbox.control import people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=100)
    parser.add_argument("--scenario", default="b2c-purchase")
    args = parser.parse_args()

    app = temp_app()
    rt = app.extensions["sandbox"]
    scenario = rt.scenarios.get(args.scenario)
    _, built = attempt_service.template_for(rt, scenario)
    print(f"template build {built * 1000:.0f} ms (once per scenario version)")

    db = rt.control.session()
    exam = people.create_exam(db, "BENCH", "benchmark", [scenario.id])
    candidates = [
        people.add_candidate(db, exam, f"B{i:05d}", f"考生{i}", "bench-pass") for i in range(args.attempts)
    ]
    db.commit()
    times = []
    for cand in candidates:
        started = time.perf_counter()
        attempt_service.start_attempt(rt, db, scenario, candidate=cand)
        times.append((time.perf_counter() - started) * 1000)
    db.close()
    median, p95 = summary(times)
    print(f"attempts {len(times)}")
    print(f"median {median:.1f} ms")
    print(f"p95 {p95:.1f} ms")
    print(f"max {max(times):.1f} ms")


if __name__ == "__main__":
    main()
