"""Enterprise members (企业会员) of the B2B platform and the logins of their staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class MembershipStatus:
    """Where a company's membership stands (the platform reviews it)."""

    DRAFT = "draft"  # the profile is being filled in, not yet sent for review
    PENDING = "pending"  # 审核中
    APPROVED = "approved"
    REJECTED = "rejected"


MEMBERSHIP_LABELS = {
    MembershipStatus.DRAFT: N_("待提交"),
    MembershipStatus.PENDING: N_("审核中"),
    MembershipStatus.APPROVED: N_("已认证"),
    MembershipStatus.REJECTED: N_("已驳回"),
}


class Company(WorldBase):
    """A company on the B2B platform: the candidate's own, or an NPC purchaser, supplier or carrier."""

    __tablename__ = "b2b_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    # 统一社会信用代码 (18 characters, GB 32100-2015 check character).
    credit_code: Mapped[str] = mapped_column(String(18), index=True, default="")
    address: Mapped[str] = mapped_column(String(120), default="")
    contact_name: Mapped[str] = mapped_column(String(20), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    business_scope: Mapped[str] = mapped_column(Text, default="")
    main_products: Mapped[str] = mapped_column(String(200), default="")
    # Licences and certificates (资质证书) the company states, as text (one a line).
    certificates: Mapped[str] = mapped_column(Text, default="")
    # What an NPC company does on the platform: "supplier" or "purchaser" ("" for a candidate's).
    trade_role: Mapped[str] = mapped_column(String(12), default="")
    status: Mapped[str] = mapped_column(String(12), default=MembershipStatus.DRAFT, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    npc: Mapped[bool] = mapped_column(Boolean, default=False)  # played by the world, not the candidate
    # The company's enterprise bank account (its settlements), when it has one.
    bank_account_no: Mapped[str] = mapped_column(String(32), default="")
    # 证书登录: the members' password alone is not enough, an enterprise certificate of the company too.
    cert_login: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    users: Mapped[list[CompanyUser]] = relationship(back_populates="company")


class CompanyUser(WorldBase):
    """A login of a company's staff to the B2B platform."""

    __tablename__ = "b2b_company_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(40), default="")
    company_id: Mapped[int | None] = mapped_column(ForeignKey("b2b_companies.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    company: Mapped[Company | None] = relationship(back_populates="users")
