"""The search engine (layer 3): indexes what every domain publishes (worlds.public), ranks with
BM25 over jieba's segmentation, and records each query as a domain event."""

from sandbox.domains import Domain

DOMAIN = Domain(name="search", layer=3, views="sandbox.search.views")
