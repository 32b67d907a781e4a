"""Promotions (营销): shops create coupons, 满减 rules and limited-time discounts; buyers claim coupons;
checkout prices an order with them and with the goods' shipping templates.

How an order from one shop is priced (the buyer sees every step at checkout):
1. Limited-time discounts (限时折扣) lower a variant's unit price while they run; the lowest price wins.
2. 满减: the goods a rule covers (at the prices of step 1) reach a tier: its amount comes off. Of several
   rules of the shop, the one taking most off applies (they do not add up).
3. One coupon (店铺优惠券) of the shop: its threshold (门槛) is compared with the goods after steps 1 and 2;
   a coupon without threshold (无门槛) needs goods above its face. The buyer uses a coupon claimed before,
   or one still to be had, claimed as the order is placed. The best one is preselected; "none" is allowed.
4. Shipping (运费) is one parcel per order. Each template prices the goods that name it (包邮 free; 按件
   first piece + each further piece; free from a goods amount at the prices of step 1); goods without a
   template cost the mall's 普通快递 fee. The order pays the highest of these. 顺丰速运 adds its surcharge
   over 普通快递 (the difference of the mall's fees) to every parcel, free ones too.
5. 实付款 = goods at normal prices − discounts (steps 1–3) + shipping; never below ¥0.01 because a tier
   takes off less than it asks for and a coupon's threshold is above its face.

Each line's discount (OrderLine.discount_fen) is its limited-time saving plus its share of the 满减
(over the lines the rule covers) and of the coupon (over every line), shared in proportion to the line's
amount with the remainders placed so the shares add up exactly to Order.discount_fen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.orders.models import SHIPPING_METHODS, Order, OrderStatus
from sandbox.orders.promotion_models import (
    KIND_LABELS,
    Coupon,
    CouponClaim,
    FullReduction,
    OrderPromotion,
    Phase,
    PromotionKind,
    TimedDiscount,
    short_yuan,
)
from sandbox.parsing import parse_yuan
from sandbox.storefront import promo_hooks
from sandbox.storefront.models import Customer, Product, ShippingTemplate, Shop, ShopStatus, Sku
from sandbox.worlds.world import World

MAX_NAME = 40
MAX_AMOUNT_FEN = 10_000_000  # ¥100,000: no coupon, tier or price of the mall goes above it
MAX_COUPONS = 100_000
MAX_PER_BUYER = 99
MAX_TIERS = 3
MAX_DAYS = 366
BASE_METHOD = "express"  # the method a template's fee is for; others add their surcharge

MODELS = {
    PromotionKind.COUPON: Coupon,
    PromotionKind.FULL_REDUCTION: FullReduction,
    PromotionKind.TIMED_DISCOUNT: TimedDiscount,
}


def yuan(fen: int) -> str:
    """¥ amount as shown to buyers, e.g. ¥1,234.50."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


# --- reading what the merchant typed -----------------------------------------------------------


def _name(raw: str | None, default: str) -> str:
    text = (raw or "").strip() or default
    if len(text) > MAX_NAME:
        raise DomainError(N_("活动名称不能超过 %(n)s 个字"), n=MAX_NAME)
    return text


def _money(raw: str | None) -> int | None:
    """Yuan typed by the merchant as fen (None when blank)."""
    return parse_yuan(raw, high_fen=MAX_AMOUNT_FEN)


def _required_money(raw: str | None, missing: str) -> int:
    fen = _money(raw)
    if fen is None:
        raise DomainError(missing)
    return fen


def _count(raw: str | None, message: str, high: int) -> int:
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 7 or not 1 <= int(text) <= high:
        raise DomainError(message, high=high)
    return int(text)


TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def parse_when(raw: str | None, *, end: bool = False) -> datetime:
    """A time typed as 2026-03-15T09:00 (a date picker), 2026-03-15 09:00 or a date alone (a start
    date means 00:00, an end date 23:59:59)."""
    text = (raw or "").strip()
    if not text:
        raise DomainError(N_("请填写结束时间") if end else N_("请填写开始时间"))
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise DomainError(N_("时间格式不正确，请按“2026-03-15 09:00”填写")) from None
    return day + timedelta(hours=23, minutes=59, seconds=59) if end else day


def _window(w: World, raw_from: str | None, raw_to: str | None) -> tuple[datetime, datetime]:
    start, end = parse_when(raw_from), parse_when(raw_to, end=True)
    if end <= start:
        raise DomainError(N_("结束时间必须晚于开始时间"))
    if end <= w.now():
        raise DomainError(N_("结束时间必须晚于当前时间"))
    if end - start > timedelta(days=MAX_DAYS):
        raise DomainError(N_("活动时间不能超过 %(days)s 天"), days=MAX_DAYS)
    return start, end


def _shop_product(w: World, shop: Shop, code: str | None) -> Product:
    """A product of the shop by code; another shop's (or none) is not reachable."""
    product = w.db.scalars(select(Product).where(Product.code == (code or "").strip())).first()
    if product is None or product.shop_id != shop.id:
        raise NotFound(N_("商品不存在"))
    return product


