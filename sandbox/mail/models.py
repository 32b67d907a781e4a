"""Mailboxes and messages. A message keeps its raw MIME text; what pages show is parsed from it, so
signed and encrypted mail (the certificate module) can be stored as it was sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.worlds.base import WorldBase


class Folder:
    """Where a copy of a message lies in a mailbox."""

    INBOX = "inbox"
    SENT = "sent"


class Mailbox(WorldBase):
    """One e-mail address in the world: a candidate's identity, a shop, a bank, the platform."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    # Whose it is: the candidate's identity role ("buyer" …), or "system" for the world's own senders.
    owner: Mapped[str] = mapped_column(String(20), default="system")

    messages: Mapped[list[Message]] = relationship(back_populates="mailbox", order_by="Message.id")


class Message(WorldBase):
    """One copy of a message in one mailbox's folder (the sender's sent copy, each recipient's)."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"), index=True)
    folder: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str] = mapped_column(String(200), index=True)
    sender: Mapped[str] = mapped_column(String(200))
    recipients: Mapped[str] = mapped_column(String(1000))
    subject: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    is_read: Mapped[bool] = mapped_column(default=False)
    attachment_count: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[str] = mapped_column(Text)  # the RFC 5322 message as sent

    mailbox: Mapped[Mailbox] = relationship(back_populates="messages")
