"""Certificate login: the relying party (enterprise online banking, the payment platform's console)
makes a challenge, the identity's store signs it with a certificate's key, and the relying party checks
the signature, the chain, the validity, the key usage and the revocation status."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import select

from sandbox.errors import N_, DomainError, Forbidden
from sandbox.pki import keys, store, validation
from sandbox.pki.models import Assertion, Certificate
from sandbox.worlds.world import READ_ONLY_MESSAGE, World

T = TypeVar("T")

REFUSALS = {
    validation.Outcome.REVOKED: N_("证书已吊销，不能用于登录"),
    validation.Outcome.SUSPENDED: N_("证书已挂起，不能用于登录"),
    validation.Outcome.EXPIRED: N_("证书已过期或尚未生效，不能用于登录"),
    validation.Outcome.UNTRUSTED: N_("证书不是本认证中心签发的，不受信任"),
    validation.Outcome.USAGE: N_("该证书不能用于登录（密钥用途不含数字签名/客户端认证）"),
    validation.Outcome.TAMPERED: N_("证书签名校验失败"),
}


def new_challenge() -> str:
    """A fresh random challenge for one login."""
    return secrets.token_urlsafe(24)


def _message(audience: str, challenge: str) -> bytes:
    return f"{audience}|{challenge}".encode()


def sign_challenge(
    w: World, owner: str, entry_id: int, password: str, audience: str, challenge: str
) -> Assertion:
    """The store signs the challenge with the chosen certificate's key (the password unlocks it)."""
    if not challenge or len(challenge) > 64 or not audience:
        raise DomainError(N_("登录请求无效或已过期，请回到登录页重新开始"))
    entry = store.get(w, owner, entry_id)
    cert = store.certificate(entry)
    if cert is None:
        raise DomainError(N_("证书尚未导入"))
    key = store.unlock(entry, password)
    if w.db.scalars(select(Assertion).where(Assertion.challenge == challenge)).first():
        raise DomainError(N_("登录请求已使用，请回到登录页重新开始"))
    assertion = Assertion(
        audience=audience,
        challenge=challenge,
        owner=owner,
        cert_der=keys.der(cert),
        signature=keys.sign_bytes(key, _message(audience, challenge)),
        created_at=w.now(),
    )
    w.db.add(assertion)
    w.db.flush()
    w.emit("cert.challenge_signed", owner=owner, serial=keys.serial_hex(cert), audience=audience)
    return assertion


def verify(w: World, audience: str, challenge: str) -> tuple[x509.Certificate, Certificate]:
    """Check the store's answer to our challenge: the certificate and the CA's record, or DomainError."""
    assertion = w.db.scalars(select(Assertion).where(Assertion.challenge == (challenge or ""))).first()
    if assertion is None or assertion.audience != audience:
        raise DomainError(N_("没有收到证书签名，请选择证书并输入证书密码"), 401)
    if assertion.used_at is not None:
        raise Forbidden(N_("登录请求已使用，请回到登录页重新开始"))
    assertion.used_at = w.now()
    cert = x509.load_der_x509_certificate(assertion.cert_der)
    public = cert.public_key()
    try:
        if not isinstance(public, rsa.RSAPublicKey):
            raise InvalidSignature
        public.verify(assertion.signature, _message(audience, challenge), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        w.emit("cert.login_refused", audience=audience, serial=keys.serial_hex(cert), outcome="tampered")
        raise Forbidden(REFUSALS[validation.Outcome.TAMPERED]) from None
    checked = validation.check(w, cert, {"digital_signature"}, {"client_auth"})
    if checked.outcome != validation.Outcome.VALID or checked.record is None:
        w.emit("cert.login_refused", audience=audience, serial=keys.serial_hex(cert), outcome=checked.outcome)
        raise Forbidden(REFUSALS.get(checked.outcome, REFUSALS[validation.Outcome.UNTRUSTED]))
    return cert, checked.record


def accept(
    w: World,
    audience: str,
    challenge: str,
    identify: Callable[[x509.Certificate], T],
    outcomes: dict[str, str],
) -> T:
    """A relying party's whole certificate login: the store's answer to our challenge is checked
    (`verify`), then `identify` names the user the certificate belongs to (DomainError if none).

    The challenge is used up even when the login is refused: the refusal, with its `cert.login_refused`
    event (`outcomes` maps identify's message keys to short outcome names), is committed before it is
    raised, in a unit of work holding the world's write lock (so two requests cannot both use it)."""
    if w.read_only:
        raise Forbidden(READ_ONLY_MESSAGE)
    if not challenge:
        raise DomainError(N_("登录请求无效或已过期，请回到登录页重新开始"))
    w.restart_locked()
    try:
        cert, _record = verify(w, audience, challenge)
        try:
            return identify(cert)
        except DomainError as exc:
            w.emit(
                "cert.login_refused",
                audience=audience,
                serial=keys.serial_hex(cert),
                outcome=outcomes.get(exc.key, "refused"),
            )
            raise
    except DomainError:
        w.commit()
        raise
