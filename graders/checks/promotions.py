"""Checks about promotions: coupons, 满减 rules and discounts applied at checkout.

The shop graded is the merchant identity's (its seller-centre login). A validity of `valid_days` days
means: in force from the day the attempt began (no later than the promotion was created) until a time on
the day `valid_days` days after it, and not ended early.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.checks.ui import screenshot
from graders.context import GradeContext
from graders.selection import Judged, choose
from sandbox.merchant.models import SellerAccount
from sandbox.orders import promotions
from sandbox.orders.models import Order, OrderStatus
from sandbox.orders.promotion_models import Coupon, FullReduction
from sandbox.scenarios.loader import fmt_yuan
from sandbox.storefront.models import Customer, Product, ProductStatus, Shop, Sku

COUPON_WEIGHTS = {"face": 0.3, "threshold": 0.3, "total": 0.1, "per_buyer": 0.1, "validity": 0.2}
RULE_WEIGHTS = {"tiers": 0.7, "scope": 0.15, "validity": 0.15}


def _shop(ctx: GradeContext, role: str = "merchant") -> Shop | None:
    """The shop of the identity with this role (its seller-centre login), if it has one."""
    ident = next((i for i in ctx.identities if i["role"] == role), None)
    if ident is None:
        return None
    q = select(SellerAccount).where(SellerAccount.login == ident.get("shop_login", ""))
    seller = ctx.world.db.scalars(q).first()
    return seller.shop if seller is not None else None


def _y(fen: int) -> str:
    return f"¥{fmt_yuan(fen)}"


def _validity_faults(ctx: GradeContext, promo: Any, valid_days: int | None) -> list[str]:
    """What is wrong with a promotion's period for a task asking `valid_days` days from today."""
    if valid_days is None:
        return []
    faults = []
    today = ctx.world.meta().epoch.date()
    end_day = today + timedelta(days=int(valid_days))
    if promo.valid_from > promo.created_at or promo.valid_from.date() != today:
        faults.append(f"开始时间 {promo.valid_from:%Y-%m-%d %H:%M} 应为今天（{today}）且不晚于创建时间")
    if promo.valid_to.date() != end_day:
        faults.append(f"结束时间 {promo.valid_to:%Y-%m-%d %H:%M} 应在 {end_day}（{valid_days} 天后）")
    if promo.ended_at is not None:
        faults.append(f"已于 {promo.ended_at:%Y-%m-%d %H:%M} 提前结束")
    return faults


def _coupon_line(c: Coupon) -> str:
    return (
        f"#{c.id}「{c.name}」面额 {_y(c.face_fen)}，门槛 {_y(c.threshold_fen) if c.threshold_fen else '无'}，"
        f"{c.total} 张，每人限领 {c.per_buyer} 张，{c.valid_from:%Y-%m-%d %H:%M} 至 {c.ends:%Y-%m-%d %H:%M}"
    )


@check("state", "promotions.coupon_matches", sets=("coupon_id",))
def coupon_matches(
    ctx: GradeContext,
    face_fen: int,
    threshold_fen: int,
    total: int | None = None,
    per_buyer: int | None = None,
    valid_days: int | None = None,
) -> CheckResult:
    """The merchant's shop has a coupon with the given face and threshold (fen), quantity (`total`),
    per-buyer limit and validity (`valid_days`, see the module). The best of the shop's coupons is graded;
    it earns the share of what is right: face 30 %, threshold 30 %, quantity 10 %, limit 10 %, validity
    20 % (arguments not given count as right). Sets `coupon_id`."""
    shop = _shop(ctx)
    if shop is None:
        return CheckResult.failed("商户身份没有店铺")
    coupons = list(ctx.world.db.scalars(select(Coupon).where(Coupon.shop_id == shop.id).order_by(Coupon.id)))
    if not coupons:
        return CheckResult.failed("店铺没有创建优惠券")
    judged = []
    for c in coupons:
        faults: dict[str, str] = {}
        if c.face_fen != int(face_fen):
            faults["face"] = f"面额 {_y(c.face_fen)}，应为 {_y(int(face_fen))}"
        if c.threshold_fen != int(threshold_fen):
            faults["threshold"] = f"门槛 {_y(c.threshold_fen)}，应为 {_y(int(threshold_fen))}"
        if total is not None and c.total != int(total):
            faults["total"] = f"发放 {c.total} 张，应为 {int(total)} 张"
        if per_buyer is not None and c.per_buyer != int(per_buyer):
            faults["per_buyer"] = f"每人限领 {c.per_buyer} 张，应为 {int(per_buyer)} 张"
        period = _validity_faults(ctx, c, valid_days)
        if period:
            faults["validity"] = "；".join(period)
        fraction = round(sum(w for k, w in COUPON_WEIGHTS.items() if k not in faults), 4)
        judged.append(Judged(c, fraction, list(faults.values()), _coupon_line(c)))
    choice = choose(judged)
    evidence = choice.evidence("优惠券")
    if choice.chosen is None:
        return CheckResult(0.0, "店铺的优惠券都不符合要求", evidence)
    ctx.facts["coupon_id"] = choice.chosen.obj.id
    if not choice.chosen.faults:
        return CheckResult(1.0, f"优惠券符合要求：{choice.chosen.label}", evidence)
    return CheckResult(choice.chosen.fraction, "优惠券部分正确：" + "；".join(choice.chosen.faults), evidence)


