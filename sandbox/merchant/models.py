"""Seller centre tables (world database): the merchants' logins and their shop applications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.storefront.models import Shop
from sandbox.worlds.base import WorldBase


class SellerAccount(WorldBase):
    """A merchant's login to the seller centre; its shop comes once the platform approves one."""

    __tablename__ = "seller_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(40))
    # The identity's e-mail (the platform's decisions are mailed there).
    email: Mapped[str] = mapped_column(String(120), default="")
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    shop: Mapped[Shop | None] = relationship()


class ApplicationStatus:
    """Where a shop application (商户入驻) stands."""

    SUBMITTED = "submitted"  # waiting for the platform's review (审核中)
    APPROVED = "approved"
    REJECTED = "rejected"


class ShopApplication(WorldBase):
    """A merchant's application to open a shop; the platform (an NPC) approves or rejects it."""

    __tablename__ = "shop_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_account_id: Mapped[int] = mapped_column(ForeignKey("seller_accounts.id"), index=True)
    shop_name: Mapped[str] = mapped_column(String(40))
    # merchant.shops.SHOP_TYPES: personal (个人店), enterprise (企业店), flagship (旗舰店).
    shop_type: Mapped[str] = mapped_column(String(12))
    # 统一社会信用代码 of the business licence (营业执照).
    licence_no: Mapped[str] = mapped_column(String(18), index=True)
    contact_name: Mapped[str] = mapped_column(String(20))
    contact_phone: Mapped[str] = mapped_column(String(11))
    # The bank card or account the shop's takings settle to (结算账户).
    settlement_account_no: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default=ApplicationStatus.SUBMITTED, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
