"""The deadline: the server's clock decides, and nobody has to touch the attempt for it to close."""

from __future__ import annotations

import threading

from sandbox.control.models import Attempt
from tests.conftest import start_attempt


def test_sweeper_submits_an_attempt_nobody_touches(rt, exam, monkeypatch) -> None:  # noqa: ANN001
    attempt = start_attempt(rt)
    db = rt.control.session()
    db.get(Attempt, attempt.id).deadline_real = attempt.started_real - 1  # time is up already
    db.commit()
    db.close()
    queued = threading.Event()
    jobs: list[tuple] = []

    def enqueue(attempt_id: int, triggered_by: str) -> None:
        jobs.append((attempt_id, triggered_by))
        queued.set()

    monkeypatch.setattr(rt.grading, "enqueue", enqueue)
    rt.grading.start_deadline_sweeper(every=0.05)
    assert queued.wait(timeout=10), "the sweeper never submitted the attempt"
    rt.grading.stop()
    db = rt.control.session()
    closed = db.get(Attempt, attempt.id)
    db.close()
    assert closed.status == "submitted" and closed.submit_reason == "deadline"
    assert closed.submitted_real == closed.deadline_real  # stamped at the deadline, not when noticed
    assert jobs == [(attempt.id, "submit:deadline")]


def test_status_endpoint_counts_down_from_the_server(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    status = client.get("/exam/status").get_json()
    assert status["status"] == "active" and 20 * 60 - 5 <= status["seconds_left"] <= 20 * 60
    assert candidates.app.test_client().get("/exam/status").status_code == 401
