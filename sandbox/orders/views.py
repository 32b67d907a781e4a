"""Order pages: list with status tabs, detail, cancel, confirm receipt, paying through the platform."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, customer_required, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.logistics import tracking, waybills
from sandbox.logistics.models import STATUS_LABELS as PARCEL_STATUS_LABELS
from sandbox.orders import payments
from sandbox.orders import services as orders
from sandbox.orders.models import ORDER_EVENT_LABELS, SHIPPING_METHODS, STATUS_LABELS
from sandbox.storefront import services as storefront

bp = Blueprint("orders", __name__, url_prefix="/shop")


@bp.get("/orders/")
@customer_required
def index():
    """The member's orders, filterable by status."""
    tab = request.args.get("status", "")
    all_orders = orders.orders_of(current_world(), g.customer)
    shown = [o for o in all_orders if not tab or o.display_status == tab]
    counts = {key: sum(1 for o in all_orders if o.display_status == key) for key in STATUS_LABELS}
    return render_template("orders/index.html", orders=shown, tab=tab, labels=STATUS_LABELS, counts=counts)


@bp.get("/orders/<number>")
@customer_required
def detail(number: str):
    """One order: lines, address, statuses, what can be done next."""
    order = orders.get_order(current_world(), g.customer, number)
    events = [
        e
        for e in current_world().events()
        if e.payload.get("order_no") == order.number and e.name in ORDER_EVENT_LABELS
    ]
    waybill = waybills.active_waybill(current_world(), order.number)
    return render_template(
        "orders/detail.html",
        order=order,
        events=events,
        event_labels=ORDER_EVENT_LABELS,
        waybill=waybill,
        trail=tracking.trail(current_world(), waybill.number) if waybill else [],
        parcel_labels=PARCEL_STATUS_LABELS,
    )


@bp.post("/orders/<number>/cancel")
@customer_required
def cancel(number: str):
    """Cancel an unpaid order."""
    orders.cancel_order(current_world(), g.customer, number)
    done(gettext("订单已取消"))
    return redirect(url_for("orders.detail", number=number))


@bp.post("/orders/<number>/confirm")
@customer_required
def confirm(number: str):
    """Confirm receipt of a shipped order."""
    orders.confirm_receipt(current_world(), g.customer, number)
    done(gettext("已确认收货，交易完成"))
    return redirect(url_for("orders.detail", number=number))


@bp.route("/orders/<number>/pay", methods=["GET", "POST"])
@customer_required
def pay(number: str):
    """Pay an order: the shop signs a page.pay request and the browser carries it to the platform."""
    w = current_world()
    order = orders.get_order(w, g.customer, number)
    if request.method != "POST":  # GET and HEAD only look
        # Straight from checkout, the page goes on to the platform by itself (the candidate sees the
        # order and the amount on the way); opened later, it waits for the button.
        auto = session_world().get("autopay") == number
        if auto:
            set_session_world(autopay=None)
        return render_template("orders/pay.html", order=order, auto=auto)
    try:
        params = payments.order_payment_request(w, order)
    except DomainError as exc:
        return render_template("orders/pay.html", order=order, error=refused(exc)), exc.status
    done(gettext("正在前往支付平台…"), "info")
    return render_template("orders/to_platform.html", params=params, gateway_url=payments.GATEWAY_URL)


def _checkout_lines(w, values) -> tuple[list, storefront.DirectLine | None]:  # noqa: ANN001
    """What is being checked out: one item bought at once (sku, qty), or the cart."""
    if values.get("sku"):
        line = storefront.direct_line(w, values.get("sku"), values.get("qty"))
        return [line], line
    return storefront.cart_items(w, g.customer), None


@bp.get("/checkout")
@customer_required
def checkout():
    """Choose address and shipping method, review the order with its shipping and what to pay."""
    items, direct = _checkout_lines(current_world(), request.args)
    if not items:
        done(gettext("购物车是空的"), "warning")
        return redirect(url_for("storefront.cart"))
    goods = sum(i.sku.price_fen * i.quantity for i in items)
    shops = len({i.sku.product.shop_id for i in items})  # one order, and one shipping fee, per shop
    return render_template(
        "orders/checkout.html", items=items, goods=goods, shops=shops, methods=SHIPPING_METHODS, direct=direct
    )


@bp.post("/checkout")
@customer_required
def place_order():
    """Place the order(s) and go to payment."""
    f = request.form
    _, direct = _checkout_lines(current_world(), f)
    placed = orders.place_order(
        current_world(),
        g.customer,
        f.get("address_id"),
        f.get("shipping_method", ""),
        f.get("note", ""),
        direct=direct,
    )
    done(gettext("订单已提交，请尽快付款"))
    if len(placed) == 1:
        set_session_world(autopay=placed[0].number)
        return redirect(url_for("orders.pay", number=placed[0].number))
    return redirect(url_for("orders.index"))


# The shop's side of the payment platform (notify and return URLs, the back office) registers here too.
from sandbox.orders import payment_views  # noqa: E402, F401
