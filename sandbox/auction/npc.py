"""The auction site's NPCs: bidders with a scripted maximum, and the closing of lots on the clock.

`auction.npc_bid` (args: `lot` an id or a title, `bidder` a nickname or login of an auction member,
`max` in fen) has the NPC bid up to its maximum, e.g. from a scenario's world.events at "+10m". A bid
the site refuses (too low, lot closed) is skipped: an NPC does not outbid itself beyond its maximum.
`auction.npc_list` has an NPC seller list a lot that ends within the attempt (`ends_in` such as +30m;
`once: true` lists it only the first time the rule fires).
`auction.close_due` closes every lot past its end; `auction.close_lot` is the closing the site
schedules for each lot (registered in services, which schedules it).

An argument written `"{{ lot.title }}"` is filled from the attempt's parameters, which the overlay keeps
in an `auction.paper` event (a whole `{{ x }}` keeps its type, as in a rubric's args).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from sandbox.auction import payments as _payments  # noqa: F401 - registers the notify receiver
from sandbox.auction import services
from sandbox.auction.models import AuctionMember, Lot
from sandbox.errors import N_, DomainError
from sandbox.worlds.base import Event
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.npc import npc_action, schedule
from sandbox.worlds.world import World

PAPER_EVENT = "auction.paper"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


def _param(params: dict[str, Any], path: str) -> Any:
    value: Any = params
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise DomainError(N_("试卷参数不存在：%(name)s"), name=path[:60])
        value = value[part]
    return value


def filled(w: World, args: dict[str, Any]) -> dict[str, Any]:
    """`args` with each `{{ name.field }}` replaced by the attempt's parameter (kept by the overlay)."""
    if not any(isinstance(v, str) and "{{" in v for v in args.values()):
        return args
    q = select(Event).where(Event.name == PAPER_EVENT).order_by(Event.id.desc())
    found = w.db.scalars(q).first()
    params = (found.payload.get("params") if found is not None else None) or {}
    out: dict[str, Any] = {}
    for key, value in args.items():
        if isinstance(value, str) and "{{" in value:
            whole = _PLACEHOLDER.fullmatch(value.strip())
            if whole:
                out[key] = _param(params, whole.group(1))
            else:
                out[key] = _PLACEHOLDER.sub(lambda m: str(_param(params, m.group(1))), value)
        else:
            out[key] = value
    return out


def _lot(w: World, ref: Any) -> Lot:
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = w.db.get(Lot, int(ref))
    else:
        q = select(Lot).where(Lot.title == str(ref or "")).order_by(Lot.id.desc())
        found = w.db.scalars(q).first()
    if found is None:
        raise DomainError(N_("拍品不存在"))
    return found


def _member(w: World, ref: Any) -> AuctionMember:
    text = str(ref or "").strip()
    q = select(AuctionMember).where((AuctionMember.nickname == text) | (AuctionMember.login == text.lower()))
    found = w.db.scalars(q.order_by(AuctionMember.id)).first()
    if found is None:
        raise DomainError(N_("拍卖会员不存在：%(who)s"), who=text[:40])
    return found


@npc_action("auction.npc_bid")
def npc_bid(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """An NPC bidder bids on `lot` (or the triggering event's lot, e.g. on auction.bid_placed) up to
    `max` (fen), if the lot is open, the NPC is not leading and `max` reaches the minimum next bid."""
    args = filled(w, args)
    ref = args.get("lot") or (trigger.payload.get("lot_id") if trigger is not None else None)
    lot = _lot(w, ref)
    bidder = _member(w, args.get("bidder"))
    try:
        top = int(args.get("max") or 0)
    except (TypeError, ValueError):
        raise DomainError(N_("max 必须是以分为单位的整数")) from None
    if not services.is_open(w, lot) or top < services.min_next_bid(lot) or lot.leader_id == bidder.id:
        w.emit("auction.npc_bid_skipped", lot_id=lot.id, bidder=bidder.login, max_amount=top)
        return
    services.place_bid(w, bidder, lot, top)


@npc_action("auction.close_due")
def close_due(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Close every lot past its end (won at the current price, or 流拍)."""
    services.close_due(w)


def _fen(args: dict[str, Any], name: str) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise DomainError(N_("%(name)s 必须是以分为单位的整数"), name=name) from None


@npc_action("auction.npc_list")
def npc_list(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """An NPC `seller` (nickname or login) lists a lot: `title`, `category` (digital…), `condition`
    (new, like_new, good, used), `description`, `start`, `increment`, `reserve`, `buy_now`,
    `shipping_fee` (fen; 0 or absent: 包邮), ending `ends_in` (+30m; default +1d) from now. With `once`,
    nothing happens when the seller already listed a lot of that title (a rule `on:` an event that may
    come again, such as auction.signed_in)."""
    args = filled(w, args)
    seller = _member(w, args.get("seller"))
    if args.get("once"):
        q = select(Lot.id).where(Lot.seller_id == seller.id, Lot.title == str(args.get("title", "")))
        if w.db.scalars(q).first() is not None:
            return
    try:
        ends_in = parse_offset(str(args.get("ends_in") or "+1d"))
    except ValueError:
        raise DomainError(N_("ends_in 必须形如 +30m、+2h 或 +1d")) from None
    fee = _fen(args, "shipping_fee") or 0
    form = services.LotForm(
        title=str(args.get("title", "")),
        category=str(args.get("category", "other")),
        condition=str(args.get("condition", "good")),
        description=str(args.get("description", "")),
        start_price=_fen(args, "start"),
        increment=_fen(args, "increment"),
        reserve_price=_fen(args, "reserve"),
        buy_now_price=_fen(args, "buy_now"),
        days=1,
        shipping="buyer" if fee else "free",
        shipping_fee=fee or None,
    )
    lot = services.list_lot(w, seller, form)
    lot.ends_at = w.now() + ends_in
    schedule(w, lot.ends_at, services.CLOSE_STEP, lot=lot.id)
