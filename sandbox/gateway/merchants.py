"""Who uses the platform: its own key pair, merchant apps and their console logins (password or
certificate), buyers' accounts."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from cryptography import x509
from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.errors import N_, Conflict, DomainError, Forbidden, NotFound
from sandbox.gateway import signing
from sandbox.gateway.models import ConsoleLogin, KeyToolPair, MerchantApp, PlatformKey, PlatformUser
from sandbox.pki import keys as pki_keys
from sandbox.pki import login as pki_login
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.worlds.world import World

MAX_URL = 256
MAX_FAILED_PAY = 5
CERT_AUDIENCE = "gateway.console"  # what the certificate store signs a console login challenge for
CERT_REQUIRED = N_("该商户账号已启用证书登录，请使用证书登录")
NO_CERT_EMAIL = N_("证书中没有电子邮件地址，无法确定对应的商户账号")
UNBOUND_CERT = N_("该证书未绑定商家中心账号（证书中的电子邮件不是商户的登录邮箱）")
CERT_REFUSALS = {NO_CERT_EMAIL: "no_email", UNBOUND_CERT: "unbound"}


def world_part(w: World) -> int:
    """Six digits particular to this world (numbers from one world are no answer in another)."""
    key = w.meta().attempt_key or ""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % 1_000_000


# --- The platform's own key ------------------------------------------------------------------------


def platform_key(w: World) -> PlatformKey:
    """The platform's key pair in this world, made on first use (never in a template)."""
    key = w.db.scalars(select(PlatformKey).order_by(PlatformKey.id)).first()
    if key is None:
        if w.read_only:
            raise Conflict(N_("支付平台密钥尚未生成"))
        private_pem, public_pem = signing.generate_key_pair()
        key = PlatformKey(private_pem=private_pem, public_pem=public_pem, created_at=w.now())
        w.db.add(key)
        w.db.flush()
        w.emit("gateway.platform_key_created", actor="system", fingerprint=signing.fingerprint(public_pem))
    return key


def has_platform_key(w: World) -> bool:
    """Whether the platform's key pair exists yet (a reading page takes the write lock to make it)."""
    return w.db.scalar(select(PlatformKey.id).limit(1)) is not None


def platform_public_key(w: World) -> str:
    """The platform's public key (SubjectPublicKeyInfo PEM) in this world."""
    return platform_key(w).public_pem


def platform_sign(w: World, params: dict[str, str]) -> str:
    """The platform's RSA2 signature of a parameter set."""
    return signing.sign(params, platform_key(w).private_pem)


# --- Merchant apps ---------------------------------------------------------------------------------


def open_merchant(
    w: World,
    *,
    name: str,
    settlement_account_no: str,
    login_email: str | None = None,
    password: str | None = None,
) -> MerchantApp:
    """Sign a merchant up: one app settling to a bank account, with a console login if one is given."""
    account = bank.find_account(w, settlement_account_no)
    seq = (w.db.scalar(select(func.count(MerchantApp.id))) or 0) + 1
    part = world_part(w)
    app = MerchantApp(
        app_id=f"{w.now():%Y}{part:06d}{seq:06d}",
        seller_id=f"2088{part:06d}{seq:06d}",
        name=name.strip()[:80],
        settlement_account_no=account.number,
        created_at=w.now(),
    )
    w.db.add(app)
    w.db.flush()
    w.emit("gateway.merchant_opened", app_id=app.app_id, merchant=app.name, account_no=account.number)
    if login_email and password:
        grant_console(w, app, login_email, password)
    return app


def app_by_id(w: World, app_id: str) -> MerchantApp:
    """The app with this app id, or NotFound."""
    app = w.db.scalars(select(MerchantApp).where(MerchantApp.app_id == (app_id or "").strip())).first()
    if app is None:
        raise NotFound(N_("应用不存在"))
    return app


def apps_settling_to(w: World, account_no: str) -> list[MerchantApp]:
    """The apps whose money settles to this bank account, oldest first."""
    q = select(MerchantApp).where(MerchantApp.settlement_account_no == account_no).order_by(MerchantApp.id)
    return list(w.db.scalars(q))


def set_app_public_key(w: World, app: MerchantApp, pem: str, *, source: str = "api") -> MerchantApp:
    """Store the merchant's RSA public key (checked; kept as canonical PEM)."""
    key = signing.load_public_key(pem)
    app.public_key_pem = signing.public_pem_of(key)
    app.key_source = source
    app.key_set_at = w.now()
    w.emit(
        "gateway.key_uploaded",
        app_id=app.app_id,
        source=source,
        fingerprint=signing.fingerprint(app.public_key_pem),
    )
    return app


