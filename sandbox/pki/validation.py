"""Is this certificate good for this use, now, in this world? Path validation (chain to the world's
root, signatures, validity at the world clock, key usage, revocation against the CA's current CRL) by
pyhanko-certvalidator; then the CA's own record (a certificate another world's CA issued is unknown)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from sandbox.errors import N_
from sandbox.pki import asyncrun, ca, keys
from sandbox.pki.models import Certificate
from sandbox.worlds.world import World


class Outcome:
    """What a check of a certificate (or a signature) concludes; the same words everywhere."""

    VALID = "valid"
    TAMPERED = "tampered"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    UNTRUSTED = "untrusted"
    USAGE = "usage"
    MALFORMED = "malformed"
    LABELS = {
        VALID: N_("签名有效"),
        TAMPERED: N_("签名无效（内容被篡改）"),
        REVOKED: N_("证书已吊销"),
        SUSPENDED: N_("证书已挂起"),
        EXPIRED: N_("证书已过期"),
        UNTRUSTED: N_("签发者不受信任"),
        USAGE: N_("证书用途不符"),
        MALFORMED: N_("签名格式错误"),
    }


@dataclass(frozen=True)
class Trust:
    """What a relying party of this world trusts and knows, at one moment."""

    roots: list[x509.Certificate]
    intermediates: list[x509.Certificate]
    crls: list[bytes]
    moment: datetime


@dataclass(frozen=True)
class Checked:
    """A certificate's check: the outcome, the CA's record when it has one, a detail for examiners."""

    outcome: str
    record: Certificate | None
    detail: str = ""
    reason: str = ""


def trust(w: World) -> Trust:
    """The world's root, its issuing CA, the current CRL, the world time.

    The moment is the end of the current second: the CRL states times to the second, and a certificate
    revoked in this very second is already revoked (pyhanko counts a revocation only after its time)."""
    return Trust([ca.root_cert(w)], [ca.issuing_cert(w)], [ca.crl_der(w)], w.now() + timedelta(seconds=1))


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(keys.der(cert))


def path_outcome(
    cert: x509.Certificate, t: Trust, usage: set[str], eku: set[str] | None = None
) -> tuple[str, str, str]:
    """(outcome, detail, revocation reason) of validating the certificate's path for a key usage."""
    context = ValidationContext(
        trust_roots=[_asn1(r) for r in t.roots],
        other_certs=[_asn1(c) for c in t.intermediates],
        crls=t.crls,
        moment=t.moment.replace(tzinfo=UTC),
        allow_fetching=False,
        revocation_mode="hard-fail" if t.crls else "soft-fail",
    )
    validator = CertificateValidator(
        _asn1(cert), [_asn1(c) for c in t.intermediates], validation_context=context
    )
    try:
        asyncrun.run(validator.async_validate_usage(usage, eku or None))
    except RevokedError as exc:
        reason = _crl_reason(cert, t)
        outcome = Outcome.SUSPENDED if reason == "certificate_hold" else Outcome.REVOKED
        return outcome, str(exc), reason
    except (ExpiredError, NotYetValidError) as exc:
        return Outcome.EXPIRED, str(exc), ""
    except InvalidCertificateError as exc:
        text = str(exc)
        return (
            (Outcome.USAGE if "usage" in text.lower() or "purpose" in text.lower() else Outcome.UNTRUSTED),
            text,
            "",
        )
    except (PathBuildingError, PathValidationError) as exc:
        return Outcome.UNTRUSTED, str(exc), ""
    return Outcome.VALID, "", ""


def _crl_reason(cert: x509.Certificate, t: Trust) -> str:
    for data in t.crls:
        entry = x509.load_der_x509_crl(data).get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            try:
                return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
            except x509.ExtensionNotFound:
                return "unspecified"
    return ""


def check(w: World, cert: x509.Certificate, usage: set[str], eku: set[str] | None = None) -> Checked:
    """Whether the certificate is good now for `usage` (e.g. {"digital_signature"}) in this world."""
    t = trust(w)
    if (
        cert.not_valid_after_utc.replace(tzinfo=None) < t.moment
        or cert.not_valid_before_utc.replace(tzinfo=None) > t.moment
    ):
        return Checked(Outcome.EXPIRED, ca.known(w, cert), "outside the validity period")
    outcome, detail, reason = path_outcome(cert, t, usage, eku)
    record = ca.known(w, cert)
    if outcome == Outcome.VALID and record is None:
        return Checked(Outcome.UNTRUSTED, None, "not issued by this world's CA")
    return Checked(outcome, record, detail, reason)
