"""The world's web: publishing sites and pages (the seed does), reading them (the browser app does),
and the facts graders need (which suppliers' prices are current, which sources are unreliable)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from sandbox.errors import N_, NotFound
from sandbox.web.models import Page, Quote, QuoteStatus, Site
from sandbox.worlds.world import World

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
PAGE_PATH = re.compile(r"[a-z0-9][a-z0-9/_.-]{0,119}")
NO_SITE = N_("找不到该网站：请检查网址是否正确")
NO_PAGE = N_("找不到该网页：网页可能已被删除或网址有误")


# --- publishing (the seed, and any overlay, publishes through these) ---------------------------------


def add_site(w: World, **fields: Any) -> Site:
    """Open a site (slug, host, name, category, summary, region, position, nav)."""
    site = Site(**fields)
    w.db.add(site)
    w.db.flush()
    w.emit("web.site_opened", actor="system", site=site.slug, host=site.host)
    return site


def add_page(
    w: World,
    site: Site,
    path: str,
    title: str,
    blocks: list[Any],
    *,
    kind: str = "page",
    published_at: datetime | None = None,
    promotional: bool = False,
    names: list[str] | None = None,
) -> Page:
    """Publish a page on a site."""
    page = Page(
        site=site,
        path=path,
        title=title,
        kind=kind,
        blocks=blocks,
        published_at=published_at,
        promotional=promotional,
        names=sorted(set(names or [])),
    )
    w.db.add(page)
    w.db.flush()
    w.emit("web.page_published", actor="system", page=page.id, site=site.slug, path=path, url=page.url)
    return page


def add_quote(w: World, page: Page, **fields: Any) -> Quote:
    """Record a price the page states (product, supplier, price_fen, unit, min_order, status …)."""
    quote = Quote(page=page, **fields)
    w.db.add(quote)
    w.db.flush()
    w.emit(
        "web.quote_stated",
        actor="system",
        url=page.url,
        product=quote.product,
        supplier=quote.supplier,
        price_fen=quote.price_fen,
    )
    return quote


# --- reading --------------------------------------------------------------------------------------


def sites(w: World) -> list[Site]:
    """Every site, in the portal's order."""
    return list(w.db.scalars(select(Site).order_by(Site.category, Site.position, Site.id)))


def site_by_slug(w: World, slug: str) -> Site:
    """A site by its slug, or NotFound."""
    site = w.db.scalars(select(Site).where(Site.slug == slug)).first() if SLUG.fullmatch(slug) else None
    if site is None:
        raise NotFound(NO_SITE)
    return site


def page_at(w: World, site: Site, path: str) -> Page:
    """The page of a site at a path ("" is the home page), or NotFound."""
    path = path.strip("/")
    if path and not PAGE_PATH.fullmatch(path):
        raise NotFound(NO_PAGE)
    page = w.db.scalars(select(Page).where(Page.site_id == site.id, Page.path == path)).first()
    if page is None:
        raise NotFound(NO_PAGE)
    return page


def all_pages(w: World) -> list[Page]:
    """Every page of every site, by id."""
    return list(w.db.scalars(select(Page).order_by(Page.id)))


def page_by_id(w: World, page_id: int) -> Page | None:
    """A page by id."""
    return w.db.get(Page, page_id)


def cell_text(cell: Any) -> str:
    """A table cell's text (a cell is text or [text, href])."""
    return str(cell[0]) if isinstance(cell, list) else str(cell)


def page_text(page: Page) -> str:
    """The page's content as plain text (what search indexes)."""
    parts: list[str] = []
    for block in page.blocks:
        for key, value in block.items():
            if key in ("h", "p", "ad"):
                parts.append(str(value))
            elif key == "table":
                parts.append(" ".join(value.get("head", [])))
                parts.extend(" ".join(cell_text(c) for c in row) for row in value.get("rows", []))
            elif key == "links":
                parts.append(" ".join(str(text) for text, _href in value))
            elif key == "kv":
                parts.extend(f"{label}：{text}" for label, text in value)
    return "\n".join(p for p in parts if p)


# --- addresses the candidate writes down ----------------------------------------------------------


def page_for_address(w: World, address: str) -> Page | None:
    """The page an address written by a candidate points at: a sandbox path (/web/site/page), a full
    URL with such a path, or the address bar's form (host/page, with or without http://)."""
    text = unicodedata.normalize("NFKC", address or "").strip()
    if not text or len(text) > 500:
        return None
    if "/web/" in text or text.startswith("web/"):
        rest = text[text.find("web/") + 4 :]
        slug, _, path = rest.partition("/")
    else:
        try:
            parts = urlsplit(text if "://" in text else f"http://{text}")
            host = (parts.hostname or "").lower()
        except ValueError:  # e.g. an unbalanced [ of an IPv6 address
            return None
        site = w.db.scalars(select(Site).where(Site.host == host)).first() if host else None
        if site is None:
            return None
        slug, path = site.slug, parts.path
    path = unquote(re.split(r"[?#]", path, maxsplit=1)[0]).strip().strip("/").lower()
    try:
        return page_at(w, site_by_slug(w, slug.strip().lower()), path)
    except NotFound:
        return None


# --- the facts graders need -----------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """A supplier's current offer of a product (from its valid quotations)."""

    supplier: str
    price_fen: int
    min_order: int
    unit: str
    contact_name: str
    contact_phone: str
    region: str
    city: str
    urls: tuple[str, ...]  # every page stating this offer (the supplier's price list first)


def quotes(w: World, product: str, status: str | None = None) -> list[Quote]:
    """Every quotation of a product (optionally of one verdict), by id."""
    q = select(Quote).where(Quote.product == product).order_by(Quote.id)
    if status:
        q = q.where(Quote.status == status)
    return list(w.db.scalars(q))


def current_offers(w: World, product: str) -> list[Offer]:
    """Each supplier's current offer of a product (valid quotations only), cheapest first."""
    by_supplier: dict[str, list[Quote]] = {}
    for quote in quotes(w, product, QuoteStatus.VALID):
        by_supplier.setdefault(quote.supplier, []).append(quote)
    offers = []
    for supplier, rows in by_supplier.items():
        first = rows[0]
        offers.append(
            Offer(
                supplier=supplier,
                price_fen=first.price_fen,
                min_order=first.min_order,
                unit=first.unit,
                contact_name=first.contact_name,
                contact_phone=first.contact_phone,
                region=first.region,
                city=first.city,
                urls=tuple(dict.fromkeys(r.page.url for r in rows)),
            )
        )
    return sorted(offers, key=lambda o: (o.price_fen, o.supplier))


def cheapest_offers(w: World, product: str, max_min_order: int | None = None, n: int = 3) -> list[Offer]:
    """The `n` cheapest current offers of a product whose 起订量 is at most `max_min_order`."""
    shown = [o for o in current_offers(w, product) if max_min_order is None or o.min_order <= max_min_order]
    return shown[:n]


def unreliable_pages(w: World, product: str) -> dict[str, str]:
    """Pages stating a price of the product that cannot be trusted: url -> verdict."""
    found: dict[str, str] = {}
    for quote in quotes(w, product):
        if quote.status != QuoteStatus.VALID:
            found.setdefault(quote.page.url, quote.status)
    return found
