"""S/MIME for the world's mail: detached CMS signatures, enveloped data, and the verdict a reader is told."""

from __future__ import annotations

import base64
import email
import email.message
import email.parser
import email.policy
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ObjectIdentifier
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.policy_decl import (
    NO_REVOCATION,
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from sandbox.pki import asyncrun

__all__ = [
    "ENCRYPTED",
    "EXPIRED",
    "MALFORMED",
    "REVOKED",
    "SIGNED",
    "TAMPERED",
    "UNTRUSTED",
    "VALID",
    "CmsError",
    "Verdict",
    "decrypt",
    "encrypt",
    "is_encrypted",
    "is_signed",
    "recipients_of",
    "sign",
    "verify",
]

VALID, TAMPERED, REVOKED, EXPIRED, UNTRUSTED, MALFORMED = (
    "valid",
    "tampered",
    "revoked",
    "expired",
    "untrusted",
    "malformed",
)
SIGNED, ENCRYPTED = "signed", "encrypted"  # what a mail entity can be wrapped as

SIGNATURE_TYPES = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature"})
ENVELOPE_TYPES = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})

_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

# Revocation when the caller hands over CRLs (it always passes the issuing CA's current CRL): the signer
# MUST be covered by a valid CRL that is fresh at `moment` (this_update <= moment < next_update). pyhanko's
# "hard-fail"/"soft-fail" modes are CHECK_IF_DECLARED(_SOFT), which ignore the supplied CRLs entirely for
# a certificate without a cRLDistributionPoints extension -- a revoked signer would then read as valid.
# CRL_REQUIRED checks the supplied CRLs whatever the certificate declares, and a missing, stale or
# unverifiable CRL makes the verdict UNTRUSTED ("revocation status unknown") instead of silently valid.
# CA certificates above the signer are checked only if they declare a CRL location and a CRL for them was
# supplied (soft: the root's CRL is usually not passed). With no CRLs at all nothing is checked.
_REVOCATION_WITH_CRLS = RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CRL_REQUIRED,
    intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
)


# A MIME entity starts with header fields (RFC 5322 2.2: printable US-ASCII names, continuation lines).
_HEADER_BLOCK = re.compile(rb"(?:[!-9;-~]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)+\r?\n")


class CmsError(Exception):
    """An S/MIME entity could not be built, read or decrypted."""


@dataclass(frozen=True)
class Verdict:
    """What a reader is told about a signature."""

    code: str  # VALID, TAMPERED, REVOKED, EXPIRED, UNTRUSTED or MALFORMED
    signer: x509.Certificate | None  # the signer's certificate when it could be read
    detail: str = ""  # short English technical detail for logs and examiners
    revocation_reason: str | None = None  # CRL reason when REVOKED: "key_compromise", "certificate_hold", ...


# --- MIME plumbing ---------------------------------------------------------------------------------------


def _crlf(data: bytes) -> bytes:
    """Canonical line ends (RFC 8551 3.1.1): every line ends in CRLF."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _b64_lines(der: bytes) -> bytes:
    """Base64 in 76-character lines separated by CRLF (no line end after the last)."""
    text = base64.b64encode(der)
    return b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def _parse(entity: bytes) -> email.message.EmailMessage:
    """The whole entity parsed by the email package."""
    return email.message_from_bytes(entity, policy=email.policy.default)  # type: ignore[return-value]


def _headers(entity: bytes) -> email.message.EmailMessage:
    """Only the entity's top-level header fields parsed (the body is not read: large entities stay cheap)."""
    return email.parser.BytesParser(policy=email.policy.default).parsebytes(entity, headersonly=True)  # type: ignore[return-value]


def _split_signed(entity: bytes) -> tuple[bytes, bytes | None] | None:
    """The raw first body part (CRLF) and the raw second part of a multipart/signed entity, or None."""
    data = _crlf(entity)
    msg = _headers(data)
    if msg.get_content_type() != "multipart/signed":
        return None
    boundary = msg.get_boundary()
    end = data.find(b"\r\n\r\n")
    if not boundary or end < 0:
        return None
    body = b"\r\n" + data[end + 4 :]
    delimiter = b"\r\n--" + boundary.encode("ascii", "surrogateescape")
    chunks = body.split(delimiter)[1:]  # chunks[0] was the preamble
    parts = []
    for chunk in chunks:
        if chunk.startswith(b"--"):  # the close delimiter: the rest is the epilogue
            break
        line_end = chunk.find(b"\r\n")  # the delimiter line may carry transport padding
        if line_end < 0 or chunk[:line_end].strip(b" \t"):
            return None
        parts.append(chunk[line_end + 2 :])
    if not parts:
        return None
    return parts[0], parts[1] if len(parts) > 1 else None


