"""Promotion tables (world database): coupons, 满减 rules, limited-time discounts, their use on orders.

Every promotion belongs to one shop and runs from `valid_from` to `valid_to` (world time); the merchant
may end it early (`ended_at`). Amounts are integer fen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.storefront.models import Product, Shop, Sku
from sandbox.worlds.base import WorldBase


def short_yuan(fen: int) -> str:
    """Yuan as coupons print them: 100, 99.9, 0.05 (no trailing zeros)."""
    whole, cents = divmod(int(fen), 100)
    return str(whole) if not cents else f"{whole}.{cents:02d}".rstrip("0")


class Phase:
    """Where a promotion stands on the world clock (derived, never stored)."""

    UPCOMING = "upcoming"  # 未开始
    RUNNING = "running"  # 进行中
    OVER = "over"  # 已结束 (its end passed, or the merchant ended it early)


PHASE_LABELS = {Phase.UPCOMING: N_("未开始"), Phase.RUNNING: N_("进行中"), Phase.OVER: N_("已结束")}


class PromotionKind:
    """The three kinds of promotion, as URLs and events name them."""

    COUPON = "coupon"
    FULL_REDUCTION = "full_reduction"
    TIMED_DISCOUNT = "timed_discount"


KIND_LABELS = {
    PromotionKind.COUPON: N_("优惠券"),
    PromotionKind.FULL_REDUCTION: N_("满减"),
    PromotionKind.TIMED_DISCOUNT: N_("限时折扣"),
}


class _Window:
    """A validity window with an optional early end."""

    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    @property
    def ends(self) -> datetime:
        """When the promotion stops: its end, or the moment the merchant ended it."""
        return min(self.valid_to, self.ended_at) if self.ended_at else self.valid_to

    def phase(self, now: datetime) -> str:
        """Phase at world time `now`."""
        if now >= self.ends:
            return Phase.OVER
        return Phase.UPCOMING if now < self.valid_from else Phase.RUNNING

    def running(self, now: datetime) -> bool:
        """In force at `now`."""
        return self.phase(now) == Phase.RUNNING


class Coupon(_Window, WorldBase):
    """A shop coupon (店铺优惠券): buyers claim it (领券) and use one claim on one order."""

    __tablename__ = "coupons"
    kind = PromotionKind.COUPON

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    face_fen: Mapped[int] = mapped_column(Integer)  # 面额
    # 使用门槛: goods (after limited-time prices and 满减) of at least this; 0 = 无门槛 (goods above the face).
    threshold_fen: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime] = mapped_column(DateTime)
    valid_to: Mapped[datetime] = mapped_column(DateTime)
    total: Mapped[int] = mapped_column(Integer)  # 发放总量
    per_buyer: Mapped[int] = mapped_column(Integer, default=1)  # 每人限领
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    claims: Mapped[list[CouponClaim]] = relationship(back_populates="coupon", order_by="CouponClaim.id")
    shop: Mapped[Shop] = relationship()

    @property
    def rule_label(self) -> str:
        """E.g. 满100减10, 无门槛减5 (Chinese, as coupons are printed)."""
        if self.threshold_fen:
            return f"满{short_yuan(self.threshold_fen)}减{short_yuan(self.face_fen)}"
        return f"无门槛减{short_yuan(self.face_fen)}"


class CouponClaim(WorldBase):
    """One coupon a buyer claimed; used by at most one order."""

    __tablename__ = "coupon_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime)
    used_order_no: Mapped[str | None] = mapped_column(String(24), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    coupon: Mapped[Coupon] = relationship(back_populates="claims")


class FullReduction(_Window, WorldBase):
    """满减: goods of at least a tier's amount take its amount off (the highest tier reached applies)."""

    __tablename__ = "full_reductions"
    kind = PromotionKind.FULL_REDUCTION

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    # [{"over_fen": 10000, "off_fen": 1000}, …] ascending in both amounts, at least one tier.
    tiers: Mapped[list[dict[str, int]]] = mapped_column(JSON)
    # The products it covers; empty = every product of the shop (全店).
    product_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    valid_from: Mapped[datetime] = mapped_column(DateTime)
    valid_to: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    def covers(self, product_id: int) -> bool:
        """Whether goods of this product count toward the tiers."""
        return not self.product_ids or product_id in self.product_ids

    @property
    def rule_label(self) -> str:
        """E.g. 满200减20，满300减40."""
        return "，".join(f"满{short_yuan(t['over_fen'])}减{short_yuan(t['off_fen'])}" for t in self.tiers)


class TimedDiscount(_Window, WorldBase):
    """限时折扣: a product (every variant, or one) sells at a percentage or a fixed price for a while."""

    __tablename__ = "timed_discounts"
    kind = PromotionKind.TIMED_DISCOUNT

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku_id: Mapped[int | None] = mapped_column(ForeignKey("skus.id"))  # None: every variant
    # Either a percentage of the normal price (85 = 8.5折), or a price (fen) for the one variant.
    percent: Mapped[int | None] = mapped_column(Integer)
    price_fen: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(DateTime)
    valid_to: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    product: Mapped[Product] = relationship()
    sku: Mapped[Sku | None] = relationship()

    def price_for(self, sku_id: int, normal_fen: int) -> int | None:
        """The discounted unit price of a variant (None: not covered, or no cheaper than normal)."""
        if self.sku_id is not None and self.sku_id != sku_id:
            return None
        if self.percent is not None:
            price = max(1, (normal_fen * self.percent + 50) // 100)
        else:
            price = self.price_fen or 0
        return price if 0 < price < normal_fen else None

    @property
    def rule_label(self) -> str:
        """E.g. 8.5折, or ¥59.00 (a fixed price)."""
        if self.percent is not None:
            return f"{self.percent // 10}折" if self.percent % 10 == 0 else f"{self.percent / 10:g}折"
        price = self.price_fen or 0
        return f"¥{price // 100}.{price % 100:02d}"


class OrderPromotion(WorldBase):
    """What a promotion took off one order (the order's discount itemised by promotion)."""

    __tablename__ = "order_promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(24), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # PromotionKind
    promotion_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(80))
    amount_fen: Mapped[int] = mapped_column(Integer)
