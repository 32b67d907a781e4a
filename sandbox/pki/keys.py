"""Keys, PKCS#12 files and certificate requests, with the checks a CA applies to what it is given.
Pure functions over `cryptography` objects: no database."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from sandbox.errors import N_, DomainError

RSA_BITS = 2048
MIN_RSA_BITS = 2048
MIN_PASSWORD = 6
MAX_UPLOAD = 64 * 1024

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def new_key() -> rsa.RSAPrivateKey:
    """A fresh RSA key pair (2048 bits: signing and S/MIME encryption both need RSA)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def check_password(password: str) -> str:
    """A certificate password a person chose: at least six characters."""
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(N_("证书密码至少 6 位"))
    if len(password) > 64:
        raise DomainError(N_("证书密码不能超过 64 位"))
    return password


def wrap(key: PrivateKey, password: str) -> bytes:
    """The private key as encrypted PKCS#8 DER (never stored otherwise)."""
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )


def unwrap(blob: bytes, password: str) -> PrivateKey:
    """The private key from its encrypted form, or DomainError when the password is wrong.

    Only keys this code wrapped are unwrapped, and they were checked when made or imported: skipping
    OpenSSL's RSA consistency check saves 40 ms per use."""
    try:
        key = serialization.load_der_private_key(
            blob, password=(password or "").encode() or None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError):
        raise DomainError(N_("证书密码错误"), 403) from None
    return key  # type: ignore[return-value]


def fingerprint(cert: x509.Certificate) -> str:
    """The certificate's SHA-256 fingerprint (hex, upper case)."""
    return cert.fingerprint(hashes.SHA256()).hex().upper()


def serial_hex(cert: x509.Certificate) -> str:
    """The serial number as CAs print it (upper-case hex)."""
    return format(cert.serial_number, "X")


def pem(cert: x509.Certificate) -> bytes:
    """The certificate in PEM."""
    return cert.public_bytes(serialization.Encoding.PEM)


def der(cert: x509.Certificate) -> bytes:
    """The certificate in DER."""
    return cert.public_bytes(serialization.Encoding.DER)


def load_cert(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER, or DomainError."""
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise DomainError(N_("不是有效的证书文件（PEM 或 DER）")) from None


def make_p12(
    name: str, key: PrivateKey, cert: x509.Certificate, chain: list[x509.Certificate], password: str
) -> bytes:
    """A PKCS#12 file holding the key, its certificate and the CA chain, protected by `password`."""
    return pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, chain or None, serialization.BestAvailableEncryption(password.encode())
    )


def read_p12(data: bytes, password: str) -> tuple[PrivateKey, x509.Certificate, list[x509.Certificate]]:
    """Key, certificate and chain from a PKCS#12 file, or DomainError (wrong password, not a PKCS#12)."""
    if not data:
        raise DomainError(N_("请选择要导入的 .p12 / .pfx 文件"))
    if len(data) > MAX_UPLOAD:
        raise DomainError(N_("文件太大，不是证书文件"))
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, (password or "").encode() or None)
    except ValueError as exc:
        if "password" in str(exc).lower() or "mac" in str(exc).lower():
            raise DomainError(N_("证书密码错误，无法打开该文件"), 403) from None
        raise DomainError(N_("不是有效的 PKCS#12 证书文件")) from None
    if key is None or cert is None:
        raise DomainError(N_("该文件不含私钥和证书"))
    if public_key_id(cert) != _spki_id(key.public_key()):
        raise DomainError(N_("文件中的私钥与证书不匹配"))
    return key, cert, list(chain)  # type: ignore[return-value]


def read_csr(text: str) -> x509.CertificateSigningRequest:
    """A certificate request (PEM) a CA can sign: well formed, signed by its own key, RSA ≥ 2048 bits."""
    data = (text or "").strip().encode()
    if not data:
        raise DomainError(N_("请粘贴证书请求（CSR，PEM 格式）"))
    if len(data) > MAX_UPLOAD:
        raise DomainError(N_("证书请求太长"))
    try:
        csr = x509.load_pem_x509_csr(data)
    except ValueError:
        raise DomainError(
            N_("不是有效的证书请求（需以 -----BEGIN CERTIFICATE REQUEST----- 开头的 PEM）")
        ) from None
    if not csr.is_signature_valid:
        raise DomainError(N_("证书请求的签名无效（请求被改动过，或不是用其私钥签名的）"))
    key = csr.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise DomainError(N_("本 CA 只签发 RSA 密钥的证书"))
    if key.key_size < MIN_RSA_BITS:
        raise DomainError(N_("密钥太短：RSA 密钥至少 2048 位（请求中为 %(bits)s 位）"), bits=key.key_size)
    return csr


def make_csr(key: PrivateKey, subject: x509.Name) -> x509.CertificateSigningRequest:
    """A certificate request for `subject`, signed with the key."""
    return x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())


def sign_bytes(key: PrivateKey, data: bytes) -> bytes:
    """An RSA PKCS#1 v1.5 / SHA-256 signature (what a USB key does for a login challenge)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def public_key_id(cert_or_csr: x509.Certificate | x509.CertificateSigningRequest) -> str:
    """A short hash of the public key, to match a certificate with a key waiting in the store."""
    return _spki_id(cert_or_csr.public_key())


def _spki_id(public_key: object) -> str:
    spki = public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()
