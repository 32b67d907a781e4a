"""Supply and demand listings (供求信息): publishing, the platform's review, expiry and search.

An approved member writes a listing; it goes to the platform's review (the NPC action
`b2b.review_listing`) under the rules of sandbox/b2b/listing_review.py. A published listing is shown
until `valid_until` on the world clock; then it is expired (hidden from visitors, 已过期 to its owner)
until renewed. An owner edits a listing (the new version is reviewed again) or takes it down.
Visitors browse published listings by kind, category, keyword (Chinese words, cut by jieba) and price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jieba
from sqlalchemy import func, select

from sandbox.b2b import listing_review
from sandbox.b2b.company_models import Company, MembershipStatus
from sandbox.b2b.listing_models import KIND_LABELS, Listing, ListingImage, ListingKind, ListingStatus
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.parsing import parse_yuan
from sandbox.storefront import uploads
from sandbox.worlds.npc import schedule
from sandbox.worlds.world import World

CATEGORIES = listing_review.CATEGORIES
UNITS = (
    "件",
    "个",
    "只",
    "条",
    "块",
    "张",
    "瓶",
    "根",
    "把",
    "套",
    "台",
    "箱",
    "袋",
    "罐",
    "包",
    "卷",
    "双",
    "米",
    "千克",
    "吨",
    "平方米",
)
VALIDITY_DAYS = (7, 15, 30, 60, 90)
MAX_IMAGES = 5
MAX_QUANTITY = 100_000_000
MAX_PRICE_FEN = 10**10  # ¥100,000,000
EXPIRE_STEP = "b2b.listing_expire_step"
FIELDS = (
    "kind",
    "title",
    "category",
    "product",
    "spec",
    "quantity",
    "unit",
    "price",
    "negotiable",
    "validity_days",
    "delivery_terms",
    "payment_terms",
    "description",
)
EDITABLE = (ListingStatus.REJECTED, ListingStatus.PUBLISHED, ListingStatus.WITHDRAWN, ListingStatus.EXPIRED)

jieba.setLogLevel(60)  # no "Building prefix dict" chatter on the console


class ListingInvalid(DomainError):
    """One or more fields of the listing are wrong; `errors` maps field -> message key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("供求信息填写有误，请检查标红的项目"), status=422)
        self.errors = errors


def validate(form: dict[str, str]) -> dict[str, object]:
    """Clean the listing's fields (price typed in yuan, or 面议) or raise ListingInvalid."""
    raw = {k: " ".join(str(form.get(k) or "").split()) for k in FIELDS}
    raw["description"] = (form.get("description") or "").strip()
    errors: dict[str, str] = {}
    if raw["kind"] not in KIND_LABELS:
        errors["kind"] = N_("请选择信息类型（供应或求购）")
    if not 6 <= len(raw["title"]) <= 40:
        errors["title"] = N_("标题须为6-40个字")
    if raw["category"] not in CATEGORIES:
        errors["category"] = N_("请选择行业类目")
    if not 2 <= len(raw["product"]) <= 30:
        errors["product"] = N_("产品名称须为2-30个字")
    if len(raw["spec"]) > 200:
        errors["spec"] = N_("规格型号不能超过200个字")
    quantity = 0
    if not raw["quantity"].isascii() or not raw["quantity"].isdigit():
        errors["quantity"] = N_("数量须为正整数")
    else:
        quantity = int(raw["quantity"])
        if not 1 <= quantity <= MAX_QUANTITY:
            errors["quantity"] = N_("数量须为1到1亿之间的整数")
    if raw["unit"] not in UNITS:
        errors["unit"] = N_("请选择计量单位")
    price_fen = None
    if raw["negotiable"] not in ("1", "on", "yes"):
        try:
            price_fen = parse_yuan(raw["price"], high_fen=MAX_PRICE_FEN)
        except DomainError as exc:
            errors["price"] = exc.key
        else:
            if price_fen is None:
                errors["price"] = N_("请填写单价，或选择“面议”")
            elif price_fen <= 0:
                errors["price"] = N_("单价须大于0")
    days = (
        int(raw["validity_days"]) if raw["validity_days"].isascii() and raw["validity_days"].isdigit() else 0
    )
    if days not in VALIDITY_DAYS:
        errors["validity_days"] = N_("请选择信息有效期")
    if len(raw["delivery_terms"]) > 120:
        errors["delivery_terms"] = N_("交货条件不能超过120个字")
    if len(raw["payment_terms"]) > 120:
        errors["payment_terms"] = N_("付款方式不能超过120个字")
    if len(raw["description"]) > 2000:
        errors["description"] = N_("详细说明不能超过2000个字")
    if errors:
        raise ListingInvalid(errors)
    return {
        "kind": raw["kind"],
        "title": raw["title"],
        "category": raw["category"],
        "product": raw["product"],
        "spec": raw["spec"],
        "quantity": quantity,
        "unit": raw["unit"],
        "price_fen": price_fen,
        "validity_days": days,
        "delivery_terms": raw["delivery_terms"],
        "payment_terms": raw["payment_terms"],
        "description": raw["description"],
    }


