"""After-sales (售后): a buyer asks for a refund (仅退款) or to send goods back for one (退货退款);
the merchant refunds at once, refuses with a reason, or asks for the goods back, checks them in when
they arrive (back into stock) and refunds. Money goes back through the payment platform.

requested → refunded | awaiting_return | rejected | cancelled; awaiting_return → returning (the buyer
gave the return waybill) | cancelled; returning → refunded | rejected. Anything else is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.logistics import waybills
from sandbox.logistics.models import ParcelStatus
from sandbox.orders import fulfilment, refunds, stock
from sandbox.orders.aftersales_models import (
    KIND_LABELS,
    OPEN_STATUSES,
    REASONS,
    SELLER_TODO,
    STATUS_LABELS,
    TRANSITIONS,
    AfterSale,
    AfterSaleImage,
    AfterSaleKind,
    AfterSaleStatus,
)
from sandbox.orders.models import Order, OrderLine, OrderStatus, PaymentStatus
from sandbox.parsing import parse_yuan
from sandbox.storefront.models import Customer
from sandbox.storefront.uploads import check_image
from sandbox.worlds.world import World

MAX_IMAGES = 3
MAX_DETAIL = 500
MAX_NOTE = 100
AFTERSALE_DAYS = 15  # after an order completes, after-sales may still be asked for this long
PAGE_SIZE = 20
_WAYBILL_NO = re.compile(r"[A-Za-z0-9]{6,24}")

# The seller's tabs (key: msgid).
TABS = {
    "todo": N_("待处理"),
    "awaiting_return": N_("待买家退货"),
    "done": N_("已结束"),
}


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _move(aftersale: AfterSale, to: str, w: World) -> None:
    """Change the request's status, refusing an illegal step."""
    if to not in TRANSITIONS[aftersale.status]:
        raise Conflict(
            N_("售后申请当前为“%(current)s”，不能进行此操作"),
            current=STATUS_LABELS[aftersale.status],
        )
    aftersale.status = to
    aftersale.updated_at = w.now()


# --- The buyer's side ------------------------------------------------------------------------------


def _check_eligible(w: World, order: Order) -> None:
    if order.payment_status != PaymentStatus.PAID or order.status == OrderStatus.CLOSED:
        raise Conflict(N_("只有已付款且未关闭的订单可以申请售后"))
    if order.status == OrderStatus.COMPLETED and order.completed_at is not None:
        if w.now() > order.completed_at + timedelta(days=AFTERSALE_DAYS):
            raise Conflict(N_("交易完成已超过 %(days)s 天，不能再申请售后"), days=AFTERSALE_DAYS)
    if fulfilment.open_aftersale(w, order) is not None:
        raise Conflict(N_("该订单已有进行中的售后申请"))
    if order.refundable_fen <= 0:
        raise Conflict(N_("该订单已全额退款"))


def _returnable(line: OrderLine) -> int:
    return line.shipped_quantity - line.returned_quantity


def _lines(order: Order, kind: str, quantities: dict[Any, Any] | None) -> list[dict[str, Any]]:
    """The goods concerned: given per line id, or by default everything (that can come back)."""
    by_id = {str(line.id): line for line in order.lines}
    limit = _returnable if kind == AfterSaleKind.RETURN_REFUND else (lambda line: line.quantity)
    if quantities is None:
        chosen = {str(line.id): limit(line) for line in order.lines}
    else:
        if any(str(key) not in by_id for key in quantities):
            raise NotFound(N_("订单中没有这件商品"))
        chosen = {str(key): fulfilment._whole(raw) for key, raw in quantities.items()}
    out = []
    for key, qty in chosen.items():
        line = by_id[key]
        if qty > limit(line):
            raise DomainError(
                N_("「%(name)s」最多可申请 %(max)s 件"),
                name=line.product_name,
                max=limit(line),
            )
        if qty:
            out.append({"line_id": line.id, "sku": line.sku_code, "name": line.product_name, "qty": qty})
    if not out:
        if kind == AfterSaleKind.RETURN_REFUND:
            raise Conflict(N_("没有已发货、可退回的商品；未发货的订单请申请仅退款"))
        raise DomainError(N_("请选择申请售后的商品"))
    return sorted(out, key=lambda item: item["line_id"])


