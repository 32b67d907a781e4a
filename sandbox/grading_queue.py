"""Grading jobs kept in the control database, graded by one worker thread that owns one Chromium.

`enqueue` writes a GradeJob row (queued) and wakes the worker. The worker takes the oldest queued
job with a conditional UPDATE (`... WHERE status = 'queued'`, so a job is taken once even when
several processes share the table), brings the attempt's action log up to date with its world
(`sandbox.control.reconcile`), grades it, and records the job as done (or failed) with its run.
Playwright's sync API belongs to the thread that started it, so every grading job, including a
practice self-check that waits for its result, runs on this one worker.

A server killed with jobs queued or running loses none of them: `start_background` recovers what a
dead process left behind before the worker starts (see `recover`).

Several serving processes (gunicorn workers, machines): only the process holding the grading
leadership (`sandbox.leader`) grades, recovers and holds a Chromium; the others write jobs, which the
leader finds within POLL_SECONDS. When the leader dies a surviving process takes over (its deadline
sweeper tries every sweep) and recovers what the dead one left running. A process with GRADING_WORKER
off (SANDBOX_GRADING_WORKER=0) only writes jobs.

With Celery configured (SANDBOX_CELERY_BROKER, e.g. redis://127.0.0.1:6379/0) the web processes do not
grade: each job also sends a `grade_next` task, and Celery workers (`python -m sandbox grading-worker`,
`sandbox.celery_worker`) each hold one Chromium and grade the oldest queued job. The claim is the same
conditional UPDATE, so an attempt is never graded twice at once. A job a dead Celery worker left
running is queued again by the leader once it has been running for GRADING_STALE_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select, update

from sandbox.control.models import Attempt, AttemptStatus, GradeJob, GradeJobStatus, GradeRun

log = logging.getLogger(__name__)

# How often an idle worker looks for jobs written by another process (its own wake it at once).
POLL_SECONDS = 2.0
INTERRUPTED = "interrupted"  # GradeRun status of a run its grading process did not live to finish
INTERRUPTED_ERROR = "interrupted: the grading process stopped before this run finished; graded again"
# A job running this long was left by a grading worker that died (a grading run takes seconds).
GRADING_STALE_SECONDS = 600.0
GRADED_MODES = ("exam", "practice")


@dataclass(eq=False)
class Job:
    """A queued grading job (its GradeJob row's id), with a way to wait for it in this process."""

    id: int
    attempt_id: int
    triggered_by: str
    use_current: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    run_id: int | None = None
    error: BaseException | None = None


class GradingQueue:
    """Grading jobs in the control database, served by one worker thread of this process."""

    def __init__(self, rt: Any) -> None:
        self.rt = rt
        self.browser = None
        self.poll_every = POLL_SECONDS
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._idle = threading.Condition()  # notified whenever the worker finishes or finds nothing
        self._busy = False  # the worker is claiming or grading a job (guarded by _idle)
        self._waiting: weakref.WeakValueDictionary[int, Job] = weakref.WeakValueDictionary()
        self._leaders: dict[str, Any] = {}
        self.recovered = False

    @property
    def celery(self) -> bool:
        """Whether Celery workers grade (a broker is configured)."""
        return bool(self.rt.config.get("CELERY_BROKER"))

    @property
    def grades_here(self) -> bool:
        """Whether this process may grade (GRADING_WORKER on, unless Celery workers grade)."""
        return bool(self.rt.config.get("GRADING_WORKER", True)) and not self.celery

    def leads(self, name: str) -> bool:
        """Whether this process holds the leadership `name` ("grading", "sweeper"), taking it if free."""
        from sandbox.leader import Leadership

        if name not in self._leaders:
            self._leaders[name] = Leadership(self.rt.config, name)
        return self._leaders[name].try_acquire()

    def _grading_leader(self, recover: bool = False) -> bool:
        """Whether this process grades now: it may, and it leads grading. With `recover`, taking
        the leadership (at start, or over from a leader that died) first recovers what was left."""
        if not self.grades_here:
            return False
        was = "grading" in self._leaders and self._leaders["grading"].held
        if not self.leads("grading"):
            return False
        if recover and (not was or not self.recovered):
            self.recovered = True
            self.recover()
        return True

    # -- queueing and waiting ------------------------------------------------------------------

    def enqueue(
        self,
        attempt_id: int,
        triggered_by: str,
        use_current: bool = False,
        *,
        policy: str | None = None,
        requested_by: str | None = None,
        reason: str | None = None,
        batch_id: int | None = None,
    ) -> Job:
        """Queue an attempt for grading (with the current scenario version if `use_current`; an
        examiner's regrade with its policy, who asked, why, and its batch).

        The job is committed to the control database before this returns.
        """
        row = GradeJob(
            attempt_id=attempt_id,
            triggered_by=triggered_by[:60],
            status=GradeJobStatus.QUEUED,
            use_current=use_current,
            created_at=datetime.now(),
            policy=policy,
            requested_by=requested_by,
            reason=reason,
            batch_id=batch_id,
        )
        db = self.rt.control.session()
        try:
            db.add(row)
            db.flush()
            job = Job(row.id, attempt_id, triggered_by, use_current)
            self._waiting[job.id] = job  # before the worker can see the job
            db.commit()
        except BaseException:
            if row.id is not None:
                self._waiting.pop(row.id, None)
            raise
        finally:
            db.close()
        if self.celery:
            self._dispatch(1)
        elif self._grading_leader():
            self._ensure_worker()
            self._wake.set()
        return job

    def _dispatch(self, count: int) -> None:
        """Ask Celery workers to grade `count` more jobs (each task grades the oldest queued job)."""
        from sandbox.celery_worker import send_grade_next

        try:
            send_grade_next(self.rt.config, count)
        except Exception:  # noqa: BLE001 - the job is queued; the leader sends again (nudge)
            log.warning("sending %d grading task(s) to Celery failed", count, exc_info=True)

    def grade_and_wait(self, attempt_id: int, triggered_by: str, timeout: float = 120) -> Job:
        """Queue an attempt and wait until it is graded (or `timeout` seconds pass)."""
        job = self.enqueue(attempt_id, triggered_by)
        self.wait(job, timeout)
        return job

    def wait(self, job: Job, timeout: float = 120) -> bool:
        """Wait for a job of this process; True once it is finished (here or by another process)."""
        deadline = time.monotonic() + timeout
        while not job.done.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if not job.done.wait(min(left, 1.0)):
                self._refresh(job)
        return True

    def _refresh(self, job: Job) -> None:
        """Take a job's result from its row (it may have been graded by another process)."""
        db = self.rt.control.session()
        try:
            row = db.get(GradeJob, job.id)
        finally:
            db.close()
        if row is not None and row.status in (GradeJobStatus.DONE, GradeJobStatus.FAILED):
            job.run_id = row.run_id
            if row.status == GradeJobStatus.FAILED and job.error is None:
                job.error = RuntimeError(row.error or "grading failed")
            job.done.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until no job is queued and the worker is idle; True if so (at once if we do not grade)."""
        if not self._grading_leader():
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while True:
                # Checked under the lock the worker takes to become busy: a job it claims meanwhile
                # is either still queued here or the worker is busy.
                if not self._busy and not self._queued():
                    return True
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                self._ensure_worker()
                self._wake.set()
                self._idle.wait(0.5)

    def _queued(self) -> bool:
        db = self.rt.control.session()
        try:
            return (
                db.scalar(select(GradeJob.id).where(GradeJob.status == GradeJobStatus.QUEUED).limit(1))
                is not None
            )
        finally:
            db.close()

    # -- the worker ----------------------------------------------------------------------------

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="grading-worker", daemon=True)
                self._worker.start()

    def _live_browser(self):  # noqa: ANN202
        """The worker's Chromium, (re)started if it is not running: a crash costs one job, not all."""
        from graders.drivers import grading_browser

        if self.browser is not None and not self.browser.is_alive():
            try:
                self.browser.close()
            except Exception:  # noqa: BLE001 - it is already dead
                log.warning("closing a dead grading browser failed", exc_info=True)
            self.browser = None
        if self.browser is None:
            self.browser = grading_browser(self.rt.app)
        return self.browser

    def _claim(self) -> GradeJob | None:
        """Take the oldest queued job: it becomes running, and no other worker can take it."""
        db = self.rt.control.session()
        try:
            while True:
                job_id = db.scalar(
                    select(GradeJob.id)
                    .where(GradeJob.status == GradeJobStatus.QUEUED)
                    .order_by(GradeJob.id)
                    .limit(1)
                )
                if job_id is None:
                    return None
                taken = db.execute(
                    update(GradeJob)
                    .where(GradeJob.id == job_id, GradeJob.status == GradeJobStatus.QUEUED)
                    .values(status=GradeJobStatus.RUNNING, started_at=datetime.now())
                ).rowcount
                db.commit()
                if taken:
                    return db.get(GradeJob, job_id)
        finally:
            db.close()

    def _work(self) -> None:
        try:
            while True:
                with self._idle:
                    self._busy = True
                try:
                    job = self._claim()
                except Exception:  # noqa: BLE001 - the control DB was busy or gone: look again later
                    log.warning("looking for grading jobs failed", exc_info=True)
                    job = None
                if job is not None:
                    try:
                        self._grade(job)
                    finally:
                        with self._idle:
                            self._busy = False
                            self._idle.notify_all()
                    continue
                with self._idle:
                    self._busy = False
                    self._idle.notify_all()
                if self._stop.is_set():
                    break
                self._wake.wait(self.poll_every)
                self._wake.clear()
        finally:
            if self.browser is not None:
                try:
                    self.browser.close()
                except Exception:  # noqa: BLE001
                    log.warning("closing the grading browser failed", exc_info=True)
                self.browser = None

    def _grade(self, job: GradeJob) -> None:
        """Grade one claimed job and record how it ended."""
        from graders.runner import grade_attempt
        from sandbox.control.reconcile import reconcile_attempt

        run_id, error = None, None
        try:
            try:
                reconcile_attempt(self.rt, job.attempt_id)  # the timeline the examiner sees is complete
            except Exception:  # noqa: BLE001 - grading does not depend on the action log
                log.warning("reconciling the action log of attempt %s failed", job.attempt_id, exc_info=True)
            # An examiner's regrade also passes its policy, who asked, why and its batch.
            extra = {"policy": job.policy, "requested_by": job.requested_by, "reason": job.reason}
            extra["batch_id"] = job.batch_id
            how = {"use_current": job.use_current, **{k: v for k, v in extra.items() if v is not None}}
            run = grade_attempt(self.rt, job.attempt_id, job.triggered_by, self._live_browser, **how)
            if run.status == "incomplete" and self.browser is not None and not self.browser.is_alive():
                # Chromium died during the run: grade once more with a fresh one.
                run = grade_attempt(
                    self.rt,
                    job.attempt_id,
                    f"{job.triggered_by}:retry",
                    self._live_browser,
                    **how,
                )
            run_id = run.id
        except BaseException as exc:  # noqa: BLE001 - the worker must survive a failed job
            log.exception("grading attempt %s failed", job.attempt_id)
            error = exc
            run_id = self._run_since(job)
        try:
            self._record(job, run_id, error)
        except Exception:  # noqa: BLE001
            log.exception("recording the end of grading job %s failed", job.id)
        waiter = self._waiting.pop(job.id, None)
        if waiter is not None:
            waiter.run_id, waiter.error = run_id, error
            waiter.done.set()

    def _run_since(self, job: GradeJob) -> int | None:
        """The run a failed job made, if it got that far."""
        db = self.rt.control.session()
        try:
            return db.scalar(
                select(func.max(GradeRun.id)).where(
                    GradeRun.attempt_id == job.attempt_id, GradeRun.started_at >= job.started_at
                )
            )
        finally:
            db.close()

    def _record(self, job: GradeJob, run_id: int | None, error: BaseException | None) -> None:
        db = self.rt.control.session()
        try:
            db.execute(
                update(GradeJob)
                .where(GradeJob.id == job.id)
                .values(
                    status=GradeJobStatus.FAILED if error is not None else GradeJobStatus.DONE,
                    finished_at=datetime.now(),
                    run_id=run_id,
                    error=f"{error.__class__.__name__}: {error}" if error is not None else None,
                )
            )
            db.commit()
        finally:
            db.close()

    def stop(self) -> None:
        """Finish the queued jobs, then close the browser and end the worker (and the sweeper)."""
        self._stop.set()
        self._wake.set()
        if self._worker is not None and self._worker.is_alive():
            self._worker.join(timeout=60)
        for leadership in self._leaders.values():
            leadership.release()  # another process may lead now

    # -- a serving process ---------------------------------------------------------------------

    def start_background(self) -> None:
        """What a serving process runs beside requests: recovery and the worker (if it grades and
        leads grading), and the deadline sweeper (which runs in the process leading sweeps)."""
        if self._grading_leader(recover=True):
            self._ensure_worker()
        self.start_deadline_sweeper()

    def requeue_stale(self, older_than: float = GRADING_STALE_SECONDS) -> int:
        """Queue again the jobs running for longer than `older_than` seconds (their worker died)."""
        from datetime import timedelta

        db = self.rt.control.session()
        try:
            cutoff = datetime.now() - timedelta(seconds=older_than)
            count = db.execute(
                update(GradeJob)
                .where(GradeJob.status == GradeJobStatus.RUNNING, GradeJob.started_at < cutoff)
                .values(status=GradeJobStatus.QUEUED, started_at=None)
            ).rowcount
            db.commit()
            return int(count or 0)
        finally:
            db.close()

    def nudge(self, older_than: float = 30.0) -> int:
        """With Celery: send a task for every job queued longer than `older_than` seconds (a task
        lost with a web process, or a worker that died); returns how many were sent."""
        from datetime import timedelta

        db = self.rt.control.session()
        try:
            cutoff = datetime.now() - timedelta(seconds=older_than)
            waiting = db.scalar(
                select(func.count(GradeJob.id)).where(
                    GradeJob.status == GradeJobStatus.QUEUED, GradeJob.created_at < cutoff
                )
            )
        finally:
            db.close()
        if waiting:
            self._dispatch(int(waiting))
        return int(waiting or 0)

    def background_round(self, now: float | None = None) -> None:
        """One round of the background duties this process leads: take grading over from a dead
        leader; with Celery, requeue jobs of dead workers and resend lost tasks; sweep deadlines."""
        if self._grading_leader(recover=True):
            self._ensure_worker()
        if self.celery and self.leads("sweeper"):
            if self.requeue_stale():
                self.recovered = True
            self.nudge()
        return self._sweep_if_leader(now)

    def _sweep_if_leader(self, now: float | None) -> None:
        if self.leads("sweeper"):
            self.sweep(now)

    def recover(self) -> int:
        """Put back what a dead process left unfinished; returns how many jobs are now queued.

        - runs left `running` are marked `interrupted` (with an error message), and their attempts
          queued again;
        - jobs left `running` are queued again (they keep their place);
        - submitted attempts (exam or practice) never handed to grading since they were submitted
          (no job, no finished run) get a job: the process died between the submission and its job.
          One whose run was incomplete or failed is left to the examiner's regrade.

        Call it only when no other process is grading with this control database (see the module
        docstring): a run or job marked running is taken for abandoned.
        """
        db = self.rt.control.session()
        now = datetime.now()
        try:
            interrupted = list(db.scalars(select(GradeRun).where(GradeRun.status == "running")))
            for run in interrupted:
                run.status, run.error, run.finished_at = INTERRUPTED, INTERRUPTED_ERROR, now
            db.execute(
                update(GradeJob)
                .where(GradeJob.status == GradeJobStatus.RUNNING)
                .values(status=GradeJobStatus.QUEUED, started_at=None)
            )
            pending = set(
                db.scalars(select(GradeJob.attempt_id).where(GradeJob.status == GradeJobStatus.QUEUED))
            )

            def requeue(attempt_id: int, triggered_by: str, use_current: bool = False, **how: Any) -> None:
                if attempt_id not in pending:
                    pending.add(attempt_id)
                    db.add(
                        GradeJob(
                            attempt_id=attempt_id,
                            triggered_by=triggered_by[:60],
                            status=GradeJobStatus.QUEUED,
                            use_current=use_current,
                            created_at=now,
                            **how,
                        )
                    )

            for run in interrupted:
                requeue(
                    run.attempt_id,
                    f"recover:{run.triggered_by}",
                    run.rubric_source == "current",
                    policy=run.policy,
                    requested_by=run.requested_by,
                    reason=run.reason,
                    batch_id=run.batch_id,
                )
            # Handed to grading since the submission: a job was written, or a run finished (an
            # incomplete or failed one is the examiner's to regrade, not queued again at every start).
            job_since_submit = exists().where(
                and_(GradeJob.attempt_id == Attempt.id, GradeJob.created_at >= Attempt.submitted_at)
            )
            run_since_submit = exists().where(
                and_(
                    GradeRun.attempt_id == Attempt.id,
                    GradeRun.status.in_(("done", "incomplete", "error")),
                    GradeRun.started_at >= Attempt.submitted_at,
                )
            )
            for attempt_id in db.scalars(
                select(Attempt.id)
                .where(
                    Attempt.status == AttemptStatus.SUBMITTED,
                    Attempt.mode.in_(GRADED_MODES),
                    ~job_since_submit,
                    ~run_since_submit,
                )
                .order_by(Attempt.submitted_real, Attempt.id)
            ):
                requeue(attempt_id, "recover:submitted")
            db.commit()
            queued = db.scalar(
                select(func.count(GradeJob.id)).where(GradeJob.status == GradeJobStatus.QUEUED)
            )
        finally:
            db.close()
        if interrupted or queued:
            log.warning("grading recovery: %d run(s) interrupted, %d job(s) queued", len(interrupted), queued)
        return int(queued or 0)

    def sweep(self, now: float | None = None) -> None:
        """Submit the attempts and theory papers whose time ran out (unless their candidate is paused)."""
        from sandbox.control.attempts import enforce_deadline
        from sandbox.control.models import Candidate
        from sandbox.theory.sitting import sweep_due as sweep_theory

        db = self.rt.control.session()
        try:
            now = time.time() if now is None else now
            for attempt in db.scalars(
                select(Attempt)
                .outerjoin(Candidate, Attempt.candidate_id == Candidate.id)
                .where(
                    Attempt.status == AttemptStatus.ACTIVE,
                    Attempt.deadline_real <= now,
                    Candidate.paused_at.is_(None),  # a paused candidate's time stands still
                )
            ):
                enforce_deadline(self.rt, db, attempt, now)
            sweep_theory(db, now)
        finally:
            db.close()

    def start_deadline_sweeper(self, every: float = 10.0) -> None:
        """Auto-submit attempts whose time ran out even if nobody touches them again (in the one
        process leading sweeps), and the other background duties (`background_round`)."""

        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.background_round()
                except Exception:  # noqa: BLE001 - try again at the next round
                    log.warning("background round failed", exc_info=True)

        threading.Thread(target=loop, name="deadline-sweeper", daemon=True).start()
