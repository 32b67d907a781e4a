"""Checks about the warehouse: a delivery checked in with the quantities received, a stock count's
difference recorded as an adjustment, a SKU's available quantity (in the world or on the answer sheet).

The shop is the candidate's own (the merchant identity's seller-centre login); the SKU is `sku`, or
the one an earlier item found (fact `sku_code`), or the first line of the shop's first purchase order.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from sandbox.logistics import stock
from sandbox.logistics.stock_models import (
    CountSheet,
    CountStatus,
    MoveKind,
    PurchaseOrder,
    Receipt,
    ReceiptStatus,
    StockMove,
)
from sandbox.merchant.models import SellerAccount


def _shop_id(ctx: GradeContext) -> int | None:
    logins = [i["shop_login"] for i in ctx.identities if i.get("shop_login")]
    q = select(SellerAccount.shop_id).where(
        SellerAccount.login.in_(logins), SellerAccount.shop_id.is_not(None)
    )
    return ctx.world.db.scalar(q.order_by(SellerAccount.id)) if logins else None


def _sku(ctx: GradeContext, shop_id: int, sku: str | None) -> str | None:
    if sku:
        return str(sku).strip()
    if ctx.facts.get("sku_code"):
        return ctx.facts["sku_code"]
    q = select(PurchaseOrder).where(PurchaseOrder.shop_id == shop_id).order_by(PurchaseOrder.id)
    order = ctx.world.db.scalars(q).first()
    return order.lines[0].sku_code if order is not None and order.lines else None


def _receipt_label(receipt: Receipt, code: str) -> str:
    line = next((ln for ln in receipt.lines if ln.sku_code == code), None)
    if line is None:
        return f"入库单 {receipt.number}：没有 {code}"
    if receipt.status != ReceiptStatus.DONE:
        return (
            f"入库单 {receipt.number}：{code} 采购 {line.ordered_qty}、送货单 {line.shipped_qty}，未验收入库"
        )
    return (
        f"入库单 {receipt.number}：{code} 采购 {line.ordered_qty}、送货单 {line.shipped_qty}、"
        f"实收 {line.received_qty}，入库到 {receipt.location.code if receipt.location else '—'}"
    )


@check("state", "warehouse.receipt_checked_in", sets=("receipt_no", "sku_code"))
def receipt_checked_in(
    ctx: GradeContext, received: int, sku: str | None = None, location: str | None = None
) -> CheckResult:
    """A receipt (入库单) of the candidate's shop was checked in with `received` units of the SKU;
    half the points if they went to another location than `location` (when given). Sets
    `receipt_no` and `sku_code`."""
    shop_id = _shop_id(ctx)
    if shop_id is None:
        return CheckResult.failed("考生没有店铺")
    code = _sku(ctx, shop_id, sku)
    if code is None:
        return CheckResult.failed("店铺没有采购单，无法确定要核对的商品")
    receipts = [
        r
        for r in ctx.world.db.scalars(select(Receipt).where(Receipt.shop_id == shop_id).order_by(Receipt.id))
        if any(ln.sku_code == code for ln in r.lines)
    ]
    evidence = [
        text_evidence("店铺的入库单", [_receipt_label(r, code) for r in receipts] or "（没有入库单）"),
        text_evidence(
            "应为", f"{code} 实收 {int(received)} 件" + (f"，入库到 {location}" if location else "")
        ),
    ]
    done = [r for r in receipts if r.status == ReceiptStatus.DONE]
    if not done:
        return CheckResult.failed(f"{code} 的到货没有验收入库", *evidence)
    for receipt in done:
        line = next(ln for ln in receipt.lines if ln.sku_code == code)
        if line.received_qty == int(received):
            ctx.facts.update(receipt_no=receipt.number, sku_code=code)
            where = receipt.location.code if receipt.location else ""
            if location and where != str(location).strip().upper():
                return CheckResult(
                    0.5, f"入库单 {receipt.number} 实收数量正确，但入库到 {where}，应为 {location}", *evidence
                )
            return CheckResult.passed(
                f"入库单 {receipt.number} 按实收 {line.received_qty} 件验收入库", *evidence
            )
    got = ", ".join(str(next(ln for ln in r.lines if ln.sku_code == code).received_qty) for r in done)
    return CheckResult.failed(f"{code} 验收入库的实收数量为 {got}，应为 {int(received)}", *evidence)


def _count_label(sheet: CountSheet, code: str) -> str:
    line = next((ln for ln in sheet.lines if ln.sku_code == code), None)
    state = "已确认" if sheet.status == CountStatus.CONFIRMED else "未确认"
    if line is None:
        return f"盘点单 {sheet.number}（{sheet.location.code}，{state}）：没有 {code}"
    diff = "—" if line.difference is None else f"{line.difference:+d}"
    return (
        f"盘点单 {sheet.number}（{sheet.location.code}，{state}）：{code} 系统 {line.system_qty}、"
        f"实盘 {line.counted_qty if line.counted_qty is not None else '—'}、差异 {diff}"
    )


@check("state", "warehouse.count_adjusted", sets=("count_no", "sku_code"))
def count_adjusted(
    ctx: GradeContext, difference: int, sku: str | None = None, location: str | None = None
) -> CheckResult:
    """A confirmed stock count (盘点) of the candidate's shop recorded `difference` (counted − system,
    negative for a loss) for the SKU, in `location` when given, with its adjustment move. Sets
    `count_no` and `sku_code`."""
    shop_id = _shop_id(ctx)
    if shop_id is None:
        return CheckResult.failed("考生没有店铺")
    code = _sku(ctx, shop_id, sku)
    if code is None:
        return CheckResult.failed("店铺没有采购单，无法确定要核对的商品")
    q = select(CountSheet).where(CountSheet.shop_id == shop_id).order_by(CountSheet.id)
    sheets = [s for s in ctx.world.db.scalars(q) if any(ln.sku_code == code for ln in s.lines)]
    want = int(difference)
    evidence = [
        text_evidence("店铺的盘点单", [_count_label(s, code) for s in sheets] or "（没有盘点单）"),
        text_evidence("应为", f"{code} 差异 {want:+d}" + (f"（库位 {location}）" if location else "")),
    ]
    confirmed = [s for s in sheets if s.status == CountStatus.CONFIRMED]
    if location:
        confirmed = [s for s in confirmed if s.location.code == str(location).strip().upper()]
    if not confirmed:
        return CheckResult.failed(f"没有确认的 {location or ''} 盘点单包含 {code}", *evidence)
    for sheet in reversed(confirmed):  # the latest count says what is there
        line = next(ln for ln in sheet.lines if ln.sku_code == code)
        if line.difference != want:
            continue
        moved = ctx.world.db.scalars(
            select(StockMove).where(
                StockMove.reference == sheet.number,
                StockMove.sku_code == code,
                StockMove.kind == MoveKind.ADJUSTMENT,
            )
        ).all()
        net = sum(m.qty if m.dest.internal else -m.qty for m in moved)
        evidence.append(
            text_evidence("调整记录", [f"{m.source.code} → {m.dest.code} {m.qty} 件" for m in moved])
        )
        if net != want:
            return CheckResult.failed(f"盘点单 {sheet.number} 的调整记录与差异不符", *evidence)
        ctx.facts.update(count_no=sheet.number, sku_code=code)
        return CheckResult.passed(
            f"盘点单 {sheet.number} 记录了 {code} 差异 {want:+d} 并已调整库存", *evidence
        )
    return CheckResult.failed(f"确认的盘点单中 {code} 的差异不是 {want:+d}", *evidence)


@check("state", "warehouse.available")
def available(ctx: GradeContext, expected: int, sku: str | None = None) -> CheckResult:
    """The SKU's available quantity (on hand − allocated) in the warehouse is `expected`."""
    shop_id = _shop_id(ctx)
    code = _sku(ctx, shop_id, sku) if shop_id is not None else (str(sku).strip() if sku else None)
    if code is None:
        return CheckResult.failed("无法确定要核对的商品")
    figures = stock.figures(ctx.world, [code])[code]
    evidence = [
        text_evidence(
            "库存", f"{code}：在库 {figures.on_hand}，占用 {figures.allocated}，可用 {figures.available}"
        ),
        text_evidence("应为", f"可用 {int(expected)}"),
    ]
    if figures.available == int(expected):
        return CheckResult.passed(f"{code} 可用库存为 {figures.available}", *evidence)
    return CheckResult.failed(f"{code} 可用库存为 {figures.available}，不是 {int(expected)}", *evidence)