def _tier_key(t: dict[str, Any]) -> tuple[int, int]:
    return int(t["over_fen"]), int(t["off_fen"])


@check("state", "promotions.full_reduction_matches", sets=("full_reduction_id",))
def full_reduction_matches(
    ctx: GradeContext, tiers: list[dict[str, int]], scope: str = "all", valid_days: int | None = None
) -> CheckResult:
    """The merchant's shop has a 满减 rule with the given tiers ([{over_fen, off_fen}, …]), over the whole
    shop (`scope: all`) and with the validity `valid_days`. The best rule is graded: tiers 70 % (in
    proportion to the tiers right, of the more numerous of asked and made), scope 15 %, validity 15 %.
    Sets `full_reduction_id`."""
    shop = _shop(ctx)
    if shop is None:
        return CheckResult.failed("商户身份没有店铺")
    rules = list(
        ctx.world.db.scalars(
            select(FullReduction).where(FullReduction.shop_id == shop.id).order_by(FullReduction.id)
        )
    )
    if not rules:
        return CheckResult.failed("店铺没有创建满减活动")
    wanted = {_tier_key(t) for t in tiers}
    judged = []
    for rule in rules:
        made = {_tier_key(t) for t in rule.tiers}
        right = len(wanted & made) / max(len(wanted), len(made))
        faults = []
        if right < 1:
            want = "，".join(f"满{_y(o)}减{_y(f)}" for o, f in sorted(wanted))
            faults.append(f"规则为 {rule.rule_label}，应为 {want}")
        scope_ok = scope != "all" or not rule.product_ids
        if not scope_ok:
            faults.append(f"只适用于 {len(rule.product_ids)} 件商品，应为全店商品")
        period = _validity_faults(ctx, rule, valid_days)
        faults += period
        fraction = RULE_WEIGHTS["tiers"] * right + RULE_WEIGHTS["scope"] * scope_ok
        fraction += RULE_WEIGHTS["validity"] * (not period)
        label = f"#{rule.id}「{rule.name}」{rule.rule_label}（{rule.valid_from:%Y-%m-%d %H:%M} 至 {rule.ends:%Y-%m-%d %H:%M}）"
        judged.append(Judged(rule, round(fraction, 4), faults, label))
    choice = choose(judged)
    evidence = choice.evidence("满减活动")
    if choice.chosen is None:
        return CheckResult(0.0, "店铺的满减活动都不符合要求", evidence)
    ctx.facts["full_reduction_id"] = choice.chosen.obj.id
    if not choice.chosen.faults:
        return CheckResult(1.0, f"满减活动符合要求：{choice.chosen.label}", evidence)
    return CheckResult(
        choice.chosen.fraction, "满减活动部分正确：" + "；".join(choice.chosen.faults), evidence
    )


@check("state", "promotions.order_discount_right", sets=("order_no",))
def order_discount_right(ctx: GradeContext, min_discount_fen: int = 1) -> CheckResult:
    """A live order of a member the candidate registered has a discount of at least `min_discount_fen`,
    and it is what the promotions in force when it was placed give (re-priced from the shops' rules:
    limited-time prices, the best 满减, the coupon it used), on the order and line by line."""
    q = (
        select(Order)
        .join(Customer, Customer.id == Order.customer_id)
        .where(Customer.by_candidate, Order.status != OrderStatus.CLOSED)
        .order_by(Order.id)
    )
    orders = list(ctx.world.db.scalars(q))
    if not orders:
        return CheckResult.failed("考生没有有效订单")
    judged = []
    for order in orders:
        quote = promotions.reprice_order(ctx.world, order)
        faults = []
        if order.discount_fen < int(min_discount_fen):
            faults.append(f"优惠 {_y(order.discount_fen)}，应至少 {_y(int(min_discount_fen))}")
        if quote.discount_fen != order.discount_fen:
            faults.append(f"订单优惠 {_y(order.discount_fen)}，按活动规则应为 {_y(quote.discount_fen)}")
        elif [q.discount_fen for q in quote.lines] != [line.discount_fen for line in order.lines]:
            faults.append("各商品分摊的优惠与规则不符")
        label = f"订单 {order.number}（商品 {_y(order.goods_total_fen)}，优惠 {_y(order.discount_fen)}）"
        judged.append(Judged(order, 0.0 if faults else 1.0, faults, label))
    choice = choose(judged, rank=lambda o: -o.discount_fen)
    evidence = choice.evidence("订单")
    if choice.chosen is None:
        return CheckResult(0.0, "没有优惠金额符合活动规则的订单", evidence)
    ctx.facts["order_no"] = choice.chosen.obj.number
    return CheckResult(1.0, f"{choice.chosen.label} 的优惠符合活动规则", evidence)


