"""Enterprise online banking (企业网银): an operator prepares payments, an approver releases them.
Users log in with their login and password, or with their enterprise certificate (证书登录)."""

from __future__ import annotations

from functools import wraps

from flask import g, redirect, request, url_for
from flask_babel import gettext

from sandbox.bank import auth, enterprise, fees, transfers
from sandbox.bank import services as bank
from sandbox.bank.auth import Channel, Principal
from sandbox.bank.models import EnterpriseRole, EnterpriseUser, PaymentStatus
from sandbox.bank.views import bp, page, password_page, statement_download, statement_page, transfer_form
from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.parsing import parse_yuan
from sandbox.pki.views import ask_store_to_sign, take_challenge


def corp_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the enterprise login first."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        user_id = session_world().get("bank_corp_user")
        user = current_world().db.get(EnterpriseUser, user_id) if user_id else None
        if user is None:
            return redirect(url_for("bank.corp_login"))
        g.bank_principal = Principal(Channel.ENTERPRISE, account=user.account, user=user)
        return view(*args, **kwargs)

    return wrapper


def _user() -> EnterpriseUser:
    return g.bank_principal.user


def _page(template: str, status: int = 200, **context):  # noqa: ANN003, ANN202
    user = _user()
    return page(
        template,
        status,
        user=user,
        account=user.account,
        role_labels=EnterpriseRole.LABELS,
        payment_labels=PaymentStatus.LABELS,
        **context,
    )


@bp.route("/corp/login", methods=["GET", "POST"])
def corp_login():
    """Enterprise online banking login (operator login and password)."""
    if request.method != "POST":
        return page("bank/corp_login.html")
    try:
        principal = bank.authenticate(
            current_world(),
            channel=Channel.ENTERPRISE,
            login=request.form.get("login", ""),
            password=request.form.get("password", ""),
        )
    except DomainError as exc:
        return page(
            "bank/corp_login.html", exc.status, error=refused(exc), login=request.form.get("login", "")
        )
    set_session_world(bank_corp_user=principal.user.id)
    done(gettext("登录成功"))
    return redirect(url_for("bank.corp_index"))


@bp.get("/corp/login/cert")
def corp_login_cert():
    """Certificate login: a fresh challenge, for the certificate store to sign with the user's key."""
    return ask_store_to_sign(
        auth.CERT_AUDIENCE,
        "bank_cert_challenge",
        url_for("bank.corp_login_cert_done"),
        gettext("企业网上银行"),
    )


@bp.get("/corp/login/cert/done")
def corp_login_cert_done():
    """Back from the certificate store: check its signature of our challenge and log the user in."""
    challenge = take_challenge("bank_cert_challenge")
    try:
        principal = auth.certificate_login(current_world(), challenge)
    except DomainError as exc:
        return page("bank/corp_login.html", exc.status, error=refused(exc))
    set_session_world(bank_corp_user=principal.user.id)
    done(gettext("登录成功"))
    return redirect(url_for("bank.corp_index"))


@bp.post("/corp/logout")
def corp_logout():
    """Leave enterprise online banking."""
    set_session_world(bank_corp_user=None)
    return redirect(url_for("bank.corp_login"))


@bp.get("/corp/")
@corp_required
def corp_index():
    """The company account: balance, payments waiting for approval, recent movements."""
    w, user = current_world(), _user()
    return _page(
        "bank/corp_index.html",
        balance=bank.balance(w, user.account),
        pending=enterprise.payments_of(w, user, PaymentStatus.PENDING),
        recent=bank.statement(w, user.account)[:5],
    )


@bp.route("/corp/payments/new", methods=["GET", "POST"])
@corp_required
def corp_new_payment():
    """The operator prepares a payment (to this bank or another) for an approver to release."""
    w, user = current_world(), _user()
    context = {"balance": bank.balance(w, user.account), "fee_table": fees.fee_table()}
    if request.method != "POST":
        return _page("bank/corp_payment_new.html", form={}, **context)
    try:
        payee = bank_payee()
        payment = enterprise.prepare_payment(
            w, user, payee, parse_yuan(request.form.get("amount")), request.form.get("memo", "")
        )
    except DomainError as exc:
        return _page(
            "bank/corp_payment_new.html", exc.status, form=transfer_form(), error=refused(exc), **context
        )
    done(gettext("付款指令已提交，等待复核"))
    return redirect(url_for("bank.corp_payment", number=payment.number))


def bank_payee():  # noqa: ANN201
    """The payee typed in the form."""
    return transfers.check_payee(
        current_world(),
        request.form.get("payee_account_no", ""),
        request.form.get("payee_name", ""),
        request.form.get("payee_bank", ""),
    )


@bp.get("/corp/payments")
@corp_required
def corp_payments():
    """The company's payments with their status."""
    return _page("bank/corp_payments.html", rows=enterprise.payments_of(current_world(), _user()))


@bp.get("/corp/payments/<number>")
@corp_required
def corp_payment(number: str):
    """One payment; an approver releases it with the transaction password or rejects it."""
    return _page("bank/corp_payment.html", p=enterprise.get_payment(current_world(), _user(), number))


@bp.post("/corp/payments/<number>/approve")
@corp_required
def corp_approve(number: str):
    """The approver releases a payment."""
    w, user = current_world(), _user()
    try:
        enterprise.approve_payment(w, user, number, request.form.get("tx_password", ""))
    except DomainError as exc:
        message = refused(exc)
        return _page(
            "bank/corp_payment.html", exc.status, p=enterprise.get_payment(w, _user(), number), error=message
        )
    done(gettext("付款已放行"))
    return redirect(url_for("bank.corp_payment", number=number))


@bp.post("/corp/payments/<number>/reject")
@corp_required
def corp_reject(number: str):
    """The approver rejects a payment with a reason."""
    w, user = current_world(), _user()
    try:
        enterprise.reject_payment(w, user, number, request.form.get("reason", ""))
    except DomainError as exc:
        return _page(
            "bank/corp_payment.html",
            exc.status,
            p=enterprise.get_payment(w, user, number),
            error=refused(exc),
        )
    done(gettext("付款已驳回"))
    return redirect(url_for("bank.corp_payment", number=number))


@bp.get("/corp/statement")
@corp_required
def corp_statement():
    """The company account's statement with filters."""
    return statement_page(_user().account, "bank.corp_statement_csv")


@bp.get("/corp/statement.csv")
@corp_required
def corp_statement_csv():
    """Download the company account's (filtered) statement as CSV."""
    return statement_download(_user().account)


@bp.route("/corp/password", methods=["GET", "POST"])
@corp_required
def corp_password():
    """Change the user's login password."""
    return password_page("login", g.bank_principal, "bank.corp_password")


@bp.route("/corp/tx-password", methods=["GET", "POST"])
@corp_required
def corp_tx_password():
    """Change the user's transaction password."""
    return password_page("tx", g.bank_principal, "bank.corp_tx_password")
