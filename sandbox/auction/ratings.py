"""Ratings after a deal (信用评价): the buyer and the seller may each rate the other once within 15
world days of the close (好评 +1, 中评 0, 差评 −1); a rating cannot be changed; the rated side may reply
once. A member's score (好评 − 差评) reaches a level of hearts, diamonds and crowns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from sandbox.auction.models import SCORES, SOLD, AuctionMember, Lot, Rating
from sandbox.errors import N_, Conflict, DomainError, Forbidden, NotFound
from sandbox.worlds.world import World

RATING_WINDOW = timedelta(days=15)
# (lowest score, level): Taobao-like hearts, diamonds and crowns
LEVELS = (
    (10001, N_("1皇冠")),
    (5001, N_("5钻")),
    (2001, N_("4钻")),
    (1001, N_("3钻")),
    (501, N_("2钻")),
    (251, N_("1钻")),
    (151, N_("5心")),
    (91, N_("4心")),
    (41, N_("3心")),
    (11, N_("2心")),
    (4, N_("1心")),
)


def counterpart(lot: Lot, member: AuctionMember) -> tuple[str, int] | None:
    """The member's side of a deal and the other side's id (None: not a side of a deal)."""
    if lot.status not in SOLD or lot.winner_id is None:
        return None
    if member.id == lot.seller_id:
        return "seller", lot.winner_id
    if member.id == lot.winner_id:
        return "buyer", lot.seller_id
    return None


def rating_by(w: World, lot: Lot, member: AuctionMember) -> Rating | None:
    """The rating the member gave on this lot, if any."""
    q = select(Rating).where(Rating.lot_id == lot.id, Rating.from_id == member.id)
    return w.db.scalars(q).first()


def can_rate(w: World, lot: Lot, member: AuctionMember) -> bool:
    """Whether the member may still rate the other side of this deal."""
    side = counterpart(lot, member)
    return (
        side is not None
        and lot.closed_at is not None
        and w.now() <= lot.closed_at + RATING_WINDOW
        and rating_by(w, lot, member) is None
    )


def to_rate(w: World, member: AuctionMember) -> list[Lot]:
    """Deals the member can still rate."""
    q = select(Lot).where(Lot.status.in_(SOLD), (Lot.seller_id == member.id) | (Lot.winner_id == member.id))
    return [lot for lot in w.db.scalars(q.order_by(Lot.id.desc())) if can_rate(w, lot, member)]


def rate(w: World, member: AuctionMember, lot: Lot, score: int | None, comment: str) -> Rating:
    """Rate the other side of a deal once (好评 1, 中评 0, 差评 −1), within the rating window."""
    side = counterpart(lot, member)
    if side is None:
        raise Forbidden(N_("只有成交双方可以评价"))
    if rating_by(w, lot, member) is not None:
        raise Conflict(N_("已经评价过，评价不能修改"))
    if lot.closed_at is None or w.now() > lot.closed_at + RATING_WINDOW:
        raise Conflict(N_("已超过评价期限（成交后15天）"))
    if score not in SCORES:
        raise DomainError(N_("请选择好评、中评或差评"))
    text = " ".join((comment or "").split())
    if len(text) > 500:
        raise DomainError(N_("评价内容最多500字"))
    if score < 1 and len(text) < 5:
        raise DomainError(N_("中评或差评请写明原因（至少5个字）"))
    as_role, to_id = side
    rating = Rating(
        lot_id=lot.id,
        from_id=member.id,
        to_id=to_id,
        as_role=as_role,
        score=score,
        comment=text,
        created_at=w.now(),
    )
    w.db.add(rating)
    w.db.flush()
    w.emit(
        "auction.rated",
        lot_id=lot.id,
        rating_id=rating.id,
        rater=member.login,
        rated=rating.rated.login,
        as_role=as_role,
        score=score,
    )
    return rating


def reply(w: World, member: AuctionMember, rating_id: int, text: str) -> Rating:
    """The rated member replies to a rating once."""
    rating = w.db.get(Rating, rating_id) if isinstance(rating_id, int) else None
    if rating is None:
        raise NotFound(N_("评价不存在"))
    if rating.to_id != member.id:
        raise Forbidden(N_("只能回复别人给您的评价"))
    if rating.reply:
        raise Conflict(N_("已经回复过这条评价"))
    body = " ".join((text or "").split())
    if not body:
        raise DomainError(N_("请填写回复内容"))
    if len(body) > 500:
        raise DomainError(N_("回复内容最多500字"))
    rating.reply, rating.replied_at = body, w.now()
    w.emit("auction.rating_replied", rating_id=rating.id, lot_id=rating.lot_id, user=member.login)
    w.db.flush()
    return rating


@dataclass
class Reputation:
    """A member's credit: the score (好评 − 差评), counts and the level it reaches."""

    score: int
    good: int
    neutral: int
    bad: int
    level: str

    @property
    def good_rate(self) -> str:
        """The share of positive ratings, e.g. 98.5%."""
        total = self.good + self.neutral + self.bad
        return f"{self.good * 100 / total:.1f}%" if total else "—"


def level_of(score: int) -> str:
    """The level a score reaches (新手 below 4 points)."""
    return next((name for low, name in LEVELS if score >= low), N_("新手"))


def reputation(w: World, member: AuctionMember) -> Reputation:
    """The member's credit from the ratings received."""
    rows = dict(
        w.db.execute(
            select(Rating.score, func.count(Rating.id))
            .where(Rating.to_id == member.id)
            .group_by(Rating.score)
        ).all()
    )
    good, neutral, bad = rows.get(1, 0), rows.get(0, 0), rows.get(-1, 0)
    return Reputation(good - bad, good, neutral, bad, level_of(good - bad))


def ratings_of(w: World, member: AuctionMember) -> list[Rating]:
    """Ratings the member received, newest first."""
    q = select(Rating).where(Rating.to_id == member.id).order_by(Rating.id.desc())
    return list(w.db.scalars(q))


def ratings_on(w: World, lot: Lot) -> list[Rating]:
    """The ratings the two sides of a deal gave each other."""
    return list(w.db.scalars(select(Rating).where(Rating.lot_id == lot.id).order_by(Rating.id)))
