"""Enterprise membership (企业会员): the company profile, its review by the platform, and the result mailed.

A member fills in the company's profile (name, 统一社会信用代码, registered address, contact, phone,
business scope, main products, certificates) and submits it. The platform reviews it (the NPC action
`b2b.review_member`, sandbox/b2b/npc_market.py): it approves it, or rejects it with a reason; either way
the decision goes to the company's e-mail. A rejected profile is corrected and submitted again. Only an
approved member publishes listings.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from sandbox.b2b import credit_code
from sandbox.b2b.company_models import Company, CompanyUser, MembershipStatus
from sandbox.bank.models import RegisteredCompany
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.mail import services as mail
from sandbox.worlds.world import World

PLATFORM_MAILBOX = "service@b2b.mail.sim"
PLATFORM_NAME = "云商通B2B平台"
PROFILE_FIELDS = (
    "name",
    "credit_code",
    "address",
    "contact_name",
    "contact_phone",
    "business_scope",
    "main_products",
    "certificates",
)
# A company's full registered name ends with the kind of organisation it is.
COMPANY_SUFFIXES = ("公司", "厂", "集团", "合作社", "商行", "经营部", "中心", "研究院", "事务所")
NAME_RE = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9（）()·&\-]{4,60}")
PHONE_RE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?")
MIN_SCOPE = 10


class ProfileInvalid(DomainError):
    """One or more fields of the profile are wrong; `errors` maps field -> message key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("企业资料填写有误，请检查标红的项目"), status=422)
        self.errors = errors


def validate_profile(form: dict[str, str]) -> dict[str, str]:
    """Clean the profile's fields or raise ProfileInvalid naming each wrong one."""
    data = {k: " ".join((form.get(k) or "").split()) for k in PROFILE_FIELDS if k != "certificates"}
    data["certificates"] = "\n".join(
        line.strip() for line in (form.get("certificates") or "").splitlines() if line.strip()
    )
    data["credit_code"] = credit_code.normalise(data["credit_code"])
    errors: dict[str, str] = {}
    if not NAME_RE.fullmatch(data["name"]):
        errors["name"] = N_("企业名称须为4-60个字，与营业执照一致")
    elif not data["name"].endswith(COMPANY_SUFFIXES):
        errors["name"] = N_("请填写营业执照上的完整企业名称（如“××有限公司”）")
    problem = credit_code.problem(data["credit_code"])
    if problem:
        errors["credit_code"] = problem
    if not 6 <= len(data["address"]) <= 120:
        errors["address"] = N_("注册地址须为6-120个字")
    if not 2 <= len(data["contact_name"]) <= 20:
        errors["contact_name"] = N_("联系人姓名须为2-20个字")
    if not PHONE_RE.fullmatch(data["contact_phone"]):
        errors["contact_phone"] = N_("请填写11位手机号或带区号的固定电话（如 0571-88886666）")
    if not MIN_SCOPE <= len(data["business_scope"]) <= 500:
        errors["business_scope"] = N_("经营范围须为10-500个字，按营业执照填写")
    if not 2 <= len(data["main_products"]) <= 200:
        errors["main_products"] = N_("请填写主营产品（2-200个字，多个用逗号分隔）")
    if len(data["certificates"]) > 1000:
        errors["certificates"] = N_("资质证书说明不能超过1000个字")
    if errors:
        raise ProfileInvalid(errors)
    return data


def profile_form(company: Company | None) -> dict[str, str]:
    """The profile's fields as the form shows them."""
    if company is None:
        return {}
    return {k: getattr(company, k) or "" for k in PROFILE_FIELDS}


def save_profile(w: World, user: CompanyUser, form: dict[str, str], *, submit: bool) -> Company:
    """Save the member's company profile (creating it on first save) and, with `submit`, send it for
    review. A profile under review cannot be changed; an approved member's name and code are fixed."""
    company = user.company
    if company is not None and company.status == MembershipStatus.PENDING:
        raise Conflict(N_("企业资料正在审核中，审核结束前不能修改"))
    data = validate_profile(form)
    if company is not None and company.status == MembershipStatus.APPROVED:
        if (data["name"], data["credit_code"]) != (company.name, company.credit_code):
            raise Conflict(N_("企业名称和统一社会信用代码认证后不能修改"))
        submit = False  # the contact details of an approved member change without a new review
    if company is None:
        company = Company(email=user.login if "@" in user.login else "", created_at=w.now(), **data)
        w.db.add(company)
        w.db.flush()
        user.company_id = company.id
        user.company = company
    for key, value in data.items():
        setattr(company, key, value)
    w.emit(
        "b2b.member_saved", company_id=company.id, company_name=company.name, credit_code=company.credit_code
    )
    if submit:
        company.status = MembershipStatus.PENDING
        company.submitted_at = w.now()
        company.reason = ""
        w.emit(
            "b2b.member_submitted",
            company_id=company.id,
            user=user.login,
            company_name=company.name,
            **{k: getattr(company, k) for k in PROFILE_FIELDS if k != "name"},
        )
    return company


