"""C2C auctions (layer 4): listings with start price, increment, reserve and buy-it-now, proxy
bidding with NPC bidders, anti-sniping, closing and payment, and mutual ratings (信用评价)."""

from sandbox.domains import Domain

DOMAIN = Domain(name="auction", layer=4, views="sandbox.auction.views")
