"""Order services: place from cart, cancel, ship, confirm receipt (paying is in orders.payments, the
merchant's side in orders.fulfilment)."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from sandbox.errors import N_, DomainError, NotFound
from sandbox.orders import fulfilment, promotions, stock
from sandbox.orders.models import SHIPPING_METHODS, Order, OrderLine
from sandbox.storefront import services as storefront
from sandbox.storefront.models import Customer
from sandbox.worlds.world import World


def next_order_number(w: World) -> str:
    """Order number, 18 digits: world date, six digits particular to this world, a sequence.

    The middle part keeps one candidate's order numbers from being valid answers in another's world.
    """
    seq = (w.db.scalar(select(func.count(Order.id))) or 0) + 1
    key = w.meta().attempt_key or ""
    world_part = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % 1_000_000
    return f"{w.now():%Y%m%d}{world_part:06d}{seq:04d}"


def orders_of(w: World, customer: Customer) -> list[Order]:
    """The customer's orders, newest first."""
    q = select(Order).where(Order.customer_id == customer.id).order_by(Order.id.desc())
    return list(w.db.scalars(q.options(selectinload(Order.lines))))


def get_order(w: World, customer: Customer | None, number: str) -> Order:
    """One of the customer's orders by number; another's (or none) is NotFound."""
    q = select(Order).where(Order.number == (number or "").strip())
    if customer is not None:
        q = q.where(Order.customer_id == customer.id)
    order = w.db.scalars(q).first()
    if order is None:
        raise NotFound(N_("订单不存在"))
    return order


def place_order(
    w: World,
    customer: Customer,
    address_id: object,
    method: str,
    note: str = "",
    direct: storefront.DirectLine | None = None,
    coupons: dict[int, str] | None = None,
) -> list[Order]:
    """Turn the cart (or one item bought at once) into one order per shop, allocating stock; the
    server's prices and promotions always apply (orders.promotions: limited-time prices, 满减, the coupon
    chosen per shop in `coupons` — shop id to "claim-N" / "coupon-N" / "none", the best when absent —
    and the goods' shipping templates)."""
    items = [direct] if direct is not None else storefront.cart_items(w, customer)
    if not items:
        raise DomainError(N_("购物车是空的"))
    address = storefront.get_address(w, customer, address_id)
    if method not in SHIPPING_METHODS:
        raise DomainError(N_("请选择配送方式"))
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError(N_("订单备注不能超过200个字"))
    for item in items:
        if item.quantity > item.sku.available:
            raise DomainError(
                N_("「%(name)s」库存不足，仅剩 %(available)s 件"),
                status=409,
                name=item.sku.product.name,
                available=item.sku.available,
            )
    # Every shop's price is settled (a coupon that cannot be used is refused) before anything changes.
    quotes = promotions.quote_items(w, customer, items, coupons)
    ship_to = {field: getattr(address, field) for field in storefront.ADDRESS_FIELDS}
    orders = []
    for quote in quotes:
        lines = [
            OrderLine(
                sku_id=q.sku.id,
                sku_code=q.sku.code,
                product_name=q.sku.product.name,
                options_label=q.sku.label,
                unit_price_fen=q.normal_fen,
                quantity=q.quantity,
                discount_fen=q.discount_fen,
            )
            for q in quote.lines
        ]
        order = Order(
            number=next_order_number(w),
            customer_id=customer.id,
            shop_id=quote.shop.id,
            ship_to=ship_to,
            shipping_method=method,
            shipping_fee_fen=quote.shipping[method],
            goods_total_fen=quote.goods_fen,
            discount_fen=quote.discount_fen,
            total_fen=quote.total_fen(method),
            note=note,
            placed_at=w.now(),
            lines=lines,
        )
        w.db.add(order)
        w.db.flush()
        for q in quote.lines:
            stock.allocate(w, q.sku.code, q.quantity, order.number)
        w.emit(
            "order.placed",
            order_no=order.number,
            customer_id=customer.id,
            shop_id=order.shop_id,
            goods_total_fen=order.goods_total_fen,
            discount_fen=order.discount_fen,
            shipping_fee_fen=order.shipping_fee_fen,
            total_fen=order.total_fen,
            lines=[
                {
                    "sku": ln.sku_code,
                    "qty": ln.quantity,
                    "unit_price_fen": ln.unit_price_fen,
                    "discount_fen": ln.discount_fen,
                }
                for ln in lines
            ],
            promotions={
                "timed_fen": quote.timed_fen,
                "full_reduction_id": quote.reduction.id if quote.reduction else None,
                "full_reduction_fen": quote.reduction_fen,
                "coupon_id": quote.coupon.coupon.id if quote.coupon else None,
                "coupon_fen": quote.coupon_fen,
            },
            ship_to=ship_to,
            shipping_method=method,
        )
        promotions.apply_to_order(w, customer, order, quote)
        orders.append(order)
    if direct is None:
        for item in items:
            w.db.delete(item)
    return orders


def cancel_order(w: World, customer: Customer, number: str, reason: str = "") -> Order:
    """The buyer cancels an unpaid order: it is closed, its stock released and its trade closed."""
    return fulfilment.cancel(w, get_order(w, customer, number), reason, by="buyer")


def ship_order(w: World, number: str, carrier: str = "SF", service: str = "standard") -> Order:
    """The merchant ships everything left of a paid order in one parcel with an electronic waybill
    (the seller centre can also ship part of it: orders.fulfilment.ship)."""
    order = get_order(w, None, number)
    fulfilment.ship(w, order, carrier, service)
    return order


def confirm_receipt(w: World, customer: Customer, number: str) -> Order:
    """The buyer confirms the parcel arrived; the order completes."""
    return fulfilment.confirm_receipt(w, get_order(w, customer, number))
