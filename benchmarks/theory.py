"""The theory part for an exam hall: drawing papers, autosaving answers, the paper page, scoring.

A 20-question paper (the demo exam's rules) from the starter bank for N candidates (300 by default).
Prints, each measured in this run on the embedded SQLite control database:
- `draw <ms> per paper` (median / p95): drawing and storing one candidate's paper (start_sitting);
- `autosave <ms>` (median / p95): one answer saved over HTTP (`POST /theory/answer`, JSON), as the
  page's script sends it on every click, through the whole request path (session, hall guard, CSRF off);
- `paper page <ms>` (median / p95): `GET /theory/?view=list` with 20 questions;
- `score <ms> per paper`: submitting and scoring a paper.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("SANDBOX_LOGIN_HASH", "pbkdf2:sha256:1000")

from _common import summary, temp_app  # noqa: E402

from sandbox.control import people  # noqa: E402
from sandbox.theory import sitting as sittings  # noqa: E402
from sandbox.theory.bank import load_starter  # noqa: E402

RULES = {
    "levels": ["电子商务员"],
    "draw": [{"type": "single", "count": 10}, {"type": "multi", "count": 5}, {"type": "judge", "count": 5}],
    "points": {"single": 4, "multi": 6, "judge": 6},
}


def main() -> None:
    """Run the measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--web", type=int, default=30, help="candidates whose answers go over HTTP")
    args = parser.parse_args()
    app = temp_app(WTF_CSRF_ENABLED=False, REPLAY_RECORDING=False)
    rt = app.extensions["sandbox"]
    db = rt.control.session()
    print(f"bank: {load_starter(db)} starter questions")
    exam = people.create_exam(db, "BENCH-T", "理论基准", [])
    exam.level, exam.theory_rules, exam.theory_minutes = "电子商务员", RULES, 90
    tickets = [f"B{n:05d}" for n in range(args.candidates)]
    for ticket in tickets:
        cand = people.add_candidate(db, exam, ticket, ticket, "bench1234")
        cand.entered = {"theory": "2026-01-01T00:00:00"}
    db.commit()

    draws = []
    for cand in exam.candidates:
        t0 = time.perf_counter()
        sittings.start_sitting(db, exam=exam, candidate=cand, rules=RULES, minutes=90)
        draws.append((time.perf_counter() - t0) * 1000)
    med, p95 = summary(draws)
    print(f"draw {med:.1f} ms median, {p95:.1f} ms p95 per paper ({len(draws)} candidates)")

    saves, pages = [], []
    for ticket in tickets[: args.web]:
        client = app.test_client()
        client.post("/exam/login", data={"ticket_no": ticket, "password": "bench1234"})
        cand = next(c for c in exam.candidates if c.ticket_no == ticket)
        sitting = sittings.sitting_for(db, exam, cand)
        for item in sitting.items:
            t0 = time.perf_counter()
            resp = client.post("/theory/answer", json={"question_id": item["question_id"], "choice": [0]})
            saves.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200, resp.get_data(as_text=True)
        t0 = time.perf_counter()
        assert client.get("/theory/?view=list").status_code == 200
        pages.append((time.perf_counter() - t0) * 1000)
    med, p95 = summary(saves)
    print(f"autosave {med:.1f} ms median, {p95:.1f} ms p95 ({len(saves)} answers over HTTP)")
    med, p95 = summary(pages)
    print(f"paper page {med:.1f} ms median, {p95:.1f} ms p95 (20 questions, list view)")

    scores = []
    db.expire_all()
    for cand in exam.candidates:
        sitting = sittings.sitting_for(db, exam, cand)
        t0 = time.perf_counter()
        sittings.submit(db, sitting, "candidate")
        scores.append((time.perf_counter() - t0) * 1000)
    med, p95 = summary(scores)
    print(f"score {med:.1f} ms median, {p95:.1f} ms p95 per paper")
    db.close()
    rt.grading.stop()


if __name__ == "__main__":
    main()
