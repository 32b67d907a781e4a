"""Stock as moves: opening stock, receipts, issues, transfers, count adjustments, allocations to orders.

Every change is a move from one location to another; a location's quant is kept equal to the sum of
the moves into it minus the moves out of it, in the same transaction. On hand = what the internal
locations hold; available = on hand − allocated, never below zero. Bad input (a quantity that is not
a positive whole number, more than there is, an unknown location) changes nothing.

Every change emits a domain event and tells the listeners of `hooks.on_stock_change` (the orders
domain keeps the storefront's figures in step).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, insert, select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.logistics import hooks
from sandbox.logistics.stock_models import (
    Allocation,
    LocationKind,
    MoveKind,
    StockLocation,
    StockMove,
    StockQuant,
)
from sandbox.worlds.world import World

# The seeded locations every world has (seed_data/logistics_seed.py).
DEFAULT_LOCATION = "WH/STOCK"  # the mall warehouse's main store: opening stock and returns land here
SUPPLIERS = "PARTNER/SUPPLIER"
CUSTOMERS = "PARTNER/CUSTOMER"
LOSS = "VIRTUAL/LOSS"
MAX_QTY = 1_000_000
MAX_REFERENCE = 64


def whole(value: object, *, allow_zero: bool = False) -> int:
    """A quantity given as a whole number of units (an int, not a bool or a float); DomainError else."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(N_("数量必须是整数（件）"))
    low = 0 if allow_zero else 1
    if value < low or value > MAX_QTY:
        if allow_zero:
            raise DomainError(N_("数量不能为负数，且不能超过 %(max)s"), max=MAX_QTY)
        raise DomainError(N_("数量必须是 1 到 %(max)s 之间的整数"), max=MAX_QTY)
    return value


def _code(sku_code: object) -> str:
    code = str(sku_code or "").strip()
    if not code or len(code) > 30:
        raise DomainError(N_("请填写商品编码（SKU）"))
    return code


def _reference(reference: object) -> str:
    return str(reference or "").strip()[:MAX_REFERENCE]


def next_number(w: World, prefix: str, column: object) -> str:
    """A document number: prefix, world date, a sequence of the day (PO20260315001 …)."""
    day = f"{prefix}{w.now():%Y%m%d}"
    count = w.db.scalar(select(func.count()).where(column.like(f"{day}%"))) or 0
    return f"{day}{count + 1:03d}"


# --- locations ---------------------------------------------------------------------------------------


def location(w: World, code: object) -> StockLocation:
    """The location with this code (WH/A-01 …); NotFound otherwise."""
    text = str(code or "").strip().upper()
    found = w.db.scalars(select(StockLocation).where(StockLocation.code == text)).first() if text else None
    if found is None:
        raise NotFound(N_("没有这个库位：%(code)s"), code=text[:20] or "—")
    return found


def internal_location(w: World, code: object, shop_id: int | None = None) -> StockLocation:
    """An internal location a shop may use (the mall's or its own); NotFound for any other."""
    found = location(w, code)
    if not found.internal or found.shop_id not in (None, shop_id):
        raise NotFound(N_("没有这个库位：%(code)s"), code=found.code)
    return found


def internal_locations(w: World, shop_id: int | None = None) -> list[StockLocation]:
    """The warehouse's internal locations a shop may use (the mall's and its own)."""
    q = select(StockLocation).where(StockLocation.kind == LocationKind.INTERNAL)
    q = q.where((StockLocation.shop_id.is_(None)) | (StockLocation.shop_id == shop_id))
    return list(w.db.scalars(q.order_by(StockLocation.position, StockLocation.code)))


# --- figures -----------------------------------------------------------------------------------------


def _internal_ids(w: World) -> Select:
    return select(StockLocation.id).where(StockLocation.kind == LocationKind.INTERNAL)


def on_hand(w: World, sku_code: str, where: StockLocation | None = None) -> int:
    """Units of the SKU in one location, or in all internal locations."""
    q = select(func.coalesce(func.sum(StockQuant.qty), 0)).where(StockQuant.sku_code == sku_code)
    if where is not None:
        q = q.where(StockQuant.location_pk == where.id)
    else:
        q = q.where(StockQuant.location_pk.in_(_internal_ids(w)))
    return int(w.db.scalar(q) or 0)


