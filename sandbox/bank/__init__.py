"""Online bank (layer 1): accounts, a double-entry journal, the cashier's card payments."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="bank",
    layer=1,
    models="sandbox.bank.models",
    views="sandbox.bank.views",
    app=DesktopApp("bank", N_("网上银行"), "银", "bank", "bank.index", ("bank",), position=20),
)
