"""Seller centre pages (`/seller/…`): login, the dashboard, and the shared guard of every other page.

Each part of the centre has its own module of views on this blueprint (imported at the bottom).
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import N_, DomainError
from sandbox.merchant import accounts, dashboard

bp = Blueprint("merchant", __name__, url_prefix="/seller")

# The centre's menu: (endpoint, label msgid, endpoint prefix that lights the entry). An entry shows once
# its part of the centre exists.
NAV = (
    ("merchant.home", N_("工作台"), "merchant.home"),
    ("merchant.shop", N_("店铺管理"), "merchant.shop"),
    ("merchant.goods", N_("商品管理"), "merchant.goods"),
    ("merchant.promotions", N_("营销中心"), "merchant.promotion"),
    ("merchant.orders", N_("订单管理"), "merchant.order"),
    ("merchant.aftersales", N_("售后服务"), "merchant.aftersale"),
    ("merchant.stock", N_("库存管理"), "merchant.stock"),
    ("merchant.payment", N_("支付接入"), "merchant.payment"),
)


@bp.context_processor
def _menu() -> dict:
    endpoints = current_app.view_functions
    return {"seller_nav": [entry for entry in NAV if entry[0] in endpoints]}


def seller_required(view=None, *, shop: bool = True):  # noqa: ANN001, ANN201
    """Send a visitor to the seller login; with `shop`, a merchant without an open shop to the dashboard.

    Sets `g.seller` (the SellerAccount) and `g.shop` (its Shop, or None).
    """

    def decorate(view):  # noqa: ANN001, ANN202
        @wraps(view)
        def wrapper(*args, **kwargs):  # noqa: ANN202
            seller = accounts.get_account(current_world(), session_world().get("seller_account"))
            if seller is None:
                return redirect(url_for("merchant.login", next=request.full_path))
            g.seller, g.shop = seller, seller.shop
            if shop and g.shop is None:
                done(gettext("你还没有店铺：请先申请开店（商户入驻）"), "warning")
                return redirect(url_for("merchant.home"))
            return view(*args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _safe_next(target: str | None) -> str:
    """Only a path inside the seller centre or the seller's apps beside it: marketing mail, customer
    service, analytics (no open redirect)."""
    seller_apps = ("/seller/", "/marketing/", "/service/", "/analytics/")
    if target and target.startswith(seller_apps) and not target.startswith("//"):
        return target
    return url_for("merchant.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The merchant's login."""
    if request.method != "POST":
        return render_template("merchant/login.html", next=request.args.get("next", ""))
    try:
        seller = accounts.login(
            current_world(), request.form.get("login", ""), request.form.get("password", "")
        )
    except DomainError as exc:
        page = render_template(
            "merchant/login.html",
            error=refused(exc),
            login=request.form.get("login", ""),
            next=request.form.get("next", ""),
        )
        return page, exc.status
    set_session_world(seller_account=seller.id)
    done(gettext("登录成功"))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    """Leave the seller centre."""
    set_session_world(seller_account=None)
    return redirect(url_for("merchant.login"))


@bp.get("/")
@seller_required(shop=False)
def home():
    """The dashboard: today's orders and sales, what waits for the merchant."""
    return render_template("merchant/home.html", board=dashboard.board(current_world(), g.seller))


# The centre's parts register their pages on `bp`.
from sandbox.merchant import (  # noqa: E402, F401
    views_aftersales,
    views_goods,
    views_orders,
    views_payment,
    views_promotions,
    views_shop,
    views_stock,
)