def check_url(url: str, label: str) -> str:
    """A notify or return URL: http(s) with a host, or a path on this site; blank allowed."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL or any(ord(c) < 33 or c in "<>\"'\\" for c in url):
        raise DomainError(N_("%(label)s格式不正确"), label=label)
    if url.startswith("/") and not url.startswith("//"):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        raise DomainError(N_("%(label)s格式不正确"), label=label) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(N_("%(label)s必须以 http:// 或 https:// 开头"), label=label)
    return url


def set_app_urls(w: World, app: MerchantApp, *, notify_url: str, return_url: str) -> MerchantApp:
    """Set where notifications go and where the cashier sends the buyer back to."""
    checked = check_url(notify_url, N_("异步通知地址")), check_url(return_url, N_("同步返回地址"))
    app.notify_url, app.return_url = checked
    w.emit("gateway.app_updated", app_id=app.app_id, notify_url=app.notify_url, return_url=app.return_url)
    return app


# --- Console logins --------------------------------------------------------------------------------


def grant_console(w: World, app: MerchantApp, email: str, password: str) -> ConsoleLogin:
    """Let someone log in to the app's console with an e-mail address and a password."""
    email = (email or "").strip().lower()
    if not email or not password:
        raise DomainError(N_("请填写登录邮箱和密码"))
    login = w.db.scalars(select(ConsoleLogin).where(ConsoleLogin.email == email)).first()
    if login is not None and login.app_pk != app.id:
        raise Conflict(N_("该邮箱已是其他商户的登录账号"))
    if login is None:
        login = ConsoleLogin(app_pk=app.id, email=email, password_hash="", created_at=w.now())
        w.db.add(login)
    login.password_hash = hash_world_secret(password)
    w.db.flush()
    w.emit("gateway.console_granted", app_id=app.app_id, email=email)
    return login


def console_app(w: World, email: str) -> MerchantApp | None:
    """The app a console login belongs to, or None."""
    login = w.db.scalars(
        select(ConsoleLogin).where(ConsoleLogin.email == (email or "").strip().lower())
    ).first()
    return login.app if login else None


def console_login(w: World, email: str, password: str) -> ConsoleLogin:
    """Check a merchant console login."""
    login = w.db.scalars(
        select(ConsoleLogin).where(ConsoleLogin.email == (email or "").strip().lower())
    ).first()
    if login is None or not check_secret(login.password_hash, password or ""):
        raise DomainError(N_("账号或登录密码错误"), status=401)
    if login.cert_required:  # only a right password learns this
        raise Forbidden(CERT_REQUIRED)
    return login


def require_certificate(w: World, email: str, required: bool = True) -> ConsoleLogin:
    """Make a console login certificate-only (证书登录), or lift that."""
    login = w.db.scalars(
        select(ConsoleLogin).where(ConsoleLogin.email == (email or "").strip().lower())
    ).first()
    if login is None:
        raise NotFound(N_("商户账号不存在"))
    login.cert_required = required
    w.emit("gateway.console_cert_required", app_id=login.app.app_id, email=login.email, required=required)
    return login


def login_for_certificate(w: World, cert: x509.Certificate) -> ConsoleLogin:
    """The console login a certificate names: an e-mail address of its subjectAltName is the login's."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        emails = {str(e).strip().lower() for e in san.get_values_for_type(x509.RFC822Name)}
    except x509.ExtensionNotFound:
        emails = set()
    if not emails:
        raise Forbidden(NO_CERT_EMAIL)
    logins = list(w.db.scalars(select(ConsoleLogin).where(ConsoleLogin.email.in_(sorted(emails)))))
    if len(logins) != 1:  # none, or addresses of several merchants in one certificate
        raise Forbidden(UNBOUND_CERT)
    return logins[0]


def console_certificate_login(w: World, challenge: str) -> ConsoleLogin:
    """The console's certificate login: the store's signature of our challenge is checked (chain,
    validity, revocation, key usage: `pki.login.verify`), then the certificate names the login.

    The signed challenge is used up even when the login is refused (see `pki.login.accept`)."""
    login, serial = pki_login.accept(
        w,
        CERT_AUDIENCE,
        challenge,
        lambda cert: (login_for_certificate(w, cert), pki_keys.serial_hex(cert)),
        CERT_REFUSALS,
    )
    w.emit(
        "gateway.console_logged_in",
        app_id=login.app.app_id,
        email=login.email,
        method="certificate",
        serial=serial,
    )
    return login


def console_session_app(w: World, login_pk: object) -> MerchantApp | None:
    """The app of the console login remembered in the session, if it still exists."""
    if not isinstance(login_pk, int):
        return None
    login = w.db.get(ConsoleLogin, login_pk)
    return login.app if login else None


def key_tool_generate(w: World, app: MerchantApp) -> KeyToolPair:
    """The console's key tool: a new pair for the merchant (the private half downloadable once)."""
    private_pem, public_pem = signing.generate_key_pair()
    pair = KeyToolPair(app_pk=app.id, public_pem=public_pem, private_pem=private_pem, created_at=w.now())
    w.db.add(pair)
    w.db.flush()
    w.emit("gateway.key_pair_generated", app_id=app.app_id, pair=pair.id)
    return pair


