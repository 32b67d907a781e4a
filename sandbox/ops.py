"""Running the sandbox in production: a health endpoint and structured (JSON lines) logs.

- `GET /healthz`: 200 with what this process sees (control database, world store, grading queue)
  when it can serve, 503 naming what failed; for a load balancer, `make serve` and the load test.
- With LOG_FORMAT=json (SANDBOX_LOG_FORMAT; `serve --workers` sets it) every log record is one JSON
  object per line on stderr, and every request writes one line with its request id (the client's
  X-Request-ID, else a new one, sent back in the response) and the attempt it was bound to.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, g, has_request_context, jsonify, request
from sqlalchemy import func, select, text

bp = Blueprint("ops", __name__)
request_log = logging.getLogger("sandbox.requests")


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    """Whether this process can serve: control database and world store answer."""
    from sandbox.control.models import GradeJob, GradeJobStatus
    from sandbox.runtime import runtime

    rt = runtime()
    report: dict[str, Any] = {"pid": os.getpid(), "store": rt.store.kind}
    ok = True
    db = rt.control.session()
    try:
        db.execute(text("SELECT 1"))
        counts = dict(
            db.execute(
                select(GradeJob.status, func.count(GradeJob.id))
                .where(GradeJob.status.in_((GradeJobStatus.QUEUED, GradeJobStatus.RUNNING)))
                .group_by(GradeJob.status)
            ).all()
        )
        report["control"] = "ok"
        report["grading"] = {
            "queued": counts.get(GradeJobStatus.QUEUED, 0),
            "running": counts.get(GradeJobStatus.RUNNING, 0),
        }
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        ok, report["control"] = False, f"error: {exc.__class__.__name__}"
    finally:
        db.close()
    if rt.store.kind == "postgresql":
        try:
            with rt.store.admin.connect() as conn:
                conn.execute(text("SELECT 1"))
            report["worlds"] = "ok"
        except Exception as exc:  # noqa: BLE001
            ok, report["worlds"] = False, f"error: {exc.__class__.__name__}"
    else:
        report["worlds"] = "ok" if rt.store.worlds.is_dir() else "error: no world folder"
        ok = ok and report["worlds"] == "ok"
    report["status"] = "ok" if ok else "unavailable"
    return jsonify(report), 200 if ok else 503


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, process, and the request's ids."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        if has_request_context():
            entry["request_id"] = getattr(g, "request_id", None)
            attempt = getattr(g, "attempt", None)
            if attempt is not None:
                entry["attempt_id"] = attempt.id
        for key in ("method", "path", "status", "ms", "request_id", "attempt_id", "endpoint"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def use_json_logs(level: int = logging.INFO) -> None:
    """Send every log record to stderr as JSON lines (replacing the root logger's handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_app(app: Flask) -> None:
    """Request ids on every request; a JSON line per request when the logs are JSON."""
    app.register_blueprint(bp)
    json_logs = app.config.get("LOG_FORMAT") == "json"
    if json_logs:
        use_json_logs()

    @app.before_request
    def _request_id() -> None:
        supplied = request.headers.get("X-Request-ID", "")
        ok = 0 < len(supplied) <= 64 and supplied.replace("-", "").isalnum()
        g.request_id = supplied if ok else uuid.uuid4().hex[:16]
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):  # noqa: ANN001, ANN202
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if json_logs and request.endpoint != "static":
            attempt = g.get("attempt")
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "endpoint": request.endpoint,
                    "ms": round(
                        (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1
                    ),
                    "attempt_id": attempt.id if attempt is not None else None,
                },
            )
        return response
