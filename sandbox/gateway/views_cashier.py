"""The cashier (收银台): the trade, a platform-account login and payment, bank-card payment, SMS code."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from sandbox.bank.services import MAX_PAYMENT_PASSWORD_FAILURES
from sandbox.binding import current_world, done, refused, set_session_world
from sandbox.errors import N_, DomainError, NotFound
from sandbox.gateway import cashier as desk
from sandbox.gateway import merchants, notify
from sandbox.gateway.models import TRADE_STATUS_LABELS, Trade, TradeStatus
from sandbox.gateway.views import bp, current_user


def _trade(trade_no: str) -> Trade:
    trade = current_world().db.scalars(select(Trade).where(Trade.trade_no == (trade_no or "")[:32])).first()
    if trade is None:
        raise NotFound(N_("交易不存在"))
    return trade


def _page(trade: Trade, status: int = 200, **extra):  # noqa: ANN003, ANN202
    """The cashier page for a trade (with an error or the values typed, when there are any)."""
    w = current_world()
    user = current_user()
    return render_template(
        "gateway/cashier.html",
        trade=trade,
        user=user,
        user_card=merchants.mask_card(user.card_no) if user else "",
        payable=trade.status == TradeStatus.WAIT_BUYER_PAY,
        labels=TRADE_STATUS_LABELS,
        back=notify.return_location(w, trade) if trade.paid_at and merchants.has_platform_key(w) else None,
        max_failures=MAX_PAYMENT_PASSWORD_FAILURES,
        **extra,
    ), status


def _paid(trade: Trade):  # noqa: ANN202
    """After paying: back to the merchant's return URL (signed), or the platform's own receipt."""
    done(
        gettext(
            "付款成功！¥%(amount)s 已付给 %(payee)s",
            amount=notify.yuan(trade.total_fen),
            payee=trade.app.name,
        )
    )
    location = notify.return_location(current_world(), trade)
    return redirect(location or url_for("gateway.cashier", trade_no=trade.trade_no), code=303)


@bp.get("/cashier/<trade_no>")
def cashier(trade_no: str):
    """The cashier page: amount, payee, order, and the ways to pay."""
    return _page(_trade(trade_no))


@bp.post("/cashier/<trade_no>/login")
def cashier_login(trade_no: str):
    """Log in with the platform account from the cashier."""
    trade = _trade(trade_no)
    email = request.form.get("email", "")
    try:
        user = merchants.user_login(current_world(), email, request.form.get("password", ""))
    except DomainError as exc:
        return _page(trade, exc.status, login_error=refused(exc), email=email[:120])
    set_session_world(gateway_user=user.id)
    return redirect(url_for("gateway.cashier", trade_no=trade.trade_no), code=303)


@bp.post("/cashier/<trade_no>/logout")
def cashier_logout(trade_no: str):
    """Use another account at the cashier."""
    set_session_world(gateway_user=None)
    return redirect(url_for("gateway.cashier", trade_no=_trade(trade_no).trade_no), code=303)


@bp.post("/cashier/<trade_no>/pay-account")
def pay_account(trade_no: str):
    """Pay with the logged-in platform account and its pay password."""
    trade = _trade(trade_no)
    user = current_user()
    if user is None:
        return _page(trade, 401, login_error=gettext("请先登录支付账户"))
    try:
        desk.pay_with_account(current_world(), trade, user, request.form.get("pay_password", ""))
    except DomainError as exc:
        trade = _trade(trade_no)  # a counted failure started a new unit of work
        return _page(trade, exc.status, account_error=refused(exc))
    return _paid(trade)


@bp.post("/cashier/<trade_no>/pay-card")
def pay_card(trade_no: str):
    """Pay by bank card with the bank's transaction password (or a test card)."""
    trade = _trade(trade_no)
    w = current_world()
    user = current_user()
    card_no = request.form.get("card_no", "")
    try:
        challenge = desk.pay_with_card(
            w, trade, card_no, request.form.get("card_password", ""), desk.sms_address(w, user)
        )
    except DomainError as exc:
        trade = _trade(trade_no)
        return _page(trade, exc.status, card_error=refused(exc), card_no=card_no[:23])
    if challenge is not None:
        done(gettext("验证码已发送至 %(to)s，请查看邮箱", to=merchants.mask_email(challenge.sent_to)))
        return redirect(url_for("gateway.sms", trade_no=trade.trade_no, challenge=challenge.id), code=303)
    return _paid(trade)


@bp.route("/cashier/<trade_no>/sms/<int:challenge>", methods=["GET", "POST"])
def sms(trade_no: str, challenge: int):
    """Enter the verification code sent to the buyer's mailbox."""
    w = current_world()
    trade = _trade(trade_no)
    found = desk.challenge_of(w, trade, challenge)
    shown = {
        "labels": TRADE_STATUS_LABELS,
        "challenge": found,
        "sent_to": merchants.mask_email(found.sent_to),
        "card": merchants.mask_card(found.card_no),
    }
    if request.method != "POST":  # GET and HEAD only look
        return render_template("gateway/sms.html", trade=trade, **shown)
    try:
        desk.confirm_code(w, trade, challenge, request.form.get("code", ""))
    except DomainError as exc:
        trade = _trade(trade_no)
        found = desk.challenge_of(w, trade, challenge)
        shown["challenge"] = found
        return render_template("gateway/sms.html", trade=trade, error=refused(exc), **shown), exc.status
    return _paid(trade)


@bp.post("/cashier/<trade_no>/sms/<int:challenge>/resend")
def sms_resend(trade_no: str, challenge: int):
    """Send a new verification code."""
    trade = _trade(trade_no)
    fresh = desk.resend_code(current_world(), trade, challenge)
    done(gettext("验证码已发送至 %(to)s，请查看邮箱", to=merchants.mask_email(fresh.sent_to)))
    return redirect(url_for("gateway.sms", trade_no=trade.trade_no, challenge=fresh.id), code=303)
