"""The shop's side of the platform: notify URL, return URL, and the back office's payment settings."""

from __future__ import annotations

from flask import Response, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox import csrf
from sandbox.binding import current_world, customer_required, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.orders import payments
from sandbox.orders import services as orders
from sandbox.orders.payment_models import VERDICT_LABELS, ShopPaymentSetup, TrialPayment
from sandbox.orders.views import bp


@bp.post("/pay/notify/<code>")
@csrf.exempt
def notify(code: str) -> Response:
    """A shop's notify URL: the platform (or anyone) posts a notification; the answer is plain text."""
    w = current_world()
    answer = payments.receive_notification(w, request.base_url, request.form.to_dict(), source="http")
    g.outcome = answer
    return Response(answer, mimetype="text/plain")


@bp.get("/pay/return")
def pay_return():
    """Back from the cashier: the shop asks the platform itself; the return's own word is not trusted."""
    w = current_world()
    thing = payments.find_for_return(w, request.args.get("out_trade_no", ""))
    if isinstance(thing, TrialPayment):
        if not payments.is_paid(thing):
            payments.confirm_by_query(w, thing.shop_id, thing.out_trade_no)
        return redirect(url_for("orders.seller_payment"))
    return _order_return(thing.number)


@customer_required
def _order_return(number: str):  # noqa: ANN202
    w = current_world()
    order = orders.get_order(w, g.customer, number)
    if not payments.is_paid(order):
        payments.confirm_by_query(w, order.shop_id, number)
    if payments.is_paid(order):
        done(gettext("付款成功！订单号 %(no)s", no=number))
    else:
        done(gettext("尚未收到支付平台的付款确认，请稍后刷新订单"), "warning")
    return redirect(url_for("orders.detail", number=number))


def _seller() -> ShopPaymentSetup | None:
    setup_id = session_world().get("seller")
    return current_world().db.get(ShopPaymentSetup, setup_id) if setup_id else None


@bp.route("/seller/login", methods=["GET", "POST"])
def seller_login():
    """The shop owner's back-office login."""
    if request.method != "POST":
        return render_template("orders/seller_login.html")
    try:
        setup = payments.seller_login(
            current_world(), request.form.get("login", ""), request.form.get("password", "")
        )
    except DomainError as exc:
        return render_template(
            "orders/seller_login.html", error=refused(exc), login=request.form.get("login", "")
        ), exc.status
    set_session_world(seller=setup.id)
    done(gettext("登录成功"))
    return redirect(url_for("orders.seller_payment"))


@bp.post("/seller/logout")
def seller_logout():
    """Leave the back office."""
    set_session_world(seller=None)
    return redirect(url_for("orders.seller_login"))


@bp.get("/seller/payment")
def seller_payment():
    """Payment settings: app id, notify URL to give the platform, keys, trial payments, notifications."""
    setup = _seller()
    if setup is None:
        return redirect(url_for("orders.seller_login"))
    return _settings_page(setup)


def _settings_page(setup: ShopPaymentSetup, error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    page = render_template(
        "orders/seller_payment.html",
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


@bp.post("/seller/payment/keys")
def seller_keys():
    """Save the app's private key and the platform's public key."""
    setup = _seller()
    if setup is None:
        return redirect(url_for("orders.seller_login"))
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
    return redirect(url_for("orders.seller_payment"))


@bp.post("/seller/payment/trial")
def seller_trial():
    """Start a trial payment of a given amount and go to the platform's cashier."""
    setup = _seller()
    if setup is None:
        return redirect(url_for("orders.seller_login"))
    try:
        params = payments.start_trial(current_world(), setup, request.form.get("amount", ""))
    except DomainError as exc:
        return _settings_page(setup, refused(exc), exc.status)
    done(gettext("正在前往支付平台…"), "info")
    return render_template("orders/to_platform.html", params=params, gateway_url=payments.GATEWAY_URL)
