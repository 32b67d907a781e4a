"""Seller centre (layer 4): a merchant opens a shop, decorates it, lists goods, runs promotions, handles
orders and after-sales, keeps stock and connects the shop to the payment platform."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="merchant",
    layer=4,
    models="sandbox.merchant.models",
    views="sandbox.merchant.views",
    npc_actions="sandbox.merchant.npc",
    checks=("graders.checks.merchant", "graders.checks.promotions", "graders.checks.fulfilment"),
    app=DesktopApp("seller", N_("卖家中心"), "卖", "seller", "merchant.home", ("merchant",), position=45),
)