def is_signed(entity: bytes) -> bool:
    """Whether the entity is a multipart/signed S/MIME entity."""
    msg = _headers(entity)
    return (
        msg.get_content_type() == "multipart/signed"
        and str(msg.get_param("protocol", "")).lower() in SIGNATURE_TYPES
    )


def is_encrypted(entity: bytes) -> bool:
    """Whether the entity is an application/pkcs7-mime enveloped-data entity."""
    msg = _headers(entity)
    smime_type = str(msg.get_param("smime-type", "enveloped-data")).lower()
    return msg.get_content_type() in ENVELOPE_TYPES and smime_type == "enveloped-data"


# --- signing ---------------------------------------------------------------------------------------------


def sign(
    entity: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate, chain: list[x509.Certificate]
) -> bytes:
    """A multipart/signed S/MIME entity (detached SHA-256 signature) over a MIME entity."""
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        raise CmsError("the private key does not belong to the signing certificate")
    content = _crlf(entity)
    builder = pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(cert, key, hashes.SHA256())
    for extra in chain:
        builder = builder.add_certificate(extra)
    der = builder.sign(
        serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
    )
    boundary = f"----=_smime_{secrets.token_hex(12)}".encode("ascii")
    while boundary in content:  # cannot happen in practice; cheap to rule out
        boundary = f"----=_smime_{secrets.token_hex(12)}".encode("ascii")
    return b"".join(
        [
            b"MIME-Version: 1.0\r\n",
            b'Content-Type: multipart/signed; protocol="application/pkcs7-signature";\r\n',
            b' micalg=sha-256; boundary="' + boundary + b'"\r\n',
            b"\r\n",
            b"This is an S/MIME signed message\r\n",
            b"--" + boundary + b"\r\n",
            content,
            b"\r\n--" + boundary + b"\r\n",
            b'Content-Type: application/pkcs7-signature; name="smime.p7s"\r\n',
            b"Content-Transfer-Encoding: base64\r\n",
            b'Content-Disposition: attachment; filename="smime.p7s"\r\n',
            b"\r\n",
            _b64_lines(der),
            b"\r\n--" + boundary + b"--\r\n",
        ]
    )


# --- enveloping ------------------------------------------------------------------------------------------


def encrypt(entity: bytes, recipients: list[x509.Certificate]) -> bytes:
    """An application/pkcs7-mime enveloped-data entity (AES-256-CBC, RSA key transport) for the recipients."""
    if not recipients:
        raise CmsError("no recipients")
    builder = pkcs7.PKCS7EnvelopeBuilder().set_data(_crlf(entity))
    for recipient in recipients:
        builder = builder.add_recipient(recipient)
    builder = builder.set_content_encryption_algorithm(algorithms.AES256)
    der = builder.encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    return b"".join(
        [
            b"MIME-Version: 1.0\r\n",
            b'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\n',
            b"Content-Transfer-Encoding: base64\r\n",
            b'Content-Disposition: attachment; filename="smime.p7m"\r\n',
            b"\r\n",
            _b64_lines(der),
            b"\r\n",
        ]
    )


def _envelope_der(entity: bytes) -> bytes:
    """The DER EnvelopedData carried by an application/pkcs7-mime entity."""
    if not is_encrypted(entity):
        raise CmsError("not an S/MIME enveloped-data entity")
    payload = _parse(entity).get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload:
        raise CmsError("empty enveloped-data entity")
    return payload


def _name(name: asn1_x509.Name) -> x509.Name:
    """An asn1crypto Name as a cryptography Name (attribute by attribute, order kept)."""
    rdns = []
    for rdn in name.chosen:
        attrs = []
        for ava in rdn:
            value = ava["value"].native
            attrs.append(x509.NameAttribute(ObjectIdentifier(ava["type"].dotted), value))
        rdns.append(x509.RelativeDistinguishedName(attrs))
    return x509.Name(rdns)


def recipients_of(entity: bytes) -> list[tuple[x509.Name, int]]:
    """The (issuer, serial number) of each key-transport recipient of an enveloped-data entity."""
    der = _envelope_der(entity)
    try:
        info = asn1_cms.ContentInfo.load(der)
        if info["content_type"].native != "enveloped_data":
            raise CmsError("not enveloped-data")
        found = []
        for recipient in info["content"]["recipient_infos"]:
            if recipient.name != "ktri":
                continue
            rid = recipient.chosen["rid"]
            if rid.name == "issuer_and_serial_number":
                found.append((_name(rid.chosen["issuer"]), int(rid.chosen["serial_number"].native)))
        return found
    except (ValueError, TypeError, KeyError) as exc:
        raise CmsError(f"unreadable enveloped-data: {exc}") from exc


