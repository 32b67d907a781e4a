"""Mail sent by the world's systems: `mail.send`, an action another domain schedules by name (a bank's
notice, a platform's code) so that it need not import the mail domain."""

from __future__ import annotations

from typing import Any

from sandbox.errors import N_, DomainError
from sandbox.mail import services as mail
from sandbox.worlds.base import Event
from sandbox.worlds.npc import npc_action
from sandbox.worlds.world import World


@npc_action("mail.send")
def send(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Send `subject` and `text` from the mailbox `sender` to the addresses `to`."""
    sender = mail.mailbox_by_address(w, str(args.get("sender", "")))
    if sender is None:
        raise DomainError(N_("发件邮箱不存在"))
    mail.send(w, sender, list(args.get("to") or []), str(args.get("subject", "")), str(args.get("text", "")))
