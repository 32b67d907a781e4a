"""The exam hall's rules on every request of a candidate: from an allowed network, not while paused.

Runs before a request is bound to its world, so a paused candidate's work waits without touching the
world (and a deadline does not pass while paused: resuming moves it). Also notes where the candidate
was last seen, for the live proctor view (at most one write every few seconds per candidate).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, Response, jsonify, render_template, request, session
from flask_babel import gettext

from sandbox.admin import access
from sandbox.control.models import Candidate

# Requests that neither count as activity nor are held while paused.
EXEMPT_ENDPOINTS = {
    "static",
    "vendor.asset",
    "exam.login",
    "exam.logout",
    "exam.home",
    "set_language",
    "replay.ingest",
    "replay.recorder_js",
}
# Allowed while paused: the countdown's poll says so, and the candidate may look at the exam home.
PAUSE_ALLOWED_ENDPOINTS = {"exam.status", "theory.status", "exam.parts", "exam.results"}
SEEN_EVERY = timedelta(seconds=10)


def init_app(app: Flask) -> None:
    """Install the hook (before the world binding)."""
    app.before_request(_guard)


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _refuse(message: str, status: int, reason: str | None = None) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify({"error": message, "paused": status == 423}), status
    return render_template("exam/held.html", message=message, reason=reason, status=status), status


def _guard():  # noqa: ANN202
    who = session.get("who") or {}
    if who.get("kind") != "candidate" or request.endpoint in EXEMPT_ENDPOINTS or request.endpoint is None:
        return None
    if request.blueprint == "certificates":
        return None
    from sandbox.binding import control_db

    db = control_db()
    candidate = db.get(Candidate, who.get("id"))
    if candidate is None:
        return None
    if not access.address_allowed(candidate.exam, request.remote_addr):
        return _refuse(gettext("本机不在本场考试允许的网络范围内，请在考场机器上作答"), 403)
    _seen(db, candidate)
    if access.is_paused(candidate) and request.endpoint not in PAUSE_ALLOWED_ENDPOINTS:
        return _refuse(gettext("考试已被监考员暂停，请听从监考员安排"), 423, candidate.pause_reason)
    return None


def _seen(db, candidate: Candidate) -> None:  # noqa: ANN001
    """Remember the candidate's last request (throttled), for the proctor's view."""
    now = datetime.now()
    path = request.path[:200]
    if request.endpoint in ("exam.status", "theory.status") and candidate.last_seen_path:
        path = candidate.last_seen_path  # the countdown's poll says "still here", not "went there"
    if (
        candidate.last_seen_at
        and now - candidate.last_seen_at < SEEN_EVERY
        and path == candidate.last_seen_path
    ):
        return
    candidate.last_seen_at = now
    candidate.last_seen_path = path
    db.commit()
