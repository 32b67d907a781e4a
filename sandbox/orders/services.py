"""Order services: place from cart, cancel, ship, confirm receipt (paying is in orders.payments)."""

from __future__ import annotations

import hashlib
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.logistics import waybills
from sandbox.orders import payments, stock
from sandbox.orders.models import (
    SHIPPING_METHODS,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
)
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
) -> list[Order]:
    """Turn the cart (or one item bought at once) into one order per shop, allocating stock; the
    server's prices always apply."""
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
    ship_to = {field: getattr(address, field) for field in storefront.ADDRESS_FIELDS}
    fee = SHIPPING_METHODS[method]["fee_fen"]
    orders = []
    for shop_id, group in groupby(
        sorted(items, key=lambda i: (i.sku.product.shop_id, i.sku.id)), key=lambda i: i.sku.product.shop_id
    ):
        group = list(group)
        lines = [
            OrderLine(
                sku_id=i.sku.id,
                sku_code=i.sku.code,
                product_name=i.sku.product.name,
                options_label=i.sku.label,
                unit_price_fen=i.sku.price_fen,
                quantity=i.quantity,
            )
            for i in group
        ]
        goods = sum(line.subtotal_fen for line in lines)
        order = Order(
            number=next_order_number(w),
            customer_id=customer.id,
            shop_id=shop_id,
            ship_to=ship_to,
            shipping_method=method,
            shipping_fee_fen=fee,
            goods_total_fen=goods,
            total_fen=goods + fee,
            note=note,
            placed_at=w.now(),
            lines=lines,
        )
        w.db.add(order)
        w.db.flush()
        for item in group:
            stock.allocate(w, item.sku.code, item.quantity, order.number)
            if direct is None:
                w.db.delete(item)
        w.emit(
            "order.placed",
            order_no=order.number,
            customer_id=customer.id,
            total_fen=order.total_fen,
            lines=[
                {"sku": ln.sku_code, "qty": ln.quantity, "unit_price_fen": ln.unit_price_fen} for ln in lines
            ],
            ship_to=ship_to,
            shipping_method=method,
        )
        orders.append(order)
    return orders


def cancel_order(w: World, customer: Customer, number: str) -> Order:
    """Close an unpaid order and release its stock."""
    order = get_order(w, customer, number)
    if order.status != OrderStatus.OPEN or order.payment_status != PaymentStatus.UNPAID:
        raise Conflict(N_("只有待付款的订单可以取消"))
    for line in order.lines:
        stock.release(w, line.sku_code, line.quantity, order.number)
    order.status = OrderStatus.CLOSED
    order.closed_at = w.now()
    w.emit("order.cancelled", order_no=order.number)
    payments.close_order_trade(w, order)
    return order


# Where the world's shops send parcels from (the mall's shared warehouse), and the weight the
# warehouse puts on a line when goods have none recorded.
WAREHOUSE = {
    "name": "优选商城华东仓",
    "phone": "0571-88001234",
    "province": "浙江省",
    "city": "杭州市",
    "district": "余杭区",
    "detail": "仓前街道文一西路1号",
}
GRAMS_PER_PIECE = 500


def ship_order(w: World, number: str, carrier: str = "SF", service: str = "standard") -> Order:
    """The merchant ships a paid order with an electronic waybill; allocated stock leaves the warehouse."""
    order = get_order(w, None, number)
    if order.status != OrderStatus.OPEN or order.payment_status != PaymentStatus.PAID:
        raise Conflict(N_("只有已付款的订单可以发货"))
    if order.fulfilment_status != FulfilmentStatus.UNFULFILLED:
        raise Conflict(N_("订单已发货"))
    pieces = sum(line.quantity for line in order.lines)
    waybill = waybills.create_waybill(
        w,
        carrier_code=carrier,
        service=service,
        sender={**WAREHOUSE, "name": f"{order.shop.name}（{WAREHOUSE['name']}）"[:40]},
        receiver={
            "name": order.ship_to["recipient"],
            "phone": order.ship_to["phone"],
            "province": order.ship_to["province"],
            "city": order.ship_to["city"],
            "district": order.ship_to.get("district", ""),
            "detail": order.ship_to["detail"],
        },
        goods="、".join(dict.fromkeys(line.product_name for line in order.lines))[:100],
        weight_g=pieces * GRAMS_PER_PIECE,
        parcels=1,
        payment="月结",
        reference=order.number,
    )
    for line in order.lines:
        stock.consume(w, line.sku_code, line.quantity, order.number)
    order.fulfilment_status = FulfilmentStatus.SHIPPED
    w.emit("order.shipped", order_no=order.number, carrier=carrier, waybill_no=waybill.number)
    return order


def confirm_receipt(w: World, customer: Customer, number: str) -> Order:
    """The buyer confirms the parcel arrived; the order completes."""
    order = get_order(w, customer, number)
    if order.status != OrderStatus.OPEN or order.fulfilment_status != FulfilmentStatus.SHIPPED:
        raise Conflict(N_("只有已发货的订单可以确认收货"))
    order.fulfilment_status = FulfilmentStatus.DELIVERED
    order.status = OrderStatus.COMPLETED
    order.completed_at = w.now()
    w.emit("order.completed", order_no=order.number)
    return order
