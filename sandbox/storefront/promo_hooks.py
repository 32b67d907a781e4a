"""What promotions say about a product on its page (a registry: the storefront imports no promotions).

The orders domain (layer 3), which owns promotions, registers a provider; the product page shows what the
providers return (e.g. 「满200减20」, 「店铺优惠券 满100减10」).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.storefront.models import Product
    from sandbox.worlds.world import World

Provider = Callable[["World", "Product"], list[dict[str, Any]]]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Register `provider(w, product) -> [{"label": …, "detail": …}, …]` (usable as a decorator)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def badges_for(w: World, product: Product) -> list[dict[str, Any]]:
    """Every provider's badges for the product, in registration order."""
    return [badge for provider in list(_providers) for badge in provider(w, product)]
