"""The bank's notices by mail (account opened, rejected, money returned).

Banks and mail are domains of one layer, so the bank does not call the mail domain: it hands the
message to the world's scheduler as the action `mail.send` (registered by the mail domain), due at
once. It is delivered in the same touch when the bank acts from an NPC rule or a scheduled action,
and on the next request when a person acted.
"""

from __future__ import annotations

from sandbox.bank.models import Bank
from sandbox.worlds import npc
from sandbox.worlds.world import World

MAIL_SEND_ACTION = "mail.send"
MAIL_DOMAIN = "mail.sim"  # the world's mail domain (sandbox.mail.services.MAIL_DOMAIN)


def bank_mail_address(bank_code: str) -> str:
    """The address a bank's notices come from, e.g. service@icbc.mail.sim."""
    return f"service@{bank_code.lower()}.{MAIL_DOMAIN}"


def notify(w: World, bank: Bank, to: str, subject: str, text: str) -> None:
    """Send a notice from the bank's service address to `to` (a mailbox in the world)."""
    if not to:
        return
    npc.schedule(
        w, w.now(), MAIL_SEND_ACTION, sender=bank_mail_address(bank.code), to=[to], subject=subject, text=text
    )


def masked(number: str) -> str:
    """A card number as a notice shows it: 6222 **** **** 1234."""
    return f"{number[:4]} **** **** {number[-4:]}" if len(number) > 8 else number
