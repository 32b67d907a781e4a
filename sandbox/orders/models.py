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
    PARTIAL = "partial"  # some goods shipped (部分发货)
    SHIPPED = "shipped"  # every piece is in a parcel
    DELIVERED = "delivered"  # every parcel signed for


class ShipmentStatus:
    """A parcel of an order: on its way, signed for, sent back (退回), or back in stock."""

    IN_TRANSIT = "in_transit"
    SIGNED = "signed"
    RETURNED = "returned"
    RESTOCKED = "restocked"


SHIPMENT_LABELS = {
    ShipmentStatus.IN_TRANSIT: N_("运输中"),
    ShipmentStatus.SIGNED: N_("已签收"),
    ShipmentStatus.RETURNED: N_("包裹被退回"),
    ShipmentStatus.RESTOCKED: N_("退回包裹已入库"),
}


# The label a buyer sees, derived from the three statuses (see Order.display_status).
STATUS_LABELS = {
    "awaiting_payment": N_("待付款"),
    "awaiting_shipment": N_("待发货"),
    "partially_shipped": N_("部分发货"),
    "shipped": N_("已发货"),
    "completed": N_("已完成"),
    "closed": N_("已关闭"),
}

# What the buyer sees in an order's history for each domain event about it.
ORDER_EVENT_LABELS = {
    "order.placed": N_("提交订单"),
    "payment.succeeded": N_("付款成功"),
    "order.price_changed": N_("商家修改了订单价格"),
    "order.shipped": N_("商家已发货"),
    "order.delivered": N_("包裹已全部签收"),
    "order.shipment_returned": N_("包裹被退回商家"),
    "order.cancelled": N_("订单已取消"),
    "order.refunded": N_("退款已原路退回"),
    "order.closed": N_("交易关闭"),
    "order.completed": N_("确认收货，交易完成"),
    "aftersale.requested": N_("申请售后"),
    "aftersale.rejected": N_("商家拒绝了售后申请"),
    "aftersale.return_requested": N_("商家同意退货，请寄回商品"),
    "aftersale.return_shipped": N_("已寄回商品"),
    "aftersale.returned": N_("商家已收到退货"),
    "aftersale.refunded": N_("售后退款成功"),
    "aftersale.cancelled": N_("撤销了售后申请"),
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
    # The merchant's price changes before payment (改价): the sum of their differences.
    adjustment_fen: Mapped[int] = mapped_column(Integer, default=0)
    # How many payment requests were superseded by a price change (the trade number then moves on).
    pay_attempt: Mapped[int] = mapped_column(Integer, default=0)
    # Money sent back through the platform (cancellation, after-sales).
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id")
    shop: Mapped[Shop] = relationship()
    shipments: Mapped[list[Shipment]] = relationship(back_populates="order", order_by="Shipment.seq")
    adjustments: Mapped[list[PriceAdjustment]] = relationship(order_by="PriceAdjustment.id")
    refunds: Mapped[list[OrderRefund]] = relationship(order_by="OrderRefund.id")

    @staticmethod
    def number_of(out_trade_no: str) -> str:
        """The order number a platform trade is for (a repriced order's trade has a suffix)."""
        return (out_trade_no or "").split("_", 1)[0]

    @property
    def out_trade_no(self) -> str:
        """The shop's number for the order's current trade at the platform."""
        return self.number if not self.pay_attempt else f"{self.number}_{self.pay_attempt}"

    @property
    def refundable_fen(self) -> int:
        """What may still go back to the buyer."""
        return self.total_fen - self.refunded_fen if self.payment_status == PaymentStatus.PAID else 0

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
        if self.fulfilment_status == FulfilmentStatus.PARTIAL:
            return "partially_shipped"
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
    # Pieces in parcels (a returned parcel put back in stock counts no more), and pieces a buyer
    # sent back in an after-sale that the merchant received.
    shipped_quantity: Mapped[int] = mapped_column(Integer, default=0)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def subtotal_fen(self) -> int:
        """Price times quantity."""
        return self.unit_price_fen * self.quantity

    @property
    def to_ship(self) -> int:
        """Pieces still waiting for a parcel."""
        return self.quantity - self.shipped_quantity


class Shipment(WorldBase):
    """One parcel of an order with its electronic waybill (an order may ship in several)."""

    __tablename__ = "order_shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2 … within the order
    # The waybill's reference: the order number for the first parcel, then <number>-2, -3 …
    reference: Mapped[str] = mapped_column(String(40))
    waybill_no: Mapped[str] = mapped_column(String(30), index=True)
    carrier_code: Mapped[str] = mapped_column(String(8))
    carrier_name: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=ShipmentStatus.IN_TRANSIT)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)

    order: Mapped[Order] = relationship(back_populates="shipments")
    lines: Mapped[list[ShipmentLine]] = relationship(order_by="ShipmentLine.id")

    @property
    def pieces(self) -> int:
        """Pieces in the parcel."""
        return sum(line.quantity for line in self.lines)


class ShipmentLine(WorldBase):
    """How many pieces of an order line went into a parcel."""

    __tablename__ = "order_shipment_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("order_shipments.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    quantity: Mapped[int] = mapped_column(Integer)

    line: Mapped[OrderLine] = relationship()


class PriceAdjustment(WorldBase):
    """The merchant changed an unpaid order's amount (改价), with the reason the buyer sees."""

    __tablename__ = "order_price_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    before_fen: Mapped[int] = mapped_column(Integer)
    after_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime)


class OrderRefund(WorldBase):
    """Money of an order sent back through the payment platform (the platform's refund request no)."""

    __tablename__ = "order_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    aftersale_id: Mapped[int | None] = mapped_column(Integer)
    out_request_no: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime)


# The shops' side of the payment platform, promotions and after-sales have their own modules of tables;
# importing `stock` registers the orders' listener of warehouse changes (the storefront's stock figures).
from sandbox.orders import aftersales_models, payment_models, promotion_models, stock  # noqa: E402, F401