# --- the platform's review ---------------------------------------------------------------------


def review_reason(w: World, company: Company) -> str:
    """Why the platform rejects the profile (a message key), or "" to approve it."""
    problem = credit_code.problem(company.credit_code)
    if problem:
        return problem
    registered = w.db.scalars(
        select(RegisteredCompany).where(RegisteredCompany.credit_code == company.credit_code)
    ).first()
    if registered is not None and registered.name != company.name:
        return N_("企业名称与该统一社会信用代码的工商登记信息不符，请按营业执照填写")
    taken = select(func.count(Company.id)).where(
        Company.credit_code == company.credit_code,
        Company.status == MembershipStatus.APPROVED,
        Company.id != company.id,
    )
    if w.db.scalar(taken):
        return N_("该统一社会信用代码已被其他企业会员认证使用")
    if len(company.business_scope) < MIN_SCOPE:
        return N_("经营范围须为10-500个字，按营业执照填写")
    return ""


def review(w: World, company: Company) -> Company:
    """Decide a submitted profile: approve or reject with a reason, and mail the company the result."""
    if company.status != MembershipStatus.PENDING:
        raise Conflict(N_("该企业资料不在审核中"))
    reason = review_reason(w, company)
    company.decided_at = w.now()
    if reason:
        company.status = MembershipStatus.REJECTED
        company.reason = reason
        w.emit("b2b.member_rejected", company_id=company.id, company_name=company.name, reason=reason)
        _mail(
            w,
            company,
            f"企业会员认证未通过：{company.name}",
            f"{company.contact_name or company.name}，您好：\n\n贵公司提交的企业会员资料未通过审核。"
            f"\n驳回理由：{reason}\n\n请登录平台“企业资料”页面修改后重新提交。\n\n{PLATFORM_NAME}",
        )
        return company
    company.status = MembershipStatus.APPROVED
    company.reason = ""
    w.emit(
        "b2b.member_approved",
        company_id=company.id,
        company_name=company.name,
        credit_code=company.credit_code,
    )
    _mail(
        w,
        company,
        f"企业会员认证已通过：{company.name}",
        f"{company.contact_name or company.name}，您好：\n\n恭喜！贵公司（统一社会信用代码 {company.credit_code}）"
        "已通过企业会员认证，现在可以在“我的供求信息”中发布供应和求购信息。"
        "\n发布的信息须经平台审核后才对外展示，请遵守平台信息发布规则。\n\n"
        f"{PLATFORM_NAME}",
    )
    return company


def _mail(w: World, company: Company, subject: str, text: str) -> None:
    """The platform's letter to the company's e-mail (none if the world has no such mailbox)."""
    if not company.email or mail.mailbox_by_address(w, company.email) is None:
        return
    sender = mail.open_mailbox(w, PLATFORM_MAILBOX, PLATFORM_NAME)
    mail.send(w, sender, [company.email], subject, text, actor="system")


def pending_companies(w: World) -> list[Company]:
    """Profiles waiting for the platform, oldest first."""
    q = select(Company).where(Company.status == MembershipStatus.PENDING)
    return list(w.db.scalars(q.order_by(Company.id)))


def get_company(w: World, company_id: object) -> Company:
    """A company by id, or NotFound."""
    company = w.db.get(Company, company_id) if isinstance(company_id, int) else None
    if company is None:
        raise NotFound(N_("企业不存在"))
    return company


def public_company(w: World, company_id: object) -> Company:
    """An approved member's company (what visitors may see), or NotFound."""
    company = get_company(w, company_id)
    if company.status != MembershipStatus.APPROVED:
        raise NotFound(N_("企业不存在"))
    return company


def open_company(
    w: World,
    *,
    name: str,
    code: str,
    email: str = "",
    approved: bool = True,
    npc: bool = False,
    **fields: str,
) -> Company:
    """A company put in the world directly (seeds and overlays; no review, no event)."""
    company = Company(
        name=name,
        credit_code=code,
        email=email,
        status=MembershipStatus.APPROVED if approved else MembershipStatus.DRAFT,
        npc=npc,
        created_at=w.now(),
        decided_at=w.now() if approved else None,
        **fields,
    )
    w.db.add(company)
    w.db.flush()
    return company
