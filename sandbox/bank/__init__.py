"""Online bank (layer 1): accounts and their opening at the counter, a double-entry journal, transfers
within and between banks, personal and enterprise online banking, the cashier's card payments."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="bank",
    layer=1,
    models="sandbox.bank.models",
    views="sandbox.bank.views",
    npc_actions="sandbox.bank.npc",
    checks=("graders.checks.bank",),
    app=DesktopApp("bank", N_("网上银行"), "银", "bank", "bank.index", ("bank",), position=20),
)
