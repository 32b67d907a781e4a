"""Purchase orders (采购单) to suppliers and the receipts (入库单) their deliveries arrive as.

A shop drafts an order (supplier, lines of SKU / quantity / unit cost, expected date) and sends it;
the supplier (an NPC, see logistics.npc) confirms it and later delivers, perhaps short; the delivery
waits as a receipt until someone checks it in with the quantities actually received, which makes the
receipt moves from the supplier into an internal location. Statuses: draft → sent → confirmed →
delivered → received (closed); a draft or sent order may be cancelled.

The callers scope by shop: every lookup takes the shop's id, and another shop's order is NotFound.
The caller also checks that the SKUs are the shop's own (the warehouse knows no storefront).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.logistics import stock
from sandbox.logistics.stock_models import (
    PURCHASE_STATUS_LABELS,
    MoveKind,
    PurchaseLine,
    PurchaseOrder,
    PurchaseStatus,
    Receipt,
    ReceiptLine,
    ReceiptStatus,
    Supplier,
)
from sandbox.worlds.world import World

MAX_LINES = 20
MAX_UNIT_COST_FEN = 100_000_000
MAX_NOTE = 200


@dataclass(frozen=True)
class LineInput:
    """One line as the buyer asks for it."""

    sku_code: str
    qty: object
    unit_cost_fen: object


def suppliers(w: World) -> list[Supplier]:
    """The world's suppliers."""
    return list(w.db.scalars(select(Supplier).order_by(Supplier.id)))


def get_supplier(w: World, code: object) -> Supplier:
    """A supplier by its code; NotFound otherwise."""
    found = w.db.scalars(select(Supplier).where(Supplier.code == str(code or "").strip().upper())).first()
    if found is None:
        raise NotFound(N_("没有这家供应商：%(code)s"), code=str(code or "")[:12] or "—")
    return found


def orders_of(w: World, shop_id: int) -> list[PurchaseOrder]:
    """A shop's purchase orders, newest first."""
    q = select(PurchaseOrder).where(PurchaseOrder.shop_id == shop_id).order_by(PurchaseOrder.id.desc())
    return list(w.db.scalars(q))


def find_order(w: World, number: object) -> PurchaseOrder | None:
    """A purchase order by number, whichever shop's (for the supplier NPC)."""
    return w.db.scalars(
        select(PurchaseOrder).where(PurchaseOrder.number == str(number or "").strip())
    ).first()


def get_order(w: World, shop_id: int, number: object) -> PurchaseOrder:
    """One of the shop's purchase orders; another shop's (or none) is NotFound."""
    order = find_order(w, number)
    if order is None or order.shop_id != shop_id:
        raise NotFound(N_("采购单不存在"))
    return order


def _status_conflict(order: PurchaseOrder, message: str) -> Conflict:
    return Conflict(
        message, number=order.number, current=PURCHASE_STATUS_LABELS.get(order.status, order.status)
    )


def create_order(
    w: World,
    shop_id: int,
    supplier_code: object,
    lines: list[LineInput],
    expected_on: date | None = None,
    note: str = "",
) -> PurchaseOrder:
    """A draft purchase order; every line a distinct SKU with a whole quantity and a unit cost above 0."""
    supplier = get_supplier(w, supplier_code)
    if not lines:
        raise DomainError(N_("采购单至少要有一个商品"))
    if len(lines) > MAX_LINES:
        raise DomainError(N_("一张采购单最多 %(max)s 个商品"), max=MAX_LINES)
    seen: set[str] = set()
    made = []
    for line in lines:
        code = str(line.sku_code or "").strip()
        if not code or len(code) > 30:
            raise DomainError(N_("请填写商品编码（SKU）"))
        if code in seen:
            raise DomainError(N_("商品 %(sku)s 在采购单中重复"), sku=code)
        seen.add(code)
        qty = stock.whole(line.qty)
        cost = line.unit_cost_fen
        if isinstance(cost, bool) or not isinstance(cost, int) or not 0 < cost <= MAX_UNIT_COST_FEN:
            raise DomainError(N_("采购单价必须大于 0"))
        made.append(PurchaseLine(sku_code=code, qty=qty, unit_cost_fen=cost))
    if expected_on is not None and expected_on < w.now().date():
        raise DomainError(N_("预计到货日期不能早于今天"))
    if len(note or "") > MAX_NOTE:
        raise DomainError(N_("备注不能超过 %(max)s 个字"), max=MAX_NOTE)
    order = PurchaseOrder(
        number=stock.next_number(w, "PO", PurchaseOrder.number),
        shop_id=shop_id,
        supplier=supplier,
        status=PurchaseStatus.DRAFT,
        expected_on=expected_on,
        note=(note or "").strip(),
        created_at=w.now(),
        lines=made,
    )
    w.db.add(order)
    w.db.flush()
    w.emit(
        "purchase.created",
        po_no=order.number,
        shop_id=shop_id,
        supplier=supplier.code,
        lines=[{"sku": ln.sku_code, "qty": ln.qty, "unit_cost_fen": ln.unit_cost_fen} for ln in made],
    )
    return order