def form_of(listing: Listing | None) -> dict[str, str]:
    """A listing's fields as the form shows them."""
    if listing is None:
        return {"kind": ListingKind.SUPPLY, "validity_days": "30"}
    price = listing.price_fen
    return {
        "kind": listing.kind,
        "title": listing.title,
        "category": listing.category,
        "product": listing.product,
        "spec": listing.spec,
        "quantity": str(listing.quantity),
        "unit": listing.unit,
        "price": "" if price is None else f"{price // 100}.{price % 100:02d}",
        "negotiable": "1" if price is None else "",
        "validity_days": str(listing.validity_days),
        "delivery_terms": listing.delivery_terms,
        "payment_terms": listing.payment_terms,
        "description": listing.description,
    }


def _require_member(company: Company | None) -> Company:
    if company is None or company.status != MembershipStatus.APPROVED:
        raise DomainError(N_("只有通过认证的企业会员才能发布供求信息"), status=403)
    return company


def _next_number(w: World) -> str:
    serial = (w.db.scalar(select(func.count(Listing.id))) or 0) + 1
    return f"GQ{w.now():%Y%m%d}{serial:05d}"


def _submitted(w: World, listing: Listing, event: str = "b2b.listing_submitted") -> None:
    listing.status = ListingStatus.PENDING
    listing.submitted_at = w.now()
    listing.reason = listing.reason_detail = ""
    listing.valid_until = None
    w.emit(
        event,
        listing_id=listing.id,
        number=listing.number,
        company_id=listing.company_id,
        kind=listing.kind,
        title=listing.title,
        category=listing.category,
        product=listing.product,
        price_fen=listing.price_fen,
    )


def create(w: World, company: Company | None, form: dict[str, str], images: list | None = None) -> Listing:
    """Write a new listing and send it for the platform's review."""
    company = _require_member(company)
    data = validate(form)
    checked = _check_images(images or [])
    listing = Listing(number=_next_number(w), company_id=company.id, created_at=w.now(), **data)
    w.db.add(listing)
    w.db.flush()
    _add_images(w, listing, checked)
    _submitted(w, listing)
    return listing


def update(
    w: World, company: Company | None, listing: Listing, form: dict[str, str], images: list | None = None
) -> Listing:
    """Change a listing (not while it is being reviewed); the new version is reviewed again."""
    company = _require_member(company)
    if listing.company_id != company.id:
        raise NotFound(N_("供求信息不存在"))
    if listing.status == ListingStatus.PENDING:
        raise Conflict(N_("该信息正在审核中，审核结束前不能修改"))
    data = validate(form)
    checked = _check_images(images or [], already=len(listing.images))
    for key, value in data.items():
        setattr(listing, key, value)
    _add_images(w, listing, checked)
    _submitted(w, listing, "b2b.listing_resubmitted")
    return listing


def withdraw(w: World, company: Company | None, listing: Listing) -> Listing:
    """Take a listing down (下架): visitors no longer see it."""
    if company is None or listing.company_id != company.id:
        raise NotFound(N_("供求信息不存在"))
    if listing.status not in (ListingStatus.PUBLISHED, ListingStatus.PENDING):
        raise Conflict(N_("只有已发布或审核中的信息可以下架"))
    listing.status = ListingStatus.WITHDRAWN
    listing.valid_until = None
    w.emit("b2b.listing_withdrawn", listing_id=listing.id, number=listing.number, company_id=company.id)
    return listing