def allocated(w: World, sku_code: str, reference: str | None = None) -> int:
    """Units of the SKU reserved (for one reference, or for all)."""
    q = select(func.coalesce(func.sum(Allocation.qty), 0)).where(Allocation.sku_code == sku_code)
    if reference is not None:
        q = q.where(Allocation.reference == reference)
    return int(w.db.scalar(q) or 0)


def available(w: World, sku_code: str) -> int:
    """Units of the SKU that may still be promised: on hand − allocated."""
    return on_hand(w, sku_code) - allocated(w, sku_code)


@dataclass(frozen=True)
class Figures:
    """A SKU's stock at a glance."""

    sku_code: str
    on_hand: int
    allocated: int
    by_location: dict[str, int]

    @property
    def available(self) -> int:
        """On hand − allocated."""
        return self.on_hand - self.allocated


def figures(w: World, sku_codes: Iterable[str]) -> dict[str, Figures]:
    """Every SKU's on hand (in total and per internal location), allocated and available."""
    codes = sorted(set(sku_codes))
    if not codes:
        return {}
    per: dict[str, dict[str, int]] = {c: {} for c in codes}
    q = (
        select(StockQuant.sku_code, StockLocation.code, StockQuant.qty)
        .join(StockLocation, StockLocation.id == StockQuant.location_pk)
        .where(StockQuant.sku_code.in_(codes), StockLocation.kind == LocationKind.INTERNAL)
        .order_by(StockLocation.position, StockLocation.code)
    )
    for code, loc, qty in w.db.execute(q):
        if qty:
            per[code][loc] = qty
    held = dict(
        w.db.execute(
            select(Allocation.sku_code, func.sum(Allocation.qty))
            .where(Allocation.sku_code.in_(codes))
            .group_by(Allocation.sku_code)
        ).all()
    )
    return {c: Figures(c, sum(per[c].values()), int(held.get(c) or 0), per[c]) for c in codes}


def moves(w: World, sku_code: str, limit: int = 200) -> list[StockMove]:
    """The SKU's moves, newest first."""
    q = select(StockMove).where(StockMove.sku_code == sku_code).order_by(StockMove.id.desc())
    return list(w.db.scalars(q.limit(limit)))


def allocations(w: World, sku_code: str) -> list[Allocation]:
    """What the SKU's allocated units are reserved for."""
    q = select(Allocation).where(Allocation.sku_code == sku_code, Allocation.qty > 0)
    return list(w.db.scalars(q.order_by(Allocation.id)))


# --- moves -------------------------------------------------------------------------------------------


def _quant(w: World, sku_code: str, where: StockLocation) -> StockQuant:
    q = select(StockQuant).where(StockQuant.sku_code == sku_code, StockQuant.location_pk == where.id)
    quant = w.db.scalars(q).first()
    if quant is None:
        quant = StockQuant(sku_code=sku_code, location_pk=where.id, qty=0)
        w.db.add(quant)
    return quant


def _move(
    w: World,
    sku_code: str,
    qty: int,
    src: StockLocation,
    dst: StockLocation,
    kind: str,
    reference: str,
    note: str = "",
) -> StockMove:
    """Record one move and keep both quants in step; an internal source must hold the units."""
    if src.id == dst.id:
        raise DomainError(N_("调出库位和调入库位不能相同"))
    source = _quant(w, sku_code, src)
    if src.internal and source.qty < qty:
        raise Conflict(
            N_("%(location)s 的 %(sku)s 只有 %(qty)s 件，不够 %(wanted)s 件"),
            location=src.code,
            sku=sku_code,
            qty=source.qty,
            wanted=qty,
        )
    source.qty -= qty
    _quant(w, sku_code, dst).qty += qty
    move = StockMove(
        sku_code=sku_code,
        qty=qty,
        from_pk=src.id,
        to_pk=dst.id,
        kind=kind,
        reference=reference,
        note=note[:100],
        at=w.now(),
    )
    w.db.add(move)
    w.db.flush()
    return move


def _has_moves(w: World, sku_code: str) -> bool:
    return w.db.scalar(select(StockMove.id).where(StockMove.sku_code == sku_code).limit(1)) is not None


