"""Template filters and globals: money in yuan, world time, translated labels."""

from __future__ import annotations

import json
from datetime import datetime

from babel.support import NullTranslations
from flask import Flask, g, has_request_context, session
from flask_babel import get_translations, gettext

from sandbox.scenarios.loader import fmt_yuan


def fmt_time(value: datetime | None, with_seconds: bool = False) -> str:
    """World or real time as 2026-03-15 09:30."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def localised(text: dict[str, str]) -> str:
    """Pick the user's language from a scenario's {zh, en} text (Chinese when there is no English)."""
    from sandbox import select_locale

    return (text.get("en") if select_locale() == "en" else None) or text["zh"]


def request_translations() -> NullTranslations:
    """The request's catalogue, looked up once per request: a page calls _() dozens of times, and
    Flask-Babel finds the domain, the locale and the cache anew for each call."""
    if not has_request_context():
        return get_translations()
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


def _install_template_gettext(app: Flask) -> None:
    """Templates' _(), gettext and ngettext as Flask-Babel installs them, on the request's catalogue."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )


def init_app(app: Flask) -> None:
    """Register the filters and the globals templates use."""
    _install_template_gettext(app)
    app.add_template_filter(fmt_yuan, "yuan")
    app.add_template_filter(fmt_time, "wtime")
    app.add_template_filter(lambda key: gettext(key), "t")
    app.add_template_filter(localised, "i18n")
    app.add_template_filter(lambda value: json.dumps(value, ensure_ascii=False, default=str), "json")

    @app.context_processor
    def inject():  # noqa: ANN202
        from sandbox import LANGUAGES, select_locale

        w = g.get("world")
        return {
            "world_now": w.now() if w is not None else None,
            "attempt": g.get("attempt"),
            "lang": select_locale(),
            "languages": LANGUAGES,
            "who": session.get("who"),
            "is_grader": bool(session.get("grader")),
        }
