"""Mailbox (layer 1): an e-mail address and a webmail app for every identity in a world."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="mail",
    layer=1,
    models="sandbox.mail.models",
    views="sandbox.mail.views",
    npc_actions="sandbox.mail.npc",
    app=DesktopApp("mail", N_("邮箱"), "邮", "mail", "mail.inbox", ("mail",), position=30),
)
