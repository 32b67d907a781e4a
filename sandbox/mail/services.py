"""Mail services: open mailboxes, send (a sent copy and one copy per recipient in the world), read.

Messages are built and parsed with Python's `email` package and stored as raw MIME. Mail only
travels inside the world: a recipient address the world does not have is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import Parser
from email.utils import format_datetime, formataddr, getaddresses, make_msgid

import nh3
from sqlalchemy import func, select

from sandbox.errors import N_, DomainError, NotFound
from sandbox.mail.models import Folder, Mailbox, Message
from sandbox.worlds.world import World

MAIL_DOMAIN = "mail.sim"  # the world's addresses end in @…; nothing leaves the world
MAX_SUBJECT = 200
MAX_BODY = 20_000
MAX_RECIPIENTS = 10
MAX_ATTACHMENT_BYTES = 1024 * 1024
ADDRESS = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}@[a-z0-9.-]{1,60}")


def mailbox_by_address(w: World, address: str) -> Mailbox | None:
    """The world's mailbox with this address (case-insensitive), or None."""
    return w.db.scalars(select(Mailbox).where(Mailbox.address == address.strip().lower())).first()


def open_mailbox(w: World, address: str, display_name: str, owner: str = "system") -> Mailbox:
    """Create a mailbox (or return the existing one with this address)."""
    address = address.strip().lower()
    if not ADDRESS.fullmatch(address):
        raise DomainError(N_("邮箱地址格式不正确：%(address)s"), address=address)
    box = mailbox_by_address(w, address)
    if box is None:
        box = Mailbox(address=address, display_name=display_name, owner=owner)
        w.db.add(box)
        w.db.flush()
        w.emit("mail.mailbox_opened", address=address)
    return box


@dataclass
class Attachment:
    """A file sent with a message."""

    filename: str
    content_type: str
    data: bytes


def parse_recipients(raw: str) -> list[str]:
    """Addresses from a To field written as 'a@x, b@y；c@z' (Chinese separators too)."""
    text = re.sub(r"[，；;、\s]+", ",", raw or "")
    return [addr.strip().lower() for _, addr in getaddresses([text]) if addr.strip()]


def send(
    w: World,
    sender: Mailbox,
    to: list[str],
    subject: str,
    text: str,
    *,
    html: str | None = None,
    attachments: list[Attachment] | None = None,
    actor: str | None = None,
) -> str:
    """Send a message from `sender` to addresses in the world; returns its Message-ID."""
    subject = (subject or "").strip()
    text = text or ""
    boxes = check_message(w, to, subject, text, html, attachments)
    msg = EmailMessage(policy=policy.SMTP)
    message_id = address_headers(w, msg, sender, boxes, subject)
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    add_attachments(msg, attachments or [])
    deliver(w, sender, boxes, subject, message_id, msg.as_string(), len(attachments or []), actor=actor)
    return message_id


def check_message(
    w: World, to: list[str], subject: str, text: str, html: str | None, attachments: list[Attachment] | None
) -> list[Mailbox]:
    """The recipients' mailboxes, once the message is within the limits (else DomainError)."""
    if not to:
        raise DomainError(N_("请填写收件人"))
    if len(to) > MAX_RECIPIENTS:
        raise DomainError(N_("收件人不能超过 %(max)s 个"), max=MAX_RECIPIENTS)
    if len(subject) > MAX_SUBJECT or len(text) > MAX_BODY or len(html or "") > MAX_BODY:
        raise DomainError(N_("主题或正文过长"))
    boxes = []
    for address in dict.fromkeys(to):
        box = mailbox_by_address(w, address)
        if box is None:
            raise DomainError(N_("收件人不存在：%(address)s"), address=address)
        boxes.append(box)
    if sum(len(a.data) for a in attachments or []) > MAX_ATTACHMENT_BYTES:
        raise DomainError(N_("附件总大小不能超过 1 MB"))
    return boxes


def address_headers(w: World, msg: EmailMessage, sender: Mailbox, boxes: list[Mailbox], subject: str) -> str:
    """Set From, To, Subject, Date and a new Message-ID on `msg`; returns the Message-ID."""
    msg["From"] = formataddr((sender.display_name, sender.address))
    msg["To"] = ", ".join(formataddr((b.display_name, b.address)) for b in boxes)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(w.now())
    message_id = make_msgid(domain=MAIL_DOMAIN)
    msg["Message-ID"] = message_id
    return message_id


