"""Customer service (layer 4): the seller's chat console with scripted NPC buyers, quick
replies, order lookup, transfer to after-sales, and the response-time metrics."""

from sandbox.domains import Domain

DOMAIN = Domain(name="service", layer=4, views="sandbox.service.views")
