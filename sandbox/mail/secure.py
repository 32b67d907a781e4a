"""Secure mail (安全电子邮件): sign with the sender's certificate, encrypt to the recipients' certificates
from the CA's directory (S/MIME), and what a reader is told: the signature's verdict, decryption with a key
from the reader's own certificate store."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import nh3
from cryptography import x509

from sandbox.errors import N_, DomainError, NotFound
from sandbox.mail import services as mail
from sandbox.mail.models import Mailbox, Message
from sandbox.pki import ca, cms, keys, store, validation
from sandbox.worlds.world import World

VERDICT_OUTCOME = {
    cms.VALID: validation.Outcome.VALID,
    cms.TAMPERED: validation.Outcome.TAMPERED,
    cms.REVOKED: validation.Outcome.REVOKED,
    cms.EXPIRED: validation.Outcome.EXPIRED,
    cms.UNTRUSTED: validation.Outcome.UNTRUSTED,
    cms.MALFORMED: validation.Outcome.MALFORMED,
}
CANNOT_SIGN = {
    validation.Outcome.REVOKED: N_("您的签名证书已吊销，不能用于签名"),
    validation.Outcome.SUSPENDED: N_("您的签名证书已挂起，不能用于签名"),
    validation.Outcome.EXPIRED: N_("您的签名证书已过期，不能用于签名"),
}


def send(
    w: World,
    sender: Mailbox,
    to: list[str],
    subject: str,
    text: str,
    *,
    attachments: list[mail.Attachment] | None = None,
    sign: bool = False,
    encrypt: bool = False,
    password: str = "",
    signer: tuple[keys.PrivateKey, x509.Certificate] | None = None,
) -> str:
    """Send a message signed with the sender's certificate and/or encrypted to each recipient's.

    `signer` is for the world's own senders (a seeded partner's mail program): it signs with that key and
    certificate as they are, without the checks the candidate's mail client makes."""
    subject, text = (subject or "").strip(), text or ""
    boxes = mail.check_message(w, to, subject, text, None, attachments)
    entity = EmailMessage(policy=policy.SMTP)
    entity.set_content(text, cte="base64")  # 7-bit on the wire: what is signed is what is stored
    mail.add_attachments(entity, attachments or [])
    body = entity.as_bytes()
    about: dict[str, object] = {"signed": sign, "encrypted": encrypt}
    if signer is not None:
        key, cert = signer
        body = cms.sign(body, key, cert, ca.chain(w))  # type: ignore[arg-type]
        about.update(signed=True, signer_serial=keys.serial_hex(cert))
    elif sign:
        entry, cert = _signing_certificate(w, sender.address)
        key = store.unlock(entry, password)
        body = cms.sign(body, key, cert, ca.chain(w))  # type: ignore[arg-type]
        about["signer_serial"] = keys.serial_hex(cert)
    if encrypt:
        certs = _encryption_certificates(w, [b.address for b in boxes])
        own = ca.encryption_certificate(w, sender.address)  # the sender can read the sent copy
        body = cms.encrypt(body, [c for _, c in certs] + ([_x509(own)] if own else []))
        about["encrypted_for"] = [r.serial for r, _ in certs]
    headers = EmailMessage(policy=policy.SMTP)
    message_id = mail.address_headers(w, headers, sender, boxes, subject)
    head = headers.as_bytes().rstrip(b"\r\n") + b"\r\n"  # encoded, folded; the entity's headers follow
    raw = (head + body).decode("ascii")
    mail.deliver(w, sender, boxes, subject, message_id, raw, len(attachments or []), **about)
    return message_id


def _x509(row: object) -> x509.Certificate:
    return x509.load_der_x509_certificate(row.der)  # type: ignore[attr-defined]


def _signing_certificate(w: World, address: str) -> tuple[object, x509.Certificate]:
    """The sender's newest valid signing certificate for this address in their store."""
    found = []
    for entry in store.signing_entries(w, address):
        cert = store.certificate(entry)
        if cert is not None and store.details(cert).email == address:
            found.append((entry, cert))
    if not found:
        raise DomainError(N_("证书管理器中没有 %(address)s 的签名证书：请先申请证书并导入"), address=address)
    outcome = validation.Outcome.UNTRUSTED
    for entry, cert in reversed(found):
        outcome = validation.check(w, cert, {"digital_signature"}).outcome
        if outcome == validation.Outcome.VALID:
            return entry, cert
    raise DomainError(CANNOT_SIGN.get(outcome, N_("您的签名证书不是本认证中心签发的有效证书，不能用于签名")))


def _encryption_certificates(w: World, addresses: list[str]) -> list[tuple[object, x509.Certificate]]:
    found = []
    for address in addresses:
        row = ca.encryption_certificate(w, address)
        if row is None:
            raise DomainError(
                N_("找不到收件人 %(address)s 的有效加密证书（可在 CA 认证中心「证书查询」中核对）"),
                address=address,
            )
        found.append((row, _x509(row)))
    return found


@dataclass(frozen=True)
class Security:
    """What the reader is told about a message's signature and encryption."""

    signed: bool
    encrypted: bool
    decrypted: bool = False
    outcome: str = ""  # validation.Outcome of the signature
    label: str = ""  # its message key
    signer_cn: str = ""
    signer_email: str = ""
    signer_serial: str = ""
    detail: str = ""