# --- creating and ending promotions ------------------------------------------------------------


def create_coupon(
    w: World,
    shop: Shop,
    *,
    name: str | None,
    face: str | None,
    threshold: str | None,
    valid_from: str | None,
    valid_to: str | None,
    total: str | None,
    per_buyer: str | None,
) -> Coupon:
    """A shop coupon. The threshold must be above the face (or 0 for 无门槛): a threshold at or below
    the face would let the coupon take the whole goods amount."""
    face_fen = _required_money(face, N_("请填写优惠券面额"))
    if face_fen <= 0:
        raise DomainError(N_("优惠券面额必须大于 0"))
    threshold_fen = _money(threshold) or 0
    if threshold_fen and threshold_fen <= face_fen:
        raise DomainError(
            N_("使用门槛（¥%(threshold)s）必须高于面额（¥%(face)s）；无门槛券请填 0"),
            threshold=short_yuan(threshold_fen),
            face=short_yuan(face_fen),
        )
    start, end = _window(w, valid_from, valid_to)
    total_n = _count(total, N_("发放总量必须是 1 到 %(high)s 之间的整数"), MAX_COUPONS)
    limit = _count(per_buyer, N_("每人限领必须是 1 到 %(high)s 之间的整数"), MAX_PER_BUYER)
    if limit > total_n:
        raise DomainError(N_("每人限领张数不能超过发放总量"))
    default_name = f"满{short_yuan(threshold_fen)}减{short_yuan(face_fen)}" if threshold_fen else "无门槛券"
    coupon = Coupon(
        shop_id=shop.id,
        name=_name(name, default_name),
        face_fen=face_fen,
        threshold_fen=threshold_fen,
        valid_from=start,
        valid_to=end,
        total=total_n,
        per_buyer=limit,
        created_at=w.now(),
    )
    w.db.add(coupon)
    w.db.flush()
    w.emit(
        "coupon.created",
        shop_id=shop.id,
        coupon_id=coupon.id,
        face_fen=face_fen,
        threshold_fen=threshold_fen,
        valid_from=start.isoformat(),
        valid_to=end.isoformat(),
        total=total_n,
        per_buyer=limit,
    )
    return coupon


def parse_tiers(rows: list[tuple[str | None, str | None]]) -> list[dict[str, int]]:
    """满减 tiers from (满 yuan, 减 yuan) rows; blank rows are skipped, at least one tier, ascending."""
    tiers = []
    for n, (raw_over, raw_off) in enumerate(rows, start=1):
        if not (raw_over or "").strip() and not (raw_off or "").strip():
            continue
        over, off = _money(raw_over), _money(raw_off)
        if over is None or off is None:
            raise DomainError(N_("第 %(n)s 级：满额与减额都要填写"), n=n)
        if off <= 0:
            raise DomainError(N_("第 %(n)s 级：减额必须大于 0"), n=n)
        if off >= over:
            raise DomainError(N_("第 %(n)s 级：减额必须低于满额"), n=n)
        if tiers and (over <= tiers[-1]["over_fen"] or off <= tiers[-1]["off_fen"]):
            raise DomainError(N_("各级的满额和减额都必须逐级递增"))
        tiers.append({"over_fen": over, "off_fen": off})
    if not tiers:
        raise DomainError(N_("请至少填写一级满减优惠"))
    if len(tiers) > MAX_TIERS:
        raise DomainError(N_("满减最多 %(n)s 级"), n=MAX_TIERS)
    return tiers


def create_full_reduction(
    w: World,
    shop: Shop,
    *,
    name: str | None,
    tiers: list[tuple[str | None, str | None]],
    valid_from: str | None,
    valid_to: str | None,
    scope: str = "all",
    product_codes: list[str] | None = None,
) -> FullReduction:
    """A 满减 rule over the whole shop (`scope` "all") or over some of its products ("products")."""
    parsed = parse_tiers(tiers)
    if scope not in ("all", "products"):
        raise DomainError(N_("请选择满减的适用范围"))
    codes = [c for c in dict.fromkeys((c or "").strip() for c in product_codes or []) if c]
    if scope == "all":
        codes = []
    elif not codes:
        raise DomainError(N_("请选择参加满减的商品"))
    product_ids = [_shop_product(w, shop, code).id for code in codes]
    start, end = _window(w, valid_from, valid_to)
    rule = FullReduction(
        shop_id=shop.id,
        name=_name(name, "店铺满减"),
        tiers=parsed,
        product_ids=product_ids,
        valid_from=start,
        valid_to=end,
        created_at=w.now(),
    )
    w.db.add(rule)
    w.db.flush()
    w.emit(
        "full_reduction.created",
        shop_id=shop.id,
        rule_id=rule.id,
        tiers=parsed,
        product_ids=product_ids,
        valid_from=start.isoformat(),
        valid_to=end.isoformat(),
    )
    return rule


