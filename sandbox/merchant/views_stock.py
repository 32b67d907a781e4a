"""Seller centre · 库存管理: the shop's stock in the mall warehouse (per location), a SKU's moves,
transfers between locations, purchase orders to suppliers, receipts to check in, stock counts.

Everything is scoped to the signed-in shop: another shop's SKU, order, receipt or count is a 404.
"""

from __future__ import annotations

import re
from datetime import date

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused
from sandbox.errors import N_, DomainError
from sandbox.logistics import purchasing, stock_counts
from sandbox.logistics import stock as warehouse
from sandbox.logistics.stock_models import (
    COUNT_STATUS_LABELS,
    LOCATION_KIND_LABELS,
    MOVE_KIND_LABELS,
    PURCHASE_STATUS_LABELS,
    RECEIPT_STATUS_LABELS,
    CountStatus,
    PurchaseStatus,
    ReceiptStatus,
)
from sandbox.merchant.views import bp, seller_required
from sandbox.orders import stock as shop_stock
from sandbox.parsing import parse_yuan

_QTY = re.compile(r"-?[0-9]{1,9}")
PO_LINES = 5  # blank lines the purchase order form offers


def _qty(raw: object) -> int:
    """A quantity typed in a form: a whole number (the service refuses negative ones)."""
    text = str(raw or "").strip()
    if not _QTY.fullmatch(text):
        raise DomainError(N_("数量必须是整数（件）"))
    return int(text)


def _page(template: str, error: str | None = None, status: int = 200, **context: object):  # noqa: ANN202
    labels = {
        "move_kinds": MOVE_KIND_LABELS,
        "location_kinds": LOCATION_KIND_LABELS,
        "po_labels": PURCHASE_STATUS_LABELS,
        "receipt_labels": RECEIPT_STATUS_LABELS,
        "count_labels": COUNT_STATUS_LABELS,
    }
    return render_template(template, error=error, **labels, **context), status


# --- stock list, a SKU's moves, transfers -------------------------------------------------------------


@bp.get("/stock", endpoint="stock")
@seller_required
def stock_home():
    """The shop's SKUs with on hand, allocated and available, per location; search by code or name."""
    w = current_world()
    search = (request.args.get("q") or "").strip()[:40]
    return _page(
        "merchant/stock.html",
        rows=shop_stock.shop_stock(w, g.shop.id, search),
        locations=warehouse.internal_locations(w, g.shop.id),
        search=search,
        waiting=sum(1 for r in purchasing.receipts_of(w, g.shop.id) if r.status == ReceiptStatus.WAITING),
    )


