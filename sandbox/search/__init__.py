"""The search engine (layer 3): indexes what every domain publishes (worlds.public), ranks with
BM25 over jieba's segmentation, and records each query as a domain event."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="search",
    layer=3,
    models="sandbox.search.models",
    views="sandbox.search.views",
    checks=("graders.checks.search",),
    app=DesktopApp("search", N_("搜索引擎"), "搜", "search", "search.home", ("search",), position=21),
)
