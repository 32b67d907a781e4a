"""In-process grading: one worker thread owns one Chromium and grades queued attempts in order.

Playwright's sync API belongs to the thread that started it, so every grading job, including a
practice self-check that waits for its result, runs on this worker.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

log = logging.getLogger(__name__)


@dataclass
class Job:
    """A request to grade an attempt, with a way to wait for it."""

    attempt_id: int
    triggered_by: str
    done: threading.Event = field(default_factory=threading.Event)
    run_id: int | None = None
    error: BaseException | None = None


class GradingQueue:
    """A FIFO of grading jobs served by one worker thread."""

    def __init__(self, rt: Any) -> None:
        self.rt = rt
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.browser = None

    def enqueue(self, attempt_id: int, triggered_by: str, use_current: bool = False) -> Job:
        """Queue an attempt for grading (with the current scenario version if `use_current`)."""
        job = Job(attempt_id, triggered_by)
        self.jobs.put(job)
        self._ensure_worker()
        return job

    def grade_and_wait(self, attempt_id: int, triggered_by: str, timeout: float = 120) -> Job:
        """Queue an attempt and wait until it is graded."""
        job = self.enqueue(attempt_id, triggered_by)
        job.done.wait(timeout)
        return job

    def join(self) -> None:
        """Wait until every queued job is done."""
        self.jobs.join()

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="grading-worker", daemon=True)
                self._worker.start()

    def _live_browser(self):  # noqa: ANN202
        """The worker's Chromium, (re)started if it is not running: a crash costs one job, not all."""
        from graders.browser import GradingBrowser

        if self.browser is not None and not self.browser.is_alive():
            try:
                self.browser.close()
            except Exception:  # noqa: BLE001 - it is already dead
                log.warning("closing a dead grading browser failed", exc_info=True)
            self.browser = None
        if self.browser is None:
            self.browser = GradingBrowser(self.rt.app, self.rt.config.get("CHROMIUM", ""))
        return self.browser

    def _work(self) -> None:
        from graders.runner import grade_attempt

        while True:
            job = self.jobs.get()
            if job is None:
                self.jobs.task_done()
                break
            try:
                run = grade_attempt(self.rt, job.attempt_id, job.triggered_by, self._live_browser)
                if run.status == "incomplete" and self.browser is not None and not self.browser.is_alive():
                    # Chromium died during the run: grade once more with a fresh one.
                    run = grade_attempt(
                        self.rt, job.attempt_id, f"{job.triggered_by}:retry", self._live_browser
                    )
                job.run_id = run.id
            except BaseException as exc:  # noqa: BLE001 - the worker must survive a failed job
                log.exception("grading attempt %s failed", job.attempt_id)
                job.error = exc
            finally:
                job.done.set()
                self.jobs.task_done()
        if self.browser is not None:
            self.browser.close()
            self.browser = None

    def stop(self) -> None:
        """Finish queued jobs, then close the browser and end the worker."""
        self._stop.set()
        if self._worker is not None and self._worker.is_alive():
            self.jobs.put(None)
            self._worker.join(timeout=60)

    def start_background(self) -> None:
        """What a serving process runs beside requests: the deadline sweeper."""
        self.start_deadline_sweeper()

    def start_deadline_sweeper(self, every: float = 10.0) -> None:
        """Auto-submit attempts whose time ran out even if nobody touches them again."""
        from sandbox.control.attempts import enforce_deadline
        from sandbox.control.models import Attempt, AttemptStatus

        def sweep() -> None:
            while not self._stop.wait(every):
                db = self.rt.control.session()
                try:
                    now = time.time()
                    for attempt in db.scalars(
                        select(Attempt).where(
                            Attempt.status == AttemptStatus.ACTIVE, Attempt.deadline_real <= now
                        )
                    ):
                        enforce_deadline(self.rt, db, attempt, now)
                finally:
                    db.close()

        threading.Thread(target=sweep, name="deadline-sweeper", daemon=True).start()
