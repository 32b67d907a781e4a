"""B2B trade (layer 4): enterprise members, supply and demand listings, the deal's documents from
inquiry to settlement, and the online business documents (网上单证) companies fill and exchange."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="b2b",
    layer=4,
    models="sandbox.b2b.models",
    views="sandbox.b2b.views",
    npc_actions="sandbox.b2b.npc",
    checks=("graders.checks.b2b_market", "graders.checks.b2b_documents", "graders.checks.b2b_deals"),
    sources=("sandbox.b2b.public_docs",),
    app=DesktopApp(
        "b2b", N_("B2B交易平台"), "商", "b2b", "b2b.home", ("b2b", "b2b_docs", "b2b_deals"), position=55
    ),
)
