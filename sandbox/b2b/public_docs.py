"""The B2B platform's public documents for the search engine: published listings and the pages of
approved member companies.

Registered with worlds.public (search imports no domain). A listing is searchable while visitors
see it (published, unexpired, its company approved); the platform's events name what changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from sandbox.b2b.company_models import Company, MembershipStatus
from sandbox.b2b.listing_models import KIND_LABELS, Listing, ListingStatus
from sandbox.b2b.listings import state
from sandbox.worlds.base import Event
from sandbox.worlds.public import PublicDoc, Source, register_source
from sandbox.worlds.world import World

SITE = "www.yunshangtong.com"  # 云商通B2B平台 as the world's web knows it
LISTING_EVENTS = (
    "b2b.listing_submitted",
    "b2b.listing_resubmitted",
    "b2b.listing_approved",
    "b2b.listing_rejected",
    "b2b.listing_withdrawn",
    "b2b.listing_expired",
    "b2b.listing_renewed",
)
COMPANY_EVENTS = ("b2b.member_saved", "b2b.member_submitted", "b2b.member_approved", "b2b.member_rejected")


def _visible(w: World, listing: Listing) -> bool:
    return (
        state(w, listing) == ListingStatus.PUBLISHED and listing.company.status == MembershipStatus.APPROVED
    )


def listing_doc(listing: Listing) -> PublicDoc:
    """A listing's page as search indexes it."""
    company = listing.company
    kind = KIND_LABELS.get(listing.kind, listing.kind)
    price = f"¥{listing.price_fen / 100:.2f}/{listing.unit}" if listing.price_fen is not None else "面议"
    body = "。".join(
        part
        for part in (
            f"{kind}：{listing.product}",
            f"规格：{listing.spec}" if listing.spec else "",
            f"数量：{listing.quantity}{listing.unit}",
            f"价格：{price}",
            f"类目：{listing.category}",
            f"交货：{listing.delivery_terms}" if listing.delivery_terms else "",
            f"付款：{listing.payment_terms}" if listing.payment_terms else "",
            listing.description,
            f"发布企业：{company.name}",
            f"信息编号：{listing.number}",
        )
        if part
    )
    return PublicDoc(
        source="b2b.listings",
        key=str(listing.id),
        url=f"/b2b/offer/{listing.id}",
        title=listing.title,
        body=body,
        site=SITE,
        kind="listing",
        published_at=listing.decided_at or listing.created_at,
        names=(company.name, listing.product),
    )


def company_doc(company: Company) -> PublicDoc:
    """An approved member's company page as search indexes it."""
    body = "。".join(
        part
        for part in (
            f"主营产品：{company.main_products}" if company.main_products else "",
            f"经营范围：{company.business_scope}" if company.business_scope else "",
            f"地址：{company.address}" if company.address else "",
            f"统一社会信用代码：{company.credit_code}" if company.credit_code else "",
            "云商通B2B平台认证企业会员",
        )
        if part
    )
    return PublicDoc(
        source="b2b.companies",
        key=str(company.id),
        url=f"/b2b/company/{company.id}",
        title=company.name,
        body=body,
        site=SITE,
        kind="company",
        published_at=company.decided_at or company.created_at,
        names=(company.name,),
    )


def _int(key: str) -> int | None:
    return int(key) if key.isdigit() and len(key) < 12 else None


def all_listings(w: World) -> Iterable[PublicDoc]:
    """Every listing visitors see now."""
    q = select(Listing).where(Listing.status == ListingStatus.PUBLISHED).order_by(Listing.id)
    return [listing_doc(x) for x in w.db.scalars(q) if _visible(w, x)]


def one_listing(w: World, key: str) -> PublicDoc | None:
    """A listing by id, while visitors see it."""
    listing = w.db.get(Listing, _int(key)) if _int(key) is not None else None
    return listing_doc(listing) if listing is not None and _visible(w, listing) else None


def all_companies(w: World) -> Iterable[PublicDoc]:
    """Every approved member."""
    q = select(Company).where(Company.status == MembershipStatus.APPROVED).order_by(Company.id)
    return [company_doc(c) for c in w.db.scalars(q)]


def one_company(w: World, key: str) -> PublicDoc | None:
    """A company by id, while it is an approved member."""
    company = w.db.get(Company, _int(key)) if _int(key) is not None else None
    return (
        company_doc(company) if company is not None and company.status == MembershipStatus.APPROVED else None
    )


def listings_touched(w: World, ev: Event) -> list[str]:
    """The listings an event changed (a company's event touches all its listings)."""
    if ev.name in LISTING_EVENTS:
        return [str(ev.payload.get("listing_id", ""))]
    company_id = ev.payload.get("company_id")
    if not isinstance(company_id, int):
        return []
    return [str(i) for i in w.db.scalars(select(Listing.id).where(Listing.company_id == company_id))]


def companies_touched(w: World, ev: Event) -> list[str]:
    """The company an event changed."""
    company_id = ev.payload.get("company_id")
    return [str(company_id)] if isinstance(company_id, int) and ev.name in COMPANY_EVENTS else []


register_source(
    Source(
        name="b2b.listings",
        documents=all_listings,
        document=one_listing,
        events=LISTING_EVENTS + COMPANY_EVENTS,
        changed=listings_touched,
    )
)
register_source(
    Source(
        name="b2b.companies",
        documents=all_companies,
        document=one_company,
        events=COMPANY_EVENTS,
        changed=companies_touched,
    )
)