def send_order(w: World, shop_id: int, number: object) -> PurchaseOrder:
    """Send a draft to its supplier."""
    order = get_order(w, shop_id, number)
    if order.status != PurchaseStatus.DRAFT:
        raise _status_conflict(order, N_("采购单 %(number)s 当前为“%(current)s”，不能发送"))
    order.status = PurchaseStatus.SENT
    order.sent_at = w.now()
    w.emit("purchase.sent", po_no=order.number, shop_id=shop_id, supplier=order.supplier.code)
    return order


def cancel_order(w: World, shop_id: int, number: object) -> PurchaseOrder:
    """Cancel an order the supplier has not confirmed yet."""
    order = get_order(w, shop_id, number)
    if order.status not in (PurchaseStatus.DRAFT, PurchaseStatus.SENT):
        raise _status_conflict(order, N_("采购单 %(number)s 当前为“%(current)s”，不能取消"))
    order.status = PurchaseStatus.CANCELLED
    w.emit("purchase.cancelled", po_no=order.number, shop_id=shop_id)
    return order


# --- the supplier's side (NPC) -----------------------------------------------------------------------


def supplier_confirm(w: World, number: object) -> PurchaseOrder:
    """The supplier accepts a sent order."""
    order = find_order(w, number)
    if order is None:
        raise NotFound(N_("采购单不存在"))
    if order.status != PurchaseStatus.SENT:
        raise _status_conflict(order, N_("采购单 %(number)s 当前为“%(current)s”，不能确认"))
    order.status = PurchaseStatus.CONFIRMED
    order.confirmed_at = w.now()
    w.emit("purchase.confirmed", po_no=order.number, shop_id=order.shop_id, supplier=order.supplier.code)
    return order


def supplier_deliver(w: World, number: object, shortfall: int = 0, sku_code: str | None = None) -> Receipt:
    """The supplier delivers a confirmed order (confirming a sent one first): `shortfall` units fewer
    of one line (`sku_code`, else the first). The delivery waits as a receipt to be checked in."""
    order = find_order(w, number)
    if order is None:
        raise NotFound(N_("采购单不存在"))
    if order.status == PurchaseStatus.SENT:
        supplier_confirm(w, order.number)
    if order.status != PurchaseStatus.CONFIRMED:
        raise _status_conflict(order, N_("采购单 %(number)s 当前为“%(current)s”，不能发货"))
    short = stock.whole(shortfall, allow_zero=True)
    target = (
        next((ln for ln in order.lines if ln.sku_code == sku_code), order.lines[0]) if order.lines else None
    )
    if target is None or short >= target.qty:
        raise DomainError(N_("缺货数量必须小于采购数量"))
    lines = [
        ReceiptLine(
            sku_code=ln.sku_code,
            ordered_qty=ln.qty,
            shipped_qty=ln.qty - (short if ln is target else 0),
        )
        for ln in order.lines
    ]
    note = f"{order.supplier.name}送货单：按采购单 {order.number} 发货"
    if short:
        note += f"，{target.sku_code} 缺货 {short} 件，实发 {target.qty - short} 件"
    receipt = Receipt(
        number=stock.next_number(w, "RK", Receipt.number),
        shop_id=order.shop_id,
        order=order,
        status=ReceiptStatus.WAITING,
        delivery_note=note[:200],
        arrived_at=w.now(),
        lines=lines,
    )
    w.db.add(receipt)
    order.status = PurchaseStatus.DELIVERED
    order.delivered_at = w.now()
    w.db.flush()
    w.emit(
        "purchase.delivered",
        po_no=order.number,
        shop_id=order.shop_id,
        receipt_no=receipt.number,
        shipped=[{"sku": ln.sku_code, "ordered": ln.ordered_qty, "shipped": ln.shipped_qty} for ln in lines],
    )
    return receipt