def key_tool_pair(w: World, app: MerchantApp, pair_pk: int) -> KeyToolPair:
    """One of this app's key-tool pairs, or NotFound."""
    pair = w.db.get(KeyToolPair, pair_pk)
    if pair is None or pair.app_pk != app.id:
        raise NotFound(N_("密钥不存在"))
    return pair


def take_private_key(w: World, app: MerchantApp, pair_pk: int) -> str:
    """Hand out a key-tool private key once; the platform keeps no copy afterwards."""
    pair = key_tool_pair(w, app, pair_pk)
    if pair.private_pem is None:
        raise Conflict(N_("私钥只能下载一次，平台不保存私钥；如已丢失，请重新生成密钥"))
    pem, pair.private_pem, pair.downloaded_at = pair.private_pem, None, w.now()
    w.emit("gateway.private_key_downloaded", app_id=app.app_id, pair=pair.id)
    return pem


# --- Buyers' platform accounts ---------------------------------------------------------------------


def open_user(
    w: World, *, email: str, name: str, password: str, pay_password: str, card_no: str | None
) -> PlatformUser:
    """A buyer's platform account, paying from the bound bank card (an account number in the world)."""
    email = (email or "").strip().lower()
    if w.db.scalar(select(PlatformUser.id).where(PlatformUser.email == email)) is not None:
        raise Conflict(N_("该邮箱已注册"))
    if card_no:
        card_no = bank.find_account(w, card_no).number
    seq = (w.db.scalar(select(func.count(PlatformUser.id))) or 0) + 1
    user = PlatformUser(
        user_id=f"2088{world_part(w):06d}{500000 + seq:06d}",
        email=email,
        name=name,
        password_hash=hash_world_secret(password),
        pay_password_hash=hash_world_secret(pay_password),
        card_no=card_no or None,
        created_at=w.now(),
    )
    w.db.add(user)
    w.db.flush()
    w.emit("gateway.user_opened", email=email, card_bound=bool(card_no))
    return user


def user_login(w: World, email: str, password: str) -> PlatformUser:
    """Check a buyer's platform login (e-mail and login password)."""
    user = w.db.scalars(
        select(PlatformUser).where(PlatformUser.email == (email or "").strip().lower())
    ).first()
    if user is None or not check_secret(user.password_hash, password or ""):
        raise DomainError(N_("账号或登录密码错误"), status=401)
    return user


def session_user(w: World, user_pk: object) -> PlatformUser | None:
    """The platform user remembered in the session, if any."""
    return w.db.get(PlatformUser, user_pk) if isinstance(user_pk, int) else None


def check_pay_password(w: World, user: PlatformUser, pay_password: str) -> None:
    """Check the pay password; failures are counted and committed, and 5 lock the account."""
    if user.locked:
        raise DomainError(N_("支付密码错误次数过多，账户已锁定"), status=403)
    if check_secret(user.pay_password_hash, pay_password or ""):
        user.failed_pay_attempts = 0
        return
    # The count must survive the refused request: commit it in a unit of work of its own.
    w.restart_locked()
    user = w.db.get(PlatformUser, user.id)
    user.failed_pay_attempts += 1
    left = MAX_FAILED_PAY - user.failed_pay_attempts
    if left <= 0:
        user.locked = True
    w.emit("gateway.pay_password_failed", email=user.email, failures=user.failed_pay_attempts)
    w.commit()
    if left <= 0:
        raise DomainError(N_("支付密码错误次数过多，账户已锁定"), status=403)
    raise DomainError(N_("支付密码错误，还可以尝试 %(left)s 次"), status=401, left=left)


def mask_card(number: str | None) -> str:
    """A card or account number as 6222 **** **** 1234."""
    number = number or ""
    return f"{number[:4]} **** **** {number[-4:]}" if len(number) >= 8 else "****"


def mask_email(email: str) -> str:
    """An e-mail address as bu***@mail.sim (as Alipay shows buyer_logon_id)."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:3]}***@{domain}" if domain else "***"