def _amount(text: str) -> int | None:
    """Fen from a shown amount such as −¥1,234.50."""
    match = re.search(r"([0-9][0-9,]*)\.([0-9]{2})", text or "")
    return int(match.group(1).replace(",", "")) * 100 + int(match.group(2)) if match else None


def _basket(ctx: GradeContext, shop: Shop, customer: Customer, target_fen: int) -> tuple[Sku, int] | None:
    """The shop's dearest listed variant in stock, and how many of them reach `target_fen` at the prices
    the buyer gets (limited-time prices included)."""
    q = (
        select(Sku)
        .join(Sku.product)
        .where(Product.shop_id == shop.id, Product.status == ProductStatus.LISTED)
        .order_by(Sku.price_fen.desc(), Sku.id)
    )
    for sku in ctx.world.db.scalars(q):
        if sku.available <= 0:
            continue
        qty = max(1, math.ceil(target_fen / sku.price_fen))
        while qty <= sku.available:
            quote = promotions.quote_shop(ctx.world, customer, shop, [(sku, qty)], "none")
            if quote.charged_fen >= target_fen:
                return sku, qty
            qty += 1
    return None


@check("ui", "promotions.checkout_shows_discount", sets=("customer_id",))
def checkout_shows_discount(
    ctx: GradeContext, tiers: list[dict[str, int]], coupon_face_fen: int, coupon_threshold_fen: int
) -> CheckResult:
    """A shopper (an NPC member, in the grader's own browser session on a read-only copy of the world:
    nothing is bought) puts enough of the merchant's goods in a 立即购买 checkout to reach the task's top
    满减 tier and the coupon's threshold after it, and sees both applied on the checkout page: the tier's
    amount off and the coupon preselected. Half for each. The shopper is the member an earlier item found
    (`order_customer_id` or `customer_id`) if any, else the first NPC member; sets `customer_id`."""
    shop = _shop(ctx)
    if shop is None:
        return CheckResult.failed("商户身份没有店铺")
    top = max(tiers, key=lambda t: int(t["over_fen"]))
    off, over = int(top["off_fen"]), int(top["over_fen"])
    target = max(over, int(coupon_threshold_fen) + off)
    # The grader's browser is signed in as the member an earlier item found, else as an NPC member.
    known = ctx.facts.get("order_customer_id") or ctx.facts.get("customer_id")
    q = select(Customer).where(Customer.by_candidate.is_(False)).order_by(Customer.id)
    customer = ctx.world.db.get(Customer, known) if known else ctx.world.db.scalars(q).first()
    basket = _basket(ctx, shop, customer, target) if customer else None
    if basket is None:
        return CheckResult.failed("店铺没有可购买的在售商品，买家无法下单")
    sku, qty = basket
    ctx.facts["customer_id"] = customer.id
    page = ctx.ui.open(f"/shop/checkout?sku={sku.code}&qty={qty}")
    card = page.locator(f'[data-shop-order][data-shop="{shop.id}"]')
    if card.count() == 0:
        return CheckResult.failed("结算页没有显示本店的订单", screenshot(ctx, "checkout"))
    shown_reduction = card.locator('[data-role="reduction"]')
    reduction = _amount(shown_reduction.inner_text()) if shown_reduction.count() else None
    select_box = card.locator('select[data-role="coupon"]')
    chosen = select_box.locator("option:checked")
    coupon = int(chosen.get_attribute("data-amount") or 0) if chosen.count() else 0
    coupon_text = chosen.inner_text().strip() if chosen.count() else ""
    totals = page.locator('[data-role="payable"]').inner_text().strip()
    evidence = [
        text_evidence("买家结算", f"{sku.product.name}（{sku.label}）× {qty}"),
        text_evidence("结算页满减", _y(reduction) if reduction is not None else "（未显示满减）"),
        text_evidence("结算页优惠券", coupon_text or "（无）"),
        text_evidence("结算页实付款", totals),
        screenshot(ctx, "checkout-discount", card),
    ]
    parts = []
    fraction = 0.0
    if reduction == off:
        fraction += 0.5
    else:
        parts.append(f"满减应减 {_y(off)}，页面显示 {_y(reduction) if reduction is not None else '无满减'}")
    if coupon == int(coupon_face_fen):
        fraction += 0.5
    else:
        parts.append(f"应自动选用面额 {_y(int(coupon_face_fen))} 的优惠券，页面为“{coupon_text or '无'}”")
    if fraction == 1.0:
        return CheckResult(1.0, f"买家结算时看到满减 {_y(off)} 和优惠券 {_y(coupon)} 已生效", evidence)
    return CheckResult(fraction, "；".join(parts), evidence)
