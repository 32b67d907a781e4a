"""The certificate authority's services: its hierarchy, applications and the registration authority's
decision, issuing (a PKCS#12 it generates, or a CSR the applicant brings), revocation, suspension,
renewal, the CRL and OCSP, and the public directory.

Keys and codes come from the operating system's randomness, not the world's seed: they are secrets.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from sqlalchemy import func, or_, select
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from sandbox.errors import N_, Conflict, DomainError, Forbidden, NotFound
from sandbox.pki import authority as crypto
from sandbox.pki import keys
from sandbox.pki.models import (
    ApplicationStatus,
    Authority,
    CertApplication,
    Certificate,
    CertKind,
    CertStatus,
    Download,
    Usage,
)
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.worlds import npc
from sandbox.worlds.world import World

CA_ORG = "云盾数字认证有限公司"
ROOT_NAME = "云盾根CA"
ISSUING_NAME = "云盾个人及企业证书CA"
CA_MAIL = "service@ca.mail.sim"
MAIL_SEND_ACTION = "mail.send"
CERT_DAYS = 365
CODE_DAYS = 14  # an authorisation code can be used within two weeks of the approval
MAX_CODE_FAILURES = 5
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
DOMAIN_NAME = re.compile(r"(?=.{4,120}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}")
# RFC 5280 reasons a holder may give (the names of cryptography's ReasonFlags).
REVOKE_REASONS = {
    "unspecified": N_("未指明"),
    "key_compromise": N_("密钥泄露"),
    "affiliation_changed": N_("隶属关系改变"),
    "superseded": N_("证书被替代"),
    "cessation_of_operation": N_("停止使用"),
}
_KEY_CACHE: dict[str, keys.PrivateKey] = {}  # the CA's unwrapped keys, in memory only


# --- the hierarchy --------------------------------------------------------------------------------


def found(w: World) -> None:
    """Create the world's root CA and issuing CA (once, when a template is built)."""
    if w.db.scalar(select(func.count(Authority.id))):
        return
    now = w.now()
    root_key, issuing_key = keys.new_key(), keys.new_key()
    root = crypto.root_certificate(root_key, crypto.ca_name(ROOT_NAME, CA_ORG), now)
    issuing = crypto.issuing_certificate(
        issuing_key, crypto.ca_name(ISSUING_NAME, CA_ORG), root, root_key, now
    )
    for role, name, cert, key in (
        ("root", ROOT_NAME, root, root_key),
        ("issuing", ISSUING_NAME, issuing, issuing_key),
    ):
        secret = secrets.token_hex(32)
        w.db.add(
            Authority(
                role=role,
                name=name,
                cert_der=keys.der(cert),
                key_blob=keys.wrap(key, secret),
                wrap_secret=secret,
            )
        )
    w.db.flush()


def _authority(w: World, role: str) -> Authority:
    found_ = w.db.scalars(select(Authority).where(Authority.role == role)).first()
    if found_ is None:
        raise NotFound(N_("本世界没有证书认证中心"))
    return found_


def root_cert(w: World) -> x509.Certificate:
    """The world's root certificate (the trust anchor)."""
    return x509.load_der_x509_certificate(_authority(w, "root").cert_der)


def issuing_cert(w: World) -> x509.Certificate:
    """The issuing CA's certificate."""
    return x509.load_der_x509_certificate(_authority(w, "issuing").cert_der)


def chain(w: World) -> list[x509.Certificate]:
    """The chain a holder's PKCS#12 carries: issuing CA, root."""
    return [issuing_cert(w), root_cert(w)]


def _issuing_key(w: World) -> keys.PrivateKey:
    auth = _authority(w, "issuing")
    cached = _KEY_CACHE.get(auth.wrap_secret)
    if cached is None:
        cached = _KEY_CACHE[auth.wrap_secret] = keys.unwrap(auth.key_blob, auth.wrap_secret)
    return cached


# --- applications and the RA ---------------------------------------------------------------------


@dataclass
class ApplicationForm:
    """What an applicant fills in."""

    kind: str
    name: str = ""  # a person's name (the holder, for an enterprise certificate)
    id_number: str = ""
    email: str = ""
    mobile: str = ""
    org: str = ""
    credit_code: str = ""
    domain: str = ""
    province: str = ""
    city: str = ""
    dual: bool = False


