"""Seller centre · 营销中心: the shop's coupons, 满减 rules and limited-time discounts; create, end early."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused
from sandbox.errors import DomainError
from sandbox.merchant.views import bp, seller_required
from sandbox.orders import promotions as promo
from sandbox.orders.promotion_models import KIND_LABELS, PHASE_LABELS, PromotionKind

PICKER = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows
FORMS = {
    PromotionKind.COUPON: "merchant/promotion_coupon.html",
    PromotionKind.FULL_REDUCTION: "merchant/promotion_full_reduction.html",
    PromotionKind.TIMED_DISCOUNT: "merchant/promotion_timed_discount.html",
}
SLUGS = {"coupons": PromotionKind.COUPON, "full-reductions": PromotionKind.FULL_REDUCTION}
SLUGS["timed-discounts"] = PromotionKind.TIMED_DISCOUNT


@bp.get("/promotions")
@seller_required
def promotions():
    """Every promotion of the shop by kind, with its phase and what it has done."""
    w = current_world()
    return render_template(
        "merchant/promotions.html",
        kinds=promo.shop_promotions(w, g.shop),
        kind_labels=KIND_LABELS,
        phases=PHASE_LABELS,
        now=w.now(),
        slugs={kind: slug for slug, kind in SLUGS.items()},
    )


def _defaults() -> dict[str, str]:
    now = current_world().now()
    end = now.replace(hour=23, minute=59, second=0, microsecond=0) + timedelta(days=7)
    return {"valid_from": now.strftime(PICKER), "valid_to": end.strftime(PICKER), "mode": "percent"}


def _create(kind: str, form: dict[str, str]):  # noqa: ANN202
    w = current_world()
    dates = {"valid_from": form.get("valid_from"), "valid_to": form.get("valid_to")}
    if kind == PromotionKind.COUPON:
        return promo.create_coupon(
            w,
            g.shop,
            name=form.get("name"),
            face=form.get("face"),
            threshold=form.get("threshold"),
            total=form.get("total"),
            per_buyer=form.get("per_buyer"),
            **dates,
        )
    if kind == PromotionKind.FULL_REDUCTION:
        rows = [(form.get(f"over_{n}"), form.get(f"off_{n}")) for n in range(1, promo.MAX_TIERS + 1)]
        return promo.create_full_reduction(
            w,
            g.shop,
            name=form.get("name"),
            tiers=rows,
            scope=form.get("scope", "all"),
            product_codes=request.form.getlist("products"),
            **dates,
        )
    return promo.create_timed_discount(
        w,
        g.shop,
        name=form.get("name"),
        product_code=form.get("product"),
        sku_code=form.get("sku"),
        mode=form.get("mode", ""),
        value=form.get("value"),
        **dates,
    )


@bp.route("/promotions/<slug>/new", methods=["GET", "POST"])
@seller_required
def promotion_new(slug: str):
    """The form of a new coupon, 满减 rule or limited-time discount; refused input is shown in it."""
    kind = SLUGS.get(slug)
    if kind is None:
        abort(404)
    w = current_world()
    products = promo.listed_products(w, g.shop)
    if request.method != "POST":
        return render_template(FORMS[kind], form=_defaults(), products=products, slug=slug, chosen=[])
    form = request.form.to_dict()
    try:
        _create(kind, form)
    except DomainError as exc:
        page = render_template(
            FORMS[kind],
            form=form,
            products=products,
            slug=slug,
            chosen=request.form.getlist("products"),
            error=refused(exc),
        )
        return page, exc.status
    done(gettext("%(kind)s已创建", kind=gettext(KIND_LABELS[kind])))
    return redirect(url_for("merchant.promotions") + f"#{slug}")


@bp.post("/promotions/<slug>/<int:promotion_id>/end")
@seller_required
def promotion_end(slug: str, promotion_id: int):
    """End a promotion early (another shop's: not found)."""
    kind = SLUGS.get(slug)
    if kind is None:
        abort(404)
    promo.end_promotion(current_world(), g.shop, kind, promotion_id)
    done(gettext("活动已结束"))
    return redirect(url_for("merchant.promotions") + f"#{slug}")
