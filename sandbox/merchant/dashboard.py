"""The seller centre's dashboard figures: today's orders and sales (world clock), what waits for the
merchant (orders to ship, after-sales to answer), goods running out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from sandbox.merchant.models import SellerAccount
from sandbox.orders import aftersales
from sandbox.orders.models import FulfilmentStatus, Order, OrderStatus, PaymentStatus
from sandbox.storefront.models import Product, Sku
from sandbox.worlds.world import World

LOW_STOCK = 5  # available pieces at or below which a SKU is shown as running out
LOW_STOCK_SHOWN = 10


@dataclass
class Board:
    """What the dashboard shows."""

    has_shop: bool
    figures: dict[str, int] = field(default_factory=dict)
    low_stock: list[Sku] = field(default_factory=list)
    day: str = ""


def board(w: World, seller: SellerAccount) -> Board:
    """The dashboard of the seller's shop (empty until there is a shop)."""
    if seller.shop_id is None:
        return Board(has_shop=False)
    shop_id = seller.shop_id
    start = datetime.combine(w.now().date(), time.min)
    end = start + timedelta(days=1)

    def count(*where: object) -> int:
        return int(w.db.scalar(select(func.count(Order.id)).where(Order.shop_id == shop_id, *where)) or 0)

    sales = w.db.scalar(
        select(func.coalesce(func.sum(Order.total_fen), 0)).where(
            Order.shop_id == shop_id, Order.paid_at >= start, Order.paid_at < end
        )
    )
    figures = {
        "orders_today": count(Order.placed_at >= start, Order.placed_at < end),
        "paid_today": count(Order.paid_at >= start, Order.paid_at < end),
        "sales_today_fen": int(sales or 0),
        "awaiting_payment": count(
            Order.status == OrderStatus.OPEN, Order.payment_status == PaymentStatus.UNPAID
        ),
        "to_ship": count(
            Order.status == OrderStatus.OPEN,
            Order.payment_status == PaymentStatus.PAID,
            Order.fulfilment_status.in_((FulfilmentStatus.UNFULFILLED, FulfilmentStatus.PARTIAL)),
        ),
        "aftersales_todo": aftersales.to_answer(w, shop_id),
    }
    q = (
        select(Sku)
        .join(Product)
        .where(Product.shop_id == shop_id, Sku.quantity - Sku.allocated <= LOW_STOCK)
        .order_by(Sku.quantity - Sku.allocated, Sku.code)
        .limit(LOW_STOCK_SHOWN)
    )
    low = list(w.db.scalars(q))
    figures["low_stock"] = len(low)
    return Board(has_shop=True, figures=figures, low_stock=low, day=f"{start:%Y-%m-%d}")