def check_form(form: ApplicationForm) -> dict[str, Any]:
    """The application's fields, cleaned, or DomainError naming the first wrong one."""
    if form.kind not in CertKind.ALL:
        raise DomainError(N_("请选择证书类型"))
    name = (form.name or "").strip()
    email = (form.email or "").strip().lower()
    fields: dict[str, Any] = {"email": email, "mobile": (form.mobile or "").strip()}
    if not name or len(name) > 40:
        raise DomainError(N_("请填写姓名（不超过 40 个字）"))
    fields["name"] = name
    id_number = (form.id_number or "").strip().upper()
    if not valid_id_number(id_number):
        raise DomainError(N_("身份证号码不正确（18 位，最后一位是校验码）"))
    fields["id_number"] = id_number
    if not EMAIL.fullmatch(email):
        raise DomainError(N_("请填写正确的电子邮箱"))
    if fields["mobile"] and not re.fullmatch(r"1[3-9][0-9]{9}", fields["mobile"]):
        raise DomainError(N_("手机号码应为 11 位数字"))
    if form.kind in (CertKind.ENTERPRISE, CertKind.SERVER):
        org = (form.org or "").strip()
        if not org or len(org) > 60:
            raise DomainError(N_("请填写单位名称"))
        code = (form.credit_code or "").strip().upper()
        if not uscc.is_valid(code):
            raise DomainError(N_("统一社会信用代码不正确（18 位，最后一位是校验码）"))
        fields.update(org=org, credit_code=code)
    if form.kind == CertKind.SERVER:
        domain = (form.domain or "").strip().lower()
        if not DOMAIN_NAME.fullmatch(domain):
            raise DomainError(N_("请填写正确的服务器域名，如 www.example.com"))
        fields["domain"] = domain
    fields["province"] = (form.province or "").strip()[:20]
    fields["city"] = (form.city or "").strip()[:20]
    return fields


def valid_id_number(number: str) -> bool:
    """A resident ID number (GB 11643): 18 characters, a real birth date, the right check character.

    python-stdnum also looks the birth place up in its register of regions; districts renamed since
    that register was made are real numbers still, so the region is not checked here."""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number or ""):
        return False
    try:
        ric.get_birth_date(number)
    except ValidationError:
        return False
    return ric.calc_check_digit(number) == number[17]  # (it reads the first 17 characters)


def next_number(w: World, prefix: str, model: type) -> str:
    """The next number of an application (SQ…), by the world date."""
    count = w.db.scalar(select(func.count(model.id))) or 0
    return f"{prefix}{w.now():%Y%m%d}{count + 1:05d}"


def apply(w: World, applicant: str, form: ApplicationForm) -> CertApplication:
    """Submit an application for a certificate; the registration authority reviews it."""
    fields = check_form(form)
    return record_application(
        w, applicant, form.kind, fields, dual=bool(form.dual) and form.kind != CertKind.SERVER
    )


def record_application(
    w: World, applicant: str, kind: str, fields: dict[str, Any], *, dual: bool = False, channel: str = "web"
) -> CertApplication:
    """File an application as given (the web form checked it; a paper one was not checked)."""
    application = CertApplication(
        number=next_number(w, "SQ", CertApplication),
        kind=kind,
        dual=dual,
        applicant=applicant,
        fields=fields,
        submitted_at=w.now(),
    )
    w.db.add(application)
    w.db.flush()
    w.emit(
        "cert.applied",
        application_no=application.number,
        kind=kind,
        dual=dual,
        applicant=applicant,
        holder_name=fields["name"],
        email=fields["email"],
        org=fields.get("org", ""),
        channel=channel,
    )
    return application


def applications_of(w: World, applicant: str) -> list[CertApplication]:
    """An identity's applications, newest first."""
    q = select(CertApplication).where(CertApplication.applicant == applicant)
    return list(w.db.scalars(q.order_by(CertApplication.id.desc())))


def get_application(w: World, number: str) -> CertApplication:
    """An application by its number."""
    found_ = w.db.scalars(
        select(CertApplication).where(CertApplication.number == (number or "").strip())
    ).first()
    if found_ is None:
        raise NotFound(N_("证书申请不存在"))
    return found_


def pending(w: World) -> list[CertApplication]:
    """Applications waiting for the RA, oldest first."""
    q = select(CertApplication).where(CertApplication.status == ApplicationStatus.PENDING)
    return list(w.db.scalars(q.order_by(CertApplication.id)))


