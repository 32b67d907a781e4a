"""Logins of companies' staff to the B2B platform.

A member logs in with the login and password. A company can require certificate login (证书登录,
`Company.cert_login`, turned on in the member's 安全设置 or by `cert_login: true` of the scenario's
enterprise account): then the password is only the first step, and the member also signs the
platform's challenge in the certificate store with an enterprise certificate of the company
(`certificate_login`: chain, validity, revocation and usage by `pki.login`, then the certificate must
name the company by its credit code, or by its name when it carries no code).
"""

from __future__ import annotations

from cryptography import x509
from sqlalchemy import select

from sandbox.b2b.company_models import Company, CompanyUser
from sandbox.errors import N_, Conflict, DomainError, Forbidden
from sandbox.pki import keys as pki_keys
from sandbox.pki import login as pki_login
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.worlds.world import World

CERT_AUDIENCE = "b2b.member"  # what the certificate store signs a member's login challenge for
PERSONAL_CERT = N_("这是个人证书：贵公司已启用证书登录，请使用本公司的企业证书")
OTHER_COMPANY_CERT = N_("该证书不属于贵公司：证书上的企业名称或统一社会信用代码与本会员企业不符")
NO_PASSWORD_STEP = N_("请先输入会员账号和密码，再进行证书验证")
CERT_REFUSALS = {PERSONAL_CERT: "not_enterprise", OTHER_COMPANY_CERT: "other_company"}


def open_login(
    w: World, *, login: str, password: str, name: str, company: Company | None = None, salt: str | None = None
) -> CompanyUser:
    """A staff member's login, with or without a company profile yet (`salt`: a template's NPC login,
    hashed the same way on every build)."""
    user = CompanyUser(
        login=login,
        password_hash=hash_world_secret(password, salt),
        name=name,
        company_id=company.id if company else None,
        created_at=w.now(),
    )
    w.db.add(user)
    w.db.flush()
    return user


def check_password(w: World, login_name: str, password: str) -> CompanyUser:
    """The user these credentials belong to (records nothing); one message for either being wrong."""
    user = w.db.scalars(select(CompanyUser).where(CompanyUser.login == (login_name or "").strip())).first()
    if user is None or not check_secret(user.password_hash, password or ""):
        raise DomainError(N_("账号或密码错误"), status=401)
    return user


def needs_certificate(user: CompanyUser) -> bool:
    """Whether the user's company requires certificate login after the password."""
    return user.company is not None and user.company.cert_login


def login(w: World, login_name: str, password: str) -> CompanyUser:
    """Check a login and password. A member of a company without certificate login is logged in
    (`b2b.member_logged_in`); for one with it the caller goes on to the certificate step."""
    user = check_password(w, login_name, password)
    if not needs_certificate(user):
        _logged_in(w, user, method="password")
    return user


def _logged_in(w: World, user: CompanyUser, **method: str) -> None:
    w.emit(
        "b2b.member_logged_in",
        user=user.login,
        company_id=user.company_id,
        company_name=user.company.name if user.company else "",
        **method,
    )


def _subject_attr(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    found = cert.subject.get_attributes_for_oid(oid)
    return str(found[0].value).strip() if found else ""


def certificate_names_company(cert: x509.Certificate, company: Company) -> None:
    """Whether an enterprise certificate is the company's: its organizationIdentifier is the company's
    credit code or, on a certificate without a code, its organisation is the company's name.
    Forbidden with the reason otherwise."""
    code = _subject_attr(cert, x509.NameOID.ORGANIZATION_IDENTIFIER).upper()
    org = _subject_attr(cert, x509.NameOID.ORGANIZATION_NAME)
    if not code and not org:
        raise Forbidden(PERSONAL_CERT)
    if code:
        if code != company.credit_code.upper():
            raise Forbidden(OTHER_COMPANY_CERT)
    elif org != company.name:
        raise Forbidden(OTHER_COMPANY_CERT)


def certificate_login(w: World, user_id: object, challenge: str) -> CompanyUser:
    """The certificate step of a member's login (after the password): the store's signature of our
    challenge is checked (chain, validity, revocation, key usage: `pki.login.verify`), then the
    certificate must name the member's company. Records `b2b.member_cert_login` and
    `b2b.member_logged_in` (method certificate).

    The signed challenge is used up even when the login is refused (see `pki.login.accept`)."""
    if not isinstance(user_id, int):
        raise DomainError(NO_PASSWORD_STEP, status=401)

    def identify(cert: x509.Certificate) -> tuple[CompanyUser, str]:
        user = w.db.get(CompanyUser, user_id)  # read again in the locked unit of work
        if user is None or user.company is None:
            raise DomainError(NO_PASSWORD_STEP, status=401)
        certificate_names_company(cert, user.company)
        return user, pki_keys.serial_hex(cert)

    user, serial = pki_login.accept(w, CERT_AUDIENCE, challenge, identify, CERT_REFUSALS)
    company = user.company
    w.emit(
        "b2b.member_cert_login",
        user=user.login,
        company_id=company.id,
        company_name=company.name,
        credit_code=company.credit_code,
        serial=serial,
    )
    _logged_in(w, user, method="certificate", serial=serial)
    return user


def require_certificate(w: World, user: CompanyUser, required: bool, password: str) -> Company:
    """Turn the company's certificate login on or off (安全设置); the member confirms with the login
    password. Records `b2b.member_cert_required` when the setting changes."""
    company = user.company
    if company is None:
        raise Conflict(N_("请先填写并保存企业资料，再修改安全设置"))
    if not check_secret(user.password_hash, password or ""):
        raise DomainError(N_("登录密码错误，安全设置未修改"), status=401)
    if company.cert_login == required:
        return company
    company.cert_login = required
    w.emit(
        "b2b.member_cert_required",
        company_id=company.id,
        company_name=company.name,
        credit_code=company.credit_code,
        user=user.login,
        required=required,
    )
    return company


def get_user(w: World, user_id: object) -> CompanyUser | None:
    """The signed-in user from the session's id (None if there is none)."""
    return w.db.get(CompanyUser, user_id) if isinstance(user_id, int) else None
