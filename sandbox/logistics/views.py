"""Logistics pages: tracking a parcel by waybill number, the carriers' price list with a fee quote, and a
station's dispatch desk (车辆调度: parcels onto vehicles and routes, out for delivery, signed for)."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.logistics import carriers, dispatch, tracking, waybills
from sandbox.logistics.models import (
    DISPATCH_STATUS_LABELS,
    PAYMENTS,
    STATUS_LABELS,
    ZONE_LABELS,
    DispatchStatus,
)
from sandbox.parsing import parse_int, query_int

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


# --- dispatch desk (调度台) ----------------------------------------------------------------------------


def dispatcher_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the dispatch desk's login; sets `g.dispatcher`."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        user = dispatch.get_dispatcher(current_world(), session_world().get("dispatcher"))
        if user is None:
            return redirect(url_for("logistics.dispatch_login"))
        g.dispatcher = user
        return view(*args, **kwargs)

    return wrapper


def _desk_page(error: str | None = None, status: int = 200):  # noqa: ANN202
    w, station = current_world(), g.dispatcher.station
    busy = {r.vehicle_pk for r in dispatch.runs(w, station) if r.status != DispatchStatus.DONE}
    return (
        render_template(
            "logistics/dispatch.html",
            station=station,
            parcels=dispatch.waiting_parcels(w, station),
            runs=dispatch.runs(w, station),
            busy=busy,
            labels=STATUS_LABELS,
            run_labels=DISPATCH_STATUS_LABELS,
            form=request.form if request.method == "POST" else {},
            chosen=set(request.form.getlist("waybill")) if request.method == "POST" else set(),
            error=error,
        ),
        status,
    )


@bp.route("/dispatch/login", methods=["GET", "POST"])
def dispatch_login():
    """The dispatch desk's login."""
    if request.method != "POST":
        return render_template("logistics/dispatch_login.html")
    try:
        user = dispatch.login(
            current_world(), request.form.get("login", ""), request.form.get("password", "")
        )
    except DomainError as exc:
        page = render_template(
            "logistics/dispatch_login.html", error=refused(exc), login=request.form.get("login", "")
        )
        return page, exc.status
    set_session_world(dispatcher=user.id)
    done(gettext("登录成功"))
    return redirect(url_for("logistics.dispatch_desk"))


@bp.post("/dispatch/logout")
def dispatch_logout():
    """Leave the dispatch desk."""
    set_session_world(dispatcher=None)
    return redirect(url_for("logistics.dispatch_login"))


@bp.get("/dispatch/")
@dispatcher_required
def dispatch_desk():
    """The station's parcels waiting for delivery, its vehicles and routes, its dispatch runs."""
    return _desk_page()


def _form_id(name: str) -> int:
    return parse_int(request.form.get(name), name, low=1)


@bp.post("/dispatch/runs")
@dispatcher_required
def dispatch_create():
    """Load the chosen parcels onto a vehicle for a route."""
    w = current_world()
    try:
        run = dispatch.create_run(
            w, g.dispatcher, _form_id("vehicle"), _form_id("route"), request.form.getlist("waybill")
        )
    except DomainError as exc:
        return _desk_page(refused(exc), exc.status)
    done(gettext("派车单 %(number)s 已生成", number=run.number))
    return redirect(url_for("logistics.dispatch_run", number=run.number))


def _run_page(number: str, error: str | None = None, status: int = 200):  # noqa: ANN202
    run = dispatch.get_run(current_world(), g.dispatcher.station, number)
    return (
        render_template(
            "logistics/dispatch_run.html",
            run=run,
            labels=STATUS_LABELS,
            run_labels=DISPATCH_STATUS_LABELS,
            Status=DispatchStatus,
            mask=tracking.mask_name,
            error=error,
        ),
        status,
    )


@bp.get("/dispatch/runs/<number>")
@dispatcher_required
def dispatch_run(number: str):
    """A dispatch run: its vehicle, route and parcels; start it, then confirm each delivery."""
    return _run_page(number)


@bp.post("/dispatch/runs/<number>/start")
@dispatcher_required
def dispatch_start(number: str):
    """The vehicle leaves: its parcels are out for delivery."""
    try:
        run = dispatch.start_run(current_world(), g.dispatcher, number)
    except DomainError as exc:
        return _run_page(number, refused(exc), exc.status)
    done(gettext("派车单 %(number)s 已发车，包裹派送中", number=run.number))
    return redirect(url_for("logistics.dispatch_run", number=run.number))


@bp.post("/dispatch/runs/<number>/deliver")
@dispatcher_required
def dispatch_deliver(number: str):
    """A parcel was signed for."""
    waybill = request.form.get("waybill", "")
    try:
        dispatch.confirm_delivery(
            current_world(), g.dispatcher, number, waybill, request.form.get("signer", "")
        )
    except DomainError as exc:
        return _run_page(number, refused(exc), exc.status)
    done(gettext("运单 %(number)s 已签收", number=waybill.strip().upper()))
    return redirect(url_for("logistics.dispatch_run", number=number))


@bp.post("/dispatch/runs/<number>/fail")
@dispatcher_required
def dispatch_fail(number: str):
    """A parcel could not be delivered (疑难)."""
    waybill = request.form.get("waybill", "")
    try:
        dispatch.delivery_failed(
            current_world(), g.dispatcher, number, waybill, request.form.get("reason", "")
        )
    except DomainError as exc:
        return _run_page(number, refused(exc), exc.status)
    done(gettext("运单 %(number)s 已登记为疑难件", number=waybill.strip().upper()))
    return redirect(url_for("logistics.dispatch_run", number=number))