def _sku_page(code: str, error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    sku = shop_stock.shop_sku(w, g.shop.id, code)
    return _page(
        "merchant/stock_sku.html",
        error,
        status,
        sku=sku,
        figures=warehouse.figures(w, [sku.code])[sku.code],
        allocations=warehouse.allocations(w, sku.code),
        moves=warehouse.moves(w, sku.code),
        locations=warehouse.internal_locations(w, g.shop.id),
        form=request.form if request.method == "POST" else {},
    )


@bp.get("/stock/sku/<code>")
@seller_required
def stock_sku(code: str):
    """One SKU: where it is, what is reserved, every move (newest first), a transfer form."""
    return _sku_page(code)


@bp.post("/stock/sku/<code>/transfer")
@seller_required
def stock_transfer(code: str):
    """Move units of the SKU from one location to another."""
    w = current_world()
    sku = shop_stock.shop_sku(w, g.shop.id, code)
    try:
        src = warehouse.internal_location(w, request.form.get("source"), g.shop.id)
        dst = warehouse.internal_location(w, request.form.get("dest"), g.shop.id)
        qty = _qty(request.form.get("qty"))
        warehouse.transfer(w, sku.code, qty, src, dst, "库位调拨")
    except DomainError as exc:
        return _sku_page(sku.code, refused(exc), exc.status)
    done(gettext("已从 %(source)s 调拨 %(qty)s 件到 %(dest)s", source=src.code, qty=qty, dest=dst.code))
    return redirect(url_for("merchant.stock_sku", code=sku.code))


# --- purchase orders ----------------------------------------------------------------------------------


def _purchases_page(error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    return _page(
        "merchant/stock_purchases.html",
        error,
        status,
        orders=purchasing.orders_of(w, g.shop.id),
        suppliers=purchasing.suppliers(w),
        skus=shop_stock.shop_stock(w, g.shop.id),
        form=request.form if request.method == "POST" else {},
        blank_lines=range(PO_LINES),
        today=w.now().date().isoformat(),
    )


@bp.get("/stock/purchases")
@seller_required
def stock_purchases():
    """The shop's purchase orders and a form for a new one."""
    return _purchases_page()


def _po_lines() -> list[purchasing.LineInput]:
    """The form's filled lines (a line with no SKU is ignored); every SKU must be the shop's."""
    w, lines = current_world(), []
    for i in range(PO_LINES):
        code = (request.form.get(f"sku_{i}") or "").strip()
        if not code:
            continue
        sku = shop_stock.shop_sku(w, g.shop.id, code)
        cost = parse_yuan(request.form.get(f"cost_{i}"))
        lines.append(purchasing.LineInput(sku.code, _qty(request.form.get(f"qty_{i}")), cost))
    return lines


def _date(raw: str | None) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(N_("日期格式应为 2026-03-18")) from None


@bp.post("/stock/purchases")
@seller_required
def stock_purchase_create():
    """Draft a purchase order (then send it from its page)."""
    w = current_world()
    try:
        order = purchasing.create_order(
            w,
            g.shop.id,
            request.form.get("supplier"),
            _po_lines(),
            _date(request.form.get("expected_on")),
            request.form.get("note", ""),
        )
    except DomainError as exc:
        return _purchases_page(refused(exc), exc.status)
    done(gettext("采购单 %(number)s 已创建（草稿）", number=order.number))
    return redirect(url_for("merchant.stock_purchase", number=order.number))


def _purchase_page(number: str, error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    order = purchasing.get_order(w, g.shop.id, number)
    receipts = [r for r in purchasing.receipts_of(w, g.shop.id) if r.po_pk == order.id]
    return _page(
        "merchant/stock_purchase.html", error, status, order=order, receipts=receipts, PO=PurchaseStatus
    )


@bp.get("/stock/purchases/<number>")
@seller_required
def stock_purchase(number: str):
    """A purchase order: its lines, status, and its receipt once delivered."""
    return _purchase_page(number)


@bp.post("/stock/purchases/<number>/send")
@seller_required
def stock_purchase_send(number: str):
    """Send a draft to the supplier."""
    try:
        order = purchasing.send_order(current_world(), g.shop.id, number)
    except DomainError as exc:
        return _purchase_page(number, refused(exc), exc.status)
    done(gettext("采购单 %(number)s 已发送给供应商", number=order.number))
    return redirect(url_for("merchant.stock_purchase", number=order.number))


@bp.post("/stock/purchases/<number>/cancel")
@seller_required
def stock_purchase_cancel(number: str):
    """Cancel an order the supplier has not confirmed."""
    try:
        order = purchasing.cancel_order(current_world(), g.shop.id, number)
    except DomainError as exc:
        return _purchase_page(number, refused(exc), exc.status)
    done(gettext("采购单 %(number)s 已取消", number=order.number))
    return redirect(url_for("merchant.stock_purchase", number=order.number))


# --- receipts -----------------------------------------------------------------------------------------


@bp.get("/stock/receipts")
@seller_required
def stock_receipts():
    """The shop's receipts: deliveries waiting to be checked in first."""
    return _page("merchant/stock_receipts.html", receipts=purchasing.receipts_of(current_world(), g.shop.id))


def _receipt_page(number: str, error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    receipt = purchasing.get_receipt(w, g.shop.id, number)
    return _page(
        "merchant/stock_receipt.html",
        error,
        status,
        receipt=receipt,
        locations=warehouse.internal_locations(w, g.shop.id),
        form=request.form if request.method == "POST" else {},
        WAITING=ReceiptStatus.WAITING,
    )


@bp.get("/stock/receipts/<number>")
@seller_required
def stock_receipt(number: str):
    """A receipt: the delivery note, ordered and shipped quantities, the check-in form."""
    return _receipt_page(number)


@bp.post("/stock/receipts/<number>")
@seller_required
def stock_receipt_check_in(number: str):
    """Check the delivery in with the quantities actually received, into a location."""
    w = current_world()
    receipt = purchasing.get_receipt(w, g.shop.id, number)
    try:
        received = {
            line.sku_code: _qty(request.form.get(f"received_{line.sku_code}")) for line in receipt.lines
        }
        purchasing.check_in(
            w,
            g.shop.id,
            receipt.number,
            request.form.get("location"),
            received,
            request.form.get("remark", ""),
        )
    except DomainError as exc:
        return _receipt_page(receipt.number, refused(exc), exc.status)
    done(gettext("入库单 %(number)s 已验收入库", number=receipt.number))
    return redirect(url_for("merchant.stock_receipt", number=receipt.number))


# --- stock counts -------------------------------------------------------------------------------------


def _counts_page(error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    return _page(
        "merchant/stock_counts.html",
        error,
        status,
        counts=stock_counts.counts_of(w, g.shop.id),
        locations=warehouse.internal_locations(w, g.shop.id),
    )


@bp.get("/stock/counts")
@seller_required
def stock_counts_list():
    """The shop's count sheets and a form to count a location."""
    return _counts_page()


@bp.post("/stock/counts")
@seller_required
def stock_count_create():
    """Start a count of a location: a sheet of the shop's SKUs there with the system's quantities."""
    w = current_world()
    try:
        sheet = stock_counts.create_count(
            w, g.shop.id, request.form.get("location"), shop_stock.shop_sku_codes(w, g.shop.id)
        )
    except DomainError as exc:
        return _counts_page(refused(exc), exc.status)
    done(gettext("盘点单 %(number)s 已生成，请录入实盘数量", number=sheet.number))
    return redirect(url_for("merchant.stock_count", number=sheet.number))


def _count_page(number: str, error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    sheet = stock_counts.get_count(w, g.shop.id, number)
    return _page(
        "merchant/stock_count.html",
        error,
        status,
        sheet=sheet,
        form=request.form if request.method == "POST" else {},
        OPEN=CountStatus.OPEN,
    )


@bp.get("/stock/counts/<number>")
@seller_required
def stock_count(number: str):
    """A count sheet: the counted quantities to enter, then confirm."""
    return _count_page(number)


@bp.post("/stock/counts/<number>")
@seller_required
def stock_count_save(number: str):
    """Save the counted quantities; with `confirm`, also confirm the count (adjustments are made)."""
    w = current_world()
    sheet = stock_counts.get_count(w, g.shop.id, number)
    confirm = request.form.get("action") == "confirm"
    try:
        if sheet.status == CountStatus.OPEN:
            counted = {}
            for line in sheet.lines:
                raw = request.form.get(f"counted_{line.sku_code}")
                if raw is not None and raw.strip():
                    counted[line.sku_code] = _qty(raw)
            stock_counts.enter_counts(w, g.shop.id, sheet.number, counted, request.form.get("note", ""))
        if confirm or sheet.status != CountStatus.OPEN:
            stock_counts.confirm_count(w, g.shop.id, sheet.number)
    except DomainError as exc:
        return _count_page(sheet.number, refused(exc), exc.status)
    done(
        gettext("盘点单 %(number)s 已确认，库存已调整", number=sheet.number)
        if confirm
        else gettext("实盘数量已保存")
    )
    return redirect(url_for("merchant.stock_count", number=sheet.number))
