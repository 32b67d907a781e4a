"""The application's long-lived parts: control DB, world store, scenario catalogue, grading queue."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from sandbox.control.db import ControlDB
from sandbox.scenarios.loader import ScenarioCatalog
from sandbox.worlds.store import make_store


class Runtime:
    """Everything a request, a CLI command or a grading job needs besides the request itself."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.control = ControlDB(config["CONTROL_DB_URL"])
        self.store = make_store(config)
        self.scenarios = ScenarioCatalog(config["SCENARIOS_DIR"])
        self.app: Flask | None = None
        self._queue = None

    @property
    def grading(self):  # noqa: ANN201
        """The in-process grading queue (created on first use)."""
        if self._queue is None:
            from sandbox.grading_queue import GradingQueue

            self._queue = GradingQueue(self)
        return self._queue


def runtime() -> Runtime:
    """The runtime of the current Flask application."""
    return current_app.extensions["sandbox"]


def freeze_startup_heap() -> None:
    """Move everything loaded at start-up (modules, templates, scenario data) out of the garbage
    collector's reach before serving: full collections then scan only what requests allocate, which
    takes the 150 ms pauses off page times in a large world (benchmarks/orders.py shows them)."""
    import gc

    gc.collect()
    gc.freeze()
