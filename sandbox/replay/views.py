"""Replay pages: the candidate's pages post their recording here; examiners play it back.

The recording is taken from the signed session's attempt, never from the URL or the body. Beacons
sent as a page goes away cannot carry headers, so the ingestion endpoint is exempt from the
form-CSRF check and does its own: the request must come from this site (Origin, else Referer) and
carry the page's CSRF token (header, or in the body).
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext
from flask_wtf.csrf import ValidationError, validate_csrf

from sandbox import csrf
from sandbox.binding import control_db, current_attempt, grader_session
from sandbox.control.access import staff_required
from sandbox.control.models import ActionLog, Attempt, StaffRole
from sandbox.errors import DomainError
from sandbox.headers import CONTENT_SECURITY_POLICY
from sandbox.parsing import query_int
from sandbox.replay import services
from sandbox.runtime import runtime

bp = Blueprint("replay", __name__)
examiner_only = staff_required(StaffRole.EXAMINER)

# rrweb's player sets `style` attributes (its own sizes, and the recorded pages' inline styles in its
# sandboxed iframe, which inherits this page's policy): on the player page only, styles may be inline.
# Scripts stay 'self' only; the iframe runs none.
PLAYER_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


RECORDER = Path(__file__).resolve().parent.parent / "static" / "js" / "recorder.js"


@bp.app_template_global()
def replay_recorder_url() -> str:
    """Where pages load the recorder from: versioned by its modification time, so cached for a day."""
    return url_for("replay.recorder_js", v=int(RECORDER.stat().st_mtime))


@bp.get("/replay/recorder.js")
def recorder_js():  # noqa: ANN201
    """static/js/recorder.js, cached by the browser (no request at all on the next page load)."""
    return send_file(RECORDER, mimetype="text/javascript", max_age=86400 if request.args.get("v") else 0)


def _refuse(message: str, status: int) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def _same_origin() -> bool:
    """Whether the request comes from a page of this site (Origin, or Referer when there is none)."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return bool(source) and urlsplit(source).netloc == request.host


@bp.post("/replay/batch")
@csrf.exempt
def ingest():  # noqa: ANN201
    """Store one batch of the bound attempt's recording and acknowledge it: {"ack": seq}."""
    attempt = current_attempt()
    if attempt is None or grader_session():
        return _refuse(gettext("请先登录考试系统"), 401)
    if not _same_origin():
        return _refuse(gettext("页面已过期或表单来源无效，请刷新后重试"), 403)
    config = current_app.config
    limit = int(config.get("REPLAY_MAX_BATCH_BYTES", services.MAX_BATCH_BYTES))
    if (request.content_length or 0) > limit:
        return _refuse(gettext("录像数据过大，未保存"), 413)
    body = request.get_data(cache=False)
    if len(body) > limit:
        return _refuse(gettext("录像数据过大，未保存"), 413)
    try:
        batch = services.parse_batch(body, request.headers.get("X-Replay-Encoding") == "gzip")
        if config.get("WTF_CSRF_ENABLED", True):
            validate_csrf(request.headers.get("X-CSRFToken") or batch.csrf)
        services.add_batch(
            control_db(),
            attempt,
            batch,
            time.time(),
            grace_seconds=float(config.get("REPLAY_GRACE_SECONDS", services.GRACE_SECONDS)),
            max_attempt_bytes=int(config.get("REPLAY_MAX_ATTEMPT_BYTES", services.MAX_ATTEMPT_BYTES)),
        )
    except ValidationError:
        return _refuse(gettext("页面已过期或表单来源无效，请刷新后重试"), 403)
    except DomainError as exc:
        return _refuse(gettext(exc.key, **exc.params), exc.status)
    return jsonify({"ack": batch.seq})


def _attempt(attempt_id: int) -> Attempt:
    attempt = control_db().get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.get("/examiner/attempts/<int:attempt_id>/replay")
@examiner_only
def player(attempt_id: int):  # noqa: ANN201
    """The attempt's recording in rrweb's player, beside its action log on the same clock.

    `?log=<ActionLog id>` or `?at=<epoch ms>` opens the player at that moment."""
    a = _attempt(attempt_id)
    db = control_db()
    seek_at = query_int("at")
    log_id = query_int("log")
    if log_id is not None:
        entry = db.get(ActionLog, log_id)
        if entry is None or entry.attempt_id != a.id:
            abort(404)
        seek_at = services.epoch_ms(entry.real_at)
    recorded = services.has_recording(db, a.id)
    resp = Response(
        render_template(
            "replay/player.html",
            a=a,
            scenario=runtime().scenarios.get(a.scenario_id),
            entries=services.timeline(db, a.id),
            recorded=recorded,
            stored_kb=round(services.stored_bytes(db, a.id) / 1024) if recorded else 0,
            seek_at=seek_at,
            seek_log=log_id,
        )
    )
    resp.headers["Content-Security-Policy"] = PLAYER_POLICY
    return resp


@bp.get("/examiner/attempts/<int:attempt_id>/replay/events.json")
@examiner_only
def events(attempt_id: int):  # noqa: ANN201
    """The attempt's rrweb events on the server's clock (epoch ms), oldest first."""
    a = _attempt(attempt_id)
    body = json.dumps({"attempt": a.id, "events": services.events(control_db(), a.id)}, ensure_ascii=False)
    resp = Response(body.encode(), mimetype="application/json")
    if "gzip" in (request.headers.get("Accept-Encoding") or ""):
        resp.set_data(gzip.compress(resp.get_data(), 5))
        resp.headers["Content-Encoding"] = "gzip"
        resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