def decide(w: World, number: str, *, approve: bool, reason: str = "", reviewer: str = "RA") -> str | None:
    """The RA approves (the codes go to the applicant by mail; returned once for the caller) or rejects."""
    application = get_application(w, number)
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(N_("该申请已处理"))
    application.decided_at = w.now()
    application.reviewer = reviewer
    to = application.fields.get("email") or application.applicant
    if not approve:
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(N_("驳回时请填写原因"))
        application.status = ApplicationStatus.REJECTED
        application.reason = reason[:200]
        w.emit("cert.rejected", application_no=number, reason=application.reason, reviewer=reviewer)
        _mail(
            w,
            to,
            f"证书申请 {number} 未通过审核",
            f"您的证书申请 {number} 未通过审核。\n原因：{application.reason}\n请修改后重新申请。",
        )
        return None
    application.status = ApplicationStatus.APPROVED
    application.ref_no = _unique_ref(w)
    code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(12))
    application.code_hash = hash_world_secret(code)
    application.code_expires_at = w.now() + timedelta(days=CODE_DAYS)
    w.emit("cert.approved", application_no=number, ref_no=application.ref_no, reviewer=reviewer)
    _mail(
        w,
        to,
        f"证书申请 {number} 已通过审核：参考号和授权码",
        f"您的{CertKind.LABELS[application.kind]}申请 {number} 已通过审核。\n\n"
        f"参考号：{application.ref_no}\n授权码：{code}\n\n"
        f"请在 {application.code_expires_at:%Y-%m-%d %H:%M} 前到 CA 认证中心「证书下载」页面凭参考号和授权码下载证书。"
        "授权码只能使用一次，请妥善保管，不要告诉他人。",
    )
    return code


def _age(born: object, w: World) -> int:
    today = w.now().date()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))  # type: ignore[attr-defined]


def _unique_ref(w: World) -> str:
    while True:
        ref = "".join(secrets.choice("0123456789") for _ in range(10))
        if not w.db.scalar(select(func.count(CertApplication.id)).where(CertApplication.ref_no == ref)):
            return ref


def _mail(w: World, to: str, subject: str, text: str) -> None:
    npc.schedule(w, w.now(), MAIL_SEND_ACTION, sender=CA_MAIL, to=[to], subject=subject, text=text)


def findings(w: World, application: CertApplication) -> list[str]:
    """What the RA finds wrong with an application (a web application's fields were checked on
    submission; one filed on paper was not): ID number, the holder's age, the credit code."""
    fields = application.fields
    found_ = []
    if not valid_id_number(fields.get("id_number", "")):
        found_.append(N_("身份证号码校验失败"))
    elif application.kind == CertKind.ENTERPRISE and _age(ric.get_birth_date(fields["id_number"]), w) < 18:
        found_.append(N_("持证人未满 18 周岁，不能持有企业证书"))
    if application.kind != CertKind.PERSONAL and not uscc.is_valid(fields.get("credit_code", "")):
        found_.append(N_("统一社会信用代码校验失败"))
    return found_


# --- download: redeem the codes, issue -------------------------------------------------------------


def redeem(w: World, ref_no: str, code: str) -> CertApplication:
    """The approved application these codes belong to, or DomainError (wrong, used, expired, locked)."""
    ref_no, code = (ref_no or "").strip(), (code or "").strip().upper()
    if not ref_no or not code:
        raise DomainError(N_("请填写参考号和授权码"))
    application = w.db.scalars(select(CertApplication).where(CertApplication.ref_no == ref_no)).first()
    if application is None:
        raise DomainError(N_("参考号或授权码错误"), 403)
    if application.code_used_at is not None or application.status == ApplicationStatus.ISSUED:
        raise Conflict(N_("授权码已使用过，不能再次下载；如需新证书请重新申请"))
    if application.code_failures >= MAX_CODE_FAILURES:
        raise Forbidden(N_("授权码输错次数过多，已锁定；请重新申请"))
    if application.code_expires_at is not None and w.now() > application.code_expires_at:
        raise Forbidden(
            N_("授权码已过期（有效期至 %(at)s），请重新申请"),
            at=f"{application.code_expires_at:%Y-%m-%d %H:%M}",
        )
    if not check_secret(application.code_hash, code):
        # The count must survive the refused request (which is rolled back): its own unit of work.
        w.restart_locked()
        application = w.db.get(CertApplication, application.id)
        application.code_failures += 1
        w.emit("cert.code_refused", ref_no=ref_no, failures=application.code_failures)
        w.commit()
        raise DomainError(N_("参考号或授权码错误"), 403)
    return application