def renew(w: World, company: Company | None, listing: Listing) -> Listing:
    """Publish an expired listing again for its validity, counted from now (重新发布)."""
    company = _require_member(company)
    if listing.company_id != company.id:
        raise NotFound(N_("供求信息不存在"))
    if state(w, listing) != ListingStatus.EXPIRED:
        raise Conflict(N_("只有已过期的信息可以续期"))
    _publish(w, listing)
    w.emit(
        "b2b.listing_renewed",
        listing_id=listing.id,
        number=listing.number,
        valid_until=f"{listing.valid_until:%Y-%m-%d %H:%M}",
    )
    return listing


# --- the platform's review and expiry ----------------------------------------------------------


def review(w: World, listing: Listing) -> Listing:
    """Decide a listing waiting for review: publish it, or reject it with the rule it breaks."""
    if listing.status != ListingStatus.PENDING:
        raise Conflict(N_("该信息不在审核中"))
    finding = listing_review.review(
        title=listing.title,
        product=listing.product,
        spec=listing.spec,
        description=listing.description,
        category=listing.category,
        price_fen=listing.price_fen,
    )
    listing.decided_at = w.now()
    if finding is not None:
        listing.status = ListingStatus.REJECTED
        listing.reason, listing.reason_detail = finding.reason, finding.detail
        w.emit(
            "b2b.listing_rejected",
            listing_id=listing.id,
            number=listing.number,
            company_id=listing.company_id,
            reason=finding.reason,
            detail=finding.detail,
        )
        return listing
    _publish(w, listing)
    w.emit(
        "b2b.listing_approved",
        listing_id=listing.id,
        number=listing.number,
        company_id=listing.company_id,
        title=listing.title,
        valid_until=f"{listing.valid_until:%Y-%m-%d %H:%M}",
    )
    return listing


def _publish(w: World, listing: Listing) -> None:
    listing.status = ListingStatus.PUBLISHED
    listing.reason = listing.reason_detail = ""
    listing.valid_until = w.now() + timedelta(days=listing.validity_days)
    schedule(w, listing.valid_until, EXPIRE_STEP, listing_id=listing.id)


def expire(w: World, listing: Listing) -> bool:
    """Mark a published listing past its validity as expired (once); whether it did."""
    if listing.status != ListingStatus.PUBLISHED or listing.valid_until is None:
        return False
    if listing.valid_until > w.now():
        return False
    listing.status = ListingStatus.EXPIRED
    w.emit("b2b.listing_expired", listing_id=listing.id, number=listing.number, company_id=listing.company_id)
    return True


def state(w: World, listing: Listing) -> str:
    """The listing's status as of the world clock (a published one past its validity is expired)."""
    if listing.status == ListingStatus.PUBLISHED and listing.valid_until and listing.valid_until <= w.now():
        return ListingStatus.EXPIRED
    return listing.status


def pending_listings(w: World) -> list[Listing]:
    """Listings waiting for review, oldest first."""
    q = select(Listing).where(Listing.status == ListingStatus.PENDING)
    return list(w.db.scalars(q.order_by(Listing.id)))


# --- pictures ----------------------------------------------------------------------------------


def _check_images(files: list, already: int = 0) -> list[uploads.CheckedImage]:
    """Uploaded pictures ((filename, bytes) pairs; empty ones skipped), checked, at most MAX_IMAGES."""
    chosen = [(name, data) for name, data in files if name or data]
    if already + len(chosen) > MAX_IMAGES:
        raise DomainError(N_("每条信息最多%(n)s张图片"), n=MAX_IMAGES)
    return [uploads.check_image(name, data) for name, data in chosen]


def _add_images(w: World, listing: Listing, checked: list[uploads.CheckedImage]) -> None:
    for image in checked:
        listing.images.append(ListingImage(**image.columns(w.now())))
    w.db.flush()


