"""Marketing mail (layer 4): a shop's subscribers with their opt-in, campaigns sent to the mailboxes,
NPC recipients' deliveries, opens and clicks on the world clock, unsubscribes and the report."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="marketing",
    layer=4,
    models="sandbox.marketing.models",
    views="sandbox.marketing.views",
    npc_actions="sandbox.marketing.npc",
    checks=("graders.checks.marketing",),
    app=DesktopApp(
        "marketing", N_("邮件营销"), "营", "marketing", "marketing.home", ("marketing",), position=46
    ),
)