def _subject(application: CertApplication) -> crypto.Subject:
    f = application.fields
    return crypto.Subject(
        kind=application.kind,
        name=f["domain"] if application.kind == CertKind.SERVER else f["name"],
        email="" if application.kind == CertKind.SERVER else f.get("email", ""),
        org=f.get("org", ""),
        credit_code=f.get("credit_code", ""),
        province=f.get("province", ""),
        city=f.get("city", ""),
    )


def issue(
    w: World,
    subject: crypto.Subject,
    public_key: object,
    *,
    usage: str = Usage.BOTH,
    holder: str = "",
    application: CertApplication | None = None,
    not_before: datetime | None = None,
    days: int = CERT_DAYS,
) -> Certificate:
    """Sign a certificate for the public key and record it."""
    start = not_before or w.now()
    cert = crypto.end_entity_certificate(
        subject, public_key, usage, issuing_cert(w), _issuing_key(w), start, days
    )
    row = Certificate(
        serial=keys.serial_hex(cert),
        application=application,
        kind=subject.kind,
        usage=usage,
        subject_cn=subject.name,
        subject_email=subject.email,
        subject_org=subject.org,
        subject_text=cert.subject.rfc4514_string(),
        holder=holder,
        der=keys.der(cert),
        fingerprint=keys.fingerprint(cert),
        not_before=start,
        not_after=start + timedelta(days=days),
    )
    w.db.add(row)
    w.db.flush()
    w.emit(
        "cert.issued",
        serial=row.serial,
        kind=row.kind,
        usage=usage,
        subject=row.subject_text,
        email=row.subject_email,
        holder=holder,
        application_no=application.number if application else "",
    )
    return row


def download_p12(
    w: World, owner: str, ref_no: str, code: str, password: str, password2: str | None = None
) -> list[Download]:
    """Redeem the codes: the CA generates the key pair(s) and hands PKCS#12 files under `password`."""
    keys.check_password(password)
    if password2 is not None and password != password2:
        raise DomainError(N_("两次输入的证书密码不一致"))
    application = redeem(w, ref_no, code)
    return _deliver(w, owner, application, password, csr=None)


def download_for_csr(
    w: World, owner: str, ref_no: str, code: str, csr_pem: str, password: str = ""
) -> list[Download]:
    """Redeem the codes for a CSR: the certificate (PEM) for the applicant's own key."""
    csr = keys.read_csr(csr_pem)
    application = redeem(w, ref_no, code)
    _check_csr_subject(application, csr)
    if application.dual:
        keys.check_password(password)  # the encryption key pair is the CA's to generate (key escrow)
    return _deliver(w, owner, application, password, csr=csr)


def _check_csr_subject(application: CertApplication, csr: x509.CertificateSigningRequest) -> None:
    expected = _subject(application)
    cns = csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if not cns or cns[0].value != expected.name:
        raise DomainError(
            N_("证书请求的主题与申请不符：CN 应为「%(name)s」，请求中为「%(got)s」"),
            name=expected.name,
            got=str(cns[0].value) if cns else "",
        )
    if expected.org:
        orgs = csr.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
        if not orgs or orgs[0].value != expected.org:
            raise DomainError(N_("证书请求的主题与申请不符：O 应为「%(org)s」"), org=expected.org)


def _deliver(w: World, owner: str, application: CertApplication, password: str, csr: Any) -> list[Download]:
    application.code_used_at = w.now()
    application.status = ApplicationStatus.ISSUED
    subject = _subject(application)
    stem = f"{application.fields.get('name', 'cert')}-{application.number}"
    files = []
    sign_usage = Usage.SIGN if application.dual else Usage.BOTH
    if csr is not None:
        cert_row = issue(
            w, subject, csr.public_key(), usage=sign_usage, holder=owner, application=application
        )
        cert = x509.load_der_x509_certificate(cert_row.der)
        files.append(_file(w, application, owner, f"{stem}.cer", keys.pem(cert)))
    else:
        key = keys.new_key()
        cert_row = issue(
            w, subject, key.public_key(), usage=sign_usage, holder=owner, application=application
        )
        cert = x509.load_der_x509_certificate(cert_row.der)
        name = f"{subject.name}（{'签名' if application.dual else '证书'}）"
        files.append(
            _file(
                w,
                application,
                owner,
                f"{stem}{'-sign' if application.dual else ''}.p12",
                keys.make_p12(name, key, cert, chain(w), password),
            )
        )
    if application.dual:
        enc_key = keys.new_key()
        enc_row = issue(
            w, subject, enc_key.public_key(), usage=Usage.ENCRYPT, holder=owner, application=application
        )
        enc = x509.load_der_x509_certificate(enc_row.der)
        files.append(
            _file(
                w,
                application,
                owner,
                f"{stem}-enc.p12",
                keys.make_p12(f"{subject.name}（加密）", enc_key, enc, chain(w), password),
            )
        )
    w.emit(
        "cert.downloaded",
        application_no=application.number,
        mode="csr" if csr is not None else "p12",
        files=[f.filename for f in files],
    )
    return files


