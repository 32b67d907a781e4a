"""Seller centre · 支付接入: the shop's app on the payment platform, its keys, trial payments, notices."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused
from sandbox.errors import DomainError
from sandbox.merchant.views import bp, seller_required
from sandbox.orders import payments
from sandbox.orders.payment_models import VERDICT_LABELS, ShopPaymentSetup


def _settings_page(setup: ShopPaymentSetup, error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    page = render_template(
        "merchant/payment.html",
        setup=setup,
        notify_url=payments.notify_url(setup.shop),
        return_url=payments.return_url(),
        notices=payments.notices(w, setup.shop_id),
        trials=payments.trials(w, setup.shop_id),
        verdict_labels=VERDICT_LABELS,
        error=error,
        amount=request.form.get("amount", "") if request.method == "POST" else "",
    )
    return page, status


@bp.get("/payment")
@seller_required
def payment():
    """Payment settings: app id, notify URL to give the platform, keys, trial payments, notifications."""
    return _settings_page(payments.setup_of(current_world(), g.shop.id))


@bp.post("/payment/keys")
@seller_required
def payment_keys():
    """Save the app's private key and the platform's public key."""
    setup = payments.setup_of(current_world(), g.shop.id)
    try:
        payments.save_keys(
            current_world(),
            setup,
            request.form.get("private_key", ""),
            request.form.get("platform_public_key", ""),
        )
    except DomainError as exc:
        return _settings_page(setup, refused(exc), exc.status)
    done(gettext("密钥已保存"))
    return redirect(url_for("merchant.payment"))


@bp.post("/payment/trial")
@seller_required
def payment_trial():
    """Start a trial payment of a given amount and go to the platform's cashier."""
    setup = payments.setup_of(current_world(), g.shop.id)
    try:
        params = payments.start_trial(current_world(), setup, request.form.get("amount", ""))
    except DomainError as exc:
        return _settings_page(setup, refused(exc), exc.status)
    done(gettext("正在前往支付平台…"), "info")
    return render_template("orders/to_platform.html", params=params, gateway_url=payments.GATEWAY_URL)
