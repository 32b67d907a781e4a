"""Signed documents: any domain signs a document's canonical form with a certificate from the signer's
store and checks it later (a B2B contract, a purchase order)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import select

from sandbox.errors import N_, DomainError
from sandbox.pki import keys, store, validation
from sandbox.pki.models import DocumentSignature
from sandbox.worlds.world import World


def canonical(document: dict[str, Any]) -> bytes:
    """The canonical form signed: JSON with sorted keys, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sign(
    w: World, owner: str, entry_id: int, password: str, doc_type: str, doc_ref: str, document: dict[str, Any]
) -> DocumentSignature:
    """Sign the document with a certificate of the owner's store (the password unlocks its key)."""
    entry = store.get(w, owner, entry_id)
    cert = store.certificate(entry)
    if cert is None:
        raise DomainError(N_("证书尚未导入"))
    checked = validation.check(w, cert, {"digital_signature"})
    if checked.outcome != validation.Outcome.VALID:
        raise DomainError(N_("不能用这张证书签名：%(why)s"), why=validation.Outcome.LABELS[checked.outcome])
    data = canonical(document)
    row = DocumentSignature(
        doc_type=doc_type,
        doc_ref=doc_ref,
        digest=hashlib.sha256(data).hexdigest(),
        signer=owner,
        serial=keys.serial_hex(cert),
        cert_der=keys.der(cert),
        signature=keys.sign_bytes(store.unlock(entry, password), data),
        signed_at=w.now(),
    )
    w.db.add(row)
    w.db.flush()
    w.emit("cert.document_signed", doc_type=doc_type, doc_ref=doc_ref, serial=row.serial, signer=owner)
    return row


def signatures(w: World, doc_type: str, doc_ref: str) -> list[DocumentSignature]:
    """The signatures on one document, oldest first."""
    q = select(DocumentSignature).where(
        DocumentSignature.doc_type == doc_type, DocumentSignature.doc_ref == doc_ref
    )
    return list(w.db.scalars(q.order_by(DocumentSignature.id)))


def verify(w: World, signature: DocumentSignature, document: dict[str, Any]) -> validation.Checked:
    """Does the signature still hold for the document as it is now, with the certificate as it is now?"""
    cert = x509.load_der_x509_certificate(signature.cert_der)
    public = cert.public_key()
    try:
        if not isinstance(public, rsa.RSAPublicKey):
            raise InvalidSignature
        public.verify(signature.signature, canonical(document), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return validation.Checked(validation.Outcome.TAMPERED, None, "document changed since it was signed")
    return validation.check(w, cert, {"digital_signature"})
