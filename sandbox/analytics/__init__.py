"""Shop data analysis (layer 4, like 生意参谋): the NPC traffic generated from the seed
(visits, page views, add-to-cart, orders, sources) and the shop's analytics pages and exports."""

from sandbox.domains import Domain

DOMAIN = Domain(name="analytics", layer=4, views="sandbox.analytics.views")