def decrypt(entity: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    """The inner MIME entity, or raise CmsError when this key is not a recipient / data is broken."""
    der = _envelope_der(entity)
    try:
        inner = pkcs7.pkcs7_decrypt_der(der, cert, key, [])
    except (ValueError, TypeError) as exc:
        raise CmsError(f"cannot decrypt: {exc}") from exc
    # RSA PKCS#1 v1.5 key transport uses implicit rejection: a wrong key yields a random content key, and
    # about one time in 256 the CBC padding still checks out. Garbage is not a MIME entity; refuse it.
    if not _HEADER_BLOCK.match(inner):
        raise CmsError("cannot decrypt: the result is not a MIME entity (wrong key?)")
    return inner


# --- verifying -------------------------------------------------------------------------------------------


def _check_signature(
    public_key: object,
    signature: bytes,
    data: bytes,
    digest: hashes.HashAlgorithm,
    algo: asn1_cms.SignedDigestAlgorithm,
) -> None:
    """Raise InvalidSignature unless `signature` over `data` verifies (RSA PKCS#1 v1.5 / PSS, ECDSA)."""
    name = algo.signature_algo
    if isinstance(public_key, rsa.RSAPublicKey) and name == "rsassa_pkcs1v15":
        public_key.verify(signature, data, padding.PKCS1v15(), digest)
    elif isinstance(public_key, rsa.RSAPublicKey) and name == "rsassa_pss":
        params = algo["parameters"]
        pss_hash = _DIGESTS[params["hash_algorithm"]["algorithm"].native]()
        mgf_hash = _DIGESTS[params["mask_gen_algorithm"]["parameters"]["algorithm"].native]()
        pad = padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=params["salt_length"].native)
        public_key.verify(signature, data, pad, pss_hash)
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and name == "ecdsa":
        public_key.verify(signature, data, ec.ECDSA(digest))
    else:
        raise InvalidSignature(f"unsupported signature algorithm {name}")


def _signer_cert(
    signed_data: asn1_cms.SignedData, sid: asn1_cms.SignerIdentifier
) -> asn1_x509.Certificate | None:
    """The embedded certificate the SignerInfo names."""
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        candidate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            if (
                candidate.issuer == sid.chosen["issuer"]
                and candidate.serial_number == sid.chosen["serial_number"].native
            ):
                return candidate
        elif candidate.key_identifier == sid.chosen.native:
            return candidate
    return None


def _aware(moment: datetime) -> datetime:
    """The world clock's naive UTC moment as an aware datetime."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _allows_signing(cert: x509.Certificate) -> bool:
    """Whether key usage permits digitalSignature or nonRepudiation (no extension: unrestricted, RFC 5280)."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.content_commitment


async def _validate(
    signer: asn1_x509.Certificate,
    others: list[asn1_x509.Certificate],
    roots: list[asn1_x509.Certificate],
    crls: list[bytes],
    moment: datetime,
    check_revocation: bool,
) -> None:
    """Build and validate a path from the signer to a trust root (raises pyhanko errors)."""
    if check_revocation and crls:
        policy = CertRevTrustPolicy(_REVOCATION_WITH_CRLS)
    elif check_revocation:
        policy = CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("soft-fail"))
    else:
        policy = CertRevTrustPolicy(NO_REVOCATION)
    context = ValidationContext(
        trust_roots=roots,
        other_certs=others,
        crls=crls if check_revocation else [],
        moment=moment,
        allow_fetching=False,
        revinfo_policy=policy,
    )
    await CertificateValidator(signer, validation_context=context).async_validate_path()


def _path_verdict(exc: Exception, signer: x509.Certificate) -> Verdict:
    """The verdict for a pyhanko path validation failure."""
    message = getattr(exc, "failure_msg", None) or str(exc) or type(exc).__name__
    if isinstance(exc, RevokedError):
        reason = exc.reason.native or "unspecified"
        detail = reason if exc.is_ee_cert else f"a CA certificate in the path is revoked: {reason}"
        return Verdict(REVOKED, signer, detail, revocation_reason=reason)
    if isinstance(exc, (ExpiredError, NotYetValidError)):
        return Verdict(EXPIRED, signer, f"CA certificate outside its validity: {message}")
    if isinstance(exc, InsufficientRevinfoError):
        return Verdict(UNTRUSTED, signer, f"revocation status unknown: {message}")
    if isinstance(exc, PathBuildingError):
        return Verdict(UNTRUSTED, signer, f"no path to a trusted root: {message}")
    return Verdict(UNTRUSTED, signer, message)


