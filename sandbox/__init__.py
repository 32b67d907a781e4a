"""EC Practical Sandbox (电子商务师实操考试沙箱): the Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, render_template, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect

from sandbox import config as config_module
from sandbox import secrets_hashing
from sandbox.runtime import Runtime

csrf = CSRFProtect()
babel = Babel()
LANGUAGES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    """The language chosen with the switch; Chinese by default."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "zh_CN"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, request recording."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(config_module.from_env())
    if test_config:
        app.config.update(test_config)
    for key in ("INSTANCE_DIR", "DATA_DIR"):
        app.config[key].mkdir(parents=True, exist_ok=True)

    secrets_hashing.share_slots(app.config["DATA_DIR"])  # gunicorn's workers share the data folder
    rt = Runtime(app.config)
    rt.app = app
    rt.control.create_all()
    app.extensions["sandbox"] = rt

    babel.init_app(app, locale_selector=select_locale)

    from sandbox import binding, domains, filters, headers, login_guard, ops, parsing, sessions
    from sandbox.admin import guard as exam_hall
    from sandbox.admin.views import bp as admin_bp
    from sandbox.admin.views_proctor import bp as proctor_bp
    from sandbox.certificates.views import bp as certificates_bp
    from sandbox.exam.views import bp as exam_bp
    from sandbox.examiner.views import bp as examiner_bp
    from sandbox.examiner.views_reports import bp as reports_bp
    from sandbox.practice.views import bp as practice_bp
    from sandbox.replay.views import bp as replay_bp
    from sandbox.theory import views_candidate  # noqa: F401  (its routes are on theory_bp)
    from sandbox.theory.views import bp as theory_bp
    from sandbox.vendor import bp as vendor_bp

    domains.load_npc_actions()
    domains.load_search_sources()
    filters.init_app(app)
    parsing.init_app(app)  # before the blueprints: their <int:…> parameters use its converter
    headers.init_app(app)
    ops.init_app(app)  # request ids (and JSON request logs) from the first moment of a request
    sessions.init_app(app)  # first: a stale login is dropped before anything reads the session
    login_guard.init_app(app)
    exam_hall.init_app(app)  # before the binding: a paused candidate's request never reaches a world
    binding.init_app(app)  # before CSRF, so a refused request of a candidate is still recorded
    csrf.init_app(app)
    # The exam shell and the staff pages, then every domain's pages (sandbox/domains.py).
    whole_exam = (admin_bp, proctor_bp, theory_bp, certificates_bp)
    for bp in (
        exam_bp,
        examiner_bp,
        practice_bp,
        vendor_bp,
        reports_bp,
        replay_bp,
        *whole_exam,
        *domains.blueprints(),
    ):
        app.register_blueprint(bp)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # noqa: ANN202
        from flask_babel import gettext

        g.outcome = "csrf"
        return render_template("error.html", message=gettext("页面已过期或表单来源无效，请刷新后重试")), 400

    @app.errorhandler(404)
    def not_found(exc):  # noqa: ANN001, ANN202
        from flask_babel import gettext

        return render_template("error.html", message=gettext("页面不存在")), 404

    @app.errorhandler(413)
    def too_large(exc):  # noqa: ANN001, ANN202
        from flask_babel import gettext

        limit_mb = app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        g.outcome = "413"
        return render_template(
            "error.html",
            message=gettext("提交的内容过大（上限 %(mb)s MB），未作任何修改", mb=f"{limit_mb:g}"),
        ), 413

    @app.errorhandler(401)
    @app.errorhandler(403)
    def refused(exc):  # noqa: ANN001, ANN202
        from flask_babel import gettext

        return render_template(
            "error.html", message=gettext("登录链接无效或已过期，或没有权限访问此页面")
        ), exc.code

    @app.get("/lang/<code>")
    def set_language(code: str):  # noqa: ANN202
        from urllib.parse import urlsplit

        from flask import redirect

        from sandbox.safety import safe_next

        if code in LANGUAGES:
            session["lang"] = code
        # Back to the page the switch was clicked on, but only if that page is on this site.
        referrer = request.referrer or ""
        if referrer.startswith(request.host_url):
            parts = urlsplit(referrer)
            referrer = parts.path + (f"?{parts.query}" if parts.query else "")
        return redirect(safe_next(referrer, "/"))

    return app
