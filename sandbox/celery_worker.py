"""Grading on Celery workers (Redis broker): `python -m sandbox grading-worker [--concurrency N]`.

Each worker process builds the application once, holds one Chromium (started on its first UI check,
restarted if it crashes, the job graded once more), and for every `sandbox.grade_next` task claims
the oldest queued grading job with the same conditional UPDATE the in-process worker uses, so two
workers never grade one job. The tasks carry no attempt: a lost or duplicate task costs nothing (a
task that finds no job does nothing), and the web's leader resends tasks for jobs left waiting.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_shutdown

log = logging.getLogger(__name__)
TASK = "sandbox.grade_next"
_CLIENTS: dict[str, Celery] = {}
_QUEUE: Any = None  # this worker process's grading queue (its app, its browser)


def celery_app(broker: str) -> Celery:
    """A Celery application on `broker` (acks late: a task of a worker that dies is delivered again)."""
    app = Celery("sandbox", broker=broker)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="sandbox-grading",
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


def send_grade_next(config: dict[str, Any], count: int = 1) -> None:
    """Send `count` grade_next tasks (from a web process)."""
    broker = config["CELERY_BROKER"]
    if broker not in _CLIENTS:
        _CLIENTS[broker] = celery_app(broker)
    for _ in range(count):
        _CLIENTS[broker].send_task(TASK)


def _queue() -> Any:
    """This worker process's grading queue (the application is built on the first task)."""
    global _QUEUE
    if _QUEUE is None:
        from sandbox import create_app

        _QUEUE = create_app().extensions["sandbox"].grading
    return _QUEUE


def grade_next() -> int | None:
    """Claim and grade the oldest queued job; returns its id (None when there was none)."""
    queue = _queue()
    job = queue._claim()
    if job is None:
        return None
    queue._grade(job)
    return job.id


app = celery_app(os.environ.get("SANDBOX_CELERY_BROKER", "redis://127.0.0.1:6379/0"))
app.task(name=TASK)(grade_next)


@worker_process_shutdown.connect
def _close_browser(**_kwargs: Any) -> None:
    """Close this worker process's Chromium when the worker stops."""
    if _QUEUE is not None and _QUEUE.browser is not None:
        try:
            _QUEUE.browser.close()
        except Exception:  # noqa: BLE001
            log.warning("closing the grading browser failed", exc_info=True)
