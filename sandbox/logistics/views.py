"""Logistics pages: tracking a parcel by waybill number, the carriers' price list with a fee quote."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from sandbox.binding import current_world, refused
from sandbox.errors import DomainError
from sandbox.logistics import carriers, tracking, waybills
from sandbox.logistics.models import PAYMENTS, STATUS_LABELS, ZONE_LABELS
from sandbox.parsing import query_int

bp = Blueprint("logistics", __name__, url_prefix="/logistics")

MAX_WEIGHT_QUERY = 10_000_000  # grams; the carrier's own limit is checked by the service


@bp.get("/")
def home():
    """Track a parcel by its waybill number; the carriers and their hotlines."""
    return render_template("logistics/home.html", carriers=carriers.carriers(current_world()))


@bp.get("/track")
def track():
    """A parcel's trail by waybill number (public: names and phones masked)."""
    number = (request.args.get("no") or "").strip()[:40]
    if not number:
        return render_template("logistics/track.html", number="", waybill=None, events=[])
    w = current_world()
    try:
        waybill = waybills.get_waybill(w, number)
        events = tracking.trail(w, waybill.number)
    except DomainError as exc:
        return render_template("logistics/track.html", number=number, error=refused(exc), events=[]), 404
    return render_template(
        "logistics/track.html",
        number=waybill.number,
        waybill=waybill,
        events=events,
        labels=STATUS_LABELS,
        zones=ZONE_LABELS,
        payments=PAYMENTS,
        mask=tracking.mask_name,
    )


@bp.get("/prices")
def prices():
    """Every carrier's services with first-kilogram and further-kilogram fees by zone; a quote."""
    w = current_world()
    ask = {k: (request.args.get(k) or "").strip()[:20] for k in ("carrier", "service", "from", "to")}
    result, error, status = None, None, 200
    try:
        grams = query_int("weight_g", None, low=1, high=MAX_WEIGHT_QUERY)
        if grams is not None and ask["carrier"]:
            service = carriers.get_service(carriers.get_carrier(w, ask["carrier"]), ask["service"])
            result = (service, carriers.quote(w, service, ask["from"], ask["to"], grams))
    except DomainError as exc:
        error, status = refused(exc), exc.status
    return (
        render_template(
            "logistics/prices.html",
            carriers=carriers.carriers(w),
            areas=carriers.areas(w),
            zones=ZONE_LABELS,
            ask={**ask, "weight_g": request.args.get("weight_g", "")[:12]},
            result=result,
            error=error,
        ),
        status,
    )
