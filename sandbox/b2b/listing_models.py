"""Supply and demand listings (供求信息) on the B2B platform, and their pictures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.b2b.company_models import Company
from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class ListingKind:
    """Offering goods (供应) or looking for them (求购)."""

    SUPPLY = "supply"
    DEMAND = "demand"


KIND_LABELS = {ListingKind.SUPPLY: N_("供应"), ListingKind.DEMAND: N_("求购")}


class ListingStatus:
    """Where a listing stands: the platform reviews every version before visitors see it."""

    PENDING = "pending"  # 审核中
    PUBLISHED = "published"  # 已发布 (until valid_until on the world clock)
    REJECTED = "rejected"  # 未通过, with the reason
    WITHDRAWN = "withdrawn"  # 已下架 by its owner
    EXPIRED = "expired"  # 已过期 (set by the expiry step; a published one past valid_until is expired too)


STATUS_LABELS = {
    ListingStatus.PENDING: N_("审核中"),
    ListingStatus.PUBLISHED: N_("已发布"),
    ListingStatus.REJECTED: N_("未通过"),
    ListingStatus.WITHDRAWN: N_("已下架"),
    ListingStatus.EXPIRED: N_("已过期"),
}


class Listing(WorldBase):
    """A company's supply or demand listing."""

    __tablename__ = "b2b_listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # GQ + date + serial
    company_id: Mapped[int] = mapped_column(ForeignKey("b2b_companies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(20), index=True)
    product: Mapped[str] = mapped_column(String(40))
    spec: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(8))
    price_fen: Mapped[int | None] = mapped_column(Integer)  # None: 面议 (price on request)
    validity_days: Mapped[int] = mapped_column(Integer, default=30)
    delivery_terms: Mapped[str] = mapped_column(String(120), default="")
    payment_terms: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=ListingStatus.PENDING, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")  # message key of the rejection
    reason_detail: Mapped[str] = mapped_column(String(120), default="")  # what the rule found
    valid_until: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    company: Mapped[Company] = relationship()
    images: Mapped[list[ListingImage]] = relationship(
        back_populates="listing", order_by="ListingImage.id", cascade="all, delete-orphan"
    )


class ListingImage(WorldBase):
    """A picture of a listing, kept in the world (only decoded JPEG, PNG, GIF or WebP files)."""

    __tablename__ = "b2b_listing_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("b2b_listings.id"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    listing: Mapped[Listing] = relationship(back_populates="images")
