"""The browser app: the portal (网址导航), a site's home and its pages. Read-only."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request
from flask_babel import gettext

from sandbox.binding import current_world, refused
from sandbox.errors import NotFound
from sandbox.web import services as web
from sandbox.web.models import PAGE_KIND_LABELS, SITE_CATEGORY_LABELS, SiteCategory

bp = Blueprint("web", __name__, url_prefix="/web")

CATEGORY_ORDER = (
    SiteCategory.NEWS,
    SiteCategory.QUOTATION,
    SiteCategory.EXPO,
    SiteCategory.SHOPPING,
    SiteCategory.COMPANY,
)


@bp.get("/")
def portal():
    """网址导航: every site of the world's web, by category."""
    by_category: dict[str, list] = {c: [] for c in CATEGORY_ORDER}
    for site in web.sites(current_world()):
        by_category.setdefault(site.category, []).append(site)
    groups = [(c, SITE_CATEGORY_LABELS.get(c, c), by_category[c]) for c in by_category if by_category[c]]
    return render_template("web/portal.html", groups=groups)


@bp.get("/<slug>/")
def site_home(slug: str):
    """A site's home page."""
    return _show(slug, "")


@bp.get("/<slug>/<path:path>")
def page(slug: str, path: str):
    """A page of a site."""
    return _show(slug, path)


def _show(slug: str, path: str):  # noqa: ANN202
    w = current_world()
    try:
        site = web.site_by_slug(w, slug)
        shown = web.page_at(w, site, path)
    except NotFound as exc:
        return render_template("web/not_found.html", message=refused(exc), address=f"{slug}/{path}"), 404
    return render_template("web/page.html", site=site, page=shown, kind_labels=PAGE_KIND_LABELS)


@bp.get("/go")
def go():
    """The address bar: open the page an address names (host/path or /web/site/path)."""
    address = request.args.get("to", "")[:300]
    found = web.page_for_address(current_world(), address)
    if found is None:
        message = gettext("找不到该网页：网页可能已被删除或网址有误")
        g.outcome = message
        return render_template("web/not_found.html", message=message, address=address), 404
    return redirect(found.url)
