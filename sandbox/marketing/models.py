"""Marketing mail tables (world database): a shop's mailing list and its subscribers, campaigns, and one
delivery per recipient with what the recipient did (delivered, opened, clicked, unsubscribed, bounced)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class OptIn:
    """Where a subscriber's consent stands: only SUBSCRIBED may be mailed."""

    SUBSCRIBED = "subscribed"  # 已订阅 (confirmed)
    PENDING = "pending"  # 待确认 (asked, never confirmed the double opt-in mail)
    UNSUBSCRIBED = "unsubscribed"  # 已退订


OPT_IN_LABELS = {
    OptIn.SUBSCRIBED: N_("已订阅"),
    OptIn.PENDING: N_("待确认"),
    OptIn.UNSUBSCRIBED: N_("已退订"),
}

# How the address came onto the list.
SOURCE_LABELS = {
    "checkout": N_("下单时勾选"),
    "follow": N_("店铺关注"),
    "offline": N_("线下活动"),
    "import": N_("导入"),
}


class CampaignStatus:
    """A campaign is written as a draft and sent once."""

    DRAFT = "draft"
    SENT = "sent"


CAMPAIGN_STATUS_LABELS = {CampaignStatus.DRAFT: N_("草稿"), CampaignStatus.SENT: N_("已发送")}


class DeliveryStatus:
    """One recipient's copy: handed to the mail system, then delivered or bounced (NPC simulation)."""

    SENT = "sent"  # 投递中
    DELIVERED = "delivered"  # 已送达
    BOUNCED = "bounced"  # 退信


DELIVERY_STATUS_LABELS = {
    DeliveryStatus.SENT: N_("投递中"),
    DeliveryStatus.DELIVERED: N_("已送达"),
    DeliveryStatus.BOUNCED: N_("退信"),
}


class MailingList(WorldBase):
    """A shop's list of subscribers and who may send to it (the shop's seller-centre login)."""

    __tablename__ = "marketing_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), unique=True)
    shop_name: Mapped[str] = mapped_column(String(80))
    # The seller-centre account that owns the shop (no foreign key: the seller centre is a domain of the
    # same layer); a session signed in to the seller centre with this account may use the list.
    owner_account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    sender_address: Mapped[str] = mapped_column(String(120))  # the merchant's own mailbox
    # Drawn from the attempt seed: what the NPC recipients do with each campaign follows from it.
    seed_key: Mapped[str] = mapped_column(String(40))

    subscribers: Mapped[list[Subscriber]] = relationship(
        back_populates="mailing_list", order_by="Subscriber.id"
    )


class Subscriber(WorldBase):
    """One address on a shop's list, with its consent and where it came from."""

    __tablename__ = "marketing_subscribers"
    __table_args__ = (UniqueConstraint("list_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("marketing_lists.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(14))  # OptIn
    source: Mapped[str] = mapped_column(String(12))  # SOURCE_LABELS
    joined_at: Mapped[datetime] = mapped_column(DateTime)  # put on the list (asked for consent)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)  # opted in
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime)
    token: Mapped[str] = mapped_column(String(40), unique=True)  # of the personal unsubscribe link
    # How likely this NPC recipient is to open a mail (percent); drawn from the attempt seed.
    engagement: Mapped[int] = mapped_column(Integer, default=50)

    mailing_list: Mapped[MailingList] = relationship(back_populates="subscribers")

    def opted_in_at(self, when: datetime) -> bool:
        """Whether the address had opted in (and not yet left) at world time `when`."""
        if self.confirmed_at is None or self.confirmed_at > when:
            return False
        return self.unsubscribed_at is None or self.unsubscribed_at > when


class Campaign(WorldBase):
    """A marketing mail: written as a draft, previewed, tested on oneself, sent once."""

    __tablename__ = "marketing_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("marketing_lists.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    sender_name: Mapped[str] = mapped_column(String(60), default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised when saved
    unsubscribe_footer: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(10), default=CampaignStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    test_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The subscriber ids chosen at sending (the segment resolved), in list order.
    recipient_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    segment: Mapped[str] = mapped_column(String(12), default="")  # "subscribed" or "picked"

    mailing_list: Mapped[MailingList] = relationship()
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="campaign", order_by="Delivery.id")


class Delivery(WorldBase):
    """One recipient's copy of a sent campaign and what became of it."""

    __tablename__ = "marketing_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("marketing_campaigns.id"), index=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("marketing_subscribers.id"), index=True)
    address: Mapped[str] = mapped_column(String(120))
    message_id: Mapped[str] = mapped_column(String(200), default="")  # empty: no such mailbox
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.SENT)
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(DateTime)
    bounce_reason: Mapped[str] = mapped_column(String(120), default="")
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime)

    campaign: Mapped[Campaign] = relationship(back_populates="deliveries")
    subscriber: Mapped[Subscriber] = relationship()
