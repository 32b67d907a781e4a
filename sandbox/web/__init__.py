"""The world's own web (layer 1): company sites, news, trade-fair notices and price lists, generated
from seed data and shown as pages; the search engine indexes them."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="web",
    layer=1,
    models="sandbox.web.models",
    views="sandbox.web.views",
    checks=("graders.checks.web",),
    sources=("sandbox.web.public_docs",),
    app=DesktopApp("web", N_("浏览器"), "网", "web", "web.portal", ("web",), position=35),
)
