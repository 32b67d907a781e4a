"""The certificate authority's tables (authorities, applications, certificates, downloads) and each
identity's certificate store. Every private key is kept encrypted (PKCS#8, DER): a store's keys under
the holder's certificate password, the CA's own under the CA's wrapping secret (what an HSM would hold)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class CertKind:
    """What a certificate is for."""

    PERSONAL = "personal"  # 个人证书
    ENTERPRISE = "enterprise"  # 企业证书 (an organisation, held by one of its people)
    SERVER = "server"  # 服务器证书 (a domain name)
    ALL = (PERSONAL, ENTERPRISE, SERVER)
    LABELS = {PERSONAL: N_("个人证书"), ENTERPRISE: N_("企业证书"), SERVER: N_("服务器证书")}


class Usage:
    """Which key a certificate certifies (Chinese CAs issue a signing and an encryption certificate)."""

    BOTH = "both"  # one certificate for signing and encryption
    SIGN = "sign"  # 签名证书
    ENCRYPT = "encrypt"  # 加密证书
    LABELS = {BOTH: N_("签名和加密"), SIGN: N_("签名证书"), ENCRYPT: N_("加密证书")}


class ApplicationStatus:
    """An application's way through the registration authority."""

    PENDING = "pending"  # 待审核
    APPROVED = "approved"  # 已批准: reference number and authorisation code mailed
    REJECTED = "rejected"  # 已驳回 (with a reason)
    ISSUED = "issued"  # 已签发: the codes were used
    LABELS = {
        PENDING: N_("待审核"),
        APPROVED: N_("已批准，待下载"),
        REJECTED: N_("已驳回"),
        ISSUED: N_("已签发"),
    }


class CertStatus:
    """A certificate's status at the CA (expiry is read from the dates, not stored)."""

    VALID = "valid"
    SUSPENDED = "suspended"  # 已挂起 (certificateHold on the CRL)
    REVOKED = "revoked"
    EXPIRED = "expired"  # shown only: a valid certificate past its not_after
    LABELS = {VALID: N_("有效"), SUSPENDED: N_("已挂起"), REVOKED: N_("已吊销"), EXPIRED: N_("已过期")}


class Authority(WorldBase):
    """The world's root CA and its issuing CA."""

    __tablename__ = "pki_authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(10), unique=True)  # "root" or "issuing"
    name: Mapped[str] = mapped_column(String(120))
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    key_blob: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted PKCS#8 DER
    wrap_secret: Mapped[str] = mapped_column(String(64))  # the CA's own secret (an HSM's wrapping key)


class CertApplication(WorldBase):
    """证书申请: who applies for which kind of certificate, and the RA's decision."""

    __tablename__ = "pki_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    dual: Mapped[bool] = mapped_column(default=False)  # a signing and an encryption certificate
    applicant: Mapped[str] = mapped_column(String(120), index=True)  # the applying identity's address
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # name, id_number, org, …
    status: Mapped[str] = mapped_column(String(10), default=ApplicationStatus.PENDING)
    reason: Mapped[str] = mapped_column(String(200), default="")
    reviewer: Mapped[str] = mapped_column(String(40), default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    ref_no: Mapped[str | None] = mapped_column(String(20), unique=True)  # 参考号
    code_hash: Mapped[str | None] = mapped_column(String(200))  # 授权码, hashed
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    code_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    code_failures: Mapped[int] = mapped_column(Integer, default=0)

    certificates: Mapped[list[Certificate]] = relationship(back_populates="application")


class Certificate(WorldBase):
    """A certificate the issuing CA signed, with its status."""

    __tablename__ = "pki_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # upper-case hex
    application_id: Mapped[int | None] = mapped_column(ForeignKey("pki_applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    usage: Mapped[str] = mapped_column(String(8), default=Usage.BOTH)
    subject_cn: Mapped[str] = mapped_column(String(120), index=True)
    subject_email: Mapped[str] = mapped_column(String(120), default="", index=True)
    subject_org: Mapped[str] = mapped_column(String(120), default="")
    subject_text: Mapped[str] = mapped_column(String(400))  # RFC 4514, for search and display
    holder: Mapped[str] = mapped_column(String(120), default="", index=True)  # the identity it was issued to
    der: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256, hex
    not_before: Mapped[datetime] = mapped_column(DateTime)
    not_after: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default=CertStatus.VALID)
    status_at: Mapped[datetime | None] = mapped_column(DateTime)  # revoked or suspended at
    reason: Mapped[str] = mapped_column(String(30), default="")  # RFC 5280 reason (ReasonFlags name)
    renewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("pki_certificates.id"))

    application: Mapped[CertApplication | None] = relationship(back_populates="certificates")


class Download(WorldBase):
    """A file the CA hands the applicant after issuing: a PKCS#12 (encrypted with the applicant's
    password) or a certificate (PEM)."""

    __tablename__ = "pki_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("pki_applications.id"), index=True)
    owner: Mapped[str] = mapped_column(String(120), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class StoreEntry(WorldBase):
    """One certificate (with its private key) in an identity's certificate store, or a key waiting for
    its certificate (a CSR was made)."""

    __tablename__ = "pki_store"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(120), index=True)  # the identity's address
    cert_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_blob: Mapped[bytes | None] = mapped_column(LargeBinary)  # PKCS#8 DER under the certificate password
    csr_pem: Mapped[str | None] = mapped_column(String(4000))
    label: Mapped[str] = mapped_column(String(120), default="")
    fingerprint: Mapped[str] = mapped_column(String(64), default="", index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(10), default="p12")  # p12, csr, ca (renewal), seed


class Assertion(WorldBase):
    """A login challenge the store signed for a relying party (the bank, the payment platform): what
    the browser hands over from the USB key. Used once."""

    __tablename__ = "pki_assertions"

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(String(40))
    challenge: Mapped[str] = mapped_column(String(64), unique=True)
    owner: Mapped[str] = mapped_column(String(120))
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class DocumentSignature(WorldBase):
    """A signature over a document's canonical form (a contract, an order), checked again later."""

    __tablename__ = "pki_document_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_ref: Mapped[str] = mapped_column(String(80), index=True)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical form, hex
    signer: Mapped[str] = mapped_column(String(120))  # the identity that signed
    serial: Mapped[str] = mapped_column(String(40))
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # PKCS#1 v1.5 / SHA-256 over the canonical form
    signed_at: Mapped[datetime] = mapped_column(DateTime)


class RaOfficer(WorldBase):
    """A registration authority's reviewer (RA 审核员) who signs in to the RA console."""

    __tablename__ = "pki_ra_officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
