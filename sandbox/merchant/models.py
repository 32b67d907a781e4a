"""Seller centre tables (world database): the merchants' logins."""

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
