"""The merchant's side of orders (订单管理): the queue, price changes, shipping in one or several
parcels with electronic waybills, cancelling, and completion when the parcels are signed for.

Every query takes the merchant's shop: another shop's order is not found (404), never refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.gateway import services as gateway
from sandbox.logistics import carriers, hooks, waybills
from sandbox.logistics.models import ParcelStatus, Waybill
from sandbox.orders import payments, promotions, refunds, stock
from sandbox.orders.aftersales_models import OPEN_STATUSES, AfterSale
from sandbox.orders.models import (
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    PriceAdjustment,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from sandbox.parsing import parse_yuan
from sandbox.storefront.models import Customer
from sandbox.worlds.world import World

# Where the world's shops send parcels from (the mall's shared warehouse), and the weight the
# warehouse puts on a piece when goods have none recorded.
WAREHOUSE = {
    "name": "优选商城华东仓",
    "phone": "0571-88001234",
    "province": "浙江省",
    "city": "杭州市",
    "district": "余杭区",
    "detail": "仓前街道文一西路1号",
}
GRAMS_PER_PIECE = 500
AUTO_CONFIRM_DAYS = 7  # after the last parcel is signed, the order completes by itself (自动确认收货)
AUTO_CONFIRM_ACTION = "orders.auto_confirm"
PAGE_SIZE = 20
MAX_REASON = 100
MAX_TOTAL_FEN = 100_000_000  # a repriced order is at most ¥1,000,000
WAYBILL_PAYMENT = "月结"  # the mall's shops are billed monthly by the carriers

# The seller's queue tabs (key: msgid), in the order the page shows them.
TABS = {
    "awaiting_payment": N_("待付款"),
    "awaiting_shipment": N_("待发货"),
    "shipped": N_("已发货"),
    "completed": N_("已完成"),
    "closed": N_("已关闭"),
    "aftersale": N_("售后中"),
}


# --- Finding orders ------------------------------------------------------------------------------


def shop_order(w: World, shop_id: int, number: str) -> Order:
    """One of the shop's orders by number; another shop's (or none) is NotFound."""
    q = select(Order).where(Order.number == str(number or "").strip()[:40], Order.shop_id == shop_id)
    order = w.db.scalars(q).first()
    if order is None:
        raise NotFound(N_("订单不存在"))
    return order


def _tab_filter(tab: str) -> list[Any]:
    if tab == "awaiting_payment":
        return [Order.status == OrderStatus.OPEN, Order.payment_status == PaymentStatus.UNPAID]
    if tab == "awaiting_shipment":
        return [
            Order.status == OrderStatus.OPEN,
            Order.payment_status == PaymentStatus.PAID,
            Order.fulfilment_status.in_((FulfilmentStatus.UNFULFILLED, FulfilmentStatus.PARTIAL)),
        ]
    if tab == "shipped":
        return [
            Order.status == OrderStatus.OPEN,
            Order.fulfilment_status.in_(
                (FulfilmentStatus.PARTIAL, FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED)
            ),
        ]
    if tab == "completed":
        return [Order.status == OrderStatus.COMPLETED]
    if tab == "closed":
        return [Order.status == OrderStatus.CLOSED]
    if tab == "aftersale":
        open_ones = select(AfterSale.order_id).where(AfterSale.status.in_(OPEN_STATUSES))
        return [Order.id.in_(open_ones)]
    return []


@dataclass
class Filters:
    """What the queue is narrowed to: a tab, placing dates, buyer, goods, and a search."""

    tab: str = ""
    date_from: date | None = None
    date_to: date | None = None
    buyer: str = ""
    product: str = ""
    q: str = ""

    @classmethod
    def parse(cls, args: Any) -> Filters:
        """Filters from a query string (bad dates are refused with a message)."""

        def day(name: str) -> date | None:
            text = str(args.get(name) or "").strip()
            if not text:
                return None
            try:
                return date.fromisoformat(text[:10])
            except ValueError:
                raise DomainError(N_("日期格式应为 YYYY-MM-DD")) from None

        def text(name: str) -> str:
            return " ".join(str(args.get(name) or "").split())[:40]

        tab = text("status")
        return cls(
            tab=tab if tab in TABS else "",
            date_from=day("from"),
            date_to=day("to"),
            buyer=text("buyer"),
            product=text("product"),
            q=text("q"),
        )

    def conditions(self) -> list[Any]:
        """SQL conditions (besides the tab)."""
        out: list[Any] = []
        if self.date_from:
            out.append(Order.placed_at >= datetime.combine(self.date_from, time.min))
        if self.date_to:
            out.append(Order.placed_at < datetime.combine(self.date_to + timedelta(days=1), time.min))
        if self.buyer:
            buyers = select(Customer.id).where(Customer.username.contains(self.buyer, autoescape=True))
            out.append(
                or_(
                    Order.customer_id.in_(buyers),
                    Order.ship_to["recipient"].as_string().contains(self.buyer, autoescape=True),
                )
            )
        if self.product:
            lines = select(OrderLine.order_id).where(
                or_(
                    OrderLine.product_name.contains(self.product, autoescape=True),
                    OrderLine.sku_code == self.product,
                )
            )
            out.append(Order.id.in_(lines))
        if self.q:
            out.append(
                or_(
                    Order.number.contains(self.q, autoescape=True),
                    Order.ship_to["recipient"].as_string().contains(self.q, autoescape=True),
                    Order.ship_to["phone"].as_string().contains(self.q, autoescape=True),
                )
            )
        return out

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for paging links)."""
        args = {
            "status": self.tab,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "buyer": self.buyer,
            "product": self.product,
            "q": self.q,
        }
        return {k: v for k, v in args.items() if v}


