"""The certificate store (证书管理器): for each identity, what a browser's store and a USB key hold.
Keys stay encrypted under the certificate's password, which every use of the key asks for."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.pki import ca, keys
from sandbox.pki.authority import Subject
from sandbox.pki.models import Authority, StoreEntry
from sandbox.worlds.world import World

KEY_USAGE_LABELS = {
    "digital_signature": N_("数字签名"),
    "content_commitment": N_("不可否认"),
    "key_encipherment": N_("密钥加密"),
    "data_encipherment": N_("数据加密"),
    "key_cert_sign": N_("证书签发"),
    "crl_sign": N_("CRL 签发"),
}


def npc_password(w: World, address: str) -> str:
    """The certificate password of an NPC's store (derived from the CA's secret: nobody types it)."""
    secret = w.db.scalars(select(Authority.wrap_secret).where(Authority.role == "issuing")).one()
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:20]


def entries(w: World, owner: str) -> list[StoreEntry]:
    """What the identity's store holds, oldest first."""
    return list(w.db.scalars(select(StoreEntry).where(StoreEntry.owner == owner).order_by(StoreEntry.id)))


def get(w: World, owner: str, pk: int) -> StoreEntry:
    """One entry of the identity's own store (another identity's is not found)."""
    entry = w.db.get(StoreEntry, pk)
    if entry is None or entry.owner != owner:
        raise NotFound(N_("证书管理器中没有这张证书"))
    return entry


def certificate(entry: StoreEntry) -> x509.Certificate | None:
    """The entry's certificate (None while a CSR waits for it)."""
    return x509.load_der_x509_certificate(entry.cert_der) if entry.cert_der else None


def _label(cert: x509.Certificate) -> str:
    cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(cn[0].value) if cn else keys.serial_hex(cert)


def _add(
    w: World, owner: str, cert: x509.Certificate | None, blob: bytes | None, source: str, **extra: str
) -> StoreEntry:
    if cert is not None:
        fp = keys.fingerprint(cert)
        if w.db.scalars(
            select(StoreEntry).where(StoreEntry.owner == owner, StoreEntry.fingerprint == fp)
        ).first():
            raise Conflict(N_("该证书已在证书管理器中"))
    entry = StoreEntry(
        owner=owner,
        cert_der=keys.der(cert) if cert is not None else None,
        key_blob=blob,
        label=_label(cert) if cert is not None else extra.get("label", ""),
        fingerprint=keys.fingerprint(cert) if cert is not None else "",
        added_at=w.now(),
        source=source,
        csr_pem=extra.get("csr_pem"),
    )
    w.db.add(entry)
    w.db.flush()
    return entry


def import_p12(w: World, owner: str, data: bytes, password: str) -> StoreEntry:
    """Import a .p12/.pfx with its password; the key stays protected by that same password."""
    key, cert, _chain = keys.read_p12(data, password)
    entry = _add(w, owner, cert, keys.wrap(key, password), "p12")
    _imported(w, entry, cert)
    return entry


def _imported(w: World, entry: StoreEntry, cert: x509.Certificate, **about: object) -> None:
    w.emit(
        "cert.imported",
        owner=entry.owner,
        serial=keys.serial_hex(cert),
        subject=cert.subject.rfc4514_string(),
        entry=entry.id,
        **about,
    )


def import_key(
    w: World, owner: str, key: keys.PrivateKey, cert: x509.Certificate, password: str, source: str
) -> StoreEntry:
    """Put a key and its certificate in the store directly (a renewal, a world's starting state)."""
    return _add(w, owner, cert, keys.wrap(key, password), source)


def request(w: World, owner: str, subject: Subject, password: str) -> StoreEntry:
    """Generate a key pair in the store and a certificate request (CSR) for it."""
    keys.check_password(password)
    if not subject.name.strip():
        raise DomainError(N_("请填写证书请求的通用名（CN）"))
    key = keys.new_key()
    csr = keys.make_csr(key, subject.x509_name())
    pem = csr.public_bytes(serialization.Encoding.PEM).decode()
    entry = _add(w, owner, None, keys.wrap(key, password), "csr", csr_pem=pem, label=subject.name)
    w.emit("cert.csr_created", owner=owner, subject=csr.subject.rfc4514_string(), entry=entry.id)
    return entry


