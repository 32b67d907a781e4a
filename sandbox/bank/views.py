"""Online bank pages: personal online banking, the account application. The counter's pages are in
views_counter, enterprise online banking in views_corp (routes on the same blueprint)."""

from __future__ import annotations

from datetime import date, datetime
from functools import wraps

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.bank import accounts, fees, transfers
from sandbox.bank import services as bank
from sandbox.bank.auth import (
    Channel,
    Principal,
    change_login_password,
    change_tx_password,
    verify_tx_password,
)
from sandbox.bank.models import ApplicationStatus, BankAccount, EntryKind, TransferStatus
from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import N_, DomainError
from sandbox.parsing import parse_yuan

bp = Blueprint("bank", __name__, url_prefix="/bank")


@bp.app_template_filter("card")
def card_filter(number: str) -> str:
    """A card or account number masked: 6222 **** **** 1234."""
    return bank.mask_number(number)


def page(template: str, status: int = 200, **context):  # noqa: ANN003, ANN201
    """Render a bank page with what every bank page shows (banks, labels)."""
    context.setdefault("principal", g.get("bank_principal"))
    return render_template(
        template,
        banks=bank.all_banks(current_world()),
        entry_labels=EntryKind.LABELS,
        transfer_labels=TransferStatus.LABELS,
        application_labels=ApplicationStatus.LABELS,
        **context,
    ), status


def personal_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the personal login first."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        account_id = session_world().get("bank_account")
        account = current_world().db.get(BankAccount, account_id) if account_id else None
        if account is None:
            return redirect(url_for("bank.login"))
        g.bank_principal = Principal(Channel.PERSONAL, account=account)
        return view(*args, **kwargs)

    return wrapper


def _account() -> BankAccount:
    return g.bank_principal.account


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Personal online banking login (card number and login password)."""
    if request.method != "POST":  # GET and HEAD only look
        return page("bank/login.html")
    try:
        principal = bank.authenticate(
            current_world(),
            channel=Channel.PERSONAL,
            login=request.form.get("account_no", ""),
            password=request.form.get("password", ""),
        )
    except DomainError as exc:
        return page(
            "bank/login.html", exc.status, error=refused(exc), account_no=request.form.get("account_no", "")
        )
    set_session_world(bank_account=principal.account.id)
    done(gettext("登录成功"))
    return redirect(url_for("bank.index"))


@bp.post("/logout")
def logout():
    """Leave personal online banking."""
    set_session_world(bank_account=None)
    return redirect(url_for("bank.login"))


@bp.get("/")
@personal_required
def index():
    """Account overview: balance, recent movements, transfers in progress."""
    w, account = current_world(), _account()
    return page(
        "bank/index.html",
        account=account,
        balance=bank.balance(w, account),
        recent=bank.statement(w, account)[:5],
        in_transit=[t for t in transfers.transfers_of(w, account) if t.status == TransferStatus.IN_TRANSIT],
    )


@bp.get("/account")
@personal_required
def account_details():
    """The account's details; the full card number only when the owner asks (?full=1)."""
    w, account = current_world(), _account()
    return page(
        "bank/account.html",
        account=account,
        balance=bank.balance(w, account),
        full=request.args.get("full") == "1",
    )


def _payee_from_form() -> transfers.PayeeDetails:
    return transfers.check_payee(
        current_world(),
        request.form.get("payee_account_no", ""),
        request.form.get("payee_name", ""),
        request.form.get("payee_bank", ""),
    )


def transfer_form() -> dict[str, str]:
    """The transfer form's fields as typed (to show them again after a refusal)."""
    keys = ("payee_account_no", "payee_name", "payee_bank", "amount", "memo", "save_payee")
    return {k: request.form.get(k, "")[:60] for k in keys}


