"""Logistics (layer 2): carriers with services, zones and fee tables, electronic waybills, tracking."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="logistics",
    layer=2,
    models="sandbox.logistics.models",
    views="sandbox.logistics.views",
    npc_actions="sandbox.logistics.npc",
    checks=("graders.checks.logistics", "graders.checks.warehouse"),
    app=DesktopApp(
        "logistics", N_("物流查询"), "运", "logistics", "logistics.home", ("logistics",), position=40
    ),
)