def parse_rate(raw: str | None) -> int:
    """A discount typed in 折 (8.5 = 85 % of the price) as a percentage from 1 to 99."""
    text = (raw or "").strip().removesuffix("折")
    try:
        tenths = float(text) * 10 if text.replace(".", "", 1).isdigit() and text.isascii() else -1
    except ValueError:  # pragma: no cover - the test above leaves only numbers
        tenths = -1
    if not 1 <= round(tenths, 6) <= 99 or round(tenths, 6) != int(round(tenths, 6)):
        raise DomainError(N_("折扣必须在 0.1 到 9.9 折之间，最多一位小数"))
    return int(round(tenths))


def create_timed_discount(
    w: World,
    shop: Shop,
    *,
    name: str | None,
    product_code: str | None,
    sku_code: str | None,
    mode: str,
    value: str | None,
    valid_from: str | None,
    valid_to: str | None,
) -> TimedDiscount:
    """A limited-time discount on a product of the shop: `mode` "percent" (value in 折, every variant or
    one) or "price" (value in yuan, for one variant, above 0 and below its normal price)."""
    product = _shop_product(w, shop, product_code)
    sku = None
    if (sku_code or "").strip():
        sku = next((s for s in product.skus if s.code == sku_code.strip()), None)
        if sku is None:
            raise NotFound(N_("商品规格不存在"))
    percent = price_fen = None
    if mode == "percent":
        percent = parse_rate(value)
    elif mode == "price":
        if sku is None:
            raise DomainError(N_("按折扣价设置时请选择具体规格"))
        price_fen = _required_money(value, N_("请填写折扣价"))
        if not 0 < price_fen < sku.price_fen:
            raise DomainError(N_("折扣价必须大于 0 且低于原价 ¥%(price)s"), price=short_yuan(sku.price_fen))
    else:
        raise DomainError(N_("请选择折扣方式"))
    start, end = _window(w, valid_from, valid_to)
    for other in w.db.scalars(select(TimedDiscount).where(TimedDiscount.product_id == product.id)):
        overlaps = other.valid_from < end and start < other.ends
        same_goods = other.sku_id is None or sku is None or other.sku_id == sku.id
        if overlaps and same_goods:
            raise Conflict(N_("该商品在这段时间已有限时折扣（%(name)s）"), name=other.name)
    discount = TimedDiscount(
        shop_id=shop.id,
        name=_name(name, "限时折扣"),
        product_id=product.id,
        sku_id=sku.id if sku else None,
        percent=percent,
        price_fen=price_fen,
        valid_from=start,
        valid_to=end,
        created_at=w.now(),
    )
    w.db.add(discount)
    w.db.flush()
    w.emit(
        "timed_discount.created",
        shop_id=shop.id,
        discount_id=discount.id,
        product_code=product.code,
        sku_code=sku.code if sku else None,
        percent=percent,
        price_fen=price_fen,
        valid_from=start.isoformat(),
        valid_to=end.isoformat(),
    )
    return discount


def get_promotion(w: World, shop: Shop, kind: str, promotion_id: int) -> Any:
    """One of the shop's promotions; another shop's (or none) is not reachable."""
    model = MODELS.get(kind)
    row = w.db.get(model, promotion_id) if model else None
    if row is None or row.shop_id != shop.id:
        raise NotFound(N_("活动不存在"))
    return row


def end_promotion(w: World, shop: Shop, kind: str, promotion_id: int) -> Any:
    """End a promotion now (a coupon claimed before can no longer be used either)."""
    row = get_promotion(w, shop, kind, promotion_id)
    if row.phase(w.now()) == Phase.OVER:
        raise Conflict(N_("活动已结束"))
    row.ended_at = w.now()
    w.emit("promotion.ended", shop_id=shop.id, kind=kind, promotion_id=row.id)
    return row


# --- the seller centre's overview ---------------------------------------------------------------


@dataclass
class Usage:
    """What a promotion has done so far."""

    claimed: int = 0
    used: int = 0
    orders: int = 0
    discount_fen: int = 0


def shop_promotions(w: World, shop: Shop) -> dict[str, list[tuple[Any, Usage]]]:
    """The shop's promotions by kind, newest first, each with its usage (orders not closed)."""
    given: dict[tuple[str, int], Usage] = {}
    q = (
        select(
            OrderPromotion.kind,
            OrderPromotion.promotion_id,
            func.count(),
            func.sum(OrderPromotion.amount_fen),
        )
        .join(Order, Order.number == OrderPromotion.order_no)
        .where(Order.shop_id == shop.id, Order.status != OrderStatus.CLOSED)
        .group_by(OrderPromotion.kind, OrderPromotion.promotion_id)
    )
    for kind, pid, n, amount in w.db.execute(q):
        given[(kind, pid)] = Usage(orders=n, discount_fen=amount or 0)
    out: dict[str, list[tuple[Any, Usage]]] = {}
    for kind, model in MODELS.items():
        rows = list(w.db.scalars(select(model).where(model.shop_id == shop.id).order_by(model.id.desc())))
        out[kind] = []
        for row in rows:
            usage = given.get((kind, row.id), Usage())
            if kind == PromotionKind.COUPON:
                usage.claimed = len(row.claims)
                usage.used = sum(1 for c in row.claims if c.used_order_no)
            out[kind].append((row, usage))
    return out