def verify(
    entity: bytes,
    *,
    trust_roots: list[x509.Certificate],
    intermediates: list[x509.Certificate],
    crls: list[bytes],
    moment: datetime,
) -> tuple[Verdict, bytes]:
    """The verdict on a multipart/signed entity and the signed inner entity (the content as the reader sees it)."""
    parts = _split_signed(entity)
    if parts is None:  # nothing signed to show: the reader sees what arrived
        return Verdict(MALFORMED, None, "not a multipart/signed entity"), entity
    content, sig_part = parts
    if sig_part is None:
        return Verdict(MALFORMED, None, "no signature part"), content
    sig_msg = _parse(sig_part)
    if sig_msg.get_content_type() not in SIGNATURE_TYPES:
        return Verdict(MALFORMED, None, f"second part is {sig_msg.get_content_type()}"), content

    # 1. MALFORMED: the CMS structure must parse and name an embedded signer certificate.
    try:
        der = sig_msg.get_payload(decode=True)
        info = asn1_cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            return Verdict(MALFORMED, None, "signature is not CMS signed-data"), content
        signed_data = info["content"]
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            return Verdict(MALFORMED, None, f"{len(signer_infos)} signer infos, expected 1"), content
        signer_info = signer_infos[0]
        signer_asn1 = _signer_cert(signed_data, signer_info["sid"])
        if signer_asn1 is None:
            return Verdict(MALFORMED, None, "signer certificate not included"), content
        signer = x509.load_der_x509_certificate(signer_asn1.dump())
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        if digest_name not in _DIGESTS:
            return Verdict(MALFORMED, signer, f"unsupported digest {digest_name}"), content
        digest = _DIGESTS[digest_name]()
        signature = signer_info["signature"].native
        signed_attrs = signer_info["signed_attrs"]
        embedded = [
            c.chosen
            for c in signed_data["certificates"] or []
            if c.name == "certificate" and c.chosen is not signer_asn1
        ]
        if signed_attrs:
            attrs = {attr["type"].native: attr["values"] for attr in signed_attrs}
            if "message_digest" not in attrs or "content_type" not in attrs:
                return Verdict(
                    MALFORMED, signer, "signed attributes lack message digest/content type"
                ), content
            expected_digest = attrs["message_digest"][0].native
            signed_bytes = signed_attrs.untag().dump()  # DER of the SET OF, as signed (RFC 5652 5.4)
        else:
            expected_digest = None
            signed_bytes = content
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        return Verdict(MALFORMED, None, f"unreadable signature: {exc}"), content

    # 2. TAMPERED: content digest, then the signature over the signed attributes.
    if expected_digest is not None:
        hasher = hashes.Hash(digest)
        hasher.update(content)
        actual = hasher.finalize()
        if not hmac.compare_digest(actual, expected_digest):
            return Verdict(
                TAMPERED, signer, "content digest does not match the signed message digest"
            ), content
    try:
        _check_signature(
            signer.public_key(), signature, signed_bytes, digest, signer_info["signature_algorithm"]
        )
    except InvalidSignature as exc:
        return Verdict(
            TAMPERED, signer, str(exc) or "signature does not verify with the signer's key"
        ), content
    except (ValueError, TypeError, KeyError) as exc:
        return Verdict(MALFORMED, signer, f"unreadable signature algorithm: {exc}"), content

    # 3. UNTRUSTED (key usage, then path), 4. EXPIRED, 5. REVOKED, 6. VALID.
    if not _allows_signing(signer):
        return Verdict(UNTRUSTED, signer, "key usage does not allow digital signatures"), content
    when = _aware(moment)
    not_before, not_after = signer.not_valid_before_utc, signer.not_valid_after_utc
    expired = not (not_before <= when <= not_after)
    roots = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in trust_roots]
    others = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in intermediates]
    others += embedded
    # An expired (or not yet valid) signer: is it at least trusted? Check the path at a moment inside the
    # signer's validity, without revocation (the CRLs are for `moment`); UNTRUSTED outranks EXPIRED.
    at = min(max(when, not_before), not_after) if expired else when
    try:
        asyncrun.run(_validate(signer_asn1, others, roots, crls, at, check_revocation=not expired))
    except (ValidationError, PathError) as exc:
        verdict = _path_verdict(exc, signer)
        if not expired or verdict.code == UNTRUSTED:
            return verdict, content
    except (ValueError, TypeError) as exc:
        return Verdict(UNTRUSTED, signer, f"path validation failed: {exc}"), content
    if expired:
        edge = "not yet valid" if when < not_before else "expired"
        bound = not_before if when < not_before else not_after
        return Verdict(EXPIRED, signer, f"signer certificate {edge} ({bound:%Y-%m-%d %H:%M}Z)"), content
    return Verdict(VALID, signer), content
