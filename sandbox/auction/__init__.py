"""C2C auctions (layer 4): listings with start price, increment, reserve and buy-it-now, proxy
bidding with NPC bidders, anti-sniping, closing on the world clock, and mutual ratings (信用评价)."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="auction",
    layer=4,
    models="sandbox.auction.models",
    views="sandbox.auction.views",
    npc_actions="sandbox.auction.npc",
    checks=("graders.checks.auction",),
    app=DesktopApp("auction", N_("拍卖"), "拍", "auction", "auction.home", ("auction",), position=50),
)
