"""Orders and their lines; order, payment and fulfilment status are separate fields."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.storefront.models import Shop
from sandbox.worlds.base import WorldBase


class OrderStatus:
    """Lifecycle of the order as a whole."""

    OPEN = "open"
    COMPLETED = "completed"
    CLOSED = "closed"


class PaymentStatus:
    """Whether the order has been paid."""

    UNPAID = "unpaid"
    PAID = "paid"


class FulfilmentStatus:
    """Where the goods are."""

    UNFULFILLED = "unfulfilled"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


# The label a buyer sees, derived from the three statuses (see Order.display_status).
STATUS_LABELS = {
    "awaiting_payment": N_("待付款"),
    "awaiting_shipment": N_("待发货"),
    "shipped": N_("已发货"),
    "completed": N_("已完成"),
    "closed": N_("已关闭"),
}

# What the buyer sees in an order's history for each domain event about it.
ORDER_EVENT_LABELS = {
    "order.placed": N_("提交订单"),
    "payment.succeeded": N_("付款成功"),
    "order.shipped": N_("商家已发货"),
    "order.cancelled": N_("订单已取消"),
    "order.completed": N_("确认收货，交易完成"),
}

SHIPPING_METHODS = {
    "express": {"label": N_("普通快递"), "fee_fen": 800},
    "sf": {"label": N_("顺丰速运"), "fee_fen": 1800},
}


class Order(WorldBase):
    """A buyer's order from one shop."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.OPEN)
    payment_status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.UNPAID)
    fulfilment_status: Mapped[str] = mapped_column(String(16), default=FulfilmentStatus.UNFULFILLED)
    # The delivery address is copied: editing the address book later must not change an order.
    ship_to: Mapped[dict[str, str]] = mapped_column(JSON)
    shipping_method: Mapped[str] = mapped_column(String(16))
    shipping_fee_fen: Mapped[int] = mapped_column(Integer)
    goods_total_fen: Mapped[int] = mapped_column(Integer)
    # Promotions' discount on this order (coupons, 满减, limited-time prices), itemised on the lines.
    discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    total_fen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    placed_at: Mapped[datetime] = mapped_column(DateTime)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    paid_from_account: Mapped[str | None] = mapped_column(String(32))
    # The platform's trade for this order, and how the shop learnt it was paid (notify | query).
    trade_no: Mapped[str | None] = mapped_column(String(40))
    paid_via: Mapped[str | None] = mapped_column(String(12))
    # The signed page.pay request sent for this order, resent as is (the platform is idempotent).
    payment_request: Mapped[dict[str, str] | None] = mapped_column(JSON)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id")
    shop: Mapped[Shop] = relationship()

    @property
    def display_status(self) -> str:
        """Key into STATUS_LABELS."""
        if self.status == OrderStatus.CLOSED:
            return "closed"
        if self.status == OrderStatus.COMPLETED:
            return "completed"
        if self.payment_status == PaymentStatus.UNPAID:
            return "awaiting_payment"
        if self.fulfilment_status == FulfilmentStatus.UNFULFILLED:
            return "awaiting_shipment"
        return "shipped"

    @property
    def status_label(self) -> str:
        """Chinese label (msgid) for the buyer-facing status."""
        return STATUS_LABELS[self.display_status]


class OrderLine(WorldBase):
    """One SKU in an order, with the price the server charged."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    sku_code: Mapped[str] = mapped_column(String(30))
    product_name: Mapped[str] = mapped_column(String(120))
    options_label: Mapped[str] = mapped_column(String(120))
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    # This line's share of the order's discount (the sum over lines is Order.discount_fen).
    discount_fen: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def subtotal_fen(self) -> int:
        """Price times quantity."""
        return self.unit_price_fen * self.quantity


# The shops' side of the payment platform lives in its own module; importing it registers its tables.
from sandbox.orders import payment_models, promotion_models  # noqa: E402, F401
