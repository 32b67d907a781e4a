"""Customer-service tables (world database): a shop's conversations with NPC buyers, their messages,
and the shop's quick replies (快捷回复)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class ConversationStatus:
    """Where a conversation stands: open until the seller resolves it, transfers it to after-sales
    or it is closed (the buyer left)."""

    OPEN = "open"  # 进行中
    RESOLVED = "resolved"  # 已解决
    AFTERSALES = "aftersales"  # 已转售后
    CLOSED = "closed"  # 已关闭


STATUS_LABELS = {
    ConversationStatus.OPEN: N_("进行中"),
    ConversationStatus.RESOLVED: N_("已解决"),
    ConversationStatus.AFTERSALES: N_("已转售后"),
    ConversationStatus.CLOSED: N_("已关闭"),
}


class Outcome:
    """What the buyer's script ended with (empty while it runs)."""

    NONE = ""
    RESOLVED = "resolved"  # the question was answered
    ORDER_PLACED = "order_placed"  # the buyer went to order
    REFUND_HANDLED = "refund_handled"  # the refund or complaint went to after-sales
    LOST = "lost"  # the buyer ran out of patience and left


OUTCOME_LABELS = {
    Outcome.NONE: N_("未结束"),
    Outcome.RESOLVED: N_("问题已解答"),
    Outcome.ORDER_PLACED: N_("买家已下单"),
    Outcome.REFUND_HANDLED: N_("已受理退款/投诉"),
    Outcome.LOST: N_("买家已离开"),
}


class Sender:
    """Who wrote a message."""

    BUYER = "buyer"
    SELLER = "seller"
    SYSTEM = "system"


class Conversation(WorldBase):
    """One NPC buyer's chat with a shop, following a buyer script (a copy is kept on the row, so a
    script a scenario gave still drives it)."""

    __tablename__ = "service_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    buyer_name: Mapped[str] = mapped_column(String(40))
    script_id: Mapped[str] = mapped_column(String(40))
    script: Mapped[dict[str, Any]] = mapped_column(JSON)
    node: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default=ConversationStatus.OPEN)
    outcome: Mapped[str] = mapped_column(String(16), default=Outcome.NONE)
    order_number: Mapped[str] = mapped_column(String(24), default="")  # the order the buyer asks about
    aftersales_order: Mapped[str] = mapped_column(String(24), default="")  # linked when transferred
    aftersales_note: Mapped[str] = mapped_column(String(200), default="")
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_buyer_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    misses: Mapped[int] = mapped_column(Integer, default=0)  # seller replies that matched no branch
    buyer_pending: Mapped[bool] = mapped_column(Boolean, default=False)  # the buyer's answer is scheduled

    messages: Mapped[list[ChatMessage]] = relationship(
        back_populates="conversation", order_by="ChatMessage.id"
    )

    @property
    def awaiting_seller(self) -> bool:
        """Whether the buyer's last message still waits for the seller."""
        if self.status != ConversationStatus.OPEN or not self.messages:
            return False
        last = [m for m in self.messages if m.sender != Sender.SYSTEM]
        return bool(last) and last[-1].sender == Sender.BUYER


class ChatMessage(WorldBase):
    """One message of a conversation; a seller's message breaking the shop rules keeps what it broke."""

    __tablename__ = "service_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("service_conversations.id"), index=True)
    sender: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)
    breach: Mapped[str] = mapped_column(String(80), default="")  # the forbidden words or contact found

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class QuickReply(WorldBase):
    """A shop's saved answer the seller inserts with one click."""

    __tablename__ = "service_quick_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    title: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime)