# --- receipts ----------------------------------------------------------------------------------------


def receipts_of(w: World, shop_id: int) -> list[Receipt]:
    """A shop's receipts, waiting ones first, newest first."""
    q = select(Receipt).where(Receipt.shop_id == shop_id)
    return list(w.db.scalars(q.order_by(Receipt.status != ReceiptStatus.WAITING, Receipt.id.desc())))


def get_receipt(w: World, shop_id: int, number: object) -> Receipt:
    """One of the shop's receipts; another shop's (or none) is NotFound."""
    q = select(Receipt).where(Receipt.number == str(number or "").strip(), Receipt.shop_id == shop_id)
    receipt = w.db.scalars(q).first()
    if receipt is None:
        raise NotFound(N_("入库单不存在"))
    return receipt


def check_in(
    w: World,
    shop_id: int,
    number: object,
    location_code: object,
    received: dict[str, object],
    remark: str = "",
) -> Receipt:
    """Check a delivery in: the quantities actually received (0 up to what was ordered) go by receipt
    moves from the supplier into an internal location; the shortfall stays on the receipt."""
    receipt = get_receipt(w, shop_id, number)
    if receipt.status != ReceiptStatus.WAITING:
        raise Conflict(N_("入库单 %(number)s 已验收入库，不能重复入库"), number=receipt.number)
    where = stock.internal_location(w, location_code, shop_id)
    if len(remark or "") > MAX_NOTE:
        raise DomainError(N_("备注不能超过 %(max)s 个字"), max=MAX_NOTE)
    counts = {}
    for line in receipt.lines:
        if line.sku_code not in received:
            raise DomainError(N_("请填写 %(sku)s 的实收数量"), sku=line.sku_code)
        qty = stock.whole(received[line.sku_code], allow_zero=True)
        if qty > line.ordered_qty:
            raise DomainError(
                N_("%(sku)s 实收数量不能超过采购数量 %(qty)s"), sku=line.sku_code, qty=line.ordered_qty
            )
        counts[line.sku_code] = qty
    if not any(counts.values()):
        raise DomainError(N_("实收数量全部为 0：没有可入库的商品"))
    for line in receipt.lines:
        line.received_qty = counts[line.sku_code]
        if line.received_qty:
            stock.receive(w, line.sku_code, line.received_qty, where, receipt.number, kind=MoveKind.RECEIPT)
    receipt.status = ReceiptStatus.DONE
    receipt.checked_at = w.now()
    receipt.location_pk = where.id
    receipt.remark = (remark or "").strip()
    if receipt.order is not None:
        receipt.order.status = PurchaseStatus.RECEIVED
        receipt.order.received_at = w.now()
    w.db.flush()
    w.emit(
        "receipt.checked_in",
        receipt_no=receipt.number,
        po_no=receipt.order.number if receipt.order else "",
        shop_id=shop_id,
        location=where.code,
        lines=[
            {
                "sku": ln.sku_code,
                "ordered": ln.ordered_qty,
                "shipped": ln.shipped_qty,
                "received": ln.received_qty,
            }
            for ln in receipt.lines
        ],
    )
    return receipt