def add_attachments(msg: EmailMessage, attachments: list[Attachment]) -> None:
    """Attach the files to a message."""
    for a in attachments:
        maintype, _, subtype = (a.content_type or "application/octet-stream").partition("/")
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype or "octet-stream", filename=a.filename)


def deliver(
    w: World,
    sender: Mailbox,
    boxes: list[Mailbox],
    subject: str,
    message_id: str,
    raw: str,
    attachment_count: int,
    *,
    actor: str | None = None,
    **about: object,
) -> None:
    """Store the sender's copy and each recipient's, and record `mail.sent` (with `about`: signed …)."""
    copies = [(sender, Folder.SENT, True)] + [(b, Folder.INBOX, False) for b in boxes]
    for box, folder_name, read in copies:
        w.db.add(
            Message(
                mailbox_id=box.id,
                folder=folder_name,
                message_id=message_id,
                sender=sender.address,
                recipients=", ".join(b.address for b in boxes),
                subject=subject,
                sent_at=w.now(),
                is_read=read,
                attachment_count=attachment_count,
                raw=raw,
            )
        )
    w.emit(
        "mail.sent",
        actor=actor,
        message_id=message_id,
        sender=sender.address,
        to=[b.address for b in boxes],
        subject=subject,
        **about,
    )


def folder(w: World, box: Mailbox, name: str) -> list[Message]:
    """A folder's messages, newest first."""
    q = select(Message).where(Message.mailbox_id == box.id, Message.folder == name)
    return list(w.db.scalars(q.order_by(Message.id.desc())))


def unread_count(w: World, box: Mailbox) -> int:
    """Unread messages in the inbox."""
    q = select(func.count(Message.id)).where(
        Message.mailbox_id == box.id, Message.folder == Folder.INBOX, Message.is_read.is_(False)
    )
    return w.db.scalar(q) or 0


def get_message(w: World, box: Mailbox, message_pk: int) -> Message:
    """A message copy of this mailbox (another mailbox's is not found)."""
    message = w.db.get(Message, message_pk)
    if message is None or message.mailbox_id != box.id:
        raise NotFound(N_("邮件不存在"))
    return message


def mark_read(w: World, message: Message) -> None:
    """Mark an inbox message as read (once)."""
    if not message.is_read:
        message.is_read = True
        w.emit("mail.read", message_id=message.message_id, mailbox=message.mailbox.address)


@dataclass
class Shown:
    """What a page shows of a message: headers, text, sanitised HTML, attachment names."""

    subject: str
    sender: str
    to: str
    date: str
    text: str
    html: str | None
    attachments: list[tuple[str, str, int]]  # (filename, content type, size)


def _parsed(message: Message) -> EmailMessage:
    return Parser(policy=policy.default).parsestr(message.raw)


def show_headers(message: Message) -> Shown:
    """Only the headers of a message (subject, from, to, date)."""
    parsed = _parsed(message)
    return Shown(
        subject=str(parsed["Subject"] or ""),
        sender=str(parsed["From"] or ""),
        to=str(parsed["To"] or ""),
        date=str(parsed["Date"] or ""),
        text="",
        html=None,
        attachments=[],
    )


def show(message: Message) -> Shown:
    """Parse the stored MIME for display; HTML is sanitised (no script, style or event handlers)."""
    parsed = _parsed(message)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    files = [
        (
            part.get_filename() or "attachment",
            part.get_content_type(),
            len(part.get_payload(decode=True) or b""),
        )
        for part in parsed.iter_attachments()
    ]
    return Shown(
        subject=str(parsed["Subject"] or ""),
        sender=str(parsed["From"] or ""),
        to=str(parsed["To"] or ""),
        date=str(parsed["Date"] or ""),
        text=text_part.get_content() if text_part is not None else "",
        html=nh3.clean(html_part.get_content()) if html_part is not None else None,
        attachments=files,
    )


def attachment(message: Message, index: int) -> Attachment:
    """The index-th attachment of a message."""
    parts = list(_parsed(message).iter_attachments())
    if not 0 <= index < len(parts):
        raise NotFound(N_("附件不存在"))
    part = parts[index]
    return Attachment(
        part.get_filename() or "attachment", part.get_content_type(), part.get_payload(decode=True) or b""
    )
