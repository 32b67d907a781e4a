"""Certificate authority and certificate store (交易安全): the world's CA (root and issuing CA,
applications and the RA, issuing, revocation, CRL, OCSP, directory), each identity's certificate store,
certificate login, and signed documents. Below the bank and the mail, which both use certificates."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="pki",
    layer=0,
    models="sandbox.pki.models",
    views="sandbox.pki.views",
    npc_actions="sandbox.pki.npc",
    checks=("graders.checks.pki",),
    app=DesktopApp("ca", N_("CA认证中心"), "证", "ca", "pki.ca_home", ("pki",), position=60),
    more_apps=(
        DesktopApp("certs", N_("证书管理器"), "钥", "certs", "pki_store.index", ("pki_store",), position=61),
    ),
)