def _file(w: World, application: CertApplication, owner: str, filename: str, data: bytes) -> Download:
    row = Download(
        application_id=application.id, owner=owner, filename=filename, data=data, created_at=w.now()
    )
    w.db.add(row)
    w.db.flush()
    return row


def downloads_of(w: World, owners: list[str]) -> list[Download]:
    """Files the CA handed to these identities, newest first."""
    q = select(Download).where(Download.owner.in_(owners))
    return list(w.db.scalars(q.order_by(Download.id.desc())))


def get_download(w: World, owners: list[str], pk: int) -> Download:
    """One of these identities' files."""
    row = w.db.get(Download, pk)
    if row is None or row.owner not in owners:
        raise NotFound(N_("文件不存在"))
    return row


# --- status: revoke, suspend, resume, renew ------------------------------------------------------


def status(w: World, cert: Certificate) -> str:
    """The certificate's status now (a valid one past its end date is expired)."""
    if cert.status == CertStatus.VALID and (w.now() > cert.not_after or w.now() < cert.not_before):
        return CertStatus.EXPIRED
    return cert.status


def find(w: World, serial: str) -> Certificate:
    """A certificate this CA issued, by serial number (hex, any case, spaces and colons ignored)."""
    text = re.sub(r"[\s:]", "", serial or "").upper().lstrip("0")
    row = w.db.scalars(select(Certificate).where(Certificate.serial == text)).first() if text else None
    if row is None:
        raise NotFound(N_("本 CA 没有签发序列号为 %(serial)s 的证书"), serial=serial.strip()[:40])
    return row


def known(w: World, cert: x509.Certificate) -> Certificate | None:
    """This CA's record of the certificate (same serial and fingerprint), or None."""
    row = w.db.scalars(select(Certificate).where(Certificate.serial == keys.serial_hex(cert))).first()
    return row if row is not None and row.fingerprint == keys.fingerprint(cert) else None


def revoke(w: World, cert: Certificate, reason: str, by: str) -> None:
    """Revoke a certificate for good, with an RFC 5280 reason."""
    if reason not in REVOKE_REASONS:
        raise DomainError(N_("请选择吊销原因"))
    if cert.status == CertStatus.REVOKED:
        raise Conflict(N_("该证书已吊销"))
    if status(w, cert) == CertStatus.EXPIRED:
        raise Conflict(N_("该证书已过期，无需吊销"))
    cert.status, cert.status_at, cert.reason = CertStatus.REVOKED, w.now(), reason
    w.emit("cert.revoked", serial=cert.serial, reason=reason, by=by, subject=cert.subject_text)


def suspend(w: World, cert: Certificate, by: str) -> None:
    """Suspend a valid certificate (certificateHold): it fails every check until resumed."""
    if status(w, cert) != CertStatus.VALID:
        raise Conflict(N_("只有有效的证书可以挂起"))
    cert.status, cert.status_at, cert.reason = CertStatus.SUSPENDED, w.now(), "certificate_hold"
    w.emit("cert.suspended", serial=cert.serial, by=by)


def resume(w: World, cert: Certificate, by: str) -> None:
    """Lift a suspension."""
    if cert.status != CertStatus.SUSPENDED:
        raise Conflict(N_("该证书未被挂起"))
    cert.status, cert.status_at, cert.reason = CertStatus.VALID, None, ""
    w.emit("cert.resumed", serial=cert.serial, by=by)


