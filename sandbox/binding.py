"""Binds each request to exactly one world (from the signed session) and records what it did.

The world is never taken from a URL or a form field. Every request of a candidate, with the domain
events it caused, is written to the control database's action log before the response is sent.

Nothing is lost on a crash: a request that commits changes to its world first commits its log row
marked not completed, then commits the world, then logs the events and marks the row completed.
Events a crash kept out of the log are appended from the world on its next touch (`_bind`) and
before grading; see `sandbox.control.reconcile`.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import unquote

from flask import Flask, Response, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge

from sandbox import domains
from sandbox.control import attempts as attempt_service
from sandbox.control import reconcile as log_reconcile
from sandbox.control.models import ActionLog, Attempt, AttemptStatus
from sandbox.errors import DomainError, Forbidden
from sandbox.runtime import runtime
from sandbox.scenarios.versions import attempt_scenario
from sandbox.worlds import npc
from sandbox.worlds.store import changed_rows, open_world
from sandbox.worlds.world import READ_ONLY_MESSAGE, World

log = logging.getLogger(__name__)

# Pages of the candidate's own that a grader's login may not open.
GRADER_FORBIDDEN_ENDPOINTS = {"exam.answers", "exam.submit"}
# Requests not worth a line in the timeline (the countdown poll, assets, the replay recording's batches).
UNLOGGED_ENDPOINTS = {
    "static",
    "vendor.asset",
    "replay.ingest",
    "replay.recorder_js",
    "exam.status",
    "theory.status",
    "storefront.product_image",
    "storefront.image",
    "merchant.image",
    "merchant.goods_picture",
    "b2b.image",
}
MAX_REMEMBERED_WORLDS = 8
SECRET_MARKERS = ("password", "passwd", "pwd", "secret", "private_key")  # form keys containing these
SECRET_KEYS = {
    "pin",
    "cvv",
    "otp",
    "code",
    "auth_code",
}  # or equal to these (code: an SMS code; auth_code: a CA's 授权码)
# Outcome of a request's log row until its world commit is confirmed (stays so if the server dies).
PENDING_OUTCOME = "处理中（未确认应答）"


def init_app(app: Flask) -> None:
    """Install the request hooks and the domain error page."""
    app.before_request(_bind)
    app.after_request(_finish)
    app.teardown_request(_teardown)
    app.register_error_handler(DomainError, _domain_error)


def control_db():  # noqa: ANN201
    """The request's control-database session."""
    if "control_db" not in g:
        g.control_db = runtime().control.session()
    return g.control_db


def current_attempt() -> Attempt | None:
    """The attempt this request is bound to, if any."""
    return g.get("attempt")


def current_world() -> World:
    """The world this request is bound to (views of world blueprints only)."""
    return g.world


def bound_scenario():  # noqa: ANN201
    """The scenario (version) of the bound attempt: its task texts, answer sheet and NPC rules.

    Looked up once per request (it checks the scenario folder for changes).
    """
    if "scenario" not in g:
        g.scenario = attempt_scenario(runtime(), g.attempt)
    return g.scenario


def grader_session() -> dict[str, Any] | None:
    """The grader's signed login, when this browser is a grader's (and it has not expired)."""
    grader = session.get("grader")
    if grader and grader.get("expires", 0) < time.time():
        session.pop("grader", None)
        return None
    return grader


def _load_attempt() -> Attempt | None:
    grader = grader_session()
    attempt_id = grader["attempt"] if grader else session.get("attempt_id")
    if not attempt_id:
        return None
    attempt = control_db().get(Attempt, attempt_id)
    if attempt is None:
        session.pop("attempt_id", None)
        return None
    if not grader:
        attempt_service.enforce_deadline(runtime(), control_db(), attempt)
    return attempt


def open_attempt_world(attempt: Attempt, npc_rules: list) -> World:
    """Open the world of the bound attempt: read-only for graders and closed attempts.

    A request that may write (a POST, or any request of a world with NPC rules) holds the world's
    write lock from the start, so concurrent requests of one candidate cannot interleave.
    """
    grader = grader_session()
    if grader:
        return open_world(grader["world"], read_only=True, frozen_real=grader["frozen_real"], actor="grader")
    closed = attempt.status != AttemptStatus.ACTIVE
    return open_world(
        attempt.world_path,
        read_only=closed,
        frozen_real=attempt.submitted_real if closed else None,
        write_lock=request.method == "POST" or bool(npc_rules),
    )