def public_image(w: World, image_id: int) -> ListingImage:
    """A picture of a listing visitors may see (or of the viewer's own), or NotFound."""
    image = w.db.get(ListingImage, image_id)
    if image is None:
        raise NotFound(N_("图片不存在"))
    return image


# --- what visitors and owners see ----------------------------------------------------------------


def visible(w: World, listing_id: int) -> Listing:
    """A published, unexpired listing of an approved member, or NotFound."""
    listing = w.db.get(Listing, listing_id)
    if listing is None or state(w, listing) != ListingStatus.PUBLISHED:
        raise NotFound(N_("供求信息不存在或已过期"))
    if listing.company.status != MembershipStatus.APPROVED:
        raise NotFound(N_("供求信息不存在或已过期"))
    return listing


def own(w: World, company: Company | None, listing_id: int) -> Listing:
    """One of the company's own listings, or NotFound (another company's is not reachable)."""
    listing = w.db.get(Listing, listing_id)
    if listing is None or company is None or listing.company_id != company.id:
        raise NotFound(N_("供求信息不存在"))
    return listing


def of_company(w: World, company: Company | None) -> list[Listing]:
    """The company's listings, newest first."""
    if company is None:
        return []
    q = select(Listing).where(Listing.company_id == company.id).order_by(Listing.id.desc())
    return list(w.db.scalars(q))


def keywords(q: str) -> list[str]:
    """The words of a search (jieba's precise cut of each whitespace-separated part)."""
    words: list[str] = []
    for part in (q or "").lower().split():
        cut = [t.strip() for t in jieba.cut(part) if t.strip()]
        words.extend(t for t in cut if any(ch.isalnum() for ch in t))
    return words


def _haystack(listing: Listing) -> str:
    return f"{listing.title} {listing.product} {listing.spec} {listing.company.name}".lower()


@dataclass
class Found:
    """A page of browse results."""

    listings: list[Listing]
    total: int
    page: int
    pages: int


PAGE_SIZE = 20


def browse(
    w: World,
    *,
    q: str = "",
    kind: str = "",
    category: str = "",
    min_fen: int | None = None,
    max_fen: int | None = None,
    page: int = 1,
) -> Found:
    """Published, unexpired listings matching every keyword, newest first (price filters leave out 面议)."""
    stmt = (
        select(Listing)
        .join(Company, Company.id == Listing.company_id)
        .where(
            Listing.status == ListingStatus.PUBLISHED,
            Listing.valid_until > w.now(),
            Company.status == MembershipStatus.APPROVED,
        )
    )
    if kind in KIND_LABELS:
        stmt = stmt.where(Listing.kind == kind)
    if category in CATEGORIES:
        stmt = stmt.where(Listing.category == category)
    if min_fen is not None:
        stmt = stmt.where(Listing.price_fen >= min_fen)
    if max_fen is not None:
        stmt = stmt.where(Listing.price_fen <= max_fen)
    found = list(w.db.scalars(stmt.order_by(Listing.decided_at.desc(), Listing.id.desc())))
    words = keywords(q)
    if words:
        found = [x for x in found if all(word in _haystack(x) for word in words)]
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(1, page), pages)
    return Found(found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(found), page, pages)


def category_counts(w: World) -> dict[str, int]:
    """How many listings each category shows now."""
    q = (
        select(Listing.category, func.count(Listing.id))
        .where(Listing.status == ListingStatus.PUBLISHED, Listing.valid_until > w.now())
        .group_by(Listing.category)
    )
    counts = dict(w.db.execute(q).all())
    return {c: counts.get(c, 0) for c in CATEGORIES}


def seed_listing(w: World, company: Company, *, created_at: datetime, **fields: object) -> Listing:
    """A published listing put in the world directly (seeds; no review, no event)."""
    listing = Listing(
        number=_next_number(w),
        company_id=company.id,
        status=ListingStatus.PUBLISHED,
        created_at=created_at,
        submitted_at=created_at,
        decided_at=created_at,
        **fields,
    )
    listing.valid_until = created_at + timedelta(days=listing.validity_days)
    w.db.add(listing)
    w.db.flush()
    return listing
