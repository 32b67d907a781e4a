"""The merchant console (商家中心): app settings and keys, trades, refunds, the daily statement."""

from __future__ import annotations

from functools import wraps

from flask import Response, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.gateway import console, merchants, signing
from sandbox.gateway.codes import GatewayError
from sandbox.gateway.models import (
    EVENT_LABELS,
    NOTIFY_OUTCOME_LABELS,
    NOTIFY_STATUS_LABELS,
    TRADE_STATUS_LABELS,
)
from sandbox.gateway.notify import yuan
from sandbox.gateway.views import bp, login_page
from sandbox.pki.views import ask_store_to_sign, take_challenge

MAX_KEY_FILE = 20_000


def console_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the console login first."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        app = merchants.console_session_app(current_world(), session_world().get("gateway_console"))
        if app is None:
            return redirect(url_for("gateway.console_login"))
        g.merchant_app = app
        return view(*args, **kwargs)

    return wrapper


@bp.route("/console/login", methods=["GET", "POST"])
def console_login():
    """Merchant console login (e-mail and password)."""
    return login_page(
        "gateway/console_login.html", merchants.console_login, "gateway_console", "gateway.console_app"
    )


@bp.get("/console/login/cert")
def console_login_cert():
    """Certificate login: a fresh challenge, for the certificate store to sign with the merchant's key."""
    return ask_store_to_sign(
        merchants.CERT_AUDIENCE,
        "gateway_cert_challenge",
        url_for("gateway.console_login_cert_done"),
        f"{gettext('云鹊支付')} · {gettext('商家中心')}",
    )


@bp.get("/console/login/cert/done")
def console_login_cert_done():
    """Back from the certificate store: check its signature of our challenge and log the merchant in."""
    challenge = take_challenge("gateway_cert_challenge")
    try:
        login = merchants.console_certificate_login(current_world(), challenge)
    except DomainError as exc:
        return render_template("gateway/console_login.html", error=refused(exc)), exc.status
    set_session_world(gateway_console=login.id)
    done(gettext("登录成功"))
    return redirect(url_for("gateway.console_app"))


@bp.post("/console/logout")
def console_logout():
    """Leave the merchant console."""
    set_session_world(gateway_console=None)
    return redirect(url_for("gateway.console_login"))


def _platform_pem() -> str | None:
    """The platform's public key; a reading page makes it (under the write lock) if it is missing."""
    w = current_world()
    if not merchants.has_platform_key(w):
        if w.read_only:
            return None
        w.restart_locked()
    return merchants.platform_public_key(w)


@bp.get("/console/")
@console_required
def console_app():
    """App settings: app id, keys, notify and return URLs."""
    app = g.merchant_app
    return render_template(
        "gateway/console_app.html",
        app=app,
        platform_pem=_platform_pem(),
        fingerprint=signing.fingerprint(app.public_key_pem) if app.public_key_pem else "",
        account=merchants.mask_card(app.settlement_account_no),
    )


@bp.post("/console/key")
@console_required
def upload_key():
    """Upload the merchant's RSA public key (pasted, or as a .pem/.txt file)."""
    pem = request.form.get("public_key", "")
    upload = request.files.get("public_key_file")
    if upload is not None and upload.filename:
        pem = upload.read(MAX_KEY_FILE + 1).decode("utf-8", errors="replace")
    try:
        merchants.set_app_public_key(current_world(), g.merchant_app, pem, source="console")
    except DomainError as exc:
        return render_template(
            "gateway/console_app.html",
            app=g.merchant_app,
            platform_pem=_platform_pem(),
            fingerprint="",
            account=merchants.mask_card(g.merchant_app.settlement_account_no),
            key_error=refused(exc),
            typed_key=pem[:MAX_KEY_FILE],
        ), exc.status
    done(gettext("应用公钥已保存"))
    return redirect(url_for("gateway.console_app"))


@bp.post("/console/urls")
@console_required
def save_urls():
    """Set the notify URL and the return URL."""
    try:
        merchants.set_app_urls(
            current_world(),
            g.merchant_app,
            notify_url=request.form.get("notify_url", ""),
            return_url=request.form.get("return_url", ""),
        )
    except DomainError as exc:
        return render_template(
            "gateway/console_app.html",
            app=g.merchant_app,
            platform_pem=_platform_pem(),
            fingerprint=signing.fingerprint(g.merchant_app.public_key_pem)
            if g.merchant_app.public_key_pem
            else "",
            account=merchants.mask_card(g.merchant_app.settlement_account_no),
            url_error=refused(exc),
        ), exc.status
    done(gettext("通知地址已保存"))
    return redirect(url_for("gateway.console_app"))


@bp.get("/console/platform-key.pem")
@console_required
def platform_key_file():
    """Download the platform's public key (to verify notifications and answers)."""
    pem = _platform_pem() or ""
    return Response(
        pem,
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": "attachment; filename=platform_public_key.pem"},
    )


@bp.post("/console/keytool")
@console_required
def keytool_generate():
    """The key tool: make an RSA-2048 key pair for the merchant."""
    pair = merchants.key_tool_generate(current_world(), g.merchant_app)
    done(gettext("密钥已生成：请先下载私钥并妥善保管，再上传公钥"))
    return redirect(url_for("gateway.keytool", pair=pair.id))


@bp.get("/console/keytool/<int:pair>")
@console_required
def keytool(pair: int):
    """A generated key pair: the public key to copy, the private key to download once."""
    found = merchants.key_tool_pair(current_world(), g.merchant_app, pair)
    return render_template("gateway/keytool.html", app=g.merchant_app, pair=found)


