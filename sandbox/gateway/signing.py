"""RSA2 signatures as Alipay makes them: SHA256withRSA (PKCS#1 v1.5) over `k=v&…`, base64-encoded.

The signing string of a set of parameters is every parameter except `sign` and those with an empty
value, sorted by name (byte order), written `name=value` and joined by `&`. Values are used as they
are: no URL-encoding, no trimming. (Alipay also leaves `sign_type` out when it signs a notification;
this platform signs every message the same way, so only `sign` is left out.)
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sandbox.errors import N_, DomainError

KEY_BITS = 2048
MIN_KEY_BITS = 2048
MAX_PEM_LENGTH = 10_000
_BASE64_BODY = re.compile(r"[A-Za-z0-9+/=\s]+")


def signing_string(params: Mapping[str, object]) -> str:
    """The text that is signed: parameters sorted by name as k=v joined by &, without sign and empties."""
    return "&".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key != "sign" and params[key] is not None and str(params[key]) != ""
    )


def sign_text(text: str, private_key_pem: str) -> str:
    """Base64 SHA256withRSA signature of a UTF-8 text."""
    key = _signing_key(private_key_pem)
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify_text(text: str, signature: str, public_key_pem: str) -> bool:
    """Whether `signature` is the key's signature of `text`; False for anything malformed."""
    try:
        key = _verifying_key(public_key_pem)
        if not isinstance(key, rsa.RSAPublicKey):
            return False
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
        key.verify(raw, text.encode(), padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm, binascii.Error, AttributeError):
        return False


@functools.lru_cache(maxsize=64)
def _signing_key(private_key_pem: str) -> rsa.RSAPrivateKey:
    """A loaded private key, kept: loading checks the key, which costs tens of milliseconds."""
    return load_private_key(private_key_pem)


@functools.lru_cache(maxsize=256)
def _verifying_key(public_key_pem: str) -> object:
    """A loaded public key, kept (ValueError and the like for text that is not one)."""
    return serialization.load_pem_public_key(_as_pem(public_key_pem.strip(), "PUBLIC KEY").encode())


def sign(params: Mapping[str, str], private_key_pem: str) -> str:
    """RSA2 signature of the parameters (see signing_string)."""
    return sign_text(signing_string(params), private_key_pem)


def verify(params: Mapping[str, str], public_key_pem: str) -> bool:
    """Whether the parameters carry a valid RSA2 `sign` for the key; never raises."""
    try:
        signature = params.get("sign")
        if not isinstance(signature, str) or not signature:
            return False
        return verify_text(signing_string(params), signature, public_key_pem)
    except Exception:  # noqa: BLE001 - a hostile mapping or key is simply not a valid signature
        return False


def generate_key_pair() -> tuple[str, str]:
    """A new RSA-2048 key pair: (private key PKCS#8 PEM, public key SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return private_pem, public_pem_of(key.public_key())


def public_pem_of(key: rsa.RSAPublicKey) -> str:
    """A public key as SubjectPublicKeyInfo PEM."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _as_pem(text: str, label: str) -> str:
    """Accept a bare base64 body (as Alipay's key tool shows keys) by wrapping it in PEM lines."""
    if "-----BEGIN" in text or not _BASE64_BODY.fullmatch(text):
        return text
    body = "".join(text.split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """An RSA public key of at least 2048 bits from PEM (or a bare base64 body); DomainError otherwise."""
    text = (pem or "").strip()
    if not text:
        raise DomainError(N_("请填写公钥"))
    if len(text) > MAX_PEM_LENGTH:
        raise DomainError(N_("密钥内容过长"))
    if "PRIVATE KEY" in text:
        raise DomainError(N_("这是私钥，不能上传：私钥只能由商户自己保管，请上传公钥"))
    if "CERTIFICATE" in text:
        raise DomainError(N_("这是证书，不是公钥：请上传 PEM 格式的 RSA 公钥"))
    try:
        key = serialization.load_pem_public_key(_as_pem(text, "PUBLIC KEY").encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise DomainError(N_("公钥格式不正确，请粘贴完整的 PEM 公钥（-----BEGIN PUBLIC KEY-----）")) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise DomainError(N_("公钥必须是 RSA 公钥（RSA2 签名）"))
    if key.key_size < MIN_KEY_BITS:
        raise DomainError(N_("RSA 公钥至少需要 2048 位，这个公钥只有 %(bits)s 位"), bits=key.key_size)
    return key


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """An unencrypted RSA private key of at least 2048 bits from PEM (or bare base64 PKCS#8)."""
    text = (pem or "").strip()
    if not text:
        raise DomainError(N_("请填写私钥"))
    if len(text) > MAX_PEM_LENGTH:
        raise DomainError(N_("密钥内容过长"))
    try:
        key = serialization.load_pem_private_key(_as_pem(text, "PRIVATE KEY").encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise DomainError(
            N_("私钥格式不正确，请粘贴完整的 PEM 私钥（-----BEGIN PRIVATE KEY-----），不能加密码")
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise DomainError(N_("私钥必须是 RSA 私钥（RSA2 签名）"))
    if key.key_size < MIN_KEY_BITS:
        raise DomainError(N_("RSA 私钥至少需要 2048 位，这个私钥只有 %(bits)s 位"), bits=key.key_size)
    return key


def fingerprint(public_key_pem: str) -> str:
    """A short fingerprint of a public key (SHA-256 of its DER form), for pages."""
    key = serialization.load_pem_public_key(public_key_pem.encode())
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.sha256(der).hexdigest()[:32]
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