def opening(
    w: World, sku_code: str, qty: int, where: str = DEFAULT_LOCATION, reference: str = ""
) -> StockMove | None:
    """A SKU's opening stock (期初库存), once: refused when the SKU has any move already. Zero records
    nothing (the SKU may get its opening stock later)."""
    code, count = _code(sku_code), whole(qty, allow_zero=True)
    dst = location(w, where)
    if not dst.internal:
        raise DomainError(N_("期初库存只能放在仓内库位"))
    if _has_moves(w, code):
        raise Conflict(N_("%(sku)s 已有库存记录：期初库存只能设置一次，之后请通过入库、盘点调整"), sku=code)
    if count == 0:
        return None
    move = _move(
        w, code, count, location(w, LOSS), dst, MoveKind.OPENING, _reference(reference) or "期初库存"
    )
    w.emit("stock.opened", sku=code, qty=count, location=dst.code)
    hooks.stock_changed(w, {code})
    return move


def opening_bulk(w: World, rows: Iterable[tuple[str, int]], where: str = DEFAULT_LOCATION) -> int:
    """Opening stock of many new SKUs at once (building a world): no event, no listener (the caller
    sets the storefront's figures). Returns the number of moves."""
    src, dst, now = location(w, LOSS), location(w, where), w.now()
    rows = [(code, qty) for code, qty in rows if qty > 0]
    if not rows:
        return 0
    w.db.execute(
        insert(StockMove),
        [
            {
                "sku_code": code,
                "qty": qty,
                "from_pk": src.id,
                "to_pk": dst.id,
                "kind": MoveKind.OPENING,
                "reference": "期初库存",
                "note": "",
                "at": now,
                "state": "done",
            }
            for code, qty in rows
        ],
    )
    w.db.execute(
        insert(StockQuant),
        [{"sku_code": c, "location_pk": dst.id, "qty": q} for c, q in rows]
        + [{"sku_code": c, "location_pk": src.id, "qty": -q} for c, q in rows],
    )
    return len(rows)


def receive(
    w: World,
    sku_code: str,
    qty: int,
    where: StockLocation,
    reference: str,
    *,
    kind: str = MoveKind.RECEIPT,
    note: str = "",
) -> StockMove:
    """Goods arrive in an internal location: bought from a supplier, or returned by a customer."""
    code, count = _code(sku_code), whole(qty)
    if not where.internal:
        raise DomainError(N_("入库只能入到仓内库位"))
    src = location(w, CUSTOMERS if kind == MoveKind.RETURN else SUPPLIERS)
    move = _move(w, code, count, src, where, kind, _reference(reference), note)
    if kind == MoveKind.RETURN:
        w.emit("stock.returned", sku=code, qty=count, location=where.code, reference=move.reference)
    else:
        w.emit("stock.received", sku=code, qty=count, location=where.code, reference=move.reference)
    hooks.stock_changed(w, {code})
    return move


def issue(
    w: World, sku_code: str, qty: int, where: StockLocation, reference: str, note: str = ""
) -> StockMove:
    """Goods leave an internal location for a customer outside any order (出库单): only units no order
    has reserved."""
    code, count = _code(sku_code), whole(qty)
    if not where.internal:
        raise DomainError(N_("只能从仓内库位出库"))
    free = available(w, code)
    if count > free:
        raise Conflict(
            N_("%(sku)s 可用库存只有 %(qty)s 件，不能出库 %(wanted)s 件"), sku=code, qty=free, wanted=count
        )
    move = _move(w, code, count, where, location(w, CUSTOMERS), MoveKind.ISSUE, _reference(reference), note)
    w.emit("stock.issued", sku=code, qty=count, location=where.code, reference=move.reference)
    hooks.stock_changed(w, {code})
    return move


def transfer(
    w: World, sku_code: str, qty: int, src: StockLocation, dst: StockLocation, reference: str = ""
) -> StockMove:
    """Units move between two internal locations (on hand does not change)."""
    code, count = _code(sku_code), whole(qty)
    if not (src.internal and dst.internal):
        raise DomainError(N_("调拨只能在仓内库位之间进行"))
    move = _move(w, code, count, src, dst, MoveKind.TRANSFER, _reference(reference))
    w.emit("stock.transferred", sku=code, qty=count, source=src.code, dest=dst.code, reference=move.reference)
    hooks.stock_changed(w, {code})
    return move


