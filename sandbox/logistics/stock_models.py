"""Warehouse tables: locations, stock moves (the only record of stock), quants kept in step with them,
allocations to orders, suppliers and purchase orders, receipts (入库单) and stock counts (盘点).

Stock is keyed by the SKU's code: the warehouse knows no storefront (a domain of the same layer).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class LocationKind:
    """Where stock can be: a shelf of the warehouse, or a virtual place goods come from or go to."""

    INTERNAL = "internal"  # a place in the warehouse: what is there is on hand
    SUPPLIER = "supplier"  # virtual: goods bought arrive from here
    CUSTOMER = "customer"  # virtual: goods shipped go here, returns come back from here
    LOSS = "inventory_loss"  # virtual: counting differences and opening stock (盘点损益)


LOCATION_KIND_LABELS = {
    LocationKind.INTERNAL: N_("仓内库位"),
    LocationKind.SUPPLIER: N_("供应商（虚拟）"),
    LocationKind.CUSTOMER: N_("客户（虚拟）"),
    LocationKind.LOSS: N_("盘点损益（虚拟）"),
}


class MoveKind:
    """Why stock moved."""

    OPENING = "opening"
    RECEIPT = "receipt"
    ISSUE = "issue"
    TRANSFER = "transfer"
    ADJUSTMENT = "adjustment"
    RETURN = "return"


MOVE_KIND_LABELS = {
    MoveKind.OPENING: N_("期初库存"),
    MoveKind.RECEIPT: N_("采购入库"),
    MoveKind.ISSUE: N_("销售出库"),
    MoveKind.TRANSFER: N_("库位调拨"),
    MoveKind.ADJUSTMENT: N_("盘点调整"),
    MoveKind.RETURN: N_("退货入库"),
}


class StockLocation(WorldBase):
    """A location: a shelf of the mall's warehouse (WH/A-01 …) or a virtual partner location."""

    __tablename__ = "stock_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    # A shop's own location (None: the mall's, shared by every shop). No foreign key: shops belong to
    # the storefront, a domain of the same layer.
    shop_id: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def internal(self) -> bool:
        """Stock here is on hand."""
        return self.kind == LocationKind.INTERNAL


class StockMove(WorldBase):
    """Units of one SKU moved from one location to another (done when recorded; never edited)."""

    __tablename__ = "stock_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_code: Mapped[str] = mapped_column(String(30), index=True)
    qty: Mapped[int] = mapped_column(Integer)
    from_pk: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"))
    to_pk: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(8), default="done")

    source: Mapped[StockLocation] = relationship(foreign_keys=[from_pk])
    dest: Mapped[StockLocation] = relationship(foreign_keys=[to_pk])


