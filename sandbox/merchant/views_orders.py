"""Seller centre · 订单管理: the shop's orders by status with filters and search, an order's detail,
price changes before payment, shipping (whole or in parcels), cancelling, a printable packing slip.

Everything is scoped to the signed-in shop: another shop's order is a 404.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from sandbox.binding import current_world, done, refused
from sandbox.errors import DomainError
from sandbox.logistics import carriers
from sandbox.logistics.models import STATUS_LABELS as PARCEL_LABELS
from sandbox.merchant.views import bp, seller_required
from sandbox.orders import fulfilment
from sandbox.orders.aftersales_models import KIND_LABELS as AFTERSALE_KINDS
from sandbox.orders.aftersales_models import STATUS_LABELS as AFTERSALE_LABELS
from sandbox.orders.models import SHIPMENT_LABELS, SHIPPING_METHODS, STATUS_LABELS
from sandbox.parsing import query_int
from sandbox.storefront.models import Customer


@bp.get("/orders", endpoint="orders")
@seller_required
def orders_queue():
    """The queue: tabs by status, filters (dates, buyer, goods), search (number, recipient, phone)."""
    w = current_world()
    error, status = None, 200
    try:
        filters = fulfilment.Filters.parse(request.args)
        page = fulfilment.queue(w, g.shop.id, filters, query_int("page", 1, low=1, high=100_000) or 1)
    except DomainError as exc:
        error, status = refused(exc), exc.status
        filters = fulfilment.Filters()
        page = fulfilment.queue(w, g.shop.id, filters)
    ids = {o.customer_id for o in page.orders}
    buyers = dict(w.db.execute(select(Customer.id, Customer.username).where(Customer.id.in_(ids))).all())
    return (
        render_template(
            "merchant/orders.html",
            page=page,
            filters=filters,
            tabs=fulfilment.TABS,
            labels=STATUS_LABELS,
            buyers=buyers,
            in_aftersale=fulfilment.with_open_aftersale(w, {o.id for o in page.orders}),
            error=error,
        ),
        status,
    )


def _detail(number: str, error: str | None = None, status: int = 200, **form: object):  # noqa: ANN202
    w = current_world()
    order = fulfilment.shop_order(w, g.shop.id, number)
    return (
        render_template(
            "merchant/order.html",
            order=order,
            buyer=w.db.get(Customer, order.customer_id),
            parcels=fulfilment.trails(w, order),
            aftersales=fulfilment.aftersales_of(w, order),
            carriers=carriers.carriers(w),
            methods=SHIPPING_METHODS,
            labels=STATUS_LABELS,
            parcel_labels=PARCEL_LABELS,
            shipment_labels=SHIPMENT_LABELS,
            aftersale_labels=AFTERSALE_LABELS,
            aftersale_kinds=AFTERSALE_KINDS,
            error=error,
            form=form,
        ),
        status,
    )


@bp.get("/orders/<number>", endpoint="order_detail")
@seller_required
def order_detail(number: str):
    """One order: goods, buyer and address, payment, parcels with their trails, after-sales, actions."""
    return _detail(number)


@bp.post("/orders/<number>/price", endpoint="order_price")
@seller_required
def order_price(number: str):
    """Change the amount of an unpaid order, with a reason."""
    w = current_world()
    order = fulfilment.shop_order(w, g.shop.id, number)
    try:
        fulfilment.modify_price(w, order, request.form.get("total", ""), request.form.get("reason", ""))
    except DomainError as exc:
        w.rollback()
        return _detail(number, refused(exc), exc.status, total=request.form.get("total", ""))
    done(gettext("订单价格已修改"))
    return redirect(url_for("merchant.order_detail", number=number))


def _quantities() -> dict[str, str] | None:
    """Pieces per order line from the ship form (qty-<line id>), or None to ship everything left."""
    if request.form.get("mode") != "partial":
        return None
    return {key[4:]: value for key, value in request.form.items() if key.startswith("qty-")}


@bp.post("/orders/<number>/ship", endpoint="order_ship")
@seller_required
def order_ship(number: str):
    """Ship the order (everything left, or the pieces chosen) with a waybill of the chosen carrier."""
    w = current_world()
    order = fulfilment.shop_order(w, g.shop.id, number)
    carrier, service = request.form.get("carrier", ""), request.form.get("service", "")
    if request.form.get("choice"):  # one select of "carrier|service" pairs
        carrier, _, service = request.form["choice"].partition("|")
    try:
        shipment = fulfilment.ship(w, order, carrier, service, _quantities())
    except DomainError as exc:
        w.rollback()
        return _detail(number, refused(exc), exc.status)
    done(gettext("已发货，运单号 %(no)s", no=shipment.waybill_no))
    return redirect(url_for("merchant.order_detail", number=number))


@bp.post("/orders/<number>/cancel", endpoint="order_cancel")
@seller_required
def order_cancel(number: str):
    """Cancel an order that has shipped nothing (a paid one is refunded in full)."""
    w = current_world()
    order = fulfilment.shop_order(w, g.shop.id, number)
    try:
        fulfilment.cancel(w, order, request.form.get("reason", ""), by="seller")
    except DomainError as exc:
        w.rollback()
        return _detail(number, refused(exc), exc.status)
    done(gettext("订单已取消"))
    return redirect(url_for("merchant.order_detail", number=number))


@bp.post("/orders/<number>/parcels/<int:seq>/restock", endpoint="order_restock")
@seller_required
def order_restock(number: str, seq: int):
    """Check a parcel the carrier brought back into stock (its pieces wait to be shipped again)."""
    w = current_world()
    order = fulfilment.shop_order(w, g.shop.id, number)
    try:
        fulfilment.restock_returned(w, order, seq)
    except DomainError as exc:
        w.rollback()
        return _detail(number, refused(exc), exc.status)
    done(gettext("退回的包裹已入库，可重新发货或取消订单"))
    return redirect(url_for("merchant.order_detail", number=number))


@bp.get("/orders/<number>/packing-slip", endpoint="order_packing_slip")
@seller_required
def order_packing_slip(number: str):
    """The packing slip (发货单/拣货单) as a clean page to print."""
    w = current_world()
    order = fulfilment.shop_order(w, g.shop.id, number)
    return render_template(
        "merchant/packing_slip.html",
        order=order,
        shop=g.shop,
        buyer=w.db.get(Customer, order.customer_id),
        warehouse=fulfilment.WAREHOUSE,
        methods=SHIPPING_METHODS,
        printed_at=w.now(),
    )
