"""The listings' pages: browse and search, a listing's page, its pictures, and the member's own listings."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.b2b import guard, listings
from sandbox.b2b.views_market import bp
from sandbox.binding import current_world, done, refused
from sandbox.errors import DomainError, NotFound
from sandbox.parsing import parse_yuan, query_int
from sandbox.storefront import uploads


@bp.get("/offers")
def offers() -> str:
    """Browse published listings: kind, category, keyword and price range."""
    args = request.args
    try:
        min_fen = parse_yuan(args.get("min"))
        max_fen = parse_yuan(args.get("max"))
    except DomainError as exc:
        message = refused(exc)
        found = listings.Found([], 0, 1, 1)
        return render_template("b2b/offers.html", found=found, error=message), exc.status
    found = listings.browse(
        current_world(),
        q=args.get("q", "")[:60],
        kind=args.get("kind", ""),
        category=args.get("category", ""),
        min_fen=min_fen,
        max_fen=max_fen,
        page=query_int("page", 1, low=1, high=10_000) or 1,
    )
    return render_template("b2b/offers.html", found=found)


@bp.get("/offer/<int:listing_id>")
def offer(listing_id: int) -> str:
    """A published listing's page with its company."""
    listing = listings.visible(current_world(), listing_id)
    return render_template("b2b/offer.html", listing=listing)


@bp.get("/image/<int:image_id>")
def image(image_id: int):
    """A listing's picture: of a published listing, or of the signed-in member's own."""
    w = current_world()
    picture = listings.public_image(w, image_id)
    user = guard.signed_in()
    mine = user is not None and user.company_id == picture.listing.company_id
    if not mine:
        listings.visible(w, picture.listing_id)
    return uploads.image_response(picture)


@bp.get("/member/offers")
@guard.member_required(approved=False)
def my_offers() -> str:
    """The member's listings with their status, the review's reason, and what can be done."""
    w = current_world()
    mine = listings.of_company(w, g.company)
    return render_template("b2b/my_offers.html", rows=[(x, listings.state(w, x)) for x in mine])


def _files() -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in request.files.getlist("images")]


@bp.route("/member/offers/new", methods=["GET", "POST"])
@guard.member_required
def new_offer():
    """Write a listing and send it for review."""
    if request.method != "POST":
        return render_template("b2b/offer_form.html", form=listings.form_of(None), errors={}, listing=None)
    try:
        listing = listings.create(current_world(), g.company, request.form.to_dict(), _files())
    except DomainError as exc:
        errors = exc.errors if hasattr(exc, "errors") else {"images": exc.key}
        page = render_template(
            "b2b/offer_form.html", form=request.form, errors=errors, error=refused(exc), listing=None
        )
        return page, exc.status
    done(gettext("信息已提交审核（编号 %(number)s），审核通过后对外展示", number=listing.number))
    return redirect(url_for("b2b.my_offers"))


@bp.route("/member/offers/<int:listing_id>/edit", methods=["GET", "POST"])
@guard.member_required
def edit_offer(listing_id: int):
    """Change a listing; the new version is reviewed again."""
    w = current_world()
    listing = listings.own(w, g.company, listing_id)
    if request.method != "POST":
        return render_template(
            "b2b/offer_form.html", form=listings.form_of(listing), errors={}, listing=listing
        )
    try:
        listings.update(w, g.company, listing, request.form.to_dict(), _files())
    except NotFound:
        raise
    except DomainError as exc:
        errors = exc.errors if hasattr(exc, "errors") else {"images": exc.key}
        page = render_template(
            "b2b/offer_form.html", form=request.form, errors=errors, error=refused(exc), listing=listing
        )
        return page, exc.status
    done(gettext("修改已提交审核"))
    return redirect(url_for("b2b.my_offers"))


@bp.post("/member/offers/<int:listing_id>/withdraw")
@guard.member_required(approved=False)
def withdraw_offer(listing_id: int):
    """Take a listing down."""
    w = current_world()
    listing = listings.own(w, g.company, listing_id)
    listings.withdraw(w, g.company, listing)
    done(gettext("信息已下架"))
    return redirect(url_for("b2b.my_offers"))


@bp.post("/member/offers/<int:listing_id>/renew")
@guard.member_required
def renew_offer(listing_id: int):
    """Publish an expired listing again."""
    w = current_world()
    listing = listings.own(w, g.company, listing_id)
    listings.renew(w, g.company, listing)
    done(gettext("信息已续期，有效期至 %(until)s", until=f"{listing.valid_until:%Y-%m-%d %H:%M}"))
    return redirect(url_for("b2b.my_offers"))
