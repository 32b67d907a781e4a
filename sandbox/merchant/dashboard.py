"""The seller centre's dashboard figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.merchant.models import SellerAccount
from sandbox.worlds.world import World


@dataclass
class Board:
    """What the dashboard shows."""

    has_shop: bool
    figures: dict[str, int] = field(default_factory=dict)


def board(w: World, seller: SellerAccount) -> Board:
    """The dashboard of the seller's shop (empty until there is a shop)."""
    return Board(has_shop=seller.shop_id is not None)
