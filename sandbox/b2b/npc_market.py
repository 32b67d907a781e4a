"""NPC actions of the trade board: the platform reviews members and listings; listings expire.

`b2b.review_member` on `b2b.member_submitted` reviews that company's profile, at once or `after` a delay
counted from the submission (the scheduled review is `b2b.review_member_step`); as an `at:` rule it
reviews every profile waiting. `b2b.review_listing` does the same for listings on
`b2b.listing_submitted` / `b2b.listing_resubmitted`. A published listing's expiry is scheduled when it
is published (`b2b.listing_expire_step`).
"""

from __future__ import annotations

from typing import Any

from sandbox.b2b import companies, listings
from sandbox.b2b.company_models import MembershipStatus
from sandbox.b2b.listing_models import Listing, ListingStatus
from sandbox.errors import N_, DomainError
from sandbox.worlds.base import Event
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.npc import npc_action, schedule
from sandbox.worlds.world import World

MEMBER_STEP = "b2b.review_member_step"
LISTING_STEP = "b2b.review_listing_step"


def _delay(args: dict[str, Any]):  # noqa: ANN202
    raw = args.get("after")
    try:
        return parse_offset(str(raw)) if raw else None
    except ValueError:
        raise DomainError(N_("after 必须形如 +30m、+2h 或 +1d")) from None


@npc_action("b2b.review_member")
def review_member(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The platform reviews a submitted company profile (the triggering one, or every one waiting), at
    once or `after` a delay such as +1m; it approves or rejects with a reason and mails the company."""
    delay = _delay(args)
    if trigger is not None and "company_id" in trigger.payload:
        targets, since = [companies.get_company(w, trigger.payload["company_id"])], trigger.at
    else:
        targets, since = companies.pending_companies(w), w.now()
    for company in targets:
        if delay:
            schedule(w, since + delay, MEMBER_STEP, company_id=company.id)
        elif company.status == MembershipStatus.PENDING:
            companies.review(w, company)


@npc_action(MEMBER_STEP, for_rules=False)
def review_member_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The platform's scheduled review of one profile (if it still waits)."""
    company = companies.get_company(w, args.get("company_id"))
    if company.status == MembershipStatus.PENDING:
        companies.review(w, company)


@npc_action("b2b.review_listing")
def review_listing(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The platform reviews a submitted listing (the triggering one, or every one waiting), at once or
    `after` a delay; it publishes it or rejects it with the rule it breaks."""
    delay = _delay(args)
    if trigger is not None and "listing_id" in trigger.payload:
        listing = w.db.get(Listing, trigger.payload["listing_id"])
        targets, since = ([listing] if listing else []), trigger.at
    else:
        targets, since = listings.pending_listings(w), w.now()
    for listing in targets:
        if delay:
            schedule(
                w, since + delay, LISTING_STEP, listing_id=listing.id, submitted_at=str(listing.submitted_at)
            )
        elif listing.status == ListingStatus.PENDING:
            listings.review(w, listing)


@npc_action(LISTING_STEP, for_rules=False)
def review_listing_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The platform's scheduled review of one listing version (if that version still waits)."""
    listing = w.db.get(Listing, args.get("listing_id"))
    if listing is None or listing.status != ListingStatus.PENDING:
        return
    if args.get("submitted_at") not in (None, str(listing.submitted_at)):
        return  # a later version has its own scheduled review
    listings.review(w, listing)


@npc_action(listings.EXPIRE_STEP, for_rules=False)
def expire_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """A published listing reaches the end of its validity."""
    listing = w.db.get(Listing, args.get("listing_id"))
    if listing is not None:
        listings.expire(w, listing)
