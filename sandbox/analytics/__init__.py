"""Shop data analysis (layer 4, like 生意参谋): the NPC traffic generated from the seed
(visits, page views, add-to-cart, orders, sources) and the shop's analytics pages and exports."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="analytics",
    layer=4,
    models="sandbox.analytics.models",
    views="sandbox.analytics.views",
    checks=("graders.checks.analytics",),
    app=DesktopApp(
        "analytics", N_("生意参谋"), "析", "analytics", "analytics.overview", ("analytics",), position=48
    ),
)
