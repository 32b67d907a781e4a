"""Stock as orders use it: allocate at order, release at cancel, consume at shipment, restock on return.

The orders domain (layer 3) is where the storefront's SKUs (what a buyer may order) and the warehouse
(where goods are) meet. Every change to stock that an order makes goes through these functions.
"""

from __future__ import annotations

from sandbox.storefront import services as storefront
from sandbox.worlds.world import World


def allocate(w: World, sku_code: str, quantity: int, reference: str) -> None:
    """Reserve `quantity` units for an order (the caller has checked availability)."""
    storefront.get_sku(w, sku_code).allocated += quantity


def release(w: World, sku_code: str, quantity: int, reference: str) -> None:
    """Give back units reserved for an order that will not ship them."""
    storefront.get_sku(w, sku_code).allocated -= quantity


def consume(w: World, sku_code: str, quantity: int, reference: str) -> None:
    """Reserved units leave the warehouse in a parcel."""
    sku = storefront.get_sku(w, sku_code)
    sku.allocated -= quantity
    sku.quantity -= quantity


def opening(w: World, sku_code: str, quantity: int, reference: str) -> None:
    """A new SKU's opening stock (期初库存), set once when the merchant lists it."""
    storefront.get_sku(w, sku_code).quantity = quantity


def receive_return(w: World, sku_code: str, quantity: int, reference: str) -> None:
    """Goods a buyer sent back arrive at the warehouse and can be sold again."""
    storefront.get_sku(w, sku_code).quantity += quantity
