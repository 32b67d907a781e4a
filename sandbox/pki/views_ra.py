"""The RA console (RA 审核台, /ca/ra/): reviewers sign in and decide applications.

An identity with the role `ra_officer` has the console's login and password on its task panel; the
session remembers the signed-in reviewer per world (`pki_ra_officer`)."""

from __future__ import annotations

from functools import wraps

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.pki import ca, ra
from sandbox.pki.models import ApplicationStatus, CertApplication, CertKind
from sandbox.pki.views import bp

SESSION_KEY = "pki_ra_officer"
MAX_NUMBER = 40


def ra_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the RA console's sign-in first; sets `g.ra_officer`."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        officer = ra.get_officer(current_world(), session_world().get(SESSION_KEY))
        if officer is None:
            flash(gettext("请先登录 RA 审核台"), "warning")
            return redirect(url_for("pki.ra_login"))
        g.ra_officer = officer
        return view(*args, **kwargs)

    return wrapper


def _page(template: str, http_status: int = 200, **context):  # noqa: ANN003, ANN202
    """Render an RA page with the signed-in reviewer and the CA's labels."""
    return render_template(
        template,
        officer=g.get("ra_officer"),
        kind_labels=CertKind.LABELS,
        application_labels=ApplicationStatus.LABELS,
        **context,
    ), http_status


@bp.route("/ra/login", methods=["GET", "POST"])
def ra_login():
    """The RA console's sign-in (fields `ra_login`, `ra_password`)."""
    w = current_world()
    if ra.get_officer(w, session_world().get(SESSION_KEY)) is not None:
        return redirect(url_for("pki.ra_queue"))
    if request.method != "POST":
        return _page("pki/ra_login.html")
    login = (request.form.get("ra_login") or "")[:40]
    try:
        officer = ra.authenticate(w, login, (request.form.get("ra_password") or "")[:200])
    except DomainError as exc:
        return _page("pki/ra_login.html", exc.status, error=refused(exc), login=login)
    set_session_world(**{SESSION_KEY: officer.id})
    done(gettext("登录成功"))
    return redirect(url_for("pki.ra_queue"))


@bp.post("/ra/logout")
def ra_logout():
    """Leave the RA console."""
    set_session_world(**{SESSION_KEY: None})
    done(gettext("已退出 RA 审核台"))
    return redirect(url_for("pki.ra_login"))


@bp.get("/ra/")
@ra_required
def ra_queue():
    """Applications waiting for review (oldest first) and the ones decided lately."""
    w = current_world()
    return _page("pki/ra_queue.html", pending=ca.pending(w), decided=ra.decided(w))


def _review_page(application: CertApplication, http_status: int = 200, error: str | None = None):  # noqa: ANN202
    return _page(
        "pki/ra_review.html",
        http_status,
        a=application,
        checks=ra.checks(current_world(), application),
        error=error,
        reason=request.form.get("reason", "") if request.method == "POST" else "",
    )


@bp.get("/ra/<number>")
@ra_required
def ra_review(number: str):
    """One application's fields with what the console checked, and the decision form."""
    return _review_page(ca.get_application(current_world(), number[:MAX_NUMBER]))


def _decide(number: str, approve: bool):  # noqa: ANN202
    """Approve or reject; back to the queue, or the review page again with the refusal."""
    w = current_world()
    application = ca.get_application(w, number[:MAX_NUMBER])
    try:
        ra.review(w, g.ra_officer, application.number, approve, (request.form.get("reason") or "")[:1000])
    except DomainError as exc:
        return _review_page(application, exc.status, error=refused(exc))
    if approve:
        done(
            gettext("已批准申请 %(number)s，参考号和授权码已通过邮件发送给申请人", number=application.number)
        )
    else:
        done(gettext("已驳回申请 %(number)s，原因已通过邮件告知申请人", number=application.number))
    return redirect(url_for("pki.ra_queue"))


@bp.post("/ra/<number>/approve")
@ra_required
def ra_approve(number: str):
    """Approve the application: the CA mails the reference number and authorisation code."""
    return _decide(number, approve=True)


@bp.post("/ra/<number>/reject")
@ra_required
def ra_reject(number: str):
    """Reject the application with a reason (form field `reason`)."""
    return _decide(number, approve=False)
