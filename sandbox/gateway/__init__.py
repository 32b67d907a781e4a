"""Payment platform 云鹊支付 (layer 2): merchant apps, signed trades, cashier, notifications, refunds."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="gateway",
    layer=2,
    models="sandbox.gateway.models",
    views="sandbox.gateway.views",
    npc_actions="sandbox.gateway.npc",
    checks=("graders.checks.gateway",),
    app=DesktopApp("pay", N_("云鹊支付"), "鹊", "pay", "gateway.home", ("gateway",), position=25),
)