def _next_number(w: World) -> str:
    seq = (w.db.scalar(select(func.count(AfterSale.id))) or 0) + 1
    return f"AS{w.now():%Y%m%d}{seq:06d}"


def request(
    w: World,
    order: Order,
    *,
    kind: str,
    reason: str,
    detail: str = "",
    amount: str | int | None = None,
    quantities: dict[Any, Any] | None = None,
    images: list[tuple[str, bytes]] | None = None,
) -> AfterSale:
    """The buyer's request on a paid order (the caller found the order among the buyer's own).

    `amount` is yuan as typed (or fen as an int); at most what was paid less what was refunded.
    `images` are (file name, bytes): at most three real images of at most 2 MB each.
    """
    _check_eligible(w, order)
    if kind not in KIND_LABELS:
        raise DomainError(N_("请选择售后类型（仅退款或退货退款）"))
    if reason not in REASONS:
        raise DomainError(N_("请选择售后原因"))
    text = " ".join(str(detail or "").split())
    if len(text) > MAX_DETAIL:
        raise DomainError(N_("问题描述不能超过 %(max)s 个字"), max=MAX_DETAIL)
    fen = amount if isinstance(amount, int) and not isinstance(amount, bool) else parse_yuan(amount)
    if fen is None or fen <= 0:
        raise DomainError(N_("请填写大于零的退款金额"))
    if fen > order.refundable_fen:
        raise DomainError(
            N_("退款金额不能超过 ¥%(max)s（实付金额减去已退款金额）"),
            max=_yuan(order.refundable_fen),
        )
    lines = _lines(order, kind, quantities)
    files = [(name, data) for name, data in images or [] if data]
    if len(files) > MAX_IMAGES:
        raise DomainError(N_("最多上传 %(max)s 张图片"), max=MAX_IMAGES)
    checked = [check_image(name, data) for name, data in files]
    aftersale = AfterSale(
        number=_next_number(w),
        order_id=order.id,
        shop_id=order.shop_id,
        customer_id=order.customer_id,
        kind=kind,
        reason=reason,
        detail=text,
        amount_fen=fen,
        lines=lines,
        created_at=w.now(),
        updated_at=w.now(),
        images=[
            AfterSaleImage(
                filename=img.filename[:80], content_type=img.content_type, size=len(img.data), data=img.data
            )
            for img in checked
        ],
    )
    w.db.add(aftersale)
    w.db.flush()
    w.emit(
        "aftersale.requested",
        aftersale_no=aftersale.number,
        order_no=aftersale.order.number,
        kind=aftersale.kind,
        amount_fen=aftersale.amount_fen,
        reason=reason,
        detail=text,
        lines=[{"sku": i["sku"], "qty": i["qty"]} for i in lines],
    )
    return aftersale


def customer_aftersale(w: World, customer: Customer, number: str) -> AfterSale:
    """One of the buyer's own requests; another's (or none) is NotFound."""
    q = select(AfterSale).where(
        AfterSale.number == str(number or "").strip()[:24], AfterSale.customer_id == customer.id
    )
    aftersale = w.db.scalars(q).first()
    if aftersale is None:
        raise NotFound(N_("售后申请不存在"))
    return aftersale


def ship_return(w: World, aftersale: AfterSale, carrier: str, waybill_no: str) -> AfterSale:
    """The buyer sent the goods back and gives the carrier and the return waybill number."""
    name = " ".join(str(carrier or "").split())[:40]
    number = "".join(str(waybill_no or "").split()).upper()
    if not name:
        raise DomainError(N_("请填写退货的快递公司"))
    if not _WAYBILL_NO.fullmatch(number):
        raise DomainError(N_("请填写正确的退货运单号（6-24 位字母或数字）"))
    _move(aftersale, AfterSaleStatus.RETURNING, w)
    aftersale.return_carrier, aftersale.return_waybill_no = name, number
    w.emit(
        "aftersale.return_shipped",
        aftersale_no=aftersale.number,
        order_no=aftersale.order.number,
        kind=aftersale.kind,
        amount_fen=aftersale.amount_fen,
        carrier=name,
        waybill_no=number,
    )
    return aftersale


