"""After-sales tables (售后): a buyer's request for a refund, with or without sending the goods back."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase

if TYPE_CHECKING:
    from sandbox.orders.models import Order


class AfterSaleKind:
    """What the buyer asks for."""

    REFUND_ONLY = "refund_only"  # 仅退款
    RETURN_REFUND = "return_refund"  # 退货退款


KIND_LABELS = {
    AfterSaleKind.REFUND_ONLY: N_("仅退款"),
    AfterSaleKind.RETURN_REFUND: N_("退货退款"),
}


class AfterSaleStatus:
    """Where a request stands; AFTERSALE_TRANSITIONS says which step may follow which."""

    REQUESTED = "requested"  # waiting for the merchant
    AWAITING_RETURN = "awaiting_return"  # the merchant wants the goods back first
    RETURNING = "returning"  # the buyer sent them (return waybill given)
    REFUNDED = "refunded"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn by the buyer


STATUS_LABELS = {
    AfterSaleStatus.REQUESTED: N_("待商家处理"),
    AfterSaleStatus.AWAITING_RETURN: N_("待买家退货"),
    AfterSaleStatus.RETURNING: N_("买家已退货，待商家收货"),
    AfterSaleStatus.REFUNDED: N_("退款成功"),
    AfterSaleStatus.REJECTED: N_("商家已拒绝"),
    AfterSaleStatus.CANCELLED: N_("买家已撤销"),
}

OPEN_STATUSES = (AfterSaleStatus.REQUESTED, AfterSaleStatus.AWAITING_RETURN, AfterSaleStatus.RETURNING)
# What the merchant has to act on (the rest waits for the buyer or is over).
SELLER_TODO = (AfterSaleStatus.REQUESTED, AfterSaleStatus.RETURNING)

TRANSITIONS = {
    AfterSaleStatus.REQUESTED: {
        AfterSaleStatus.REFUNDED,
        AfterSaleStatus.AWAITING_RETURN,
        AfterSaleStatus.REJECTED,
        AfterSaleStatus.CANCELLED,
    },
    AfterSaleStatus.AWAITING_RETURN: {AfterSaleStatus.RETURNING, AfterSaleStatus.CANCELLED},
    AfterSaleStatus.RETURNING: {AfterSaleStatus.REFUNDED, AfterSaleStatus.REJECTED},
    AfterSaleStatus.REFUNDED: set(),
    AfterSaleStatus.REJECTED: set(),
    AfterSaleStatus.CANCELLED: set(),
}

# The reasons a buyer picks from (code: msgid); the text box adds the details.
REASONS = {
    "no_longer_wanted": N_("不想要了 / 七天无理由"),
    "wrong_size": N_("尺码或规格不合适"),
    "not_as_described": N_("商品与描述不符"),
    "quality": N_("质量问题"),
    "damaged": N_("收到商品破损"),
    "missing": N_("少件 / 漏发"),
    "not_received": N_("未收到货"),
    "other": N_("其他"),
}


class AfterSale(WorldBase):
    """A buyer's after-sales request on a paid order and what the merchant made of it."""

    __tablename__ = "aftersales"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(24))  # a key of REASONS
    detail: Mapped[str] = mapped_column(String(500), default="")
    amount_fen: Mapped[int] = mapped_column(Integer)
    # The goods concerned: [{"line_id": …, "sku": …, "qty": …}] (what comes back in a return).
    lines: Mapped[list[dict]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=AfterSaleStatus.REQUESTED, index=True)
    seller_note: Mapped[str] = mapped_column(String(200), default="")  # the reason of a refusal
    return_carrier: Mapped[str] = mapped_column(String(40), default="")
    return_waybill_no: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime)

    order: Mapped[Order] = relationship()
    images: Mapped[list[AfterSaleImage]] = relationship(order_by="AfterSaleImage.id")

    @property
    def is_open(self) -> bool:
        """Whether the request is still being handled."""
        return self.status in OPEN_STATUSES

    @property
    def pieces(self) -> int:
        """Pieces the request is about."""
        return sum(int(line.get("qty", 0)) for line in self.lines)


class AfterSaleImage(WorldBase):
    """A photo the buyer attached (stored in the world, checked to be a real image)."""

    __tablename__ = "aftersale_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    aftersale_id: Mapped[int] = mapped_column(ForeignKey("aftersales.id"), index=True)
    filename: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
