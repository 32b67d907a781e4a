"""The bank counter (柜台) for a teller (柜员): review account applications, unlock transaction passwords."""

from __future__ import annotations

from functools import wraps

from flask import g, redirect, request, url_for
from flask_babel import gettext

from sandbox.bank import accounts
from sandbox.bank import services as bank
from sandbox.bank.auth import Channel, Principal
from sandbox.bank.models import ApplicationStatus, Teller
from sandbox.bank.views import bp, page
from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import N_, DomainError, NotFound


def teller_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the counter login first."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        teller_id = session_world().get("bank_teller")
        teller = current_world().db.get(Teller, teller_id) if teller_id else None
        if teller is None:
            return redirect(url_for("bank.counter_login"))
        g.bank_principal = Principal(Channel.COUNTER, teller=teller)
        return view(*args, **kwargs)

    return wrapper


def _teller() -> Teller:
    return g.bank_principal.teller


@bp.route("/counter/login", methods=["GET", "POST"])
def counter_login():
    """The teller's login (teller number and password)."""
    if request.method != "POST":
        return page("bank/counter_login.html")
    try:
        principal = bank.authenticate(
            current_world(),
            channel=Channel.COUNTER,
            login=request.form.get("teller_no", ""),
            password=request.form.get("password", ""),
        )
    except DomainError as exc:
        return page(
            "bank/counter_login.html",
            exc.status,
            error=refused(exc),
            teller_no=request.form.get("teller_no", ""),
        )
    set_session_world(bank_teller=principal.teller.id)
    done(gettext("登录成功"))
    return redirect(url_for("bank.counter"))


@bp.post("/counter/logout")
def counter_logout():
    """Leave the counter."""
    set_session_world(bank_teller=None)
    return redirect(url_for("bank.counter_login"))


def _counter_page(status: int = 200, **context):  # noqa: ANN003, ANN202
    w, teller = current_world(), _teller()
    return page(
        "bank/counter.html",
        status,
        teller=teller,
        pending=accounts.applications_at(w, teller.bank_id, ApplicationStatus.PENDING),
        reviewed=[
            a for a in accounts.applications_at(w, teller.bank_id) if a.status != ApplicationStatus.PENDING
        ],
        **context,
    )


@bp.get("/counter/")
@teller_required
def counter():
    """The teller's desk: applications waiting for review, those reviewed, the unlock form."""
    return _counter_page()


@bp.get("/counter/applications/<number>")
@teller_required
def counter_application(number: str):
    """One application with what the identity and business registers say (联网核查)."""
    w = current_world()
    application = accounts.get_application(w, number)
    if application.bank_id != _teller().bank_id:
        raise NotFound(N_("开户申请不存在"))
    return page(
        "bank/counter_application.html",
        teller=_teller(),
        a=application,
        register=accounts.register_lookup(w, application),
    )


@bp.post("/counter/applications/<number>/decide")
@teller_required
def counter_decide(number: str):
    """Approve or reject an application (a rejection needs a reason)."""
    decision = request.form.get("decision", "")
    if decision not in ("approve", "reject"):
        raise DomainError(N_("请选择通过或拒绝"))
    accounts.decide(
        current_world(),
        number,
        approve=decision == "approve",
        reason=request.form.get("reason", ""),
        reviewer=_teller().teller_no,
        bank_id=_teller().bank_id,
    )
    done(
        gettext("已开户，结果已邮件通知申请人")
        if decision == "approve"
        else gettext("已拒绝，原因已邮件通知申请人")
    )
    return redirect(url_for("bank.counter"))


@bp.post("/counter/unlock")
@teller_required
def counter_unlock():
    """Unlock the transaction password of a card or an enterprise user of this bank."""
    try:
        accounts.unlock(current_world(), _teller(), request.form.get("target", ""))
    except DomainError as exc:
        return _counter_page(exc.status, error=refused(exc), target=request.form.get("target", "")[:40])
    done(gettext("交易密码已解锁"))
    return redirect(url_for("bank.counter"))
