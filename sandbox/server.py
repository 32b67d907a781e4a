"""`python -m sandbox serve --workers N`: the sandbox under gunicorn (several processes, threads each).

Every worker builds its own application; what must happen once (deadline sweeps, in-process grading,
control-database migrations) is decided between them (`sandbox.leader`, the migration lock), and
login rate limits are shared when SANDBOX_RATELIMIT_STORAGE is a redis:// URI. Logs are JSON lines.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication


class SandboxServer(BaseApplication):
    """gunicorn, configured in code, loading the sandbox in each worker."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201
        from sandbox import create_app
        from sandbox.runtime import freeze_startup_heap

        app = create_app()
        app.extensions["sandbox"].grading.start_background()
        freeze_startup_heap()
        return app


def run_gunicorn(host: str | None, port: int | None, workers: int, threads: int) -> None:
    """Serve with gunicorn until stopped."""
    from sandbox import create_app

    os.environ.setdefault("SANDBOX_LOG_FORMAT", "json")
    # Migrate (and create the instance's secret) once, before the workers start together.
    app = create_app()
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    control = str(app.config["INSTANCE_DIR"] / "gunicorn.ctl")  # one per instance, not one per user
    del app
    SandboxServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 120,
            "graceful_timeout": 30,
            "keepalive": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "ec-sandbox",
            "control_socket": control,
        }
    ).run()
