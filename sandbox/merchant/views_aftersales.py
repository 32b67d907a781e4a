"""Seller centre · 售后服务: buyers' requests for refunds and returns; refund, refuse with a reason, ask
for the goods back and check them in when they arrive (the refund then goes out).

Everything is scoped to the signed-in shop: another shop's request is a 404.
"""

from __future__ import annotations

from flask import Response, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused
from sandbox.errors import DomainError
from sandbox.logistics.models import STATUS_LABELS as PARCEL_LABELS
from sandbox.merchant.views import bp, seller_required
from sandbox.orders import aftersales, fulfilment
from sandbox.orders.aftersales_models import KIND_LABELS, REASONS, STATUS_LABELS
from sandbox.orders.models import STATUS_LABELS as ORDER_LABELS
from sandbox.parsing import query_int
from sandbox.storefront.uploads import IMAGE_CSP


@bp.get("/aftersales", endpoint="aftersales")
@seller_required
def aftersales_list():
    """The shop's after-sales requests: to answer, waiting for the buyer's return, finished."""
    tab = (request.args.get("tab") or "").strip()
    page = aftersales.shop_list(
        current_world(), g.shop.id, tab, query_int("page", 1, low=1, high=100_000) or 1
    )
    return render_template(
        "merchant/aftersales.html",
        page=page,
        tab=tab if tab in aftersales.TABS else "",
        tabs=aftersales.TABS,
        labels=STATUS_LABELS,
        kinds=KIND_LABELS,
        reasons=REASONS,
    )


def _detail(number: str, error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    aftersale = aftersales.shop_aftersale(w, g.shop.id, number)
    return (
        render_template(
            "merchant/aftersale.html",
            a=aftersale,
            order=aftersale.order,
            parcels=fulfilment.trails(w, aftersale.order),
            return_status=aftersales.return_parcel_status(w, aftersale),
            labels=STATUS_LABELS,
            kinds=KIND_LABELS,
            reasons=REASONS,
            order_labels=ORDER_LABELS,
            parcel_labels=PARCEL_LABELS,
            now=w.now(),
            warehouse=fulfilment.WAREHOUSE,
            error=error,
        ),
        status,
    )


@bp.get("/aftersales/<number>", endpoint="aftersale_detail")
@seller_required
def aftersale_detail(number: str):
    """One request: what the buyer asks and why, the order and its parcels, what can be done."""
    return _detail(number)


def _act(number: str, action, message: str):  # noqa: ANN001, ANN202
    w = current_world()
    aftersale = aftersales.shop_aftersale(w, g.shop.id, number)
    try:
        action(w, aftersale)
    except DomainError as exc:
        w.rollback()
        return _detail(number, refused(exc), exc.status)
    done(message)
    return redirect(url_for("merchant.aftersale_detail", number=number))


@bp.post("/aftersales/<number>/approve", endpoint="aftersale_approve")
@seller_required
def aftersale_approve(number: str):
    """Agree: refund a 仅退款 at once (a 退货退款 waits for the goods)."""
    return _act(number, aftersales.approve, gettext("已同意售后申请"))


@bp.post("/aftersales/<number>/return", endpoint="aftersale_request_return")
@seller_required
def aftersale_request_return(number: str):
    """Ask the buyer to send the goods back first."""
    return _act(number, aftersales.request_return, gettext("已同意退货，等待买家寄回商品"))


@bp.post("/aftersales/<number>/received", endpoint="aftersale_received")
@seller_required
def aftersale_received(number: str):
    """The returned goods arrived: back into stock, and the refund goes out."""
    return _act(number, aftersales.confirm_return, gettext("已确认收到退货，退款已原路退回"))


@bp.post("/aftersales/<number>/reject", endpoint="aftersale_reject")
@seller_required
def aftersale_reject(number: str):
    """Refuse the request with a reason."""
    reason = request.form.get("reason", "")
    return _act(number, lambda w, a: aftersales.reject(w, a, reason), gettext("已拒绝售后申请"))


@bp.get("/aftersales/<number>/images/<int:image_id>", endpoint="aftersale_image")
@seller_required
def aftersale_image(number: str, image_id: int) -> Response:
    """A photo the buyer attached."""
    image = aftersales.image_of(aftersales.shop_aftersale(current_world(), g.shop.id, number), image_id)
    return image_response(image)


def image_response(image) -> Response:  # noqa: ANN001
    """An after-sales photo served so that no browser runs or reinterprets it."""
    resp = Response(image.data, mimetype=image.content_type)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = IMAGE_CSP
    resp.headers["Content-Disposition"] = "inline"
    resp.cache_control.private = True
    return resp
