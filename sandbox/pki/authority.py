"""The CA's cryptography: the root and issuing certificates, end-entity certificates with the key usage
of their kind, the CRL and OCSP responses. Pure functions over `cryptography` objects: no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sandbox.pki.keys import PrivateKey
from sandbox.pki.models import CertKind, Usage

CRL_URL = "http://ca.sandbox.example/ca/crl/issuing.crl"
OCSP_URL = "http://ca.sandbox.example/ca/ocsp"
CRL_DAYS = 7
ROOT_YEARS = 20
ISSUING_YEARS = 10


@dataclass(frozen=True)
class Subject:
    """Who a certificate names: a person, a person for an organisation, or a server."""

    kind: str
    name: str  # the person's name, or the domain for a server
    email: str = ""
    org: str = ""  # organisation (enterprise, server)
    credit_code: str = ""  # 统一社会信用代码 (enterprise)
    province: str = ""
    city: str = ""

    def x509_name(self) -> x509.Name:
        """The distinguished name (C, ST, L, O, organizationIdentifier, CN)."""
        attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
        if self.province:
            attrs.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, self.province))
        if self.city:
            attrs.append(x509.NameAttribute(NameOID.LOCALITY_NAME, self.city))
        if self.org:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.org))
        if self.credit_code:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, self.credit_code))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, self.name))
        return x509.Name(attrs)


def ca_name(name: str, org: str) -> x509.Name:
    """A CA's distinguished name."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )


def _ski(key: PrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def root_certificate(key: PrivateKey, name: x509.Name, now: datetime) -> x509.Certificate:
    """A self-signed root certificate."""
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(_ski(key), critical=False)
        .sign(key, hashes.SHA256())
    )


def issuing_certificate(
    key: PrivateKey, name: x509.Name, root: x509.Certificate, root_key: PrivateKey, now: datetime
) -> x509.Certificate:
    """The issuing CA's certificate, signed by the root."""
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * ISSUING_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(_ski(key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def key_usage(kind: str, usage: str) -> tuple[x509.KeyUsage, list[x509.ObjectIdentifier]]:
    """Key usage and extended key usage of a certificate of this kind and use."""
    sign = usage in (Usage.BOTH, Usage.SIGN)
    encrypt = usage in (Usage.BOTH, Usage.ENCRYPT)
    ku = x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign and kind != CertKind.SERVER,
        key_encipherment=encrypt,
        data_encipherment=encrypt and usage == Usage.ENCRYPT,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    if kind == CertKind.SERVER:
        eku = [ExtendedKeyUsageOID.SERVER_AUTH]
    elif usage == Usage.ENCRYPT:
        eku = [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    else:
        eku = [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]
    return ku, eku


def end_entity_certificate(
    subject: Subject,
    public_key: object,
    usage: str,
    issuer: x509.Certificate,
    issuer_key: PrivateKey,
    not_before: datetime,
    days: int,
) -> x509.Certificate:
    """A certificate for `subject`'s public key, signed by the issuing CA."""
    ku, eku = key_usage(subject.kind, usage)
    if subject.kind == CertKind.SERVER:
        names: list[x509.GeneralName] = [x509.DNSName(subject.name)]
    else:
        names = [x509.RFC822Name(subject.email)] if subject.email else []
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject.x509_name())
        .issuer_name(issuer.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ku, critical=True)
        .add_extension(x509.ExtendedKeyUsage(eku), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # type: ignore[arg-type]
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(CRL_URL)], None, None, None)]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(OCSP_URL)
                    )
                ]
            ),
            critical=False,
        )
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class Revoked:
    """One entry of the CRL."""

    serial: int
    at: datetime
    reason: x509.ReasonFlags


def crl(
    issuer: x509.Certificate, issuer_key: PrivateKey, revoked: list[Revoked], now: datetime
) -> x509.CertificateRevocationList:
    """The issuing CA's CRL at `now` (valid for a week), numbered by the world time."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now)
        .next_update(now + timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    for entry in revoked:
        item = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(entry.at)
            .add_extension(x509.CRLReason(entry.reason), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(item)
    return builder.sign(issuer_key, hashes.SHA256())


def ocsp_response(
    request: ocsp.OCSPRequest,
    issuer: x509.Certificate,
    issuer_key: PrivateKey,
    status: str,
    revoked: Revoked | None,
    now: datetime,
) -> ocsp.OCSPResponse:
    """A signed OCSP answer for the requested serial: good, revoked (with reason) or unknown."""
    cert_status = {
        "good": ocsp.OCSPCertStatus.GOOD,
        "revoked": ocsp.OCSPCertStatus.REVOKED,
        "unknown": ocsp.OCSPCertStatus.UNKNOWN,
    }[status]
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number,
        algorithm=request.hash_algorithm,
        cert_status=cert_status,
        this_update=now,
        next_update=now + timedelta(days=1),
        revocation_time=revoked.at if revoked else None,
        revocation_reason=revoked.reason if revoked else None,
    )
    return builder.responder_id(ocsp.OCSPResponderEncoding.HASH, issuer).sign(issuer_key, hashes.SHA256())
