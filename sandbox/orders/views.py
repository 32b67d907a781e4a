"""Order pages: list with status tabs, detail, cancel, confirm receipt, paying through the platform."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from sandbox.binding import current_world, customer_required, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.logistics.models import STATUS_LABELS as PARCEL_STATUS_LABELS
from sandbox.orders import fulfilment, payments, promotions
from sandbox.orders import services as orders
from sandbox.orders.aftersales_models import KIND_LABELS as AFTERSALE_KINDS
from sandbox.orders.aftersales_models import STATUS_LABELS as AFTERSALE_LABELS
from sandbox.orders.models import ORDER_EVENT_LABELS, SHIPMENT_LABELS, SHIPPING_METHODS, STATUS_LABELS
from sandbox.orders.promotion_models import PHASE_LABELS
from sandbox.storefront import services as storefront
from sandbox.worlds.base import Event

bp = Blueprint("orders", __name__, url_prefix="/shop")


@bp.get("/orders/")
@customer_required
def index():
    """The member's orders, filterable by status."""
    tab = request.args.get("status", "")
    all_orders = orders.orders_of(current_world(), g.customer)
    shown = [o for o in all_orders if not tab or o.display_status == tab]
    counts = {key: sum(1 for o in all_orders if o.display_status == key) for key in STATUS_LABELS}
    in_aftersale = fulfilment.with_open_aftersale(current_world(), {o.id for o in shown})
    return render_template(
        "orders/index.html",
        orders=shown,
        tab=tab,
        labels=STATUS_LABELS,
        counts=counts,
        in_aftersale=in_aftersale,
    )


@bp.get("/orders/<number>")
@customer_required
def detail(number: str):
    """One order: lines with discounts, price changes, address, statuses, parcels with their trails,
    refunds and after-sales, what can be done next."""
    w = current_world()
    order = orders.get_order(w, g.customer, number)
    named = select(Event).where(Event.name.in_(list(ORDER_EVENT_LABELS))).order_by(Event.id)
    events = [e for e in w.db.scalars(named) if e.payload.get("order_no") == order.number]
    return render_template(
        "orders/detail.html",
        order=order,
        events=events,
        event_labels=ORDER_EVENT_LABELS,
        parcels=fulfilment.trails(w, order),
        parcel_labels=PARCEL_STATUS_LABELS,
        shipment_labels=SHIPMENT_LABELS,
        aftersales=fulfilment.aftersales_of(w, order),
        aftersale_labels=AFTERSALE_LABELS,
        aftersale_kinds=AFTERSALE_KINDS,
        open_aftersale=fulfilment.open_aftersale(w, order),
        auto_days=fulfilment.AUTO_CONFIRM_DAYS,
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


def _coupon_choices(values) -> dict[int, str]:  # noqa: ANN001
    """The coupon chosen for each shop's order: form fields coupon_<shop id>."""
    out = {}
    for key in values:
        shop_id = key.removeprefix("coupon_")
        if key.startswith("coupon_") and shop_id.isascii() and shop_id.isdigit() and len(shop_id) < 19:
            out[int(shop_id)] = values.get(key, "")
    return out


@bp.get("/checkout")
@customer_required
def checkout():
    """Choose address, shipping method and coupons; review each shop's order with its limited-time prices,
    满减, coupon, shipping and what to pay (the server prices it again on submit)."""
    w = current_world()
    items, direct = _checkout_lines(w, request.args)
    if not items:
        done(gettext("购物车是空的"), "warning")
        return redirect(url_for("storefront.cart"))
    quotes = promotions.quote_items(w, g.customer, items, _coupon_choices(request.args))
    return render_template(
        "orders/checkout.html",
        quotes=quotes,
        methods=SHIPPING_METHODS,
        direct=direct,
        first_method=next(iter(SHIPPING_METHODS)),
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
        coupons=_coupon_choices(f),
    )
    done(gettext("订单已提交，请尽快付款"))
    if len(placed) == 1:
        set_session_world(autopay=placed[0].number)
        return redirect(url_for("orders.pay", number=placed[0].number))
    return redirect(url_for("orders.index"))


@bp.post("/coupons/<int:coupon_id>/claim")
@customer_required
def claim_coupon(coupon_id: int):
    """领券: take one of a shop's coupons, then back to the page it was offered on."""
    claim = promotions.claim_coupon(current_world(), g.customer, coupon_id)
    done(gettext("领取成功：%(name)s", name=claim.coupon.name))
    back = request.form.get("next", "")
    if back.startswith("/shop/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("orders.coupons"))


@bp.get("/coupons/")
@customer_required
def coupons():
    """My coupons (我的优惠券): usable, used and expired."""
    w = current_world()
    return render_template(
        "orders/coupons.html", claims=promotions.my_coupons(w, g.customer), now=w.now(), phases=PHASE_LABELS
    )


# The shop's side of the payment platform (notify and return URLs, the back office) registers here too.
from sandbox.orders import payment_views  # noqa: E402, F401

# isort: split
from sandbox.orders import aftersales_views  # noqa: E402, F401