# --- buyers and coupons -------------------------------------------------------------------------


def claims_of(w: World, customer: Customer, coupon: Coupon) -> list[CouponClaim]:
    """The customer's claims of a coupon, oldest first."""
    q = select(CouponClaim).where(CouponClaim.coupon_id == coupon.id, CouponClaim.customer_id == customer.id)
    return list(w.db.scalars(q.order_by(CouponClaim.id)))


def _claimed_count(w: World, coupon: Coupon) -> int:
    return w.db.scalar(select(func.count(CouponClaim.id)).where(CouponClaim.coupon_id == coupon.id)) or 0


def claim_refusal(w: World, customer: Customer | None, coupon: Coupon) -> DomainError | None:
    """Why the customer cannot claim the coupon now (None: they can)."""
    phase = coupon.phase(w.now())
    if phase == Phase.UPCOMING:
        return Conflict(N_("优惠券还未到领取时间"))
    if phase == Phase.OVER:
        return Conflict(N_("优惠券已过期或活动已结束"))
    if _claimed_count(w, coupon) >= coupon.total:
        return Conflict(N_("优惠券已被领完"))
    if customer is not None and len(claims_of(w, customer, coupon)) >= coupon.per_buyer:
        return Conflict(N_("该优惠券每人限领 %(n)s 张，你已领满"), n=coupon.per_buyer)
    return None


def get_public_coupon(w: World, coupon_id: int) -> Coupon:
    """A coupon of a shop buyers can see (an open shop)."""
    coupon = w.db.get(Coupon, coupon_id)
    if coupon is None or w.db.get(Shop, coupon.shop_id).status != ShopStatus.OPEN:
        raise NotFound(N_("优惠券不存在"))
    return coupon


def claim_coupon(w: World, customer: Customer, coupon_id: int) -> CouponClaim:
    """领券: the buyer takes one of the coupon (stock, validity and the per-buyer limit checked)."""
    coupon = get_public_coupon(w, coupon_id)
    refusal = claim_refusal(w, customer, coupon)
    if refusal is not None:
        raise refusal
    claim = CouponClaim(coupon_id=coupon.id, customer_id=customer.id, claimed_at=w.now())
    w.db.add(claim)
    w.db.flush()
    w.emit("coupon.claimed", coupon_id=coupon.id, claim_id=claim.id, customer_id=customer.id)
    return claim


def my_coupons(w: World, customer: Customer) -> list[CouponClaim]:
    """The customer's claimed coupons, newest first."""
    q = select(CouponClaim).where(CouponClaim.customer_id == customer.id).order_by(CouponClaim.id.desc())
    return list(w.db.scalars(q))


# --- what a product page says --------------------------------------------------------------------


def _running(w: World, model: Any, shop_id: int, at: datetime) -> list[Any]:
    """The shop's promotions of a kind in force at `at` (created by then, not ended by then)."""
    q = select(model).where(
        model.shop_id == shop_id,
        model.created_at <= at,
        model.valid_from <= at,
        model.valid_to > at,
        or_(model.ended_at.is_(None), model.ended_at > at),
    )
    return list(w.db.scalars(q.order_by(model.id)))


@promo_hooks.register
def product_badges(w: World, product: Product) -> list[dict[str, Any]]:
    """The product's running promotions: its limited-time price, the 满减 covering it, the shop's coupons
    (`coupon_id` and `claimable` for each coupon, so the page can offer 领券). `tag` is a msgid."""
    now = w.now()
    badges: list[dict[str, Any]] = []
    for d in _running(w, TimedDiscount, product.shop_id, now):
        if d.product_id == product.id:
            prices = {s.code: p for s in product.skus if (p := d.price_for(s.id, s.price_fen)) is not None}
            badges.append(
                {
                    "kind": d.kind,
                    "tag": KIND_LABELS[d.kind],
                    "label": d.rule_label,
                    "detail": d.name,
                    "ends": d.ends,
                    "prices": prices,  # variant code -> limited-time price (fen)
                    "from_fen": min(prices.values()) if prices else None,
                }
            )
    for rule in _running(w, FullReduction, product.shop_id, now):
        if rule.covers(product.id):
            badges.append(
                {
                    "kind": rule.kind,
                    "tag": KIND_LABELS[rule.kind],
                    "label": rule.rule_label,
                    "detail": rule.name,
                    "ends": rule.ends,
                }
            )
    for coupon in _running(w, Coupon, product.shop_id, now):
        badges.append(
            {
                "kind": coupon.kind,
                "tag": KIND_LABELS[coupon.kind],
                "label": coupon.rule_label,
                "detail": coupon.name,
                "ends": coupon.ends,
                "coupon_id": coupon.id,
                "claimable": _claimed_count(w, coupon) < coupon.total,
            }
        )
    return badges