_UNITS = re.compile(r"^(可用)?(库存)?[:：]?\s*(-?[0-9]+)\s*(件|个|pcs|units?)?$", re.IGNORECASE)


def parse_quantity(text: str) -> int | None:
    """A quantity as written: `57`, `57件`, `５７ 件`, `可用：57` → 57; anything else None."""
    clean = unicodedata.normalize("NFKC", text or "").strip()
    match = _UNITS.match(clean)
    return int(match.group(3)) if match else None


@check("answer", "warehouse.quantity_answer")
def quantity_answer(
    ctx: GradeContext, field: str, expected: int | None = None, sku: str | None = None
) -> CheckResult:
    """The answer is a number of units (`57`, `57件`) equal to `expected`, or, without it, to the SKU's
    available quantity in the world."""
    given = ctx.answers.get(field, "")
    if expected is None or str(expected).strip() == "":
        shop_id = _shop_id(ctx)
        code = _sku(ctx, shop_id, sku) if shop_id is not None else None
        want = stock.available(ctx.world, code) if code else None
    else:
        want = int(expected)
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("应为", "（无法确定）" if want is None else f"{want} 件"),
    ]
    if not given.strip():
        return CheckResult.failed("答题卡未填写", *evidence)
    value = parse_quantity(given)
    if value is None:
        return CheckResult.failed(f"「{given}」不是一个数量", *evidence)
    if want is not None and value == want:
        return CheckResult.passed(f"答题卡上的数量 {value} 正确", *evidence)
    return CheckResult.failed(f"答题卡上的数量 {value} 不对", *evidence)
