"""The sandbox's own certificate-signing identity: a root CA and a signing certificate under it, made
on first use and kept under DATA_DIR/certificate-signing/ (private keys 0600, never committed).

Certificate PDFs are signed with pyHanko (PAdES baseline B, ECDSA P-256 with SHA-256). A PDF
verifies when its one signature is intact, covers the whole file (nothing appended after signing)
and its signer chains to OUR root: the root embedded in the PDF itself is never trusted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import os
import secrets
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

T = TypeVar("T")
FOLDER = "certificate-signing"
ROOT_CN = "电子商务师实操考试沙箱 证书签发根CA"
SIGNER_CN = "EC Practical Sandbox 考试中心 证书签章"
ORGANISATION = "EC Practical Sandbox"
NUMBER_KEY = "/ECSandboxCertificateNumber"  # custom entry of the PDF's document information
FIELD_NAME = "CertificateSignature"

# Why a PDF did not verify (VerifyResult.problem); the services turn these into messages.
NOT_PDF = "not_pdf"
UNREADABLE = "unreadable"
UNSIGNED = "unsigned"
MODIFIED = "modified"
BAD_SIGNATURE = "bad_signature"
FOREIGN = "foreign"
NO_NUMBER = "no_number"

_FILES = ("root.pem", "root-key.pem", "signer.pem", "signer-key.pem")
_cache: dict[Path, SigningIdentity] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class SigningIdentity:
    """The root CA certificate, and the signing certificate with its private key."""

    folder: Path
    root: x509.Certificate
    signer: x509.Certificate
    signer_key: ec.EllipticCurvePrivateKey

    @property
    def root_pem(self) -> bytes:
        """The trust root, PEM (what a verifier downloads)."""
        return self.root.public_bytes(serialization.Encoding.PEM)

    @property
    def root_fingerprint(self) -> str:
        """SHA-256 of the root certificate's DER, as colon-separated upper-case hex."""
        digest = hashlib.sha256(self.root.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
        return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass(frozen=True)
class VerifyResult:
    """A PDF's signature check: the certificate number it carries, or why it failed."""

    number: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the signature is ours, intact and covers the whole file."""
        return self.problem is None


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def generate(folder: Path, now: datetime | None = None) -> None:
    """Make a new root CA and signing certificate in `folder` (which must not exist yet)."""
    now = now or datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    signer_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(ROOT_CN)
    root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(root_ski, critical=False)
        .sign(root_key, hashes.SHA256())
    )
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name(SIGNER_CN))
        .issuer_name(root_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    folder.mkdir(mode=0o700)
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (folder / "signer.pem").write_bytes(signer.public_bytes(serialization.Encoding.PEM))
    _write_private(folder / "root-key.pem", _key_pem(root_key))
    _write_private(folder / "signer-key.pem", _key_pem(signer_key))


def _load(folder: Path) -> SigningIdentity:
    key = serialization.load_pem_private_key((folder / "signer-key.pem").read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the signing key is not an EC key")
    return SigningIdentity(
        folder=folder,
        root=x509.load_pem_x509_certificate((folder / "root.pem").read_bytes()),
        signer=x509.load_pem_x509_certificate((folder / "signer.pem").read_bytes()),
        signer_key=key,
    )


def identity(data_dir: Path | str) -> SigningIdentity:
    """The signing identity kept under `data_dir`, made on first use and reused after a restart.

    It is made in a folder of its own and renamed into place, so two processes starting at once
    end up with the same identity (the loser of the rename discards its own).
    """
    folder = Path(data_dir) / FOLDER
    with _cache_lock:
        if folder in _cache:
            return _cache[folder]
        if not all((folder / f).exists() for f in _FILES):
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = folder.parent / f".{FOLDER}.{os.getpid()}.{secrets.token_hex(4)}"
            generate(tmp)
            try:
                os.rename(tmp, folder)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)  # another process made it first
        ident = _load(folder)
        _cache[folder] = ident
        return ident


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _outside_event_loop(work: Callable[[], T]) -> T:
    """Run `work` where no asyncio loop is running: pyHanko's synchronous calls start one of their own
    (asyncio.run), which a thread that already runs a loop (Playwright's sync API does) refuses."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-signature") as pool:
        return pool.submit(work).result()


def sign_pdf(ident: SigningIdentity, pdf: bytes, number: str, title: str = "") -> bytes:
    """Sign a PDF (PAdES), writing the certificate number into its document information first,
    in the same revision, so the signature covers it."""
    return _outside_event_loop(lambda: _sign_pdf(ident, pdf, number, title))


def _sign_pdf(ident: SigningIdentity, pdf: bytes, number: str, title: str) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    info = generic.DictionaryObject()
    try:
        info.update(writer.trailer["/Info"].get_object())
    except KeyError:
        pass  # no document information yet
    info[generic.NameObject(NUMBER_KEY)] = generic.TextStringObject(number)
    info[generic.NameObject("/Subject")] = generic.TextStringObject(number)
    if title:
        info[generic.NameObject("/Title")] = generic.TextStringObject(title)
    writer.set_info(writer.add_object(info))
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(ident.signer),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            ident.signer_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(ident.root)]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"Certificate {number}",
        location=ORGANISATION,
    )
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def verify_pdf(ident: SigningIdentity, data: bytes) -> VerifyResult:
    """Check a PDF's signature against our root; the certificate number it carries, or the problem."""
    return _outside_event_loop(lambda: _verify_pdf(ident, data))


def _verify_pdf(ident: SigningIdentity, data: bytes) -> VerifyResult:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if not data.lstrip()[:5] == b"%PDF-":
        return VerifyResult(problem=NOT_PDF)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - any parse failure means we cannot read it
        return VerifyResult(problem=UNREADABLE)
    if not signatures:
        return VerifyResult(problem=UNSIGNED)
    if len(signatures) > 1:
        return VerifyResult(problem=MODIFIED)  # ours is the only signature a certificate has
    embedded = signatures[0]
    context = ValidationContext(trust_roots=[_asn1_cert(ident.root)], allow_fetching=False)
    try:
        status = validate_pdf_signature(embedded, context, skip_diff=True)
    except Exception:  # noqa: BLE001 - a damaged signature container or byte range
        return VerifyResult(problem=BAD_SIGNATURE)
    if not status.intact:
        return VerifyResult(problem=MODIFIED)
    if not status.valid:
        return VerifyResult(problem=BAD_SIGNATURE)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return VerifyResult(problem=MODIFIED)
    if not status.trusted:
        return VerifyResult(problem=FOREIGN)
    try:
        info = reader.trailer["/Info"].get_object()
        number = str(info[NUMBER_KEY])
    except (KeyError, TypeError, AttributeError):
        return VerifyResult(problem=NO_NUMBER)
    return VerifyResult(number=number)
