"""The shop's side of the platform: notify URL and return URL (its settings are in the seller centre)."""

from __future__ import annotations

from flask import Response, g, redirect, request, url_for
from flask_babel import gettext

from sandbox import csrf
from sandbox.binding import current_world, customer_required, done
from sandbox.orders import payments
from sandbox.orders import services as orders
from sandbox.orders.payment_models import TrialPayment
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
        return redirect(url_for("merchant.payment"))
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


@bp.get("/seller/login")
@bp.get("/seller/payment")
def old_seller_pages():
    """The back office moved to the seller centre (卖家中心)."""
    target = "merchant.payment" if request.path.endswith("/payment") else "merchant.login"
    return redirect(url_for(target))