@bp.post("/console/keytool/<int:pair>/private")
@console_required
def keytool_private(pair: int):
    """Download the generated private key (once; the platform keeps no copy)."""
    pem = merchants.take_private_key(current_world(), g.merchant_app, pair)
    return Response(
        pem,
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": f"attachment; filename=app_private_key_{g.merchant_app.app_id}.pem"},
    )


@bp.get("/console/keytool/<int:pair>/public.pem")
@console_required
def keytool_public(pair: int):
    """Download the generated public key."""
    found = merchants.key_tool_pair(current_world(), g.merchant_app, pair)
    return Response(
        found.public_pem,
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": f"attachment; filename=app_public_key_{g.merchant_app.app_id}.pem"},
    )


@bp.post("/console/keytool/<int:pair>/use")
@console_required
def keytool_use(pair: int):
    """Upload the generated public key as the app's public key."""
    found = merchants.key_tool_pair(current_world(), g.merchant_app, pair)
    merchants.set_app_public_key(current_world(), g.merchant_app, found.public_pem, source="console")
    done(gettext("应用公钥已保存"))
    return redirect(url_for("gateway.console_app"))


@bp.get("/console/trades")
@console_required
def console_trades():
    """The app's trades, filtered by status, day and order number."""
    status = request.args.get("status", "")[:20]
    number = request.args.get("out_trade_no", "")[:64]
    error = None
    try:
        day = console.parse_day(request.args.get("date"))
    except DomainError as exc:
        day, error = None, refused(exc)
    rows = console.trades_of(current_world(), g.merchant_app, status=status, day=day, out_trade_no=number)
    return render_template(
        "gateway/console_trades.html",
        app=g.merchant_app,
        trades=rows,
        labels=TRADE_STATUS_LABELS,
        status=status,
        day=day,
        number=number,
        error=error,
    ), (400 if error else 200)


def _detail(trade_no: str, status: int = 200, **extra):  # noqa: ANN003, ANN202
    w = current_world()
    trade = console.trade_of(w, g.merchant_app, trade_no)
    return render_template(
        "gateway/console_trade.html",
        app=g.merchant_app,
        trade=trade,
        history=console.history(w, trade),
        event_labels=EVENT_LABELS,
        labels=TRADE_STATUS_LABELS,
        notify_labels=NOTIFY_STATUS_LABELS,
        outcome_labels=NOTIFY_OUTCOME_LABELS,
        buyer_account=merchants.mask_card(trade.buyer_account_no),
        **extra,
    ), status


@bp.get("/console/trades/<trade_no>")
@console_required
def console_trade(trade_no: str):
    """One trade: amounts, buyer, refunds, notifications and their answers, history."""
    return _detail(trade_no)


@bp.post("/console/trades/<trade_no>/refund")
@console_required
def console_refund(trade_no: str):
    """Refund (part of) a trade: amount, reason, request number."""
    w = current_world()
    trade = console.trade_of(w, g.merchant_app, trade_no)
    form = {k: request.form.get(k, "")[:300] for k in ("amount", "reason", "out_request_no")}
    try:
        made = console.console_refund(w, g.merchant_app, trade, **form)
    except GatewayError as exc:
        return _detail(
            trade_no, 409, refund_error=refused(exc), refund_code=exc.sub_code, detail=exc.detail, form=form
        )
    except DomainError as exc:
        return _detail(trade_no, exc.status, refund_error=refused(exc), form=form)
    done(
        gettext(
            "退款成功：¥%(amount)s（退款请求号 %(no)s）", amount=yuan(made.amount_fen), no=made.out_request_no
        )
    )
    return redirect(url_for("gateway.console_trade", trade_no=trade.trade_no))


@bp.post("/console/trades/<trade_no>/close")
@console_required
def console_close(trade_no: str):
    """Close an unpaid trade."""
    w = current_world()
    console.console_close(w, console.trade_of(w, g.merchant_app, trade_no))
    done(gettext("交易已关闭"))
    return redirect(url_for("gateway.console_trade", trade_no=trade_no))


@bp.post("/console/trades/<trade_no>/finish")
@console_required
def console_finish(trade_no: str):
    """End a paid trade (no refunds after this)."""
    w = current_world()
    console.console_finish(w, console.trade_of(w, g.merchant_app, trade_no))
    done(gettext("交易已结束"))
    return redirect(url_for("gateway.console_trade", trade_no=trade_no))


@bp.post("/console/trades/<trade_no>/notifications/<int:note>/resend")
@console_required
def console_resend(trade_no: str, note: int):
    """Deliver a notification again now."""
    w = current_world()
    sent = console.resend_notification(w, console.trade_of(w, g.merchant_app, trade_no), note)
    outcome = sent.attempts[-1].outcome
    done(gettext("已重新发送通知：%(outcome)s", outcome=gettext(NOTIFY_OUTCOME_LABELS[outcome])))
    return redirect(url_for("gateway.console_trade", trade_no=trade_no))


@bp.get("/console/statement")
@console_required
def console_statement():
    """Download the daily statement (对账单) as CSV."""
    w = current_world()
    day = console.parse_day(request.args.get("date")) or w.now().date()
    return Response(
        console.statement_csv(w, g.merchant_app, day),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=statement_{g.merchant_app.app_id}_{day:%Y%m%d}.csv"
        },
    )
