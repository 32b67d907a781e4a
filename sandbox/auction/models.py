"""The auction site's world tables: members, lots, bids (with their hidden proxy maximum) and ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class LotStatus:
    """Where a lot stands."""

    OPEN = "open"  # 竞拍中
    WON = "won"  # 已结束，有人中标（待付款）
    UNSOLD = "unsold"  # 流拍: nobody bid, or the highest maximum stayed below the reserve
    BOUGHT = "bought"  # 已成交（一口价，待付款）
    PAID = "paid"  # 已付款: the buyer paid through 云鹊支付 (into the site's escrow account)
    SHIPPED = "shipped"  # 已发货: the seller gave the carrier and waybill number
    COMPLETED = "completed"  # 已完成: the buyer confirmed receipt
    LAPSED = "lapsed"  # 买家未按时付款: the deal lapsed; the seller may offer the lot to the next bidder


STATUS_LABELS = {
    LotStatus.OPEN: N_("竞拍中"),
    LotStatus.WON: N_("已结束-有人中标"),
    LotStatus.UNSOLD: N_("流拍"),
    LotStatus.BOUGHT: N_("已成交(一口价)"),
    LotStatus.PAID: N_("已付款"),
    LotStatus.SHIPPED: N_("已发货"),
    LotStatus.COMPLETED: N_("已完成"),
    LotStatus.LAPSED: N_("买家未按时付款"),
}
SOLD = (LotStatus.WON, LotStatus.BOUGHT, LotStatus.PAID, LotStatus.SHIPPED, LotStatus.COMPLETED)
UNPAID = (LotStatus.WON, LotStatus.BOUGHT)  # a deal: the two sides may rate each other

CONDITIONS = {
    "new": N_("全新"),
    "like_new": N_("九成新"),
    "good": N_("八成新"),
    "used": N_("七成新及以下"),
}
CATEGORIES = {
    "digital": N_("数码电子"),
    "home": N_("家居日用"),
    "books": N_("图书文玩"),
    "clothing": N_("服饰箱包"),
    "sports": N_("运动户外"),
    "other": N_("其他"),
}
SHIPPING = {
    "free": N_("包邮"),
    "buyer": N_("买家付邮"),
}
SCORES = {1: N_("好评"), 0: N_("中评"), -1: N_("差评")}


class AuctionMember(WorldBase):
    """A member of the auction site: a candidate's identity (its e-mail and 云鹊通行证 password) or an
    NPC buyer or seller (no password, never signs in)."""

    __tablename__ = "auction_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    nickname: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="npc")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Lot(WorldBase):
    """A lot: its terms, its current price (kept by the proxy bidding) and how it ended."""

    __tablename__ = "auction_lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("auction_members.id"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(20))
    condition: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    start_price: Mapped[int] = mapped_column(Integer)  # fen
    increment: Mapped[int] = mapped_column(Integer)  # fen
    reserve_price: Mapped[int | None] = mapped_column(Integer)  # fen; None: no reserve
    buy_now_price: Mapped[int | None] = mapped_column(Integer)  # fen; None: no buy-it-now
    shipping: Mapped[str] = mapped_column(String(10), default="free")
    shipping_fee: Mapped[int] = mapped_column(Integer, default=0)  # fen, paid by the buyer if "buyer"
    status: Mapped[str] = mapped_column(String(10), default=LotStatus.OPEN, index=True)
    current_price: Mapped[int] = mapped_column(Integer)  # fen: what the leader pays now
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("auction_members.id"))
    winner_id: Mapped[int | None] = mapped_column(ForeignKey("auction_members.id"), index=True)
    final_price: Mapped[int | None] = mapped_column(Integer)
    extensions: Mapped[int] = mapped_column(Integer, default=0)  # anti-sniping extensions
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Payment through 云鹊支付: the signed page.pay request, the platform's trade number, when paid.
    payment_request: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    trade_no: Mapped[str] = mapped_column(String(64), default="")
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    pay_by: Mapped[datetime | None] = mapped_column(DateTime)  # the winner pays by then, or the deal lapses
    passed_over: Mapped[list[int]] = mapped_column(JSON, default=list)  # earlier winners who did not pay
    carrier: Mapped[str] = mapped_column(String(20), default="")
    waybill_no: Mapped[str] = mapped_column(String(40), default="")
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    seller: Mapped[AuctionMember] = relationship(foreign_keys=[seller_id])
    leader: Mapped[AuctionMember | None] = relationship(foreign_keys=[leader_id])
    winner: Mapped[AuctionMember | None] = relationship(foreign_keys=[winner_id])
    bids: Mapped[list[Bid]] = relationship(back_populates="lot", order_by="Bid.id")
    images: Mapped[list[LotImage]] = relationship(order_by="LotImage.id")


class LotImage(WorldBase):
    """A picture of a lot, kept in the world (checked like every upload: decoded, no SVG, ≤ 2 MB)."""

    __tablename__ = "auction_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("auction_lots.id"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Bid(WorldBase):
    """One bid: the bidder's maximum (hidden from everyone else) and the amount the history shows."""

    __tablename__ = "auction_bids"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("auction_lots.id"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("auction_members.id"), index=True)
    max_amount: Mapped[int] = mapped_column(Integer)  # fen, the proxy's limit (hidden)
    shown_amount: Mapped[int] = mapped_column(Integer)  # fen, shown in the history
    created_at: Mapped[datetime] = mapped_column(DateTime)

    lot: Mapped[Lot] = relationship(back_populates="bids")
    bidder: Mapped[AuctionMember] = relationship()


class Rating(WorldBase):
    """A rating after a deal, given once by the buyer or the seller; the rated side may reply once."""

    __tablename__ = "auction_ratings"
    __table_args__ = (UniqueConstraint("lot_id", "from_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("auction_lots.id"), index=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("auction_members.id"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("auction_members.id"), index=True)
    as_role: Mapped[str] = mapped_column(String(10))  # the rater's side: buyer | seller
    score: Mapped[int] = mapped_column(Integer)  # 1 好评, 0 中评, -1 差评
    comment: Mapped[str] = mapped_column(String(500), default="")
    reply: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)

    lot: Mapped[Lot] = relationship()
    rater: Mapped[AuctionMember] = relationship(foreign_keys=[from_id])
    rated: Mapped[AuctionMember] = relationship(foreign_keys=[to_id])


class PaySetup(WorldBase):
    """The site's account with the payment platform (one row, made on the first payment): a merchant
    app settling into the site's escrow bank account, the site's signing key and the platform's key."""

    __tablename__ = "auction_pay_setup"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(32))
    account_no: Mapped[str] = mapped_column(String(40))
    private_key_pem: Mapped[str] = mapped_column(Text)
    platform_public_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
