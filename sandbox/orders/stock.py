"""Stock as orders use it: allocate at order, release at cancel, consume at shipment, restock on return.

The orders domain (layer 3) is where the storefront's SKUs (what a buyer may order) and the warehouse
(logistics: stock as moves) meet. Every change to stock that an order makes goes through these
functions, which move stock in the warehouse; a listener of the warehouse's changes keeps the
storefront's figures (`Sku.quantity` = on hand in the warehouse, `Sku.allocated`) in step, so the
storefront reads `Sku.available` and knows no warehouse.

The seller centre's stock pages ask here for a shop's SKUs with their warehouse figures: a SKU of
another shop is not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from sandbox.errors import N_, NotFound
from sandbox.logistics import hooks
from sandbox.logistics import stock as warehouse
from sandbox.logistics.stock_models import MoveKind
from sandbox.storefront.models import Product, Sku
from sandbox.worlds.world import World


def allocate(w: World, sku_code: str, quantity: int, reference: str) -> None:
    """Reserve `quantity` units for an order (refused when fewer are available)."""
    warehouse.allocate(w, sku_code, quantity, reference)


def release(w: World, sku_code: str, quantity: int, reference: str) -> None:
    """Give back units reserved for an order that will not ship them."""
    warehouse.release(w, sku_code, quantity, reference)


def consume(w: World, sku_code: str, quantity: int, reference: str) -> None:
    """Reserved units leave the warehouse in a parcel (a part of them, for a partial shipment)."""
    warehouse.consume(w, sku_code, quantity, reference)


def opening(
    w: World, sku_code: str, quantity: int, reference: str, location: str = warehouse.DEFAULT_LOCATION
) -> None:
    """A new SKU's opening stock (期初库存), set once when the merchant lists it (refused later:
    stock then changes only through warehouse moves)."""
    warehouse.opening(w, sku_code, quantity, location, reference)


def receive_return(w: World, sku_code: str, quantity: int, reference: str) -> None:
    """Goods a buyer sent back arrive at the warehouse and can be sold again."""
    where = warehouse.location(w, warehouse.DEFAULT_LOCATION)
    warehouse.receive(w, sku_code, quantity, where, reference, kind=MoveKind.RETURN)


@hooks.on_stock_change
def project_to_storefront(w: World, sku_codes: set[str]) -> None:
    """Keep the storefront's figures of these SKUs equal to the warehouse's (on hand, allocated)."""
    skus = list(w.db.scalars(select(Sku).where(Sku.code.in_(sorted(sku_codes)))))
    if not skus:
        return
    figures = warehouse.figures(w, [s.code for s in skus])
    for sku in skus:
        sku.quantity = figures[sku.code].on_hand
        sku.allocated = figures[sku.code].allocated


# --- a shop's goods in the warehouse (the seller centre) ----------------------------------------------


@dataclass(frozen=True)
class StockRow:
    """One of the shop's SKUs with its warehouse figures."""

    sku: Sku
    figures: warehouse.Figures


def shop_sku(w: World, shop_id: int, sku_code: object) -> Sku:
    """One of the shop's SKUs by code; another shop's (or none) is NotFound."""
    code = str(sku_code or "").strip()
    q = select(Sku).join(Sku.product).where(Sku.code == code, Product.shop_id == shop_id)
    sku = w.db.scalars(q).first() if code else None
    if sku is None:
        raise NotFound(N_("本店没有这个商品：%(sku)s"), sku=code[:30] or "—")
    return sku


def shop_sku_codes(w: World, shop_id: int) -> list[str]:
    """Every SKU code of the shop."""
    q = select(Sku.code).join(Sku.product).where(Product.shop_id == shop_id).order_by(Sku.code)
    return list(w.db.scalars(q))


def shop_stock(w: World, shop_id: int, search: str = "") -> list[StockRow]:
    """The shop's SKUs (matching `search` in code or product name) with on hand, allocated and
    available, per location."""
    q = (
        select(Sku)
        .join(Sku.product)
        .where(Product.shop_id == shop_id)
        .options(selectinload(Sku.product))
        .order_by(Product.code, Sku.code)
    )
    text = (search or "").strip()[:40]
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        q = q.where(or_(Sku.code.like(like), Product.name.like(like)))
    skus = list(w.db.scalars(q))
    figures = warehouse.figures(w, [s.code for s in skus])
    return [StockRow(s, figures[s.code]) for s in skus]