def cancel_request(w: World, aftersale: AfterSale) -> AfterSale:
    """The buyer withdraws a request the merchant has not finished."""
    _move(aftersale, AfterSaleStatus.CANCELLED, w)
    w.emit(
        "aftersale.cancelled",
        aftersale_no=aftersale.number,
        order_no=aftersale.order.number,
        kind=aftersale.kind,
        amount_fen=aftersale.amount_fen,
    )
    return aftersale


# --- The merchant's side ---------------------------------------------------------------------------


def shop_aftersale(w: World, shop_id: int, number: str) -> AfterSale:
    """One of the shop's requests; another shop's (or none) is NotFound."""
    q = select(AfterSale).where(
        AfterSale.number == str(number or "").strip()[:24], AfterSale.shop_id == shop_id
    )
    aftersale = w.db.scalars(q).first()
    if aftersale is None:
        raise NotFound(N_("售后申请不存在"))
    return aftersale


@dataclass
class Page:
    """One page of the shop's requests and the count of each tab."""

    items: list[AfterSale]
    page: int
    pages: int
    counts: dict[str, int]


def _tab(tab: str) -> list[Any]:
    if tab == "todo":
        return [AfterSale.status.in_(SELLER_TODO)]
    if tab == "awaiting_return":
        return [AfterSale.status == AfterSaleStatus.AWAITING_RETURN]
    if tab == "done":
        return [AfterSale.status.not_in(OPEN_STATUSES)]
    return []


def shop_list(w: World, shop_id: int, tab: str = "", page: int = 1) -> Page:
    """The shop's requests, newest first."""
    base = [AfterSale.shop_id == shop_id]
    counts = {
        key: int(w.db.scalar(select(func.count(AfterSale.id)).where(*base, *_tab(key))) or 0) for key in TABS
    }
    where = [*base, *_tab(tab if tab in TABS else "")]
    total = int(w.db.scalar(select(func.count(AfterSale.id)).where(*where)) or 0)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    q = select(AfterSale).where(*where).order_by(AfterSale.id.desc())
    return Page(list(w.db.scalars(q.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))), page, pages, counts)


def _refund(w: World, aftersale: AfterSale) -> AfterSale:
    order = aftersale.order
    if aftersale.amount_fen > order.refundable_fen:
        raise Conflict(
            N_("退款金额超过可退金额：最多可退 ¥%(left)s"),
            left=_yuan(order.refundable_fen),
        )
    label = REASONS.get(aftersale.reason, "")
    refunds.refund(
        w,
        order,
        aftersale.amount_fen,
        request_no=aftersale.number,
        reason=f"售后退款 {aftersale.number} {label}",
        aftersale_id=aftersale.id,
    )
    _move(aftersale, AfterSaleStatus.REFUNDED, w)
    aftersale.refunded_at = w.now()
    w.emit(
        "aftersale.refunded",
        aftersale_no=aftersale.number,
        order_no=aftersale.order.number,
        kind=aftersale.kind,
        amount_fen=aftersale.amount_fen,
        refunded_fen=order.refunded_fen,
    )
    return aftersale


def approve(w: World, aftersale: AfterSale) -> AfterSale:
    """Agree to the request: a 仅退款 is refunded at once; a 退货退款 waits for the goods first."""
    if aftersale.status != AfterSaleStatus.REQUESTED:
        raise Conflict(
            N_("售后申请当前为“%(current)s”，不能进行此操作"), current=STATUS_LABELS[aftersale.status]
        )
    if aftersale.kind == AfterSaleKind.RETURN_REFUND:
        return request_return(w, aftersale)
    w.emit(
        "aftersale.approved",
        aftersale_no=aftersale.number,
        order_no=aftersale.order.number,
        kind=aftersale.kind,
        amount_fen=aftersale.amount_fen,
    )
    return _refund(w, aftersale)


