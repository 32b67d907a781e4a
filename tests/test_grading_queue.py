"""Grading survives a broken browser and a dead process.

A run with a browser that broke says it is incomplete, and the worker starts a new browser. Jobs
live in the control database: queued, claimed once, recorded with their run, and recovered after a
process died with them queued or running.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

from sandbox.control import attempts as attempt_service
from sandbox.control.models import Attempt, AttemptStatus, GradeJob, GradeJobStatus, GradeRun
from tests.conftest import start_attempt

SOLUTION = Path(__file__).resolve().parent.parent / "scenarios" / "b2c-purchase" / "solution.py"


def test_run_with_a_browser_that_will_not_start_is_incomplete(harness) -> None:  # noqa: ANN001
    from graders.runner import grade_attempt

    attempt = harness.new_attempt("b2c-purchase", 21)
    harness.solve(attempt, SOLUTION)
    harness.submit(attempt)

    def no_browser():  # noqa: ANN202
        raise RuntimeError("Chromium did not start")

    run = grade_attempt(harness.rt, attempt.id, "test", no_browser)
    by_id = {i.item_id: i for i in run.items}
    assert run.status == "incomplete"
    assert by_id["visible"].status == "error" and "Chromium did not start" in by_id["visible"].feedback
    assert by_id["paid"].status == "passed"  # the other items were still graded
    db = harness.rt.control.session()
    stored = db.get(Attempt, attempt.id)
    db.close()
    assert stored.status == "submitted" and stored.score is None  # no score from an incomplete run

    again = harness.grade(attempt)  # with a working browser, a regrade completes it
    assert again.status == "done" and again.score == 100


def test_worker_replaces_a_dead_browser(rt, monkeypatch) -> None:  # noqa: ANN001
    launched: list = []

    class FakeBrowser:
        def __init__(self, app, chromium=""):  # noqa: ANN001
            self.alive, self.closed = True, False
            launched.append(self)

        def is_alive(self) -> bool:
            return self.alive

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr("graders.browser.GradingBrowser", FakeBrowser)
    first = rt.grading._live_browser()
    assert rt.grading._live_browser() is first and len(launched) == 1  # reused while alive
    first.alive = False  # Chromium crashed
    second = rt.grading._live_browser()
    assert second is not first and first.closed and len(launched) == 2
    rt.grading.browser = None


# -- jobs persisted in the control database ---------------------------------------------------------


class FakeGrader:
    """Stands in for graders.runner.grade_attempt: stores a done run and remembers the call."""

    def __init__(self, rt, fail_for: set[int] | None = None) -> None:  # noqa: ANN001
        self.rt, self.fail_for, self.calls = rt, fail_for or set(), []

    def __call__(self, rt, attempt_id, triggered_by, browser=None, use_current=False):  # noqa: ANN001, ANN204
        self.calls.append((attempt_id, triggered_by, use_current))
        db = rt.control.session()
        try:
            run = GradeRun(
                attempt_id=attempt_id,
                started_at=datetime.now(),
                triggered_by=triggered_by,
                grader_version="fake",
                status="running",
            )
            db.add(run)
            db.commit()
            if attempt_id in self.fail_for:
                run.status = "error"
                db.commit()
                raise RuntimeError("grader broke")
            run.status, run.score, run.max_score, run.finished_at = "done", 1.0, 1.0, datetime.now()
            attempt = db.get(Attempt, attempt_id)
            attempt.score, attempt.max_score = 1.0, 1.0
            if attempt.status == AttemptStatus.SUBMITTED:
                attempt.status = AttemptStatus.GRADED
            db.commit()
            return run
        finally:
            db.close()


def _submitted(rt, ticket: str) -> Attempt:  # noqa: ANN001
    attempt = start_attempt(rt, ticket)
    db = rt.control.session()
    try:
        attempt_service.submit(rt, db, db.get(Attempt, attempt.id), "candidate", enqueue=False)
        return db.get(Attempt, attempt.id)
    finally:
        db.close()


def _jobs(rt, attempt_id: int | None = None) -> list[GradeJob]:  # noqa: ANN001
    db = rt.control.session()
    try:
        q = select(GradeJob).order_by(GradeJob.id)
        if attempt_id is not None:
            q = q.where(GradeJob.attempt_id == attempt_id)
        return list(db.scalars(q))
    finally:
        db.close()


def test_a_process_that_does_not_grade_only_writes_the_job(rt, exam, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setitem(rt.config, "GRADING_WORKER", False)
    attempt = start_attempt(rt, "T0001")
    db = rt.control.session()
    assert attempt_service.submit(rt, db, db.get(Attempt, attempt.id), "candidate")
    db.close()
    (job,) = _jobs(rt)
    assert (job.attempt_id, job.status, job.triggered_by, job.use_current) == (
        attempt.id,
        GradeJobStatus.QUEUED,
        "submit:candidate",
        False,
    )
    assert rt.grading._worker is None and rt.grading.join() is True  # nothing graded here
    rt.grading.start_background()  # no recovery either: grading state is the grader's business
    assert rt.grading._worker is None and _jobs(rt)[0].status == GradeJobStatus.QUEUED


def test_a_job_is_claimed_once(rt, exam, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setitem(rt.config, "GRADING_WORKER", False)
    attempt = _submitted(rt, "T0001")
    first = rt.grading.enqueue(attempt.id, "regrade", use_current=True)
    second = rt.grading.enqueue(attempt.id, "regrade")
    # Another process takes the first job between our look and our update: we take the next one.
    db = rt.control.session()
    db.execute(update(GradeJob).where(GradeJob.id == first.id).values(status=GradeJobStatus.RUNNING))
    db.commit()
    db.close()
    claimed = rt.grading._claim()
    assert claimed.id == second.id and claimed.status == GradeJobStatus.RUNNING and claimed.started_at
    assert rt.grading._claim() is None


def test_worker_grades_jobs_in_order_and_records_them(rt, exam, monkeypatch) -> None:  # noqa: ANN001
    first, second = _submitted(rt, "T0001"), _submitted(rt, "T0002")
    fake = FakeGrader(rt, fail_for={second.id})
    monkeypatch.setattr("graders.runner.grade_attempt", fake)
    ok = rt.grading.enqueue(first.id, "regrade", use_current=True)
    broken = rt.grading.enqueue(second.id, "submit:candidate")
    assert rt.grading.join(timeout=60)
    assert fake.calls == [(first.id, "regrade", True), (second.id, "submit:candidate", False)]
    assert ok.done.is_set() and ok.error is None and ok.run_id
    assert broken.done.is_set() and isinstance(broken.error, RuntimeError)
    done, failed = _jobs(rt)
    assert (done.status, done.run_id, done.error) == (GradeJobStatus.DONE, ok.run_id, None)
    assert failed.status == GradeJobStatus.FAILED and "grader broke" in failed.error
    assert failed.run_id == broken.run_id and failed.run_id is not None  # the run it got to make
    assert done.started_at and done.finished_at and failed.finished_at

    # A self-check waits for its own job.
    job = rt.grading.grade_and_wait(first.id, "selfcheck", timeout=60)
    assert job.done.is_set() and job.error is None and job.run_id > ok.run_id


def test_wait_sees_a_job_another_process_graded(rt, exam, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setitem(rt.config, "GRADING_WORKER", False)
    attempt = _submitted(rt, "T0001")
    job = rt.grading.enqueue(attempt.id, "selfcheck")
    assert rt.grading.wait(job, timeout=0.2) is False
    db = rt.control.session()
    db.execute(
        update(GradeJob).where(GradeJob.id == job.id).values(status=GradeJobStatus.FAILED, error="boom")
    )
    db.commit()
    db.close()
    assert rt.grading.wait(job, timeout=10) is True and str(job.error) == "boom"


def test_start_background_recovers_what_a_dead_process_left(rt, exam, monkeypatch) -> None:  # noqa: ANN001
    # Attempt 1: killed while its run was running. Attempt 2: killed after the submission was
    # committed, before its job was. A queued job of a third kind (regrade) waits its turn.
    killed, unqueued = _submitted(rt, "T0001"), _submitted(rt, "T0002")
    db = rt.control.session()
    started = datetime.now()
    db.add(
        GradeJob(
            attempt_id=killed.id,
            triggered_by="submit:candidate",
            status=GradeJobStatus.RUNNING,
            use_current=True,
            created_at=started,
            started_at=started,
        )
    )
    run = GradeRun(
        attempt_id=killed.id, started_at=started, triggered_by="submit:candidate", grader_version="x"
    )
    db.add(run)
    db.commit()
    run_id = run.id
    db.close()
    fake = FakeGrader(rt)
    monkeypatch.setattr("graders.runner.grade_attempt", fake)
    monkeypatch.setattr(rt.grading, "start_deadline_sweeper", lambda every=10.0: None)

    rt.grading.start_background()
    assert rt.grading.join(timeout=60)

    db = rt.control.session()
    old = db.get(GradeRun, run_id)
    assert old.status == "interrupted" and "interrupted" in old.error and old.finished_at
    assert {a.id: a.status for a in db.scalars(select(Attempt))} == {
        killed.id: AttemptStatus.GRADED,
        unqueued.id: AttemptStatus.GRADED,
    }
    db.close()
    assert fake.calls == [(killed.id, "submit:candidate", True), (unqueued.id, "recover:submitted", False)]
    assert [(j.attempt_id, j.status) for j in _jobs(rt)] == [
        (killed.id, GradeJobStatus.DONE),
        (unqueued.id, GradeJobStatus.DONE),
    ]
    # Nothing is left to recover: a second start queues nothing.
    assert rt.grading.recover() == 0 and len(_jobs(rt)) == 2


def test_an_interrupted_run_without_a_job_is_queued_again(rt, exam) -> None:  # noqa: ANN001
    """A run started elsewhere (say `python -m sandbox grade`) that died: its attempt is graded again."""
    attempt = _submitted(rt, "T0001")
    db = rt.control.session()
    db.add(
        GradeRun(
            attempt_id=attempt.id,
            started_at=datetime.now(),
            triggered_by="cli",
            grader_version="x",
            rubric_source="current",
        )
    )
    db.commit()
    db.close()
    assert rt.grading.recover() == 1
    (job,) = _jobs(rt)
    assert (job.triggered_by, job.status, job.use_current) == ("recover:cli", GradeJobStatus.QUEUED, True)


def test_an_attempt_whose_grading_ended_incomplete_is_not_queued_at_every_start(rt, exam) -> None:  # noqa: ANN001
    """Grading ran (its job is done) but the run was incomplete: that is the examiner's to regrade."""
    attempt = _submitted(rt, "T0001")
    db = rt.control.session()
    now = datetime.now()
    run = GradeRun(
        attempt_id=attempt.id,
        started_at=now,
        triggered_by="submit:candidate",
        grader_version="x",
        status="incomplete",
        finished_at=now,
    )
    db.add(run)
    db.commit()
    db.add(
        GradeJob(
            attempt_id=attempt.id,
            triggered_by="submit:candidate",
            status=GradeJobStatus.DONE,
            created_at=now,
            started_at=now,
            finished_at=now,
            run_id=run.id,
        )
    )
    db.commit()
    db.close()
    assert rt.grading.recover() == 0
    assert rt.grading.recover() == 0
    assert len(_jobs(rt)) == 1
