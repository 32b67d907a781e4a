"""Storefront (layer 2): catalogue, members and their addresses, the cart."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="storefront",
    layer=2,
    models="sandbox.storefront.models",
    views="sandbox.storefront.views",
    checks=("graders.checks.storefront",),
    sources=("sandbox.storefront.public_docs",),
    app=DesktopApp(
        "shop", N_("商城"), "商", "shop", "storefront.index", ("storefront", "orders"), position=10
    ),
)
