"""The world's own web (layer 1): company sites, news, trade-fair notices and price lists, generated
from seed data and shown as pages; the search engine indexes them."""

from sandbox.domains import Domain

DOMAIN = Domain(name="web", layer=1, views="sandbox.web.views")
