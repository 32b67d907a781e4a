"""An exam centre's set-up: gunicorn workers, one leader for what must run once, Celery graders."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sandbox.control import attempts as attempt_service
from sandbox.control import people
from sandbox.control.models import Attempt, GradeJob, GradeRun
from tests.conftest import SCENARIO, make_app

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data: Path, templates: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    env.update(
        {
            "SANDBOX_INSTANCE": str(data.parent / "instance"),
            "SANDBOX_DATA": str(data),
            "SANDBOX_TEMPLATES": str(templates),
            "SANDBOX_SECRET_KEY": "scale-test-secret",
            "SANDBOX_LOGIN_HASH": "pbkdf2:sha256:1000",
            "SANDBOX_REPLAY_RECORDING": "0",
            "PYTHONPATH": str(ROOT),
            **extra,
        }
    )
    return env


def _exam(rt, tickets: int = 1) -> None:  # noqa: ANN001
    db = rt.control.session()
    exam = people.create_exam(db, "S-1", "规模测试", [SCENARIO])
    for i in range(tickets):
        people.add_candidate(db, exam, f"S{i:04d}", f"考生{i}", "pass1234")
    db.commit()
    db.close()


def test_one_process_leads_what_must_run_once(tmp_path: Path, templates_dir: Path) -> None:
    """Two processes' worth of apps on one data folder: one leads grading and sweeps, the other
    takes over only when the first lets go (a dead process's lock goes with it)."""
    first = make_app(tmp_path / "data", templates_dir).extensions["sandbox"].grading
    second = make_app(tmp_path / "data", templates_dir).extensions["sandbox"].grading
    assert first.leads("grading") and first.leads("sweeper")
    assert not second.leads("grading") and not second.leads("sweeper")
    assert first.join(timeout=5)  # the leader's worker is idle
    first._leaders["grading"].release()
    first._leaders["sweeper"].release()
    assert second.leads("grading") and second.leads("sweeper") and not first.leads("grading")
    second._leaders["grading"].release()
    second._leaders["sweeper"].release()


def _read_until(stream, pattern: str, lines: list[str], limit: int = 400) -> bool:  # noqa: ANN001
    for _ in range(limit):
        line = stream.readline()
        if not line:
            return False
        lines.append(line)
        if pattern in line:
            return True
    return False


def test_gunicorn_workers_serve_with_health_and_json_logs(tmp_path: Path, templates_dir: Path) -> None:
    data = tmp_path / "data"
    rt = make_app(data, templates_dir).extensions["sandbox"]
    _exam(rt)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--workers", "2", "--threads", "4", "--port", str(port)],
        env=_env(data, templates_dir),
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        assert _read_until(server.stderr, "Booting worker", lines), "".join(lines)
        base = f"http://127.0.0.1:{port}"
        jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        pids = set()
        for _ in range(40):  # the second worker may still be starting: ask until both answered
            try:
                with jar.open(
                    urllib.request.Request(f"{base}/healthz", headers={"X-Request-ID": "hall-check-1"})
                ) as r:
                    health = json.loads(r.read())
                    assert r.headers["X-Request-ID"] == "hall-check-1"
            except OSError:
                continue
            assert health["status"] == "ok" and health["control"] == "ok" and health["store"] == "sqlite"
            pids.add(health["pid"])
        assert pids
        # A candidate logs in through a worker and starts the attempt: the log line says which.
        page = jar.open(f"{base}/exam/login").read().decode()
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page
        )
        form = {
            "ticket_no": "S0000",
            "password": "pass1234",
            "csrf_token": next(t for t in token.groups() if t),
        }
        jar.open(f"{base}/exam/login", urllib.parse.urlencode(form).encode()).read()
        assert jar.open(f"{base}/exam/").status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        out = server.stderr.read()
        server.wait(60)
    records = [json.loads(line) for line in "".join(lines + [out]).splitlines() if line.startswith("{")]
    requests = [r for r in records if r.get("logger") == "sandbox.requests"]
    assert any(r["request_id"] == "hall-check-1" and r["path"] == "/healthz" for r in requests)
    db = rt.control.session()
    attempt_id = db.scalar(select(Attempt.id))
    db.close()
    assert attempt_id and any(r.get("attempt_id") == attempt_id and r["path"] == "/exam/" for r in requests)
    assert sum("leads grading" in r["msg"] for r in records) == 1  # one of the two workers grades


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(
    not _redis_answers(), reason="Redis does not answer at 127.0.0.1:6379: Celery grading skipped"
)
def test_celery_worker_grades_each_job_once(tmp_path: Path, templates_dir: Path) -> None:
    broker = f"redis://127.0.0.1:6379/{10 + os.getpid() % 5}"
    data = tmp_path / "data"
    app = make_app(data, templates_dir, CELERY_BROKER=broker)
    rt = app.extensions["sandbox"]
    assert not rt.grading.grades_here  # the web process only writes jobs
    _exam(rt, tickets=2)
    from tests.conftest import start_attempt

    ids = [start_attempt(rt, f"S{i:04d}").id for i in range(2)]
    worker = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "grading-worker", "--concurrency", "1", "--loglevel", "warning"],
        env=_env(data, templates_dir, SANDBOX_CELERY_BROKER=broker),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        jobs = []
        db = rt.control.session()
        for attempt_id in ids:
            attempt_service.submit(rt, db, db.get(Attempt, attempt_id), "candidate", enqueue=False)
            jobs.append(rt.grading.enqueue(attempt_id, "submit:candidate"))
        db.close()
        rt.grading._dispatch(3)  # duplicate tasks: each finds no job, nothing is graded twice
        for job in jobs:
            assert rt.grading.wait(job, timeout=240), "the Celery worker did not grade in time"
            assert job.error is None and job.run_id
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.communicate(timeout=60)
    db = rt.control.session()
    try:
        for attempt_id in ids:
            runs = db.scalar(select(func.count(GradeRun.id)).where(GradeRun.attempt_id == attempt_id))
            assert runs == 1
            run = db.scalars(select(GradeRun).where(GradeRun.attempt_id == attempt_id)).one()
            assert run.status == "done" and run.max_score > 0
        assert {j.status for j in db.scalars(select(GradeJob))} == {"done"}
    finally:
        db.close()
