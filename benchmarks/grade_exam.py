"""Grading after the bell: N submitted attempts graded by 1 and by 2 Celery workers; attempts per minute.

One b2c-purchase attempt is solved with the reference solution in Chromium; N attempts are then made
from copies of its world (what N candidates who all did the task leave behind), submitted, and queued.
Celery worker processes (`python -m sandbox grading-worker --concurrency W`, Redis broker) grade them,
UI check included (each worker process holds one Chromium). Prints, per W, the wall time from queueing
to the last job done, attempts per minute, and whether every attempt got full marks.

    .venv/bin/python benchmarks/grade_exam.py [--attempts 300] [--workers 1 2] [--store sqlite|postgres]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

from _common import temp_app
from sqlalchemy import func, select

from graders.harness import Harness
from sandbox.control.models import Attempt, AttemptStatus, GradeJob, GradeJobStatus, GradeRun

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "b2c-purchase"


def _copies(rt, solved: Attempt, n: int) -> list[int]:  # noqa: ANN001
    """N submitted attempts, each on its own copy of the solved world."""
    db = rt.control.session()
    ids = []
    now = time.time()
    try:
        for i in range(n):
            key = f"a-{uuid.uuid4().hex[:16]}"
            world = rt.store.snapshot(solved.world_path, f"{key}-world")
            row = Attempt(
                key=key,
                mode="practice",
                staff_id=solved.staff_id,
                scenario_id=solved.scenario_id,
                scenario_version=solved.scenario_version,
                scenario_digest=solved.scenario_digest,
                seed=solved.seed,
                params=solved.params,
                identities=solved.identities,
                answers=solved.answers,
                world_path=str(world),
                status=AttemptStatus.SUBMITTED,
                started_at=solved.started_at,
                started_real=solved.started_real,
                deadline_real=solved.deadline_real,
                submitted_real=now,
                submitted_at=datetime.fromtimestamp(now),
                submit_reason="candidate",
            )
            db.add(row)
            db.flush()
            ids.append(row.id)
            if i % 50 == 49:
                db.commit()
                print(f"  {i + 1} attempts made", flush=True)
        db.commit()
    finally:
        db.close()
    return ids


def _env(rt, broker: str) -> dict[str, str]:  # noqa: ANN001
    cfg = rt.config
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    env.update(
        {
            "SANDBOX_DATA": str(cfg["DATA_DIR"]),
            "SANDBOX_INSTANCE": str(Path(cfg["DATA_DIR"]) / "instance"),
            "SANDBOX_CONTROL_DB": cfg["CONTROL_DB_URL"],
            "SANDBOX_SECRET_KEY": cfg["SECRET_KEY"],
            "SANDBOX_CELERY_BROKER": broker,
            "SANDBOX_WORLD_STORE": cfg.get("WORLD_STORE") or "",
            "SANDBOX_WORLD_PREFIX": cfg.get("WORLD_STORE_PREFIX") or "sbx_",
            "PYTHONPATH": str(ROOT),
        }
    )
    if cfg.get("TEMPLATES_DIR"):
        env["SANDBOX_TEMPLATES"] = str(cfg["TEMPLATES_DIR"])
    return env


def _round(rt, ids: list[int], workers: int, broker: str) -> None:  # noqa: ANN001
    worker = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "grading-worker", f"--concurrency={workers}", "--loglevel=warning"],
        env=_env(rt, broker),
        start_new_session=True,
    )
    try:
        started = time.perf_counter()
        for attempt_id in ids:
            rt.grading.enqueue(attempt_id, f"bench:{workers}")
        first_done = None
        db = rt.control.session()
        try:
            while True:
                db.expire_all()
                left = db.scalar(
                    select(func.count(GradeJob.id)).where(
                        GradeJob.status.in_((GradeJobStatus.QUEUED, GradeJobStatus.RUNNING)),
                        GradeJob.triggered_by == f"bench:{workers}",
                    )
                )
                if first_done is None and left < len(ids):
                    first_done = time.perf_counter() - started
                if not left:
                    break
                time.sleep(0.5)  # a benchmark's poll, not a test
        finally:
            db.close()
        wall = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)
    db = rt.control.session()
    try:
        runs = list(db.scalars(select(GradeRun).where(GradeRun.triggered_by == f"bench:{workers}")))
    finally:
        db.close()
    full = sum(1 for r in runs if r.status == "done" and r.score == r.max_score)
    print(
        f"{workers} worker(s): {len(ids)} attempts in {wall:.0f} s = {len(ids) / wall * 60:.0f} attempts/min "
        f"(first done after {first_done or 0:.0f} s, worker start-up included); full marks {full}/{len(runs)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/3")
    args = parser.parse_args()

    extra = {"CELERY_BROKER": args.broker, "REPLAY_RECORDING": False}
    if args.store == "postgres":
        extra |= {"WORLD_STORE": args.postgres, "WORLD_STORE_PREFIX": f"ge{uuid.uuid4().hex[:6]}_"}
    app = temp_app(**extra)
    rt = app.extensions["sandbox"]
    harness = Harness(app)
    try:
        solved = harness.new_attempt(SCENARIO, 1)
        harness.solve(solved, ROOT / "scenarios" / SCENARIO / "solution.py")
        harness.submit(solved)
    finally:
        harness.close()
    db = rt.control.session()
    solved = db.get(Attempt, solved.id)
    db.close()
    print(f"making {args.attempts} submitted attempts from the solved world ({rt.store.kind})", flush=True)
    ids = _copies(rt, solved, args.attempts)
    try:
        for workers in args.workers:
            _round(rt, ids, workers, args.broker)
    finally:
        if rt.store.kind == "postgresql":
            rt.store.drop_all()


if __name__ == "__main__":
    main()