class StockQuant(WorldBase):
    """What one location holds of one SKU: the sum of the moves in minus the moves out (kept in step)."""

    __tablename__ = "stock_quants"
    __table_args__ = (UniqueConstraint("sku_code", "location_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_code: Mapped[str] = mapped_column(String(30), index=True)
    location_pk: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    qty: Mapped[int] = mapped_column(Integer, default=0)

    location: Mapped[StockLocation] = relationship()


class Allocation(WorldBase):
    """Units of a SKU reserved for a reference (an order) until shipped or released."""

    __tablename__ = "stock_allocations"
    __table_args__ = (UniqueConstraint("sku_code", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_code: Mapped[str] = mapped_column(String(30), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int] = mapped_column(Integer)


class Supplier(WorldBase):
    """A supplier the shops buy goods from (an NPC that confirms and delivers purchase orders)."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    contact: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(20))
    lead_days: Mapped[int] = mapped_column(Integer, default=3)


class PurchaseStatus:
    """A purchase order's way: draft → sent → confirmed → delivered → received (closed)."""

    DRAFT = "draft"
    SENT = "sent"
    CONFIRMED = "confirmed"
    DELIVERED = "delivered"
    RECEIVED = "received"
    CANCELLED = "cancelled"


PURCHASE_STATUS_LABELS = {
    PurchaseStatus.DRAFT: N_("草稿"),
    PurchaseStatus.SENT: N_("已发送"),
    PurchaseStatus.CONFIRMED: N_("供应商已确认"),
    PurchaseStatus.DELIVERED: N_("已到货待入库"),
    PurchaseStatus.RECEIVED: N_("已入库"),
    PurchaseStatus.CANCELLED: N_("已取消"),
}


class PurchaseOrder(WorldBase):
    """A shop's purchase order (采购单) to a supplier."""

    __tablename__ = "purchase_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    shop_id: Mapped[int] = mapped_column(Integer, index=True)
    supplier_pk: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    status: Mapped[str] = mapped_column(String(12), default=PurchaseStatus.DRAFT)
    expected_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)

    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list[PurchaseLine]] = relationship(back_populates="order", order_by="PurchaseLine.id")

    @property
    def total_fen(self) -> int:
        """What the goods ordered cost."""
        return sum(line.qty * line.unit_cost_fen for line in self.lines)


class PurchaseLine(WorldBase):
    """One SKU of a purchase order: how many, at what unit cost."""

    __tablename__ = "purchase_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    po_pk: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    sku_code: Mapped[str] = mapped_column(String(30))
    qty: Mapped[int] = mapped_column(Integer)
    unit_cost_fen: Mapped[int] = mapped_column(Integer)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")


class ReceiptStatus:
    """A receipt waits to be checked in, then is done."""

    WAITING = "waiting"
    DONE = "done"


RECEIPT_STATUS_LABELS = {ReceiptStatus.WAITING: N_("待验收"), ReceiptStatus.DONE: N_("已入库")}


class Receipt(WorldBase):
    """A receipt (入库单): a supplier's delivery, checked in with the quantities actually received."""

    __tablename__ = "stock_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    shop_id: Mapped[int] = mapped_column(Integer, index=True)
    po_pk: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"))
    status: Mapped[str] = mapped_column(String(12), default=ReceiptStatus.WAITING)
    delivery_note: Mapped[str] = mapped_column(String(200), default="")  # what the supplier wrote
    arrived_at: Mapped[datetime] = mapped_column(DateTime)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    location_pk: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"))
    remark: Mapped[str] = mapped_column(String(200), default="")  # the receiver's note on differences

    order: Mapped[PurchaseOrder | None] = relationship()
    location: Mapped[StockLocation | None] = relationship()
    lines: Mapped[list[ReceiptLine]] = relationship(back_populates="receipt", order_by="ReceiptLine.id")


class ReceiptLine(WorldBase):
    """One SKU of a receipt: ordered, shipped (the delivery note), received (counted at check-in)."""

    __tablename__ = "stock_receipt_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_pk: Mapped[int] = mapped_column(ForeignKey("stock_receipts.id"), index=True)
    sku_code: Mapped[str] = mapped_column(String(30))
    ordered_qty: Mapped[int] = mapped_column(Integer)
    shipped_qty: Mapped[int] = mapped_column(Integer)
    received_qty: Mapped[int | None] = mapped_column(Integer)

    receipt: Mapped[Receipt] = relationship(back_populates="lines")

    @property
    def shortfall(self) -> int | None:
        """Units ordered but not received (None before check-in)."""
        return None if self.received_qty is None else self.ordered_qty - self.received_qty


class CountStatus:
    """A count sheet is open for counting, then confirmed (adjustments made)."""

    OPEN = "open"
    CONFIRMED = "confirmed"


COUNT_STATUS_LABELS = {CountStatus.OPEN: N_("盘点中"), CountStatus.CONFIRMED: N_("已确认")}


class CountSheet(WorldBase):
    """A stock count (盘点单) of one location for one shop's goods."""

    __tablename__ = "stock_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    shop_id: Mapped[int] = mapped_column(Integer, index=True)
    location_pk: Mapped[int] = mapped_column(ForeignKey("stock_locations.id"))
    status: Mapped[str] = mapped_column(String(12), default=CountStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(String(200), default="")

    location: Mapped[StockLocation] = relationship()
    lines: Mapped[list[CountLine]] = relationship(back_populates="sheet", order_by="CountLine.id")


class CountLine(WorldBase):
    """One SKU on a count sheet: the system's quantity, the counted one, the difference made."""

    __tablename__ = "stock_count_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_pk: Mapped[int] = mapped_column(ForeignKey("stock_counts.id"), index=True)
    sku_code: Mapped[str] = mapped_column(String(30))
    system_qty: Mapped[int] = mapped_column(Integer)
    counted_qty: Mapped[int | None] = mapped_column(Integer)
    difference: Mapped[int | None] = mapped_column(Integer)  # counted − system at confirmation

    sheet: Mapped[CountSheet] = relationship(back_populates="lines")