@dataclass
class Page:
    """One page of the queue, with the count of each tab (under the same filters)."""

    orders: list[Order]
    total: int
    page: int
    pages: int
    counts: dict[str, int] = field(default_factory=dict)


def queue(w: World, shop_id: int, filters: Filters, page: int = 1) -> Page:
    """The shop's orders, newest first, narrowed by `filters`, `PAGE_SIZE` to a page."""
    base = [Order.shop_id == shop_id, *filters.conditions()]
    counts = {
        tab: int(w.db.scalar(select(func.count(Order.id)).where(*base, *_tab_filter(tab))) or 0)
        for tab in TABS
    }
    where = [*base, *_tab_filter(filters.tab)]
    total = int(w.db.scalar(select(func.count(Order.id)).where(*where)) or 0)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    q = (
        select(Order)
        .where(*where)
        .order_by(Order.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .options(selectinload(Order.lines))
    )
    return Page(list(w.db.scalars(q)), total, page, pages, counts)


def open_aftersale(w: World, order: Order) -> AfterSale | None:
    """The order's after-sales request being handled, if any."""
    q = select(AfterSale).where(AfterSale.order_id == order.id, AfterSale.status.in_(OPEN_STATUSES))
    return w.db.scalars(q).first()


def with_open_aftersale(w: World, order_ids: set[int]) -> set[int]:
    """Which of these orders have an after-sales request being handled."""
    q = select(AfterSale.order_id).where(
        AfterSale.order_id.in_(order_ids), AfterSale.status.in_(OPEN_STATUSES)
    )
    return set(w.db.scalars(q))


def aftersales_of(w: World, order: Order) -> list[AfterSale]:
    """Every after-sales request of the order, oldest first."""
    return list(w.db.scalars(select(AfterSale).where(AfterSale.order_id == order.id).order_by(AfterSale.id)))


# --- Price changes (改价) ---------------------------------------------------------------------------


def _reason(raw: str | None, message: str) -> str:
    text = " ".join(str(raw or "").split())
    if len(text) < 2 or len(text) > MAX_REASON:
        raise DomainError(message)
    return text


def modify_price(w: World, order: Order, raw_total: str | None, reason: str | None) -> PriceAdjustment:
    """Change what an unpaid order costs (the new amount, with a reason the buyer sees).

    A payment request already signed for the old amount is made useless first: its trade is closed
    at the platform (created there and closed, if the buyer never took it to the cashier), and the
    order's next request carries a new trade number.
    """
    if order.status != OrderStatus.OPEN or order.payment_status != PaymentStatus.UNPAID:
        raise Conflict(N_("只有待付款的订单可以修改价格"))
    new_total = parse_yuan(raw_total, high_fen=MAX_TOTAL_FEN)
    if new_total is None or new_total <= 0:
        raise DomainError(N_("修改后的订单金额必须大于零"))
    text = _reason(reason, N_("请填写改价原因（2-100 个字）"))
    if new_total == order.total_fen:
        raise DomainError(N_("修改后的金额与原金额相同"))
    if order.payment_request:
        _retire_payment_request(w, order)
    adjustment = PriceAdjustment(
        order_id=order.id, before_fen=order.total_fen, after_fen=new_total, reason=text, at=w.now()
    )
    w.db.add(adjustment)
    order.adjustments.append(adjustment)
    order.adjustment_fen += new_total - order.total_fen
    order.total_fen = new_total
    w.db.flush()
    w.emit(
        "order.price_changed",
        order_no=order.number,
        before_fen=adjustment.before_fen,
        after_fen=new_total,
        reason=text,
    )
    return adjustment


def _retire_payment_request(w: World, order: Order) -> None:
    """Close the trade of the order's signed request at the platform; refuse if it was paid."""
    try:
        gateway.create_trade(w, order.payment_request or {})  # the same request: its existing trade
    except gateway.GatewayError:
        pass  # closed already, paid, or no longer readable: the query says what matters
    if payments.confirm_by_query(w, order.shop_id, order.out_trade_no):
        raise Conflict(N_("买家已付款，不能再修改价格"))
    payments.close_order_trade(w, order)  # told before the amount changes, so the notice matches
    order.payment_request = None
    order.pay_attempt += 1


# --- Shipping ------------------------------------------------------------------------------------


def _whole(raw: Any) -> int:
    """A quantity typed in a form: a whole number (blank is 0)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    text = str(raw if raw is not None else "").strip()
    if not text:
        return 0
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise DomainError(N_("发货数量必须是不小于 0 的整数"))
    return int(text)


def _parcel_lines(order: Order, quantities: dict[Any, Any] | None) -> list[tuple[OrderLine, int]]:
    """(line, pieces) for a parcel: everything left to ship, or the quantities asked per line id."""
    if quantities is None:
        chosen = [(line, line.to_ship) for line in order.lines if line.to_ship > 0]
    else:
        by_id = {str(line.id): line for line in order.lines}
        unknown = [key for key in quantities if str(key) not in by_id]
        if unknown:
            raise NotFound(N_("订单中没有这件商品"))
        chosen = []
        for key, raw in quantities.items():
            line, qty = by_id[str(key)], _whole(raw)
            if qty > line.to_ship:
                raise Conflict(
                    N_("「%(name)s」本次发货 %(qty)s 件，超过待发数量 %(left)s 件"),
                    name=line.product_name,
                    qty=qty,
                    left=line.to_ship,
                )
            if qty:
                chosen.append((line, qty))
        chosen.sort(key=lambda pair: pair[0].id)
    if not chosen:
        raise DomainError(N_("请至少选择一件要发货的商品"))
    return chosen


def _check_shippable(w: World, order: Order) -> None:
    if order.status == OrderStatus.CLOSED:
        raise Conflict(N_("订单已关闭，不能发货"))
    if order.status == OrderStatus.COMPLETED:
        raise Conflict(N_("订单已完成，不能再发货"))
    if order.payment_status != PaymentStatus.PAID:
        raise Conflict(N_("订单尚未付款，不能发货"))
    if order.fulfilment_status in (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED):
        raise Conflict(N_("订单已发货"))
    if open_aftersale(w, order) is not None:
        raise Conflict(N_("该订单有进行中的售后申请，请先处理售后"))


def receiver_of(order: Order) -> dict[str, str]:
    """The order's address as a waybill's receiver."""
    return {
        "name": order.ship_to["recipient"],
        "phone": order.ship_to["phone"],
        "province": order.ship_to["province"],
        "city": order.ship_to["city"],
        "district": order.ship_to.get("district", ""),
        "detail": order.ship_to["detail"],
    }


def ship(
    w: World,
    order: Order,
    carrier: str,
    service: str,
    quantities: dict[Any, Any] | None = None,
) -> Shipment:
    """Ship a paid order, whole or in part (`quantities`: pieces per order line id), in one parcel
    with an electronic waybill; the pieces leave the warehouse's stock."""
    _check_shippable(w, order)
    chosen = _parcel_lines(order, quantities)
    the_carrier = carriers.get_carrier(w, carrier)
    the_service = carriers.get_service(the_carrier, service)
    seq = len(order.shipments) + 1
    reference = order.number if seq == 1 else f"{order.number}-{seq}"
    pieces = sum(qty for _, qty in chosen)
    waybill = waybills.create_waybill(
        w,
        carrier_code=the_carrier.code,
        service=the_service.code,
        sender={**WAREHOUSE, "name": f"{order.shop.name}（{WAREHOUSE['name']}）"[:30]},
        receiver=receiver_of(order),
        goods="、".join(dict.fromkeys(line.product_name for line, _ in chosen))[:100],
        weight_g=pieces * GRAMS_PER_PIECE,
        parcels=1,
        payment=WAYBILL_PAYMENT,
        reference=reference,
    )
    shipment = Shipment(
        order_id=order.id,
        seq=seq,
        reference=reference,
        waybill_no=waybill.number,
        carrier_code=the_carrier.code,
        carrier_name=the_carrier.name,
        service=the_service.name,
        created_at=w.now(),
        lines=[ShipmentLine(order_line_id=line.id, quantity=qty) for line, qty in chosen],
    )
    w.db.add(shipment)
    order.shipments.append(shipment)
    for line, qty in chosen:
        stock.consume(w, line.sku_code, qty, order.number)  # the order's allocation
        line.shipped_quantity += qty
    done = all(line.to_ship == 0 for line in order.lines)
    order.fulfilment_status = FulfilmentStatus.SHIPPED if done else FulfilmentStatus.PARTIAL
    w.db.flush()
    w.emit(
        "order.shipped",
        order_no=order.number,
        carrier=the_carrier.code,
        service=the_service.code,
        waybill_no=waybill.number,
        parcel=seq,
        partial=not done,
        lines=[{"sku": line.sku_code, "qty": qty} for line, qty in chosen],
    )
    return shipment


def restock_returned(w: World, order: Order, seq: int) -> Shipment:
    """A parcel the carrier brought back (退回) is checked in: its pieces are in stock again and wait
    to be shipped anew (or the order is cancelled and refunded)."""
    shipment = next((s for s in order.shipments if s.seq == seq), None)
    if shipment is None:
        raise NotFound(N_("没有这个包裹"))
    if shipment.status != ShipmentStatus.RETURNED:
        raise Conflict(N_("只有被退回的包裹可以入库"))
    for part in shipment.lines:
        stock.receive_return(w, part.line.sku_code, part.quantity, shipment.reference)
        if order.status == OrderStatus.OPEN:  # held for the order again, to ship anew
            stock.allocate(w, part.line.sku_code, part.quantity, order.number)
            part.line.shipped_quantity -= part.quantity
    shipment.status = ShipmentStatus.RESTOCKED
    if order.status == OrderStatus.OPEN:
        shipped_any = any(line.shipped_quantity for line in order.lines)
        order.fulfilment_status = FulfilmentStatus.PARTIAL if shipped_any else FulfilmentStatus.UNFULFILLED
    w.emit("order.shipment_restocked", order_no=order.number, waybill_no=shipment.waybill_no, parcel=seq)
    return shipment


def trails(w: World, order: Order) -> list[tuple[Shipment, Waybill | None, list]]:
    """Each parcel of the order with its waybill and tracking events (newest first)."""
    out = []
    for shipment in order.shipments:
        waybill = waybills.find_waybill(w, shipment.waybill_no)
        events = sorted(waybill.trail, key=lambda ev: ev.id, reverse=True) if waybill else []
        out.append((shipment, waybill, events))
    return out


# --- Cancelling ----------------------------------------------------------------------------------


def cancel(w: World, order: Order, reason: str | None, by: str = "seller") -> Order:
    """Cancel an order that has shipped nothing: unpaid, it is closed and its trade too; paid, the
    whole amount goes back to the buyer through the platform first. Its stock is released."""
    if order.status != OrderStatus.OPEN:
        raise Conflict(N_("订单已关闭或已完成，不能取消"))
    if order.fulfilment_status != FulfilmentStatus.UNFULFILLED or order.shipments:
        raise Conflict(N_("订单已发货，不能取消；如需退款请通过售后处理"))
    if by == "buyer" and order.payment_status != PaymentStatus.UNPAID:
        raise Conflict(N_("只有待付款的订单可以取消"))
    if open_aftersale(w, order) is not None:
        raise Conflict(N_("该订单有进行中的售后申请，请先处理售后"))
    text = " ".join(str(reason or "").split())[:MAX_REASON]
    if by == "seller" and len(text) < 2:
        raise DomainError(N_("请填写取消原因（2-100 个字）"))
    for line in order.lines:
        if line.to_ship > 0:
            stock.release(w, line.sku_code, line.to_ship, order.number)
    paid = order.payment_status == PaymentStatus.PAID
    order.status = OrderStatus.CLOSED
    order.closed_at = w.now()
    order.cancel_reason = text
    w.emit("order.cancelled", order_no=order.number, by=by, reason=text, refund_fen=order.refundable_fen)
    if paid:
        refunds.refund(
            w, order, order.refundable_fen, request_no=f"SC{order.number}", reason=text or "订单取消"
        )
    else:
        payments.close_order_trade(w, order)
        promotions.release_for_order(w, order)  # the coupon it used can be used again
    return order


# --- Completion ----------------------------------------------------------------------------------


def complete(w: World, order: Order, by: str) -> Order:
    """The order is done: the buyer confirmed receipt, or the auto-confirm period passed."""
    order.fulfilment_status = FulfilmentStatus.DELIVERED
    order.status = OrderStatus.COMPLETED
    order.completed_at = w.now()
    w.emit("order.completed", order_no=order.number, by=by)
    return order


def confirm_receipt(w: World, order: Order) -> Order:
    """The buyer confirms the goods arrived (everything must have been shipped)."""
    if order.status != OrderStatus.OPEN or order.fulfilment_status not in (
        FulfilmentStatus.SHIPPED,
        FulfilmentStatus.DELIVERED,
    ):
        raise Conflict(N_("只有已发货的订单可以确认收货"))
    return complete(w, order, "buyer")


def auto_confirm(w: World, number: str) -> None:
    """The auto-confirm date came: complete the order unless the buyer did or an after-sale is open
    (then the date moves on by a day, as on Taobao)."""
    order = w.db.scalars(select(Order).where(Order.number == number)).first()
    if (
        order is None
        or order.status != OrderStatus.OPEN
        or order.fulfilment_status != FulfilmentStatus.DELIVERED
    ):
        return
    if open_aftersale(w, order) is not None:
        from sandbox.worlds.npc import schedule

        schedule(w, w.now() + timedelta(days=1), AUTO_CONFIRM_ACTION, order_no=number)
        return
    complete(w, order, "auto")


@hooks.on_parcel_status
def parcel_moved(w: World, waybill: Waybill, status: str) -> None:
    """A parcel of an order was signed for (the order is delivered once all are) or sent back."""
    shipment = w.db.scalars(select(Shipment).where(Shipment.waybill_no == waybill.number)).first()
    if shipment is None:
        return
    order = shipment.order
    if status == ParcelStatus.SIGNED:
        shipment.status, shipment.signed_at = ShipmentStatus.SIGNED, w.now()
        live = [s for s in order.shipments if s.status != ShipmentStatus.RESTOCKED]
        if (
            order.status == OrderStatus.OPEN
            and order.fulfilment_status == FulfilmentStatus.SHIPPED
            and all(s.status == ShipmentStatus.SIGNED for s in live)
        ):
            from sandbox.orders import npc  # noqa: F401 - registers the auto-confirm action
            from sandbox.worlds.npc import schedule

            order.fulfilment_status = FulfilmentStatus.DELIVERED
            order.delivered_at = w.now()
            due = w.now() + timedelta(days=AUTO_CONFIRM_DAYS)
            schedule(w, due, AUTO_CONFIRM_ACTION, order_no=order.number)
            w.emit("order.delivered", order_no=order.number, auto_confirm_at=due.isoformat(sep=" "))
    elif status == ParcelStatus.RETURNED:
        shipment.status, shipment.returned_at = ShipmentStatus.RETURNED, w.now()
        w.emit(
            "order.shipment_returned", order_no=order.number, waybill_no=waybill.number, parcel=shipment.seq
        )