def _bind() -> Response | None:
    g.started = time.perf_counter()
    if request.endpoint == "static":
        return None
    if grader_session() and (request.method != "GET" or request.endpoint in GRADER_FORBIDDEN_ENDPOINTS):
        raise Forbidden(READ_ONLY_MESSAGE)  # a grader only looks
    attempt = _load_attempt()
    g.attempt = attempt
    if _too_large():
        raise RequestEntityTooLarge()  # refused before any world is opened; still on the timeline
    if request.blueprint not in domains.world_blueprint_names():
        return None
    if attempt is None:
        flash(gettext("请先登录考试系统"), "warning")
        return redirect(url_for("exam.login"))
    rules = bound_scenario().world.get("events") or []
    w = open_attempt_world(attempt, rules)
    g.world = w
    if not grader_session():
        _catch_up_log(w, attempt, locked=not w.read_only and (request.method == "POST" or bool(rules)))
    if not w.read_only and w.meta().closed:
        w.read_only = True  # submitted while this request waited for the world's write lock
    if not w.read_only and request.method != "POST" and not rules and npc.has_due(w):
        w.restart_locked()  # a reading request runs what the world's systems scheduled, under the lock
    npc.run_due(w, rules)
    if request.method == "POST" and w.read_only:
        raise Forbidden(READ_ONLY_MESSAGE)
    return None


def _catch_up_log(w: World, attempt: Attempt, locked: bool) -> None:
    """Log world events a crash kept out of the action log (two aggregate queries when none are)."""
    if not log_reconcile.needs_reconcile(control_db(), w.db, attempt):
        return
    # Reconciliation waits for the attempt's lock, which a request may hold while committing this
    # world: end this request's world transaction first, so that commit does not wait for it.
    w.rollback()
    try:
        log_reconcile.reconcile(control_db(), attempt)
    except Exception:  # noqa: BLE001 - the request goes on; the next touch (or grading) tries again
        control_db().rollback()
        log.warning("reconciling the action log of attempt %s failed", attempt.id, exc_info=True)
    if locked:
        w.restart_locked()


def _too_large() -> bool:
    """Whether the request's body is over the size limit (then it is never read)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return bool(limit) and (request.content_length or 0) > limit


def _recorded_form() -> dict[str, Any]:
    """The request's form for the log, secrets masked; a body over the size limit is not read."""
    too_large = {"（请求内容）": f"{request.content_length} 字节，超过上限，未读取"}
    if _too_large():
        return too_large
    try:
        return _redact(request.form)
    except RequestEntityTooLarge:
        return too_large


