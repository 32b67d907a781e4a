"""Pages of the analytics domain (`/analytics/…`, 生意参谋): the shop's overview with its daily chart,
the product ranking, one product's funnel, the traffic sources, and a CSV export of each table.

The pages use the seller centre's sign-in: a session signed in to the seller centre (its session key
`seller_account`, read here without importing the seller centre, a domain of the same layer) reads the
recorded traffic of the shop that account owns, and only that shop's.

Every report takes its date range from the query: `range=7` (近7天, the default) or `range=30`
(近30天), or `start` and `end` (YYYY-MM-DD, both included); a bad or reversed range is refused with 400.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.analytics import services
from sandbox.analytics.models import SOURCE_LABELS, AnalyticsShop
from sandbox.binding import current_world, refused, session_world
from sandbox.errors import N_, DomainError

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

SELLER_SESSION_KEY = "seller_account"  # set by the seller centre's login (sandbox/merchant/views.py)
SORT_LABELS = {"visitors": N_("访客数"), "sales": N_("销售额"), "conversion": N_("转化率")}


def signed_in_shop() -> AnalyticsShop | None:
    """The recorded shop of the signed-in seller-centre account (None too when the request never
    reached a world)."""
    if "world" not in g:
        return None
    return services.shop_of_account(current_world(), session_world().get(SELLER_SESSION_KEY))


def shop_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the sign-in page; sets `g.ashop` (the AnalyticsShop)."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        shop = signed_in_shop()
        if shop is None:
            return redirect(url_for("analytics.login"))
        g.ashop = shop
        return view(*args, **kwargs)

    return wrapper


@bp.context_processor
def _labels() -> dict:
    return {
        "source_labels": SOURCE_LABELS,
        "sort_labels": SORT_LABELS,
        "ashop": g.get("ashop"),
        "fmt_rate": services.fmt_rate,
        "presets": services.PRESETS,
    }


def _range() -> services.DateRange:
    a = request.args
    return services.parse_range(current_world(), a.get("range", ""), a.get("start", ""), a.get("end", ""))


def _refused(template: str, exc: DomainError, **context):  # noqa: ANN003, ANN202
    """The report's page with the refusal and no figures."""
    a = request.args
    form = {"range": a.get("range", ""), "start": a.get("start", ""), "end": a.get("end", "")}
    page = render_template(template, error=refused(exc), rng=None, form=form, **context)
    return page, exc.status


def _form(rng: services.DateRange) -> dict[str, str]:
    return {"range": rng.preset, "start": rng.start.isoformat(), "end": rng.end.isoformat()}


@bp.get("/login")
def login():
    """Sign in with the seller centre's account (the form posts to the seller centre's login)."""
    seller_signed_in = "world" in g and session_world().get(SELLER_SESSION_KEY) is not None
    if signed_in_shop() is not None:
        return redirect(url_for("analytics.overview"))
    return render_template("analytics/login.html", seller_signed_in=seller_signed_in)


@bp.get("/")
@shop_required
def overview():
    """The shop's figures over the range (cards), the daily chart and the daily table."""
    w = current_world()
    try:
        rng = _range()
    except DomainError as exc:
        return _refused("analytics/overview.html", exc)
    days = services.daily(w, g.ashop, rng)
    chart = {
        "labels": [d.strftime("%m-%d") for d, _ in days],
        "series": [
            {"name": gettext("访客数"), "data": [t.visitors for _, t in days]},
            {"name": gettext("下单买家数"), "data": [t.buyers for _, t in days]},
        ],
    }
    services.record_view(w, g.ashop, "overview", rng)
    return render_template(
        "analytics/overview.html",
        rng=rng,
        form=_form(rng),
        total=services.totals(w, g.ashop, rng),
        days=days,
        chart=chart,
    )


@bp.get("/products")
@shop_required
def products():
    """The product ranking over the range, sorted by `sort` (visitors, sales or conversion)."""
    w = current_world()
    sort = request.args.get("sort", "visitors")
    try:
        rng = _range()
        rows = services.by_product(w, g.ashop, rng, sort)
    except DomainError as exc:
        return _refused("analytics/products.html", exc, sort="visitors")
    services.record_view(w, g.ashop, "products", rng, sort=sort)
    return render_template("analytics/products.html", rng=rng, form=_form(rng), rows=rows, sort=sort)


