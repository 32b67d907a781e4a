"""Online bank (minimal): log in with card number and login password, balance, statement."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.bank import services as bank
from sandbox.bank.models import BankAccount
from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import DomainError

bp = Blueprint("bank", __name__, url_prefix="/bank")


def _account() -> BankAccount | None:
    account_id = session_world().get("bank_account")
    return current_world().db.get(BankAccount, account_id) if account_id else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Personal online banking login."""
    if request.method != "POST":  # GET and HEAD only look
        return render_template("bank/login.html")
    try:
        account = bank.login(
            current_world(), request.form.get("account_no", ""), request.form.get("password", "")
        )
    except DomainError as exc:
        return render_template(
            "bank/login.html", error=refused(exc), account_no=request.form.get("account_no", "")
        ), exc.status
    set_session_world(bank_account=account.id)
    done(gettext("登录成功"))
    return redirect(url_for("bank.index"))


@bp.post("/logout")
def logout():
    """Leave online banking."""
    set_session_world(bank_account=None)
    return redirect(url_for("bank.login"))


@bp.get("/")
def index():
    """Account overview with balance."""
    account = _account()
    if account is None:
        return redirect(url_for("bank.login"))
    w = current_world()
    return render_template(
        "bank/index.html",
        account=account,
        balance=bank.balance(w, account),
        recent=bank.statement(w, account)[:5],
    )


@bp.get("/statement")
def statement():
    """Every movement of the account with running balance."""
    account = _account()
    if account is None:
        return redirect(url_for("bank.login"))
    w = current_world()
    return render_template(
        "bank/statement.html",
        account=account,
        rows=bank.statement(w, account),
        balance=bank.balance(w, account),
    )