# --- pricing an order ----------------------------------------------------------------------------


@dataclass
class Note:
    """A line of explanation for the buyer: a msgid and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    applied: bool = True


@dataclass
class QuoteLine:
    """One line of the order as priced."""

    sku: Sku
    quantity: int
    normal_fen: int  # the variant's normal unit price
    unit_fen: int  # after a limited-time discount
    timed: TimedDiscount | None = None
    reduction_fen: int = 0  # its share of the 满减
    coupon_fen: int = 0  # its share of the coupon

    @property
    def subtotal_fen(self) -> int:
        """Normal price times quantity."""
        return self.normal_fen * self.quantity

    @property
    def charged_fen(self) -> int:
        """At the limited-time price."""
        return self.unit_fen * self.quantity

    @property
    def timed_fen(self) -> int:
        """What the limited-time price saves on the line."""
        return self.subtotal_fen - self.charged_fen

    @property
    def discount_fen(self) -> int:
        """Everything the promotions take off this line (OrderLine.discount_fen)."""
        return self.timed_fen + self.reduction_fen + self.coupon_fen

    @property
    def paid_fen(self) -> int:
        """What the buyer pays for the line's goods."""
        return self.subtotal_fen - self.discount_fen


@dataclass
class CouponOption:
    """A coupon the buyer may use on this order (held, or to be claimed as the order is placed)."""

    coupon: Coupon
    claim: CouponClaim | None
    usable: bool
    why_not: Note | None = None

    @property
    def value(self) -> str:
        """What the checkout form sends for it."""
        return f"claim-{self.claim.id}" if self.claim else f"coupon-{self.coupon.id}"

    @property
    def amount_fen(self) -> int:
        return self.coupon.face_fen if self.usable else 0


@dataclass
class Quote:
    """An order from one shop, priced: lines, promotions applied, shipping per method."""

    shop: Shop
    lines: list[QuoteLine]
    reduction: FullReduction | None = None
    reduction_fen: int = 0
    options: list[CouponOption] = field(default_factory=list)
    coupon: CouponOption | None = None
    shipping: dict[str, int] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    shipping_notes: list[Note] = field(default_factory=list)

    @property
    def goods_fen(self) -> int:
        """Goods at normal prices (Order.goods_total_fen)."""
        return sum(line.subtotal_fen for line in self.lines)

    @property
    def timed_fen(self) -> int:
        return sum(line.timed_fen for line in self.lines)

    @property
    def charged_fen(self) -> int:
        """Goods at limited-time prices."""
        return sum(line.charged_fen for line in self.lines)

    @property
    def coupon_fen(self) -> int:
        return self.coupon.amount_fen if self.coupon else 0

    @property
    def discount_fen(self) -> int:
        """Order.discount_fen: the sum of the lines' discounts."""
        return self.timed_fen + self.reduction_fen + self.coupon_fen

    @property
    def fixed_discount_fen(self) -> int:
        """The discount that does not depend on the buyer's coupon choice."""
        return self.timed_fen + self.reduction_fen

    def total_fen(self, method: str) -> int:
        """实付款 with a shipping method."""
        return self.goods_fen - self.discount_fen + self.shipping[method]