def import_certificate(w: World, owner: str, data: bytes) -> StoreEntry:
    """Import a certificate (PEM/DER): it joins the key waiting for it, or is kept as someone else's."""
    cert = keys.load_cert(data)
    wanted = keys.public_key_id(cert)
    for entry in entries(w, owner):
        if entry.cert_der is None and entry.csr_pem:
            csr = x509.load_pem_x509_csr(entry.csr_pem.encode())
            if keys.public_key_id(csr) == wanted:
                entry.cert_der, entry.fingerprint, entry.label = (
                    keys.der(cert),
                    keys.fingerprint(cert),
                    _label(cert),
                )
                _imported(w, entry, cert)
                return entry
    entry = _add(w, owner, cert, None, "cert")
    _imported(w, entry, cert, key=False)
    return entry


def unlock(entry: StoreEntry, password: str) -> keys.PrivateKey:
    """The entry's private key, when the password is right."""
    if entry.key_blob is None:
        raise DomainError(N_("这张证书没有私钥（只是他人的证书）"))
    return keys.unwrap(entry.key_blob, password)


def export_p12(w: World, entry: StoreEntry, password: str, new_password: str) -> bytes:
    """A backup of certificate and key as a new .p12 under a new password (备份)."""
    cert = certificate(entry)
    if cert is None:
        raise DomainError(N_("证书尚未导入，无法备份"))
    key = unlock(entry, password)
    keys.check_password(new_password)
    data = keys.make_p12(entry.label, key, cert, _chain_for(w), new_password)
    w.emit("cert.backed_up", owner=entry.owner, serial=keys.serial_hex(cert))
    return data


def _chain_for(w: World) -> list[x509.Certificate]:
    try:
        return ca.chain(w)
    except NotFound:
        return []


def delete(w: World, entry: StoreEntry) -> None:
    """Remove an entry (the key goes with it)."""
    cert = certificate(entry)
    w.emit("cert.deleted", owner=entry.owner, serial=keys.serial_hex(cert) if cert else "", entry=entry.id)
    w.db.delete(entry)


@dataclass(frozen=True)
class Details:
    """What the store shows about a certificate."""

    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    key_usage: list[str]
    extended_usage: list[str]
    fingerprint: str
    email: str
    key_bits: int


def details(cert: x509.Certificate) -> Details:
    """Subject, issuer, serial, validity, key usage and SHA-256 fingerprint."""
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        usages = [name for name in KEY_USAGE_LABELS if _has(ku, name)]
    except x509.ExtensionNotFound:
        usages = []
    try:
        eku = [oid._name for oid in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value]
    except x509.ExtensionNotFound:
        eku = []
    try:
        emails = cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value.get_values_for_type(x509.RFC822Name)
    except x509.ExtensionNotFound:
        emails = []
    return Details(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=keys.serial_hex(cert),
        not_before=cert.not_valid_before_utc.replace(tzinfo=None),
        not_after=cert.not_valid_after_utc.replace(tzinfo=None),
        key_usage=usages,
        extended_usage=eku,
        fingerprint=keys.fingerprint(cert),
        email=emails[0] if emails else "",
        key_bits=getattr(cert.public_key(), "key_size", 0),
    )


def _has(ku: x509.KeyUsage, name: str) -> bool:
    try:
        return bool(getattr(ku, name))
    except ValueError:
        return False


def signing_entries(w: World, owner: str) -> list[StoreEntry]:
    """Entries whose certificate and key can sign (login, signed mail, signed documents)."""
    return _entries_for(w, owner, "digital_signature")


def decrypting_entries(w: World, owner: str) -> list[StoreEntry]:
    """Entries whose key can decrypt (key encipherment)."""
    return _entries_for(w, owner, "key_encipherment")


def _entries_for(w: World, owner: str, usage: str) -> list[StoreEntry]:
    found = []
    for entry in entries(w, owner):
        cert = certificate(entry)
        if cert is not None and entry.key_blob is not None and usage in details(cert).key_usage:
            found.append(entry)
    return found