def renew(w: World, cert: Certificate, public_key: object, by: str) -> Certificate:
    """A new certificate for the same subject and a new key; the old one is revoked as superseded."""
    if status(w, cert) != CertStatus.VALID:
        raise Conflict(N_("只有有效期内的有效证书可以更新；已过期、已吊销或挂起的证书请重新申请"))
    old = x509.load_der_x509_certificate(cert.der)
    subject = crypto.Subject(
        kind=cert.kind,
        name=cert.subject_cn,
        email=cert.subject_email,
        org=cert.subject_org,
        credit_code=_attr(old.subject, x509.NameOID.ORGANIZATION_IDENTIFIER),
        province=_attr(old.subject, x509.NameOID.STATE_OR_PROVINCE_NAME),
        city=_attr(old.subject, x509.NameOID.LOCALITY_NAME),
    )
    new = issue(w, subject, public_key, usage=cert.usage, holder=cert.holder, application=cert.application)
    cert.renewed_by_id = new.id
    cert.status, cert.status_at, cert.reason = CertStatus.REVOKED, w.now(), "superseded"
    w.emit("cert.renewed", serial=cert.serial, new_serial=new.serial, by=by)
    return new


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    found_ = name.get_attributes_for_oid(oid)
    return str(found_[0].value) if found_ else ""


# --- publication: CRL, OCSP, directory ----------------------------------------------------------


def _revoked_entries(w: World) -> list[crypto.Revoked]:
    q = select(Certificate).where(Certificate.status.in_((CertStatus.REVOKED, CertStatus.SUSPENDED)))
    return [
        crypto.Revoked(
            int(c.serial, 16), c.status_at or c.not_before, x509.ReasonFlags(_reason_value(c.reason))
        )
        for c in w.db.scalars(q.order_by(Certificate.id))
    ]


def _reason_value(name: str) -> str:
    return getattr(x509.ReasonFlags, name or "unspecified").value


def crl(w: World) -> x509.CertificateRevocationList:
    """The issuing CA's current CRL (issued now, for a week)."""
    return crypto.crl(issuing_cert(w), _issuing_key(w), _revoked_entries(w), w.now())


def crl_der(w: World) -> bytes:
    """The current CRL as published (DER)."""
    return crl(w).public_bytes(serialization.Encoding.DER)


def ocsp_answer(w: World, request_der: bytes) -> bytes:
    """The OCSP responder: a signed answer for the certificate asked about (DER)."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        ).public_bytes(serialization.Encoding.DER)
    issuer = issuing_cert(w)
    row = w.db.scalars(
        select(Certificate).where(Certificate.serial == format(request.serial_number, "X"))
    ).first()
    expected_key_hash = x509.SubjectKeyIdentifier.from_public_key(issuer.public_key()).digest
    if row is None or request.issuer_key_hash != expected_key_hash:
        answer, revoked = "unknown", None
    elif row.status in (CertStatus.REVOKED, CertStatus.SUSPENDED):
        answer = "revoked"
        revoked = crypto.Revoked(
            int(row.serial, 16), row.status_at or row.not_before, x509.ReasonFlags(_reason_value(row.reason))
        )
    else:
        answer, revoked = "good", None
    response = crypto.ocsp_response(request, issuer, _issuing_key(w), answer, revoked, w.now())
    return response.public_bytes(serialization.Encoding.DER)


def directory(w: World, query: str, limit: int = 50) -> list[Certificate]:
    """Certificates whose serial, name, organisation or e-mail contains the query (the public lookup)."""
    text = (query or "").strip()
    if not text:
        return []
    like = f"%{text}%"
    serial = re.sub(r"[\s:]", "", text).upper().lstrip("0")
    q = select(Certificate).where(
        or_(
            Certificate.serial == serial,
            Certificate.subject_cn.like(like),
            Certificate.subject_org.like(like),
            Certificate.subject_email == text.lower(),
        )
    )
    return list(w.db.scalars(q.order_by(Certificate.id.desc()).limit(limit)))


def encryption_certificate(w: World, email: str) -> Certificate | None:
    """The newest valid certificate that can encrypt to this address (what a mail client looks up)."""
    q = (
        select(Certificate)
        .where(Certificate.subject_email == (email or "").strip().lower())
        .where(Certificate.usage.in_((Usage.BOTH, Usage.ENCRYPT)))
        .where(Certificate.status == CertStatus.VALID)
        .order_by(Certificate.id.desc())
    )
    return next((c for c in w.db.scalars(q) if status(w, c) == CertStatus.VALID), None)