def _redact(form: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = form.getlist(key)
        if key.lower() in SECRET_KEYS or any(marker in key.lower() for marker in SECRET_MARKERS):
            values = ["***"] * len(values)
        out[key] = values[0] if len(values) == 1 else values
    return out


def _outcome(response: Response) -> str:
    if g.get("outcome"):
        return str(g.outcome)
    if response.status_code in (301, 302, 303) and response.location:
        return f"→ {response.location}"
    return "OK" if response.status_code < 400 else f"HTTP {response.status_code}"


def _has_changes(w: World) -> bool:
    """Whether the world's unit of work would write anything when committed."""
    db = w.db
    if w.emitted or db.new or db.dirty or db.deleted:
        return True
    changed = changed_rows(db.connection())  # flushed rows (SQLite)
    return changed is None or changed > 0


def _request_row(attempt: Attempt, response: Response, world_now: datetime | None) -> ActionLog:
    return ActionLog(
        attempt_id=attempt.id,
        kind="request",
        real_at=datetime.now(),
        world_at=world_now,
        method=request.method[:8],  # the column's width (PostgreSQL refuses longer, SQLite would keep it)
        path=unquote(request.full_path.rstrip("?")).replace("\x00", "\ufffd")[:400],
        form=_recorded_form() or None,
        status_code=response.status_code,
        outcome=_outcome(response),
        duration_ms=round((time.perf_counter() - g.started) * 1000, 1),
        completed=True,
    )


def _add_events(db, attempt: Attempt, events: list, earlier: list) -> None:  # noqa: ANN001
    """Log committed events. Those the view committed itself (outside the attempt's lock) are
    skipped if reconciliation has logged them meanwhile."""
    skip = log_reconcile.logged_ids(db, attempt, [ev.id for ev in earlier]) if earlier else set()
    real_now = datetime.now()
    db.add_all(log_reconcile.event_row(attempt.id, ev, real_now) for ev in events if ev.id not in skip)


def _record(
    db,  # noqa: ANN001
    attempt: Attempt,
    response: Response,
    world_now: datetime | None,
    row: ActionLog | None,
    events: list,
    earlier: list,
) -> None:
    """Log the request (completing its write-ahead row, if any) and the events it committed."""
    if row is not None:
        row.completed = True
        row.outcome = _outcome(response)
        row.duration_ms = round((time.perf_counter() - g.started) * 1000, 1)
    elif request.endpoint not in UNLOGGED_ENDPOINTS:
        db.add(_request_row(attempt, response, world_now))
    _add_events(db, attempt, events, earlier)
    db.commit()


def _finish(response: Response) -> Response:
    w: World | None = g.get("world")
    attempt: Attempt | None = g.get("attempt")
    if attempt is None or grader_session():
        return response  # no world, or a grader's read-only one: nothing to commit or log
    logged = request.endpoint not in UNLOGGED_ENDPOINTS
    world_now = w.now() if w is not None else None
    earlier = list(w.committed) if w is not None else []  # committed by the view itself
    db = control_db()
    if w is not None and not w.read_only:
        if response.status_code < 400 and _has_changes(w):
            w.db.flush()  # hold the world's write lock before waiting for the attempt's lock
            row = None
            if logged:
                # Write-ahead: the request is on record before its changes reach the world.
                row = _request_row(attempt, response, world_now)
                row.completed, row.outcome = False, PENDING_OUTCOME
                db.add(row)
                db.commit()
            with log_reconcile.attempt_lock(attempt.id):
                try:
                    w.commit()
                except Exception:
                    if row is not None:  # the changes were not kept; the error is logged instead
                        db.delete(row)
                        db.commit()
                    raise
                _record(db, attempt, response, world_now, row, list(w.committed), earlier)
            return response
        if response.status_code < 400:
            w.commit()
        else:
            w.rollback()
    if logged or earlier:
        with log_reconcile.attempt_lock(attempt.id) if earlier else nullcontext():
            _record(db, attempt, response, world_now, None, earlier, earlier)
    return response


def _teardown(exc: BaseException | None) -> None:
    w: World | None = g.pop("world", None)
    if w is not None:
        w.close()
    db = g.pop("control_db", None)
    if db is not None:
        db.close()


def refused(exc: DomainError) -> str:
    """The user's-language message of a refused action (recorded as the request's outcome)."""
    message = gettext(exc.key, **exc.params)
    g.outcome = message
    return message


def _domain_error(exc: DomainError):  # noqa: ANN202
    return render_template("error.html", message=refused(exc)), exc.status


def done(message: str, category: str = "success") -> None:
    """Tell the user an action succeeded (and record it as the request's outcome)."""
    g.outcome = message
    flash(message, category)


def customer_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the storefront login first, then back."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        from sandbox.storefront import services as storefront

        customer = storefront.get_customer(current_world(), session_world().get("customer"))
        if customer is None:
            flash(gettext("请先登录商城账号"), "warning")
            return redirect(url_for("storefront.login", next=request.full_path))
        g.customer = customer
        return view(*args, **kwargs)

    return wrapper


def session_world() -> dict[str, Any]:
    """Per-world identity in the session (storefront member, bank login), kept per attempt."""
    grader = grader_session()
    if grader:
        return grader.get("identities", {})
    attempt = current_attempt()
    return dict((session.get("worlds") or {}).get(attempt.key if attempt else "", {}))


def set_session_world(**values: Any) -> None:
    """Remember a storefront or bank login for this world (a candidate's other worlds keep theirs)."""
    attempt = current_attempt()
    worlds = dict(session.get("worlds") or {})
    key = attempt.key if attempt else ""
    worlds[key] = {**worlds.pop(key, {}), **values}
    # The session is a cookie: keep the logins of the most recent worlds only.
    session["worlds"] = dict(list(worlds.items())[-MAX_REMEMBERED_WORLDS:])


def forget_session_world() -> None:
    """Forget the storefront and bank logins of the bound world (it was replaced)."""
    attempt = current_attempt()
    worlds = dict(session.get("worlds") or {})
    worlds.pop(attempt.key if attempt else "", None)
    session["worlds"] = worlds