def _raw(message: Message) -> bytes:
    return message.raw.encode("utf-8", "surrogateescape")


def mark(message: Message) -> str:
    """ "encrypted", "signed" or "" (from the headers only: nothing is verified or decrypted)."""
    raw = _raw(message)
    if cms.is_encrypted(raw):
        return "encrypted"
    return "signed" if cms.is_signed(raw) else ""


def is_secure(message: Message) -> bool:
    """Whether the message is signed or encrypted (S/MIME)."""
    raw = _raw(message)
    return cms.is_signed(raw) or cms.is_encrypted(raw)


def inspect(w: World, message: Message, inner: bytes | None = None) -> tuple[Security, bytes | None]:
    """The security of a stored message (or of its decrypted `inner` entity) and the entity to show
    (None while it is encrypted)."""
    raw = inner if inner is not None else _raw(message)
    encrypted = inner is not None or cms.is_encrypted(raw)
    if inner is None and cms.is_encrypted(raw):
        return Security(signed=False, encrypted=True), None
    if not cms.is_signed(raw):
        return Security(signed=False, encrypted=encrypted, decrypted=inner is not None), raw
    t = validation.trust(w)
    verdict, content = cms.verify(
        raw, trust_roots=t.roots, intermediates=t.intermediates, crls=t.crls, moment=t.moment
    )
    outcome = VERDICT_OUTCOME.get(verdict.code, validation.Outcome.MALFORMED)
    if outcome == validation.Outcome.REVOKED and verdict.revocation_reason == "certificate_hold":
        outcome = validation.Outcome.SUSPENDED
    signer = verdict.signer
    if outcome == validation.Outcome.VALID and signer is not None and ca.known(w, signer) is None:
        outcome = validation.Outcome.UNTRUSTED  # another world's certificate, not in this CA's records
    details = store.details(signer) if signer is not None else None
    cn = signer.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME) if signer is not None else []
    return (
        Security(
            signed=True,
            encrypted=encrypted,
            decrypted=inner is not None,
            outcome=outcome,
            label=validation.Outcome.LABELS[outcome],
            signer_cn=str(cn[0].value) if cn else "",
            signer_email=details.email if details else "",
            signer_serial=details.serial if details else "",
            detail=verdict.detail,
        ),
        content,
    )


def decrypt(w: World, owner: str, message: Message, entry_id: int, password: str) -> bytes:
    """The inner entity of an encrypted message, with a key from the reader's store (never stored)."""
    raw = _raw(message)
    if not cms.is_encrypted(raw):
        raise DomainError(N_("这封邮件没有加密"))
    entry = store.get(w, owner, entry_id)
    cert = store.certificate(entry)
    key = store.unlock(entry, password)
    wanted = {(name, serial) for name, serial in cms.recipients_of(raw)}
    if cert is None or (cert.issuer, cert.serial_number) not in wanted:
        raise DomainError(N_("这封邮件不是用这张证书加密的，无法解密"), 403)
    try:
        inner = cms.decrypt(raw, key, cert)  # type: ignore[arg-type]
    except cms.CmsError:
        raise DomainError(N_("解密失败：邮件已损坏或不是发给这张证书的"), 403) from None
    w.emit("mail.decrypted", message_id=message.message_id, mailbox=owner, serial=keys.serial_hex(cert))
    return inner


def recipient_entries(w: World, owner: str, message: Message) -> list[object]:
    """The reader's store entries that this encrypted message was encrypted to."""
    wanted = {(name, serial) for name, serial in cms.recipients_of(_raw(message))}
    found = []
    for entry in store.decrypting_entries(w, owner):
        cert = store.certificate(entry)
        if cert is not None and (cert.issuer, cert.serial_number) in wanted:
            found.append(entry)
    return found


def shown(entity: bytes) -> tuple[str, str | None, list[tuple[str, str, int]]]:
    """Text, HTML and attachments of a (verified or decrypted) inner entity."""
    parsed = BytesParser(policy=policy.default).parsebytes(entity)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    files = [
        (p.get_filename() or "attachment", p.get_content_type(), len(p.get_payload(decode=True) or b""))
        for p in parsed.iter_attachments()
    ]
    return (
        text_part.get_content() if text_part is not None else "",
        nh3.clean(html_part.get_content()) if html_part is not None else None,
        files,
    )


def attachment(w: World, message: Message, index: int) -> mail.Attachment:
    """The index-th attachment of a signed message (an encrypted one's are read after decrypting)."""
    security, entity = inspect(w, message)
    if entity is None:
        raise DomainError(N_("加密邮件的附件需先解密"), 403)
    parts = list(BytesParser(policy=policy.default).parsebytes(entity).iter_attachments())
    if not 0 <= index < len(parts):
        raise NotFound(N_("附件不存在"))
    part = parts[index]
    return mail.Attachment(
        part.get_filename() or "attachment", part.get_content_type(), part.get_payload(decode=True) or b""
    )


def decrypt_quietly(w: World, owner: str, message: Message, entry_id: int, password: str) -> bytes | None:
    """The inner entity, or None; for graders (read-only worlds): records nothing."""
    entry = store.get(w, owner, entry_id)
    cert = store.certificate(entry)
    if cert is None or entry.key_blob is None:
        return None
    try:
        return cms.decrypt(_raw(message), store.unlock(entry, password), cert)  # type: ignore[arg-type]
    except (cms.CmsError, DomainError):
        return None
