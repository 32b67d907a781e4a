"""The registration authority's console: reviewers, what they are shown about an application, their
decision, and the applications that reach the RA on paper (filed by an NPC, see `ca.npc_applications`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from sandbox.errors import N_, DomainError
from sandbox.pki import ca
from sandbox.pki.models import ApplicationStatus, CertApplication, CertKind, RaOfficer
from sandbox.pki.partners import PARTNERS  # their mailboxes exist in every world
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.worlds.world import World

ADULT_AGE = 18  # an enterprise certificate's holder acts for the organisation: no minors
MAX_REASON = 200
ID_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
# A decoy for an unknown login, so both wrong logins and wrong passwords cost one hash check.
_DECOY_HASH = hash_world_secret("ra-console-decoy")


def add_officer(w: World, login: str, password: str, name: str) -> RaOfficer:
    """Employ a reviewer at the RA."""
    officer = RaOfficer(login=login, name=name, password_hash=hash_world_secret(password))
    w.db.add(officer)
    w.db.flush()
    return officer


def authenticate(w: World, login: object, password: object) -> RaOfficer:
    """The reviewer with this login and password; one message for either being wrong."""
    officer = w.db.scalars(select(RaOfficer).where(RaOfficer.login == str(login or "").strip()[:20])).first()
    right = check_secret(officer.password_hash if officer else _DECOY_HASH, str(password or ""))
    if officer is None or not right:
        raise DomainError(N_("账号或密码错误"), status=401)
    return officer


def get_officer(w: World, officer_id: object) -> RaOfficer | None:
    """The signed-in reviewer from the session's id (None if there is none)."""
    return w.db.get(RaOfficer, officer_id) if isinstance(officer_id, int) else None


def decided(w: World, limit: int = 20) -> list[CertApplication]:
    """Applications the RA has decided, most recently decided first."""
    q = select(CertApplication).where(CertApplication.decided_at.is_not(None))
    return list(
        w.db.scalars(q.order_by(CertApplication.decided_at.desc(), CertApplication.id.desc()).limit(limit))
    )


def review(w: World, officer: RaOfficer, number: str, approve: bool, reason: str = "") -> None:
    """The reviewer approves (the CA mails the codes to the applicant) or rejects with a reason.

    The authorisation code `ca.decide` returns is dropped here: only the applicant ever sees it."""
    reason = (reason or "").strip()
    if not approve and ca.get_application(w, number).status == ApplicationStatus.PENDING:
        # Checked before ca.decide, which stamps the application before it refuses a missing reason.
        if not reason:
            raise DomainError(N_("驳回时请填写原因"))
        if len(reason) > MAX_REASON:
            raise DomainError(N_("驳回原因不能超过 %(max)s 个字"), max=MAX_REASON)
    ca.decide(w, number, approve=approve, reason="" if approve else reason, reviewer=officer.login)


# --- what the console shows next to the fields -----------------------------------------------------


@dataclass
class Check:
    """One thing the console checked about an application's field: ✓ or ✗ with a short message."""

    key: str  # what was checked: id_number, age, credit_code, email, holder, domain
    field: str  # the application's field it is shown next to
    label: str  # a msgid
    ok: bool
    message: str  # a msgid, formatted with params
    params: dict[str, Any] = field(default_factory=dict)


def checks(w: World, application: CertApplication) -> list[Check]:
    """What a reviewer needs to judge the application: ID number, the holder's age, the credit code,
    the e-mail address, the holder (enterprise) and the domain name (server)."""
    fields = application.fields or {}
    found = _id_checks(w, application.kind, str(fields.get("id_number", "")).strip().upper())
    if application.kind in (CertKind.ENTERPRISE, CertKind.SERVER):
        found.append(_credit_code_check(str(fields.get("credit_code", "")).strip().upper()))
    email = str(fields.get("email", "")).strip()
    found.append(
        Check("email", "email", N_("邮箱格式"), True, N_("格式正确"))
        if ca.EMAIL.fullmatch(email)
        else Check("email", "email", N_("邮箱格式"), False, N_("不是有效的电子邮箱地址"))
    )
    if application.kind == CertKind.ENTERPRISE:
        name = str(fields.get("name", "")).strip()
        found.append(
            Check("holder", "name", N_("持有人"), True, N_("已写明持有人：%(name)s"), {"name": name})
            if name
            else Check("holder", "name", N_("持有人"), False, N_("企业证书须写明持有人"))
        )
    if application.kind == CertKind.SERVER:
        domain = str(fields.get("domain", "")).strip().lower()
        found.append(
            Check("domain", "domain", N_("域名格式"), True, N_("格式正确"))
            if ca.DOMAIN_NAME.fullmatch(domain)
            else Check("domain", "domain", N_("域名格式"), False, N_("不是有效的服务器域名"))
        )
    return found