@bp.route("/transfer", methods=["GET", "POST"])
@personal_required
def transfer():
    """Send money to a payee of this bank or another (fee table shown), with the transaction password."""
    w, account = current_world(), _account()
    context = {
        "account": account,
        "balance": bank.balance(w, account),
        "payees": transfers.payees_of(w, account),
        "fee_table": fees.fee_table(),
        "delay_minutes": int(fees.INTERBANK_DELAY.total_seconds() // 60),
    }
    if request.method != "POST":
        chosen = request.args.get("payee", "")
        book = {str(p.id): p for p in context["payees"]}
        p = book.get(chosen)
        form = (
            {"payee_account_no": p.account_no, "payee_name": p.name, "payee_bank": p.bank_code} if p else {}
        )
        return page("bank/transfer.html", form=form, **context)
    form = transfer_form()
    try:
        payee = _payee_from_form()
        t = transfers.send_transfer(
            w,
            account,
            payee,
            parse_yuan(request.form.get("amount")),
            memo=request.form.get("memo", ""),
            authorize=lambda: verify_tx_password(w, account, request.form.get("tx_password", "")),
        )
        if form["save_payee"] and not any(p.account_no == payee.account_no for p in context["payees"]):
            transfers.add_payee(w, account, payee)
    except DomainError as exc:
        return page("bank/transfer.html", exc.status, form=form, error=refused(exc), **context)
    done(gettext("转账已提交"))
    return redirect(url_for("bank.transfer_detail", number=t.number))


@bp.get("/transfers")
@personal_required
def transfer_list():
    """The account's transfers with their status."""
    return page(
        "bank/transfers.html", account=_account(), rows=transfers.transfers_of(current_world(), _account())
    )


@bp.get("/transfers/<number>")
@personal_required
def transfer_detail(number: str):
    """One transfer (电子回单): amount, fee, payee, status, return reason."""
    t = transfers.get_transfer(current_world(), _account(), number)
    return page("bank/transfer_detail.html", account=_account(), t=t)


@bp.route("/payees", methods=["GET", "POST"])
@personal_required
def payees():
    """The payee book: list and add."""
    w, account = current_world(), _account()
    if request.method == "POST":
        try:
            transfers.add_payee(w, account, _payee_from_form())
        except DomainError as exc:
            return page(
                "bank/payees.html",
                exc.status,
                account=account,
                rows=transfers.payees_of(w, account),
                form=transfer_form(),
                error=refused(exc),
            )
        done(gettext("收款人已保存"))
        return redirect(url_for("bank.payees"))
    return page("bank/payees.html", account=account, rows=transfers.payees_of(w, account), form={})


@bp.post("/payees/<int:payee_id>/delete")
@personal_required
def delete_payee(payee_id: int):
    """Remove a payee from the book."""
    transfers.remove_payee(current_world(), _account(), payee_id)
    done(gettext("收款人已删除"))
    return redirect(url_for("bank.payees"))


def _day(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date() if len(raw) == 10 else _bad_day()
    except ValueError:
        return _bad_day()


def _bad_day() -> date:
    raise DomainError(N_("日期须按 YYYY-MM-DD 格式填写"))


def statement_filters() -> dict:
    """The statement's filters from the query string (400 with a message when malformed)."""
    start, end = _day("start"), _day("end")
    if start and end and start > end:
        raise DomainError(N_("开始日期不能晚于结束日期"))
    kind = (request.args.get("type") or "").strip() or None
    if kind and kind not in bank.STATEMENT_FILTERS:
        raise DomainError(N_("交易类型不正确"))
    return {"start": start, "end": end, "kind": kind}


def statement_page(account: BankAccount, csv_endpoint: str):  # noqa: ANN201
    """The statement of an account with its filters (shared by personal and enterprise banking)."""
    w = current_world()
    args = {k: (request.args.get(k) or "")[:20] for k in ("start", "end", "type")}
    try:
        filters = statement_filters()
    except DomainError as exc:
        return page(
            "bank/statement.html",
            exc.status,
            account=account,
            rows=[],
            balance=bank.balance(w, account),
            args=args,
            csv_endpoint=csv_endpoint,
            error=refused(exc),
        )
    return page(
        "bank/statement.html",
        account=account,
        rows=bank.statement(w, account, **filters),
        balance=bank.balance(w, account),
        args=args,
        csv_endpoint=csv_endpoint,
    )


def statement_download(account: BankAccount) -> Response:
    """The filtered statement as a CSV download (UTF-8 with BOM, for Excel)."""
    rows = bank.statement(current_world(), account, **statement_filters())
    labels = {
        "account": gettext("账号"),
        "holder": gettext("户名"),
        "time": gettext("交易时间"),
        "type": gettext("交易类型"),
        "memo": gettext("摘要"),
        "reference": gettext("业务编号"),
        "income": gettext("收入"),
        "expense": gettext("支出"),
        "balance": gettext("余额"),
        **{f"kind.{k}": gettext(v) for k, v in EntryKind.LABELS.items()},
    }
    response = Response(bank.statement_csv(account, rows, labels), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=f"statement-{account.number[-4:]}.csv")
    return response


@bp.get("/statement")
@personal_required
def statement():
    """Every movement of the account with running balance; date range and type filters."""
    return statement_page(_account(), "bank.statement_csv")


@bp.get("/statement.csv")
@personal_required
def statement_csv():
    """Download the (filtered) statement as CSV."""
    return statement_download(_account())


def password_page(kind: str, principal: Principal, endpoint: str):  # noqa: ANN201
    """Change the login or the transaction password (shared by personal and enterprise banking)."""
    if request.method != "POST":
        return page("bank/password.html", kind=kind, endpoint=endpoint)
    change = change_login_password if kind == "login" else change_tx_password
    try:
        change(
            current_world(),
            principal,
            request.form.get("old_password", ""),
            request.form.get("new_password", ""),
            request.form.get("confirm_password", ""),
        )
    except DomainError as exc:
        return page("bank/password.html", exc.status, kind=kind, endpoint=endpoint, error=refused(exc))
    done(gettext("登录密码已修改") if kind == "login" else gettext("交易密码已修改"))
    return redirect(url_for(endpoint))


@bp.route("/password", methods=["GET", "POST"])
@personal_required
def password():
    """Change the login password."""
    return password_page("login", g.bank_principal, "bank.password")


@bp.route("/tx-password", methods=["GET", "POST"])
@personal_required
def tx_password():
    """Change the transaction password."""
    return password_page("tx", g.bank_principal, "bank.tx_password")


@bp.get("/fees")
def fee_page():
    """The fee table and limits (public)."""
    return page(
        "bank/fees.html",
        fee_table=fees.fee_table(),
        delay_minutes=int(fees.INTERBANK_DELAY.total_seconds() // 60),
        personal_limit=fees.PERSONAL_LIMIT_FEN,
        enterprise_limit=fees.ENTERPRISE_LIMIT_FEN,
    )


APPLY_FIELDS = (
    "bank",
    "account_type",
    "name",
    "id_number",
    "mobile",
    "email",
    "address",
    "company_name",
    "credit_code",
)


@bp.route("/apply", methods=["GET", "POST"])
def apply():
    """Apply online to open a personal or enterprise account; the counter reviews it."""
    if request.method != "POST":
        form = {"bank": (request.args.get("bank") or "")[:10], "account_type": "personal"}
        return page("bank/apply.html", form=form)
    form = {k: request.form.get(k, "")[:200] for k in APPLY_FIELDS}
    try:
        application = accounts.apply_for_account(
            current_world(),
            bank_code=form["bank"],
            account_type=form["account_type"],
            name=form["name"],
            id_number=form["id_number"],
            mobile=form["mobile"],
            email=form["email"],
            address=form["address"],
            company_name=form["company_name"],
            credit_code=form["credit_code"],
        )
    except DomainError as exc:
        return page("bank/apply.html", exc.status, form=form, error=refused(exc))
    done(gettext("开户申请已提交"))
    return redirect(url_for("bank.application", number=application.number))


@bp.get("/apply/<number>")
def application(number: str):
    """Where an application stands (the result and the credentials come by mail)."""
    application = accounts.get_application(current_world(), number)
    return page("bank/applied.html", a=application, bank_of=application.bank)


from sandbox.bank import views_corp, views_counter  # noqa: E402, F401  (their routes join this blueprint)
