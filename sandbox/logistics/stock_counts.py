"""Stock counts (盘点): a sheet of one location listing a shop's SKUs with the system's quantity; the
counter enters what is really there; confirming records the differences as adjustment moves to or
from inventory loss (盘盈 / 盘亏). A confirmed sheet cannot be confirmed again."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.logistics import stock
from sandbox.logistics.stock_models import CountLine, CountSheet, CountStatus, StockQuant
from sandbox.worlds.world import World

MAX_NOTE = 200


def counts_of(w: World, shop_id: int) -> list[CountSheet]:
    """A shop's count sheets, newest first."""
    q = select(CountSheet).where(CountSheet.shop_id == shop_id).order_by(CountSheet.id.desc())
    return list(w.db.scalars(q))


def get_count(w: World, shop_id: int, number: object) -> CountSheet:
    """One of the shop's count sheets; another shop's (or none) is NotFound."""
    q = select(CountSheet).where(
        CountSheet.number == str(number or "").strip(), CountSheet.shop_id == shop_id
    )
    sheet = w.db.scalars(q).first()
    if sheet is None:
        raise NotFound(N_("盘点单不存在"))
    return sheet


def create_count(w: World, shop_id: int, location_code: object, sku_codes: Iterable[str]) -> CountSheet:
    """A count sheet of a location for the shop's SKUs there (`sku_codes`: the shop's own, the caller
    knows them); one open sheet per location and shop."""
    where = stock.internal_location(w, location_code, shop_id)
    codes = sorted(set(sku_codes))
    open_q = select(CountSheet.number).where(
        CountSheet.shop_id == shop_id,
        CountSheet.location_pk == where.id,
        CountSheet.status == CountStatus.OPEN,
    )
    already = w.db.scalar(open_q)
    if already:
        raise Conflict(N_("%(location)s 已有未确认的盘点单 %(number)s"), location=where.code, number=already)
    held = []
    if codes:
        q = select(StockQuant.sku_code, StockQuant.qty).where(
            StockQuant.location_pk == where.id, StockQuant.sku_code.in_(codes), StockQuant.qty > 0
        )
        held = sorted(w.db.execute(q).all())
    if not held:
        raise DomainError(N_("%(location)s 没有本店的商品，无需盘点"), location=where.code)
    sheet = CountSheet(
        number=stock.next_number(w, "PD", CountSheet.number),
        shop_id=shop_id,
        location_pk=where.id,
        created_at=w.now(),
        lines=[CountLine(sku_code=code, system_qty=qty) for code, qty in held],
    )
    w.db.add(sheet)
    w.db.flush()
    w.emit("count.created", count_no=sheet.number, shop_id=shop_id, location=where.code, skus=len(held))
    return sheet


def _open(sheet: CountSheet) -> None:
    if sheet.status != CountStatus.OPEN:
        raise Conflict(N_("盘点单 %(number)s 已确认，不能再修改"), number=sheet.number)


def enter_counts(
    w: World, shop_id: int, number: object, counted: dict[str, object], note: str = ""
) -> CountSheet:
    """Record the counted quantities (whole numbers, zero or more) of the sheet's SKUs."""
    sheet = get_count(w, shop_id, number)
    _open(sheet)
    lines = {line.sku_code: line for line in sheet.lines}
    unknown = sorted(set(counted) - set(lines))
    if unknown:
        raise DomainError(N_("盘点单中没有商品 %(sku)s"), sku=unknown[0][:30])
    values = {code: stock.whole(value, allow_zero=True) for code, value in counted.items()}
    if len(note or "") > MAX_NOTE:
        raise DomainError(N_("备注不能超过 %(max)s 个字"), max=MAX_NOTE)
    for code, value in values.items():
        lines[code].counted_qty = value
    if note:
        sheet.note = note.strip()
    w.db.flush()
    w.emit("count.entered", count_no=sheet.number, counted={c: v for c, v in sorted(values.items())})
    return sheet


def confirm_count(w: World, shop_id: int, number: object) -> CountSheet:
    """Make the adjustment moves (counted − system, the system's quantity read now) and close the
    sheet; every line must be counted. Nothing changes when one line cannot be adjusted."""
    sheet = get_count(w, shop_id, number)
    _open(sheet)
    missing = [line.sku_code for line in sheet.lines if line.counted_qty is None]
    if missing:
        raise DomainError(N_("还有 %(n)s 个商品没有录入实盘数量"), n=len(missing))
    where = sheet.location
    plan = []
    for line in sheet.lines:
        system = stock.on_hand(w, line.sku_code, where)
        diff = line.counted_qty - system
        if diff < 0 and stock.available(w, line.sku_code) + diff < 0:
            raise Conflict(
                N_("%(sku)s 盘亏 %(qty)s 件后将少于订单已占用的 %(allocated)s 件：请先处理占用库存的订单"),
                sku=line.sku_code,
                qty=-diff,
                allocated=stock.allocated(w, line.sku_code),
            )
        plan.append((line, system))
    for line, system in plan:
        line.system_qty = system
        line.difference = stock.adjust(w, line.sku_code, where, line.counted_qty, sheet.number)
    sheet.status = CountStatus.CONFIRMED
    sheet.confirmed_at = w.now()
    w.db.flush()
    w.emit(
        "count.confirmed",
        count_no=sheet.number,
        shop_id=shop_id,
        location=where.code,
        differences={line.sku_code: line.difference for line in sheet.lines if line.difference},
    )
    return sheet
