"""Customer service (layer 4): the seller's chat console with scripted NPC buyers, quick
replies, order lookup, transfer to after-sales, and the response-time metrics."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="service",
    layer=4,
    models="sandbox.service.models",
    views="sandbox.service.views",
    npc_actions="sandbox.service.npc",
    checks=("graders.checks.service",),
    app=DesktopApp(
        "service", N_("客服工作台"), "服", "service", "service.console", ("service",), position=47
    ),
)