def request_return(w: World, aftersale: AfterSale) -> AfterSale:
    """Ask for the goods back before refunding (a 仅退款 becomes a 退货退款)."""
    if aftersale.kind != AfterSaleKind.RETURN_REFUND:
        order = aftersale.order
        lines = [i for i in aftersale.lines if _returnable(_line(order, i["line_id"])) > 0]
        if not lines:
            raise Conflict(N_("商品尚未发货，无需退货"))
        aftersale.lines = [
            {**i, "qty": min(int(i["qty"]), _returnable(_line(order, i["line_id"])))} for i in lines
        ]
    _move(aftersale, AfterSaleStatus.AWAITING_RETURN, w)
    aftersale.kind = AfterSaleKind.RETURN_REFUND
    address = fulfilment.WAREHOUSE
    w.emit(
        "aftersale.return_requested",
        aftersale_no=aftersale.number,
        order_no=aftersale.order.number,
        kind=aftersale.kind,
        amount_fen=aftersale.amount_fen,
        address=f"{address['province']}{address['city']}{address['district']}{address['detail']}",
    )
    return aftersale


def _line(order: Order, line_id: int) -> OrderLine:
    return next(line for line in order.lines if line.id == int(line_id))


def reject(w: World, aftersale: AfterSale, reason: str | None) -> AfterSale:
    """Refuse the request, saying why (the buyer sees it)."""
    text = " ".join(str(reason or "").split())
    if len(text) < 2 or len(text) > MAX_NOTE:
        raise DomainError(N_("请填写拒绝原因（2-100 个字）"))
    _move(aftersale, AfterSaleStatus.REJECTED, w)
    aftersale.seller_note = text
    w.emit(
        "aftersale.rejected",
        aftersale_no=aftersale.number,
        order_no=aftersale.order.number,
        kind=aftersale.kind,
        amount_fen=aftersale.amount_fen,
        reason=text,
    )
    return aftersale


def return_parcel_status(w: World, aftersale: AfterSale) -> str | None:
    """The tracking status of the buyer's return parcel, when its waybill is one of this world's."""
    if not aftersale.return_waybill_no:
        return None
    waybill = waybills.find_waybill(w, aftersale.return_waybill_no)
    return waybill.status if waybill is not None else None


def confirm_return(w: World, aftersale: AfterSale) -> AfterSale:
    """The goods came back: they go into stock, and the refund goes out through the platform."""
    if aftersale.status != AfterSaleStatus.RETURNING:
        raise Conflict(
            N_("售后申请当前为“%(current)s”，不能进行此操作"), current=STATUS_LABELS[aftersale.status]
        )
    status = return_parcel_status(w, aftersale)
    if status is not None and status != ParcelStatus.SIGNED:
        raise Conflict(
            N_("退货包裹 %(number)s 还没有签收，请到货后再确认收货"), number=aftersale.return_waybill_no
        )
    order = aftersale.order
    for item in aftersale.lines:
        line = _line(order, item["line_id"])
        qty = min(int(item["qty"]), _returnable(line))
        if qty > 0:
            stock.receive_return(w, line.sku_code, qty, aftersale.number)
            line.returned_quantity += qty
    aftersale.returned_at = w.now()
    w.emit(
        "aftersale.returned",
        aftersale_no=aftersale.number,
        order_no=aftersale.order.number,
        kind=aftersale.kind,
        amount_fen=aftersale.amount_fen,
        lines=[{"sku": i["sku"], "qty": i["qty"]} for i in aftersale.lines],
    )
    return _refund(w, aftersale)


def to_answer(w: World, shop_id: int) -> int:
    """How many of the shop's requests wait for the merchant."""
    q = select(func.count(AfterSale.id)).where(
        AfterSale.shop_id == shop_id, AfterSale.status.in_(SELLER_TODO)
    )
    return int(w.db.scalar(q) or 0)


def image_of(aftersale: AfterSale, image_id: int) -> AfterSaleImage:
    """One of the request's images."""
    image = next((img for img in aftersale.images if img.id == image_id), None)
    if image is None:
        raise NotFound(N_("图片不存在"))
    return image
