"""Orders (layer 3): checkout, payment at the bank's cashier, order pages, fulfilment."""

from sandbox.domains import Domain

# The orders' pages open from the storefront's app (商城), so orders declares no app of its own.
DOMAIN = Domain(
    name="orders",
    layer=3,
    models="sandbox.orders.models",
    views="sandbox.orders.views",
    npc_actions="sandbox.orders.npc",
    checks=("graders.checks.orders", "graders.checks.shop_payments"),
)
