"""Role gates for staff pages."""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext


def staff_required(*roles: str):  # noqa: ANN201
    """Only a logged-in staff member of one of `roles` may open the page."""

    def decorate(view):  # noqa: ANN001, ANN202
        @wraps(view)
        def wrapper(*args, **kwargs):  # noqa: ANN202
            who = session.get("who") or {}
            if who.get("kind") != "staff" or who.get("role") not in roles:
                flash(gettext("请使用有权限的账号登录"), "warning")
                return redirect(url_for("exam.staff_login", next=request.full_path))
            return view(*args, **kwargs)

        return wrapper

    return decorate