def _id_checks(w: World, kind: str, number: str) -> list[Check]:
    """The ID number's format and check character (GB 11643), and the holder's age from its birth date."""
    label = N_("号码与校验码")
    if not ID_FORMAT.fullmatch(number):
        return [
            Check(
                "id_number", "id_number", label, False, N_("应为 18 位：17 位数字加 1 位校验码（数字或 X）")
            )
        ]
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        return [
            Check(
                "id_number", "id_number", label, False, N_("出生日期 %(date)s 不存在"), {"date": number[6:14]}
            )
        ]
    expected = ric.calc_check_digit(number)
    found = [
        Check("id_number", "id_number", label, True, N_("格式和校验码正确"))
        if expected == number[17]
        else Check(
            "id_number",
            "id_number",
            label,
            False,
            N_("校验码应为 %(expected)s，填写的是 %(got)s"),
            {"expected": expected, "got": number[17]},
        )
    ]
    today = w.now().date()
    age = _age(born, today)
    params = {"date": born.isoformat(), "age": age}
    if born > today:
        found.append(Check("age", "id_number", N_("年龄"), False, N_("出生日期 %(date)s 晚于今天"), params))
    elif kind == CertKind.ENTERPRISE and age < ADULT_AGE:
        message = N_("出生日期 %(date)s，未满 18 周岁（%(age)s 岁），不能作为企业证书的持有人")
        found.append(Check("age", "id_number", N_("年龄"), False, message, params))
    else:
        found.append(
            Check("age", "id_number", N_("年龄"), True, N_("出生日期 %(date)s，%(age)s 周岁"), params)
        )
    return found


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _credit_code_check(code: str) -> Check:
    """The unified social credit code (GB 32100): 18 characters and the right check character."""
    label = N_("校验码")
    try:
        uscc.validate(code)
    except InvalidChecksum:
        params = {"expected": uscc.calc_check_digit(code[:17]), "got": code[17:]}
        return Check(
            "credit_code",
            "credit_code",
            label,
            False,
            N_("校验码应为 %(expected)s，填写的是 %(got)s"),
            params,
        )
    except ValidationError:
        message = N_("应为 18 位：8 位数字加 10 位数字或大写字母（不含 I、O、Z、S、V）")
        return Check("credit_code", "credit_code", label, False, message)
    return Check("credit_code", "credit_code", label, True, N_("格式和校验码正确"))


# --- applications filed on paper (the NPC action ca.npc_applications) -----------------------------

PAPER_PROBLEMS = ("none", "bad_id", "bad_credit_code", "minor")
PAPER_NAMES = (
    "李明轩", "张雅琴", "王志远", "刘佳慧", "陈国华", "杨雪梅", "赵鹏飞", "黄晓丽",
    "周文涛", "吴美玲", "徐振东", "孙婷婷", "马俊杰", "朱丽萍", "胡建平", "郭晓东",
)  # fmt: skip
CHECK_CHARACTERS = "0123456789X"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def file_on_paper(w: World, problem: str) -> CertApplication:
    """An enterprise certificate application one of the CA's partner companies filed on paper for a
    member of its staff, entered as written (the web form's checks never ran), with `problem` in it:
    none, bad_id (wrong check character), bad_credit_code (wrong check character) or minor (a holder
    under 18). Who and which numbers follow from the application's index; the result is mailed to
    the company's mailbox."""
    if problem not in PAPER_PROBLEMS:
        raise DomainError(N_("未知的申请问题：%(problem)s"), problem=str(problem)[:40])
    n = w.db.scalar(select(func.count(CertApplication.id))) or 0
    companies = [p for p in PARTNERS if not p.problem]
    company = companies[n % len(companies)]
    credit_code = company.credit_code[:17] + uscc.calc_check_digit(company.credit_code[:17])
    if problem == "bad_credit_code":
        credit_code = credit_code[:17] + _other(USCC_ALPHABET, credit_code[17], n)
    today = w.now().date()
    born = (
        date(today.year - 16, today.month, min(today.day, 28))
        if problem == "minor"
        else date(1975 + (7 * n) % 25, 1 + (5 * n) % 12, 1 + (11 * n) % 28)
    )
    body = f"{credit_code[2:8]}{born:%Y%m%d}{(37 * n + 11) % 1000:03d}"
    id_number = body + ric.calc_check_digit(body + "0")  # (it reads the first 17 characters)
    if problem == "bad_id":
        id_number = body + _other(CHECK_CHARACTERS, id_number[17], n)
    fields = {
        "email": company.email,
        "mobile": f"139{(7919 * n + 1301) % 10**8:08d}",
        "name": PAPER_NAMES[n % len(PAPER_NAMES)],
        "id_number": id_number,
        "org": company.org,
        "credit_code": credit_code,
        "province": "",
        "city": "",
    }
    application = ca.record_application(w, company.email, CertKind.ENTERPRISE, fields, channel="paper")
    return application


def _other(alphabet: str, char: str, n: int) -> str:
    """A character of the alphabet other than `char` (which one follows from n)."""
    return alphabet[(alphabet.index(char) + 1 + n % (len(alphabet) - 1)) % len(alphabet)]
