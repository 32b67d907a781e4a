"""Listeners that higher layers register to react to logistics changes (logistics imports none of them).

The orders domain (layer 3) registers, for instance, a listener that completes an order's delivery when
its parcel is signed, and one that keeps the storefront's stock figures in step with the warehouse.
Listeners run inside the same transaction as the change that called them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.logistics.models import Waybill
    from sandbox.worlds.world import World

ParcelListener = Callable[["World", "Waybill", str], None]
StockListener = Callable[["World", set[str]], None]

_parcel_listeners: list[ParcelListener] = []
_stock_listeners: list[StockListener] = []


def on_parcel_status(listener: ParcelListener) -> ParcelListener:
    """Register `listener(w, waybill, status)`, called after every tracking step (usable as a decorator)."""
    if listener not in _parcel_listeners:
        _parcel_listeners.append(listener)
    return listener


def on_stock_change(listener: StockListener) -> StockListener:
    """Register `listener(w, sku_codes)`, called after stock of those SKU codes moved or was allocated."""
    if listener not in _stock_listeners:
        _stock_listeners.append(listener)
    return listener


def parcel_status_changed(w: World, waybill: Waybill, status: str) -> None:
    """Tell the listeners a parcel reached `status`."""
    for listener in list(_parcel_listeners):
        listener(w, waybill, status)


def stock_changed(w: World, sku_codes: set[str]) -> None:
    """Tell the listeners the stock of these SKUs changed."""
    if sku_codes:
        for listener in list(_stock_listeners):
            listener(w, sku_codes)