@bp.get("/products/<code>")
@shop_required
def product(code: str):
    """One product's funnel (访客 → 加购 → 下单) and its daily figures over the range."""
    w = current_world()
    item = services.product_of(w, g.ashop, code)
    try:
        rng = _range()
    except DomainError as exc:
        return _refused("analytics/product.html", exc, product=item)
    total = services.totals(w, g.ashop, rng, product_id=item.id)
    days = services.daily(w, g.ashop, rng, product_id=item.id)
    chart = {
        "labels": [d.strftime("%m-%d") for d, _ in days],
        "series": [
            {"name": gettext("访客数"), "data": [t.visitors for _, t in days]},
            {"name": gettext("加购人数"), "data": [t.carts for _, t in days]},
            {"name": gettext("下单买家数"), "data": [t.buyers for _, t in days]},
        ],
    }
    services.record_view(w, g.ashop, "product", rng, product=item.code)
    return render_template(
        "analytics/product.html",
        rng=rng,
        form=_form(rng),
        product=item,
        total=total,
        steps=services.funnel(total),
        days=days,
        chart=chart,
    )


@bp.get("/sources")
@shop_required
def sources():
    """Visitors, buyers and sales by traffic source over the range, with their shares (pie chart)."""
    w = current_world()
    try:
        rng = _range()
    except DomainError as exc:
        return _refused("analytics/sources.html", exc)
    rows = services.by_source(w, g.ashop, rng)
    chart = {"pie": [{"name": gettext(r.label), "value": r.totals.visitors, "share": r.share} for r in rows]}
    services.record_view(w, g.ashop, "sources", rng)
    return render_template("analytics/sources.html", rng=rng, form=_form(rng), rows=rows, chart=chart)


# --- CSV exports ------------------------------------------------------------------------------


def _csv(report: str, rng: services.DateRange, header: tuple[str, ...], rows: list[list]) -> Response:
    """A table as a CSV download (the header translated), noted as an export."""
    services.record_export(current_world(), g.ashop, report, rng, len(rows))
    name = f"analytics-{report}-{rng.start:%Y%m%d}-{rng.end:%Y%m%d}.csv"
    return Response(
        services.to_csv([gettext(h) for h in header], rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv_refused(exc: DomainError):  # noqa: ANN202
    return Response(refused(exc), status=exc.status, mimetype="text/plain")


def _day_rows(days: list) -> list[list]:
    return [
        [
            d.isoformat(),
            t.visitors,
            t.page_views,
            t.carts,
            t.buyers,
            t.orders,
            services.yuan(t.sales_fen),
            t.conversion,
        ]
        for d, t in days
    ]


DAY_HEADER = (N_("日期"), N_("访客数"), N_("浏览量"), N_("加购人数"), N_("下单买家数"), N_("订单数"))
DAY_HEADER += (N_("销售额(元)"), N_("转化率"))


@bp.get("/overview.csv")
@shop_required
def overview_csv():
    """The daily table of the overview."""
    try:
        rng = _range()
    except DomainError as exc:
        return _csv_refused(exc)
    return _csv("overview", rng, DAY_HEADER, _day_rows(services.daily(current_world(), g.ashop, rng)))


@bp.get("/products.csv")
@shop_required
def products_csv():
    """The product ranking."""
    try:
        rng = _range()
        ranked = services.by_product(current_world(), g.ashop, rng, request.args.get("sort", "visitors"))
    except DomainError as exc:
        return _csv_refused(exc)
    header = (N_("排名"), N_("商品编号"), N_("商品名称"), N_("访客数"), N_("浏览量"), N_("加购人数"))
    header += (N_("下单买家数"), N_("订单数"), N_("销售额(元)"), N_("转化率"), N_("客单价(元)"))
    rows = [
        [
            n,
            r.code,
            r.name,
            r.totals.visitors,
            r.totals.page_views,
            r.totals.carts,
            r.totals.buyers,
            r.totals.orders,
            services.yuan(r.totals.sales_fen),
            r.totals.conversion,
            "—" if r.totals.aov_fen is None else services.yuan(r.totals.aov_fen),
        ]
        for n, r in enumerate(ranked, start=1)
    ]
    return _csv("products", rng, header, rows)


@bp.get("/products/<code>.csv")
@shop_required
def product_csv(code: str):
    """One product's daily table."""
    item = services.product_of(current_world(), g.ashop, code)
    try:
        rng = _range()
    except DomainError as exc:
        return _csv_refused(exc)
    days = services.daily(current_world(), g.ashop, rng, product_id=item.id)
    return _csv(f"product-{item.code}", rng, DAY_HEADER, _day_rows(days))


@bp.get("/sources.csv")
@shop_required
def sources_csv():
    """The traffic sources table."""
    try:
        rng = _range()
    except DomainError as exc:
        return _csv_refused(exc)
    header = (N_("流量来源"), N_("访客数"), N_("访客占比"), N_("浏览量"), N_("下单买家数"), N_("销售额(元)"))
    header += (N_("转化率"),)
    rows = [
        [
            gettext(SOURCE_LABELS[r.source]),
            r.totals.visitors,
            r.share,
            r.totals.page_views,
            r.totals.buyers,
            services.yuan(r.totals.sales_fen),
            r.totals.conversion,
        ]
        for r in services.by_source(current_world(), g.ashop, rng)
    ]
    return _csv("sources", rng, header, rows)
