"""Login throttling (Flask-Limiter): failed logins are counted per account and per address.

- Per account (the ticket number or staff username typed): a few failures lock that account for a
  while, whatever address they come from, so nobody can keep guessing a neighbour's password. While
  locked, even the right password is refused: the lock must not tell the guesser when they were right.
- Per address: many more failures are allowed, since an exam hall may reach the server from one
  address (NAT) and a room of candidates mistyping must not lock the room out; it stops one machine
  spraying guesses over many tickets.

Only failures count (a 401 answer). The counters live in Flask-Limiter's storage: in memory by
default, or any `limits` storage URI (redis://…) so that several worker processes share them.
Every login attempt is recorded in the control database for examiners (LoginRecord).
"""

from __future__ import annotations

import math
import time
import unicodedata
from collections.abc import Callable
from datetime import datetime

from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from sandbox.control.models import LoginOutcome, LoginRecord

limiter = Limiter(key_func=get_remote_address, strategy="moving-window")

ACCOUNT_SCOPE = "login-account"
ADDRESS_SCOPE = "login-address"


def init_app(app: Flask) -> None:
    """Attach the limiter to the app (its storage comes from RATELIMIT_STORAGE_URI)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)


def account_key(value: str | None) -> str:
    """The account a login names, as the limiter counts it (spacing and width do not matter)."""
    return unicodedata.normalize("NFKC", value or "").strip().lower()[:80] or "(blank)"


def _failed(response: Response) -> bool:
    return response.status_code == 401


def throttled(kind: str, field: str, template: str) -> Callable:
    """Decorate a login view: refuse with 429 once the account or the address failed too often."""

    def on_breach(limit: RequestLimit) -> Response:
        by_account = ACCOUNT_SCOPE in limit.key
        wait = max(1, math.ceil((limit.reset_at - time.time()) / 60))
        record(kind, request.form.get(field), LoginOutcome.LOCKED)
        message = (
            gettext("登录失败次数过多，该账号已暂时锁定，请 %(minutes)s 分钟后再试", minutes=wait)
            if by_account
            else gettext("本机登录失败次数过多，请 %(minutes)s 分钟后再试", minutes=wait)
        )
        response = Response(
            render_template(template, error=message, **{field: request.form.get(field, "")}), status=429
        )
        response.headers["Retry-After"] = str(max(1, int(limit.reset_at - time.time())))
        return response

    def decorate(view: Callable) -> Callable:
        view = limiter.limit(
            lambda: current_app.config["LOGIN_LIMIT_ADDRESS"],
            key_func=get_remote_address,
            methods=["POST"],
            deduct_when=_failed,
            on_breach=on_breach,
            scope=ADDRESS_SCOPE,
        )(view)
        return limiter.limit(
            lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"],
            key_func=lambda: account_key(request.form.get(field)),
            methods=["POST"],
            deduct_when=_failed,
            on_breach=on_breach,
            scope=ACCOUNT_SCOPE,
        )(view)

    return decorate


def record(kind: str, account: str | None, outcome: str) -> None:
    """Write a login attempt to the control database, on the request's own session.

    (A second connection per request could exhaust the pool when a whole hall logs in at once.)
    """
    from sandbox.binding import control_db

    db = control_db()
    db.add(
        LoginRecord(
            at=datetime.now(),
            kind=kind,
            account=(account or "").strip()[:80],
            address=(request.remote_addr or "")[:64],
            outcome=outcome,
        )
    )
    db.commit()
