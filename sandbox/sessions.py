"""Server-side end of sessions: a login cookie is only good while its generation is the person's.

The session is a signed cookie, so the server cannot delete it. Instead every candidate and staff
row keeps a session generation: each login and each logout bumps it, and a request whose cookie
carries another number is treated as logged out. A copied cookie dies at logout, and a new login on
another browser ends the old one.
"""

from __future__ import annotations

from flask import Flask, Response, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext

from sandbox.control.models import Candidate, Staff

# Requests that need no login check (assets, and the login pages themselves).
OPEN_ENDPOINTS = {"static", "exam.login", "exam.staff_login", "exam.home", "set_language"}


def init_app(app: Flask) -> None:
    """Check the session generation before anything else looks at the session."""
    app.before_request(check_generation)


def forget_login() -> None:
    """Forget every login in this cookie (a new identity starts clean) but keep the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def logged_in_person() -> Candidate | Staff | None:
    """The candidate or staff member of this cookie's login, if its generation is still current."""
    from sandbox.binding import control_db

    who = session.get("who") or {}
    if not who.get("id"):
        return None
    model = Candidate if who.get("kind") == "candidate" else Staff
    person = control_db().get(model, who["id"])
    if person is None or (person.session_generation or 0) != who.get("gen"):
        return None
    return person


def check_generation() -> Response | None:
    """Drop a login whose generation is stale (logged out, or logged in elsewhere since)."""
    who = session.get("who")
    if not who or request.endpoint in OPEN_ENDPOINTS or logged_in_person() is not None:
        return None
    forget_login()
    if request.endpoint == "exam.status" or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": "session ended"}), 401
    flash(gettext("登录已失效（已退出，或已在其他地方登录），请重新登录"), "warning")
    return redirect(url_for("exam.staff_login" if who.get("kind") == "staff" else "exam.login"))
