"""The buyer's after-sales pages (售后): ask for a refund or a return with photos, follow the request,
send the goods back with the return waybill, withdraw the request."""

from __future__ import annotations

from flask import Response, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, customer_required, done, refused
from sandbox.errors import DomainError
from sandbox.logistics import carriers
from sandbox.logistics.models import STATUS_LABELS as PARCEL_LABELS
from sandbox.orders import aftersales, fulfilment
from sandbox.orders import services as orders
from sandbox.orders.aftersales_models import KIND_LABELS, REASONS, STATUS_LABELS
from sandbox.orders.views import bp
from sandbox.storefront.uploads import IMAGE_CSP


def _form_page(number: str, error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    order = orders.get_order(w, g.customer, number)
    form = request.form if request.method == "POST" else {}
    return (
        render_template(
            "orders/aftersale_new.html",
            order=order,
            kinds=KIND_LABELS,
            reasons=REASONS,
            form=form,
            default_amount=min(order.goods_total_fen - order.discount_fen, order.refundable_fen),
            max_images=aftersales.MAX_IMAGES,
            error=error,
        ),
        status,
    )


@bp.get("/orders/<number>/aftersale")
@customer_required
def aftersale_new(number: str):
    """The form: 仅退款 or 退货退款, the goods, the reason, the amount, up to three photos."""
    return _form_page(number)


@bp.post("/orders/<number>/aftersale")
@customer_required
def aftersale_create(number: str):
    """Send the request to the shop."""
    w = current_world()
    order = orders.get_order(w, g.customer, number)
    f = request.form
    quantities = {key[4:]: value for key, value in f.items() if key.startswith("qty-")} or None
    images = [(file.filename or "", file.read()) for file in request.files.getlist("images") if file]
    try:
        made = aftersales.request(
            w,
            order,
            kind=f.get("kind", ""),
            reason=f.get("reason", ""),
            detail=f.get("detail", ""),
            amount=f.get("amount", ""),
            quantities=quantities,
            images=images,
        )
    except DomainError as exc:
        w.rollback()
        return _form_page(number, refused(exc), exc.status)
    done(gettext("售后申请已提交，等待商家处理"))
    return redirect(url_for("orders.aftersale", number=made.number))


def _detail(number: str, error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    aftersale = aftersales.customer_aftersale(w, g.customer, number)
    return (
        render_template(
            "orders/aftersale.html",
            a=aftersale,
            order=aftersale.order,
            labels=STATUS_LABELS,
            kinds=KIND_LABELS,
            reasons=REASONS,
            carriers=carriers.carriers(w),
            return_status=aftersales.return_parcel_status(w, aftersale),
            parcel_labels=PARCEL_LABELS,
            warehouse=fulfilment.WAREHOUSE,
            error=error,
        ),
        status,
    )


@bp.get("/aftersales/<number>")
@customer_required
def aftersale(number: str):
    """One of the buyer's requests and where it stands."""
    return _detail(number)


@bp.post("/aftersales/<number>/return")
@customer_required
def aftersale_return(number: str):
    """The buyer sent the goods back: the carrier and the return waybill number."""
    w = current_world()
    made = aftersales.customer_aftersale(w, g.customer, number)
    try:
        aftersales.ship_return(w, made, request.form.get("carrier", ""), request.form.get("waybill_no", ""))
    except DomainError as exc:
        w.rollback()
        return _detail(number, refused(exc), exc.status)
    done(gettext("已提交退货物流信息，等待商家收货"))
    return redirect(url_for("orders.aftersale", number=number))


@bp.post("/aftersales/<number>/cancel")
@customer_required
def aftersale_cancel(number: str):
    """Withdraw the request."""
    w = current_world()
    made = aftersales.customer_aftersale(w, g.customer, number)
    try:
        aftersales.cancel_request(w, made)
    except DomainError as exc:
        w.rollback()
        return _detail(number, refused(exc), exc.status)
    done(gettext("售后申请已撤销"))
    return redirect(url_for("orders.aftersale", number=number))


@bp.get("/aftersales/<number>/images/<int:image_id>")
@customer_required
def aftersale_image(number: str, image_id: int) -> Response:
    """A photo the buyer attached to the request."""
    image = aftersales.image_of(aftersales.customer_aftersale(current_world(), g.customer, number), image_id)
    resp = Response(image.data, mimetype=image.content_type)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = IMAGE_CSP
    resp.cache_control.private = True
    return resp
