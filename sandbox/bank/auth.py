"""Who is at the bank: one login function for every channel (personal and enterprise online banking,
the counter; enterprise users also with a certificate), the transaction password with its lock, and
password changes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from sqlalchemy import select

from sandbox.bank.models import AccountKind, BankAccount, EnterpriseUser, Teller
from sandbox.errors import N_, Conflict, DomainError, Forbidden, NotFound
from sandbox.pki import keys as pki_keys
from sandbox.pki import login as pki_login
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.worlds.world import World

MAX_PAYMENT_PASSWORD_FAILURES = 5


class Channel:
    """Where a person logs in."""

    PERSONAL = "personal"  # 个人网银: card number and login password
    ENTERPRISE = "enterprise"  # 企业网银: operator login and password, or an enterprise certificate
    COUNTER = "counter"  # 柜台: teller number and password
    ALL = (PERSONAL, ENTERPRISE, COUNTER)


@dataclass
class Principal:
    """Someone logged in at one channel: the account they act on, and who they are."""

    channel: str
    account: BankAccount | None = None
    user: EnterpriseUser | None = None
    teller: Teller | None = None

    @property
    def login(self) -> str:
        """What they logged in with."""
        if self.user is not None:
            return self.user.login
        if self.teller is not None:
            return self.teller.teller_no
        return self.account.number if self.account is not None else ""


BAD_LOGIN = N_("账号或登录密码错误")
CERT_REQUIRED = N_("该操作员已启用证书登录，请使用证书登录")
CERT_AUDIENCE = "bank.corp"  # what the certificate store signs a login challenge for
PERSONAL_CERT = N_("这是个人证书：企业网银请使用本单位的企业证书登录")
UNBOUND_CERT = N_("该证书未绑定本行企业网银操作员")
AMBIGUOUS_CERT = N_("该单位有多名同名操作员，无法确定证书对应的操作员，请联系开户行柜台")
CERT_REFUSALS = {PERSONAL_CERT: "not_enterprise", UNBOUND_CERT: "unbound", AMBIGUOUS_CERT: "ambiguous"}


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    found = name.get_attributes_for_oid(oid)
    return str(found[0].value).strip() if found else ""


def user_for_certificate(w: World, cert: x509.Certificate) -> EnterpriseUser:
    """The enterprise user an enterprise certificate names: its organizationIdentifier is the company
    account's credit code and its CN the user's name (the certificate is issued to a person of the
    organisation). Forbidden when it names none, or several users of that company."""
    code = _name_attr(cert.subject, x509.NameOID.ORGANIZATION_IDENTIFIER).upper()
    if not code:
        raise Forbidden(PERSONAL_CERT)
    name = _name_attr(cert.subject, x509.NameOID.COMMON_NAME)
    users = list(
        w.db.scalars(
            select(EnterpriseUser)
            .join(EnterpriseUser.account)
            .where(
                BankAccount.kind == AccountKind.ENTERPRISE,
                BankAccount.credit_code == code,
                EnterpriseUser.name == name,
            )
        )
    )
    if not users:
        raise Forbidden(UNBOUND_CERT)
    if len(users) > 1:
        raise Forbidden(AMBIGUOUS_CERT)
    return users[0]


def check_credentials(
    w: World, *, channel: str, login: str, password: str, certificate: x509.Certificate | None = None
) -> Principal:
    """Who these credentials belong to at `channel`, or DomainError 401 (no event: nothing changes).

    `certificate` (enterprise online banking only) is a client certificate `pki.login.verify` accepted:
    it replaces login and password. A 证书用户 (`cert_required`) cannot use the password (403).
    """
    if certificate is not None:
        if channel != Channel.ENTERPRISE:
            raise ValueError(f"channel {channel!r} takes no certificate")
        user = user_for_certificate(w, certificate)
        return Principal(channel, account=user.account, user=user)
    login = (login or "").strip()
    password = password or ""
    if channel == Channel.PERSONAL:
        account = w.db.scalars(select(BankAccount).where(BankAccount.number == login)).first()
        if account and account.kind in AccountKind.PERSONAL_BANKING:
            if check_secret(account.login_password_hash, password):
                return Principal(channel, account=account)
    elif channel == Channel.ENTERPRISE:
        user = w.db.scalars(select(EnterpriseUser).where(EnterpriseUser.login == login)).first()
        if user and check_secret(user.password_hash, password):
            if user.cert_required:  # only a right password learns this
                raise Forbidden(CERT_REQUIRED)
            return Principal(channel, account=user.account, user=user)
    elif channel == Channel.COUNTER:
        teller = w.db.scalars(select(Teller).where(Teller.teller_no == login)).first()
        if teller and check_secret(teller.password_hash, password):
            return Principal(channel, teller=teller)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    raise DomainError(BAD_LOGIN, status=401)


def authenticate(
    w: World,
    *,
    channel: str,
    login: str = "",
    password: str = "",
    certificate: x509.Certificate | None = None,
) -> Principal:
    """Log in at a channel (personal, enterprise, counter) and record it as `bank.logged_in`."""
    principal = check_credentials(w, channel=channel, login=login, password=password, certificate=certificate)
    method: dict[str, str] = {"method": "password"}
    if certificate is not None:
        method = {"method": "certificate", "serial": pki_keys.serial_hex(certificate)}
    w.emit(
        "bank.logged_in",
        channel=channel,
        login=principal.login,
        account_no=principal.account.number if principal.account else None,
        bank_code=(principal.account.bank if principal.account else principal.teller.bank).code,
        **method,
    )
    return principal


def certificate_login(w: World, challenge: str) -> Principal:
    """Enterprise online banking's certificate login: the store's signature of our challenge is checked
    (chain, validity, revocation, key usage: `pki.login.verify`), then the certificate names its user.

    The signed challenge is used up even when the login is refused (see `pki.login.accept`)."""
    return pki_login.accept(
        w,
        CERT_AUDIENCE,
        challenge,
        lambda cert: authenticate(w, channel=Channel.ENTERPRISE, certificate=cert),
        CERT_REFUSALS,
    )


def login(w: World, number: str, password: str) -> BankAccount:
    """Check online-banking credentials of a personal account (records nothing)."""
    return check_credentials(w, channel=Channel.PERSONAL, login=number, password=password).account


def verify_tx_password(w: World, holder: BankAccount | EnterpriseUser, password: str) -> None:
    """Check a transaction password; failures are counted and committed, and 5 lock it.

    The failure count must survive the refused request, so it is committed here, in a unit of work
    of its own that holds the world's write lock (so simultaneous failures all count). Call it before
    changing anything else in the unit of work.
    """
    if holder.locked:
        raise Forbidden(N_("交易密码错误次数过多，已锁定，请到柜台解锁"))
    if check_secret(holder.payment_password_hash, password or ""):
        holder.failed_payment_attempts = 0
        return
    w.restart_locked()
    holder = w.db.get(type(holder), holder.id)
    holder.failed_payment_attempts += 1
    left = MAX_PAYMENT_PASSWORD_FAILURES - holder.failed_payment_attempts
    number = holder.login if isinstance(holder, EnterpriseUser) else holder.number
    w.emit("payment.password_failed", account_no=number, failures=holder.failed_payment_attempts)
    if left <= 0:
        holder.locked = True
        w.emit("bank.tx_password_locked", account_no=number)
    w.commit()
    if left <= 0:
        raise Forbidden(N_("交易密码错误次数过多，已锁定，请到柜台解锁"))
    raise DomainError(N_("交易密码错误，还可以尝试 %(left)s 次"), status=401, left=left)


def authorize_payment(w: World, number: str, payment_password: str) -> BankAccount:
    """Check the payment (transaction) password of a personal card; 5 failures lock it."""
    number = (number or "").strip()
    if not number.isdigit():
        raise DomainError(N_("请输入正确的银行卡号"))
    account = w.db.scalars(select(BankAccount).where(BankAccount.number == number)).first()
    if account is None or account.kind != AccountKind.PERSONAL:
        raise NotFound(N_("银行账号不存在"))
    if account.locked:
        raise Forbidden(N_("支付密码错误次数过多，账户已锁定"))
    try:
        verify_tx_password(w, account, payment_password)
    except Forbidden:
        raise Forbidden(N_("支付密码错误次数过多，账户已锁定")) from None
    except DomainError as exc:
        raise DomainError(N_("支付密码错误，还可以尝试 %(left)s 次"), status=401, **exc.params) from None
    return account


def unlock_tx_password(w: World, holder: BankAccount | EnterpriseUser, by: str) -> None:
    """The counter unlocks a locked transaction password (the holder's failures are forgotten)."""
    if not holder.locked:
        raise Conflict(N_("该交易密码未锁定"))
    holder.locked = False
    holder.failed_payment_attempts = 0
    number = holder.login if isinstance(holder, EnterpriseUser) else holder.number
    w.emit("bank.tx_password_unlocked", account_no=number, by=by)


LOGIN_PASSWORD = re.compile(r"(?=.*[A-Za-z])(?=.*[0-9])[\x21-\x7e]{8,20}")
TX_PASSWORD = re.compile(r"[0-9]{6}")


def change_login_password(w: World, principal: Principal, old: str, new: str, confirm: str) -> None:
    """Change the login password of the person logged in (the old one must be right)."""
    holder = principal.user or principal.account
    hash_field = "password_hash" if principal.user is not None else "login_password_hash"
    if not check_secret(getattr(holder, hash_field), old or ""):
        raise DomainError(N_("原登录密码错误"), status=401)
    if not LOGIN_PASSWORD.fullmatch(new or ""):
        raise DomainError(N_("新登录密码须为 8–20 位，且同时包含字母和数字"))
    if new != confirm:
        raise DomainError(N_("两次输入的新密码不一致"))
    if new == old:
        raise DomainError(N_("新密码不能与原密码相同"))
    setattr(holder, hash_field, hash_world_secret(new))
    w.emit("bank.password_changed", kind="login", login=principal.login)


def change_tx_password(w: World, principal: Principal, old: str, new: str, confirm: str) -> None:
    """Change the transaction password (the old one is checked like any transaction: 5 failures lock it)."""
    holder = principal.user or principal.account
    if not TX_PASSWORD.fullmatch(new or ""):
        raise DomainError(N_("新交易密码须为 6 位数字"))
    if new != confirm:
        raise DomainError(N_("两次输入的新密码不一致"))
    if new == old:
        raise DomainError(N_("新密码不能与原密码相同"))
    verify_tx_password(w, holder, old)
    holder.payment_password_hash = hash_world_secret(new)
    w.emit("bank.password_changed", kind="transaction", login=principal.login)
