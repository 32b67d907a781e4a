"""Webmail: inbox, sent, compose, read a message, download an attachment."""

from __future__ import annotations

import io

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_babel import gettext

from sandbox.binding import current_attempt, current_world, done, refused, session_world, set_session_world
from sandbox.errors import N_, DomainError, NotFound
from sandbox.mail import secure
from sandbox.mail import services as mail
from sandbox.mail.models import Folder, Mailbox

bp = Blueprint("mail", __name__, url_prefix="/mail")


def _own_addresses() -> list[str]:
    """The addresses of the candidate's own identities in this attempt."""
    attempt = current_attempt()
    return [i["email"] for i in (attempt.identities if attempt else []) if i.get("email")]


def _mailbox() -> Mailbox:
    """The mailbox being read: the chosen one of the candidate's identities, else the first."""
    own = _own_addresses()
    chosen = session_world().get("mailbox")
    address = chosen if chosen in own else (own[0] if own else None)
    box = mail.mailbox_by_address(current_world(), address) if address else None
    if box is None:
        raise NotFound(N_("没有可用的邮箱"))
    return box


def _page(template: str, status: int = 200, **context):  # noqa: ANN003, ANN202
    box = _mailbox()
    w = current_world()
    return render_template(
        template, box=box, own=_own_addresses(), unread=mail.unread_count(w, box), **context
    ), status


@bp.get("/")
def inbox():
    """The inbox, newest first."""
    box = _mailbox()
    return _folder_page(Folder.INBOX, mail.folder(current_world(), box, Folder.INBOX))


def _folder_page(folder: str, messages: list):  # noqa: ANN202
    """A folder's list, with a mark on signed and on encrypted messages."""
    marks = {m.id: secure.mark(m) for m in messages}
    return _page("mail/folder.html", folder=folder, messages=messages, marks=marks)


@bp.get("/sent")
def sent():
    """Messages sent from this mailbox."""
    box = _mailbox()
    return _folder_page(Folder.SENT, mail.folder(current_world(), box, Folder.SENT))


@bp.post("/switch")
def switch():
    """Read another of the candidate's own mailboxes."""
    address = (request.form.get("address") or "").strip().lower()
    if address not in _own_addresses():
        raise NotFound(N_("没有可用的邮箱"))
    set_session_world(mailbox=address)
    return redirect(url_for("mail.inbox"))


@bp.route("/compose", methods=["GET", "POST"])
def compose():
    """Write and send a message to addresses in the world (with an optional attachment)."""
    if request.method != "POST":  # GET and HEAD only look
        return _page("mail/compose.html", form={"to": request.args.get("to", "")[:200]})
    form = {k: request.form.get(k, "") for k in ("to", "subject", "body", "sign", "encrypt")}
    files = [
        mail.Attachment(f.filename or "attachment", f.mimetype or "application/octet-stream", f.read())
        for f in request.files.getlist("attachment")
        if f and f.filename
    ]
    try:
        if form["sign"] or form["encrypt"]:
            secure.send(
                current_world(),
                _mailbox(),
                mail.parse_recipients(form["to"]),
                form["subject"],
                form["body"],
                attachments=files,
                sign=bool(form["sign"]),
                encrypt=bool(form["encrypt"]),
                password=request.form.get("cert_password", ""),
            )
        else:
            mail.send(
                current_world(),
                _mailbox(),
                mail.parse_recipients(form["to"]),
                form["subject"],
                form["body"],
                attachments=files,
            )
    except DomainError as exc:
        return _page("mail/compose.html", exc.status, form=form, error=refused(exc))
    done(gettext("邮件已发送"))
    return redirect(url_for("mail.sent"))


@bp.get("/m/<int:message_pk>")
def message(message_pk: int):
    """One message: headers, text, sanitised HTML, attachments. Opening an inbox message reads it."""
    w = current_world()
    msg = mail.get_message(w, _mailbox(), message_pk)
    if not w.read_only:
        mail.mark_read(w, msg)
    return _message_page(msg)


def _message_page(msg, inner: bytes | None = None, status: int = 200, error: str | None = None):  # noqa: ANN001, ANN202
    """A message as the reader sees it; a signed or encrypted one with its verdict or the decrypt form."""
    w = current_world()
    if inner is None and not secure.is_secure(msg):
        return _page("mail/message.html", msg=msg, shown=mail.show(msg))
    security, entity = secure.inspect(w, msg, inner)
    headers = mail.show_headers(msg)
    if entity is None:  # still encrypted
        text, html, files = "", None, []
    else:
        text, html, files = secure.shown(entity)
    shown = mail.Shown(headers.subject, headers.sender, headers.to, headers.date, text, html, files)
    keys_for = secure.recipient_entries(w, _mailbox().address, msg) if entity is None else []
    return _page(
        "mail/message.html",
        status,
        msg=msg,
        shown=shown,
        security=security,
        decrypt_entries=keys_for,
        error=error,
        inline_files=entity is not None and inner is not None,
    )


@bp.post("/m/<int:message_pk>/decrypt")
def decrypt(message_pk: int):
    """Decrypt an encrypted message with a certificate of the reader's store (shown, never stored)."""
    w = current_world()
    box = _mailbox()
    msg = mail.get_message(w, box, message_pk)
    try:
        entry = int(request.form.get("entry") or 0)
        inner = secure.decrypt(w, box.address, msg, entry, request.form.get("cert_password", ""))
    except ValueError:
        return _message_page(msg, status=400, error=gettext("请选择用于解密的证书"))
    except DomainError as exc:
        return _message_page(msg, status=exc.status, error=refused(exc))
    return _message_page(msg, inner)


@bp.get("/m/<int:message_pk>/attachments/<int:index>")
def attachment(message_pk: int, index: int):
    """Download an attachment (always as a download, never shown inline)."""
    w = current_world()
    msg = mail.get_message(w, _mailbox(), message_pk)
    file = secure.attachment(w, msg, index) if secure.is_secure(msg) else mail.attachment(msg, index)
    return send_file(
        io.BytesIO(file.data),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=file.filename,
    )