def share(amount: int, weights: list[int]) -> list[int]:
    """Split `amount` over `weights` in proportion (largest remainders, earlier lines first on ties);
    the parts add up to `amount` and none exceeds its weight when amount <= sum(weights)."""
    total = sum(weights)
    if amount <= 0 or total <= 0:
        return [0] * len(weights)
    parts = [amount * wt // total for wt in weights]
    left = amount - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def _timed_price(
    discounts: list[TimedDiscount], sku: Sku, normal_fen: int
) -> tuple[int, TimedDiscount | None]:
    best, chosen = normal_fen, None
    for d in discounts:
        if d.product_id != sku.product_id:
            continue
        price = d.price_for(sku.id, normal_fen)
        if price is not None and price < best:
            best, chosen = price, d
    return best, chosen


def _best_tier(rule: FullReduction, amount: int) -> dict[str, int] | None:
    reached = [t for t in rule.tiers if t["over_fen"] <= amount]
    return reached[-1] if reached else None


def _apply_reduction(w: World, quote: Quote, at: datetime) -> None:
    rules = _running(w, FullReduction, quote.shop.id, at)
    best: tuple[int, FullReduction, list[QuoteLine]] | None = None
    for rule in rules:
        covered = [line for line in quote.lines if rule.covers(line.sku.product_id)]
        amount = sum(line.charged_fen for line in covered)
        tier = _best_tier(rule, amount)
        if tier and (best is None or tier["off_fen"] > best[0]):
            best = (tier["off_fen"], rule, covered)
        higher = [t for t in rule.tiers if t["over_fen"] > amount]
        if higher and covered:
            quote.notes.append(
                Note(
                    N_("「%(rule)s」还差 %(short)s 可减 %(off)s"),
                    {
                        "rule": rule.name,
                        "short": yuan(higher[0]["over_fen"] - amount),
                        "off": yuan(higher[0]["off_fen"]),
                    },
                    applied=False,
                )
            )
    if best is None:
        return
    off, rule, covered = best
    quote.reduction, quote.reduction_fen = rule, off
    for line, part in zip(covered, share(off, [line.charged_fen for line in covered]), strict=True):
        line.reduction_fen = part
    quote.notes.insert(
        0,
        Note(
            N_("满减「%(rule)s」：%(tiers)s，减 %(off)s"),
            {"rule": rule.name, "tiers": rule.rule_label, "off": yuan(off)},
        ),
    )


def _coupon_refusal(coupon: Coupon, base_fen: int, at: datetime) -> Note | None:
    """Why a coupon cannot be used on goods of `base_fen` at `at` (None: it can)."""
    phase = coupon.phase(at)
    if phase == Phase.UPCOMING:
        return Note(N_("未到使用时间"), applied=False)
    if phase == Phase.OVER:
        return Note(N_("已过期"), applied=False)
    if coupon.threshold_fen and base_fen < coupon.threshold_fen:
        return Note(
            N_("还差 %(short)s 可用"), {"short": yuan(coupon.threshold_fen - base_fen)}, applied=False
        )
    if not coupon.threshold_fen and base_fen <= coupon.face_fen:
        return Note(N_("商品金额须高于券面额"), applied=False)
    return None


def _coupon_options(w: World, customer: Customer | None, quote: Quote, at: datetime) -> list[CouponOption]:
    """The buyer's unused claims of the shop's coupons, and the shop's running coupons still to be had."""
    base = quote.charged_fen - quote.reduction_fen
    options: list[CouponOption] = []
    held: set[int] = set()
    if customer is not None:
        q = (
            select(CouponClaim)
            .join(Coupon, Coupon.id == CouponClaim.coupon_id)
            .where(
                CouponClaim.customer_id == customer.id,
                CouponClaim.used_order_no.is_(None),
                Coupon.shop_id == quote.shop.id,
            )
            .order_by(CouponClaim.id)
        )
        for claim in w.db.scalars(q):
            if claim.coupon_id in held or claim.coupon.phase(at) == Phase.OVER:
                continue
            held.add(claim.coupon_id)
            why = _coupon_refusal(claim.coupon, base, at)
            options.append(CouponOption(claim.coupon, claim, why is None, why))
    for coupon in _running(w, Coupon, quote.shop.id, at):
        if coupon.id in held or claim_refusal(w, customer, coupon) is not None:
            continue
        why = _coupon_refusal(coupon, base, at)
        options.append(CouponOption(coupon, None, why is None, why))
    return options


def _best_option(options: list[CouponOption]) -> CouponOption | None:
    usable = [o for o in options if o.usable]
    if not usable:
        return None
    return min(usable, key=lambda o: (-o.amount_fen, o.claim is None, o.coupon.ends, o.coupon.id))


BEST = "best"
NONE = "none"


def _chosen_option(
    w: World, customer: Customer | None, quote: Quote, choice: str, at: datetime
) -> CouponOption | None:
    """The option the buyer chose ("claim-N", "coupon-N", "none", "best"), or why it cannot be used."""
    choice = (choice or BEST).strip()
    if choice == NONE:
        return None
    if choice == BEST:
        return _best_option(quote.options)
    kind, _, raw_id = choice.partition("-")
    if not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 18 or kind not in ("claim", "coupon"):
        raise DomainError(N_("优惠券选择无效"))
    claim = None
    if kind == "claim":
        claim = w.db.get(CouponClaim, int(raw_id))
        if claim is None or customer is None or claim.customer_id != customer.id:
            raise NotFound(N_("优惠券不存在"))
        if claim.used_order_no:
            raise Conflict(N_("该优惠券已使用"))
        coupon = claim.coupon
    else:
        coupon = w.db.get(Coupon, int(raw_id))
        if coupon is None:
            raise NotFound(N_("优惠券不存在"))
    if coupon.shop_id != quote.shop.id:
        raise Conflict(N_("该优惠券不能用于本店的订单"))
    same = next((o for o in quote.options if o.coupon.id == coupon.id), None)
    if same is None:
        phase = coupon.phase(at)
        if phase == Phase.OVER:
            raise Conflict(N_("优惠券已过期或活动已结束"))
        if phase == Phase.UPCOMING:
            raise Conflict(N_("优惠券还未到使用时间"))
        refusal = claim_refusal(w, customer, coupon)
        if refusal is not None:
            raise refusal
    elif not same.usable:
        raise Conflict(N_("该优惠券不能用于本单：%(why)s"), why=_note_text(same.why_not))
    elif claim is not None and same.claim is not claim:
        return CouponOption(coupon, claim, True)  # another claim of a coupon the buyer holds twice
    else:
        return same
    raise Conflict(N_("该优惠券不能用于本单"))  # pragma: no cover - every other case is an option above


def _note_text(note: Note | None) -> str:
    from flask_babel import gettext

    if note is None:  # pragma: no cover
        return ""
    try:
        return gettext(note.key, **note.params)
    except RuntimeError:  # outside a request (a service test): the Chinese text
        return note.key % note.params if note.params else note.key


def _template_fee(template: ShippingTemplate, pieces: int, amount: int) -> tuple[int, Note | None]:
    if template.mode == "free":
        return 0, Note(N_("「%(name)s」包邮"), {"name": template.name})
    if template.free_over_fen is not None and amount >= template.free_over_fen:
        return 0, Note(
            N_("「%(name)s」满 %(over)s 包邮"), {"name": template.name, "over": yuan(template.free_over_fen)}
        )
    fee = template.first_fen + template.extra_fen * max(0, pieces - 1)
    note = None
    if template.free_over_fen is not None:
        note = Note(
            N_("「%(name)s」还差 %(short)s 包邮"),
            {"name": template.name, "short": yuan(template.free_over_fen - amount)},
            applied=False,
        )
    return fee, note


def _shipping(w: World, quote: Quote) -> None:
    """The parcel's fee per method (see the module's rule 4)."""
    groups: dict[int | None, list[QuoteLine]] = {}
    for line in quote.lines:
        groups.setdefault(line.sku.product.shipping_template_id, []).append(line)
    base_fees = []
    for template_id, lines in groups.items():
        template = w.db.get(ShippingTemplate, template_id) if template_id is not None else None
        if template is None:
            base_fees.append(SHIPPING_METHODS[BASE_METHOD]["fee_fen"])
            continue
        fee, note = _template_fee(
            template, sum(ln.quantity for ln in lines), sum(ln.charged_fen for ln in lines)
        )
        base_fees.append(fee)
        if note is not None:
            quote.shipping_notes.append(note)
    base = max(base_fees)
    quote.shipping = {
        method: base + m["fee_fen"] - SHIPPING_METHODS[BASE_METHOD]["fee_fen"]
        for method, m in SHIPPING_METHODS.items()
    }


def quote_shop(
    w: World,
    customer: Customer | None,
    shop: Shop,
    items: list[tuple[Sku, int]],
    choice: str | None = BEST,
    *,
    at: datetime | None = None,
    prices: list[int] | None = None,
    coupon_id: int | None = None,
) -> Quote:
    """Price one shop's goods for the customer: limited-time prices, 满减, the chosen coupon, shipping.

    `items` are (variant, quantity). `choice` is the coupon: "best" (preselected), "none", "claim-N" (a
    coupon the buyer holds) or "coupon-N" (one to claim with the order); a choice that cannot be used is
    refused with the reason. To re-price a placed order, give `at` (when it was placed), `prices` (the
    normal prices it recorded) and `coupon_id` (the coupon it used, if any).
    """
    replay = at is not None
    at = at or w.now()
    normal = prices or [sku.price_fen for sku, _ in items]
    discounts = _running(w, TimedDiscount, shop.id, at)
    lines = []
    for (sku, qty), normal_fen in zip(items, normal, strict=True):
        unit, timed = _timed_price(discounts, sku, normal_fen)
        lines.append(QuoteLine(sku, qty, normal_fen, unit, timed))
    quote = Quote(shop, lines)
    for line in lines:
        if line.timed is not None:
            quote.notes.append(
                Note(
                    N_("限时折扣「%(name)s」：%(product)s %(rule)s，省 %(saved)s"),
                    {
                        "name": line.timed.name,
                        "product": line.sku.product.name,
                        "rule": line.timed.rule_label,
                        "saved": yuan(line.timed_fen),
                    },
                )
            )
    _apply_reduction(w, quote, at)
    if not replay:
        quote.options = _coupon_options(w, customer, quote, at)
        quote.coupon = _chosen_option(w, customer, quote, choice or BEST, at)
    elif coupon_id is not None:
        coupon = w.db.get(Coupon, coupon_id)
        why = _coupon_refusal(coupon, quote.charged_fen - quote.reduction_fen, at) if coupon else None
        if coupon is not None and why is None:  # a coupon its rules did not allow gives nothing
            quote.coupon = CouponOption(coupon, None, True)
    if quote.coupon is not None:
        c = quote.coupon.coupon
        base = [line.charged_fen - line.reduction_fen for line in lines]
        for line, part in zip(lines, share(c.face_fen, base), strict=True):
            line.coupon_fen = part
    # The coupon applied shows in the checkout's coupon choice (which the buyer may change).
    for option in quote.options:
        if not option.usable and option.why_not is not None:
            quote.notes.append(
                Note(
                    N_("优惠券「%(name)s」%(rule)s 不可用：%(why)s"),
                    {
                        "name": option.coupon.name,
                        "rule": option.coupon.rule_label,
                        "why": _note_text(option.why_not),
                    },
                    applied=False,
                )
            )
    _shipping(w, quote)
    return quote


def quote_items(
    w: World, customer: Customer | None, items: list[Any], choices: dict[int, str] | None = None
) -> list[Quote]:
    """Price a checkout (cart items or one item bought at once: objects with .sku and .quantity), one
    quote per shop in shop order; `choices` maps a shop id to its coupon choice (default: the best)."""
    by_shop: dict[int, list[Any]] = {}
    for item in sorted(items, key=lambda i: (i.sku.product.shop_id, i.sku.id)):
        by_shop.setdefault(item.sku.product.shop_id, []).append(item)
    return [
        quote_shop(
            w,
            customer,
            group[0].sku.product.shop,
            [(i.sku, i.quantity) for i in group],
            (choices or {}).get(shop_id, BEST),
        )
        for shop_id, group in by_shop.items()
    ]


def apply_to_order(w: World, customer: Customer, order: Order, quote: Quote) -> None:
    """Record what the promotions took off a placed order: the lines' discounts (set by the caller from
    the quote), the promotions used, and the coupon (claimed now if it was still to be had)."""
    applied: list[tuple[str, int, str, int]] = []
    timed: dict[int, int] = {}
    for line in quote.lines:
        if line.timed is not None:
            timed[line.timed.id] = timed.get(line.timed.id, 0) + line.timed_fen
    for discount_id, amount in timed.items():
        d = w.db.get(TimedDiscount, discount_id)
        applied.append((PromotionKind.TIMED_DISCOUNT, d.id, f"{d.name} {d.rule_label}", amount))
    if quote.reduction is not None:
        r = quote.reduction
        applied.append((PromotionKind.FULL_REDUCTION, r.id, f"{r.name} {r.rule_label}", quote.reduction_fen))
    if quote.coupon is not None:
        option = quote.coupon
        claim = option.claim or claim_coupon(w, customer, option.coupon.id)
        claim.used_order_no, claim.used_at = order.number, w.now()
        c = option.coupon
        applied.append((PromotionKind.COUPON, c.id, f"{c.name} {c.rule_label}", option.amount_fen))
        w.emit(
            "coupon.used",
            order_no=order.number,
            coupon_id=c.id,
            claim_id=claim.id,
            customer_id=customer.id,
            amount_fen=option.amount_fen,
        )
    for kind, pid, label, amount in applied:
        w.db.add(
            OrderPromotion(
                order_no=order.number, kind=kind, promotion_id=pid, label=label[:80], amount_fen=amount
            )
        )


def order_promotions(w: World, order_no: str) -> list[OrderPromotion]:
    """What promotions took off an order, in the order they apply."""
    rank = {PromotionKind.TIMED_DISCOUNT: 0, PromotionKind.FULL_REDUCTION: 1, PromotionKind.COUPON: 2}
    rows = w.db.scalars(
        select(OrderPromotion).where(OrderPromotion.order_no == order_no).order_by(OrderPromotion.id)
    )
    return sorted(rows, key=lambda r: rank.get(r.kind, 9))


def release_for_order(w: World, order: Order) -> None:
    """An unpaid order was cancelled: the coupon it used goes back to the buyer (usable again while it
    runs). Call it from cancelling (and closing unpaid orders); it does nothing for an order without one."""
    for claim in w.db.scalars(select(CouponClaim).where(CouponClaim.used_order_no == order.number)):
        claim.used_order_no, claim.used_at = None, None
        w.emit("coupon.returned", order_no=order.number, coupon_id=claim.coupon_id, claim_id=claim.id)


def reprice_order(w: World, order: Order) -> Quote:
    """What the rules give for a placed order: the shop's promotions in force when it was placed,
    applied to its lines at the normal prices it recorded, with the coupon it used (graders compare
    the result with Order.discount_fen and the lines' discounts)."""
    coupon_ids = [r.promotion_id for r in order_promotions(w, order.number) if r.kind == PromotionKind.COUPON]
    items = [(w.db.get(Sku, line.sku_id), line.quantity) for line in order.lines]
    prices = [line.unit_price_fen for line in order.lines]
    return quote_shop(
        w,
        None,
        order.shop,
        items,
        NONE,
        at=order.placed_at,
        prices=prices,
        coupon_id=(coupon_ids or [None])[0],
    )


def kind_label(kind: str) -> str:
    """The msgid naming a kind of promotion."""
    return KIND_LABELS[kind]


def listed_products(w: World, shop: Shop) -> list[Product]:
    """The shop's products a promotion may name (listed or not), by code."""
    return list(w.db.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.code)))