def adjust(w: World, sku_code: str, where: StockLocation, counted: int, reference: str) -> int:
    """Set a location's quantity to what was counted, by a move to or from inventory loss; returns the
    difference (counted − system). Refused when it would leave fewer on hand than orders reserved."""
    code, count = _code(sku_code), whole(counted, allow_zero=True)
    if not where.internal:
        raise DomainError(N_("只能盘点仓内库位"))
    system = on_hand(w, code, where)
    diff = count - system
    if diff == 0:
        return 0
    if diff < 0 and available(w, code) + diff < 0:
        raise Conflict(
            N_("%(sku)s 盘亏 %(qty)s 件后将少于订单已占用的 %(allocated)s 件：请先处理占用库存的订单"),
            sku=code,
            qty=-diff,
            allocated=allocated(w, code),
        )
    loss = location(w, LOSS)
    ref = _reference(reference)
    if diff > 0:
        _move(w, code, diff, loss, where, MoveKind.ADJUSTMENT, ref, N_("盘盈"))
    else:
        _move(w, code, -diff, where, loss, MoveKind.ADJUSTMENT, ref, N_("盘亏"))
    w.emit(
        "stock.adjusted",
        sku=code,
        location=where.code,
        system=system,
        counted=count,
        difference=diff,
        reference=ref,
    )
    hooks.stock_changed(w, {code})
    return diff


# --- allocations (orders) ----------------------------------------------------------------------------


def _allocation(w: World, sku_code: str, reference: str) -> Allocation | None:
    q = select(Allocation).where(Allocation.sku_code == sku_code, Allocation.reference == reference)
    return w.db.scalars(q).first()


def allocate(w: World, sku_code: str, qty: int, reference: str) -> Allocation:
    """Reserve units for a reference (an order); Conflict when fewer are available."""
    code, count, ref = _code(sku_code), whole(qty), _reference(reference)
    if not ref:
        raise DomainError(N_("占用库存必须注明订单号"))
    free = available(w, code)
    if count > free:
        raise Conflict(N_("%(sku)s 可用库存只有 %(qty)s 件"), sku=code, qty=free)
    held = _allocation(w, code, ref)
    if held is None:
        held = Allocation(sku_code=code, reference=ref, qty=0)
        w.db.add(held)
    held.qty += count
    w.db.flush()
    w.emit("stock.allocated", sku=code, qty=count, reference=ref)
    hooks.stock_changed(w, {code})
    return held


def _take_back(w: World, code: str, count: int, ref: str) -> None:
    held = _allocation(w, code, ref)
    if held is None or held.qty < count:
        raise Conflict(
            N_("%(reference)s 只占用了 %(sku)s %(qty)s 件"),
            reference=ref,
            sku=code,
            qty=held.qty if held else 0,
        )
    held.qty -= count
    if held.qty == 0:
        w.db.delete(held)
    w.db.flush()


def release(w: World, sku_code: str, qty: int, reference: str) -> None:
    """Give back units reserved for a reference that will not ship them."""
    code, count, ref = _code(sku_code), whole(qty), _reference(reference)
    _take_back(w, code, count, ref)
    w.emit("stock.released", sku=code, qty=count, reference=ref)
    hooks.stock_changed(w, {code})


def consume(w: World, sku_code: str, qty: int, reference: str) -> list[StockMove]:
    """Reserved units leave the warehouse for the customer (shipment): taken from the main store first,
    then from the other internal locations in order."""
    code, count, ref = _code(sku_code), whole(qty), _reference(reference)
    _take_back(w, code, count, ref)
    customer = location(w, CUSTOMERS)
    q = (
        select(StockQuant)
        .join(StockLocation, StockLocation.id == StockQuant.location_pk)
        .where(StockQuant.sku_code == code, StockQuant.qty > 0, StockLocation.kind == LocationKind.INTERNAL)
        .order_by((StockLocation.code != DEFAULT_LOCATION), StockLocation.position, StockLocation.code)
    )
    made, left = [], count
    for quant in list(w.db.scalars(q)):
        step = min(left, quant.qty)
        made.append(_move(w, code, step, quant.location, customer, MoveKind.ISSUE, ref, N_("订单发货")))
        left -= step
        if not left:
            break
    if left:  # cannot happen while allocations never exceed on hand; refuse rather than go negative
        raise Conflict(N_("%(sku)s 库存不足，无法发货"), sku=code)
    w.emit("stock.issued", sku=code, qty=count, location="", reference=ref)
    hooks.stock_changed(w, {code})
    return made
