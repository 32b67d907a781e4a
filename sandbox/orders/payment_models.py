"""The shops' side of the payment platform: their integration settings and what they were told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.storefront.models import Shop
from sandbox.worlds.base import WorldBase


class SetupManager:
    """Who keeps a shop's integration: the world (NPC shops) or the candidate (their own shop)."""

    WORLD = "world"
    CANDIDATE = "candidate"


class Verdict:
    """What the shop made of a notification."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


VERDICT_LABELS = {
    Verdict.ACCEPTED: N_("已受理"),
    Verdict.DUPLICATE: N_("重复通知，已忽略"),
    Verdict.REJECTED: N_("已拒绝"),
}


class ShopPaymentSetup(WorldBase):
    """A shop's settings for the platform: its app, its private key, the platform's public key."""

    __tablename__ = "shop_payment_setups"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), unique=True)
    app_id: Mapped[str] = mapped_column(String(32))
    managed_by: Mapped[str] = mapped_column(String(12), default=SetupManager.WORLD)
    merchant_private_key_pem: Mapped[str | None] = mapped_column(Text)
    platform_public_key_pem: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    shop: Mapped[Shop] = relationship()

    @property
    def ready(self) -> bool:
        """Whether the shop can sign requests and verify the platform."""
        return bool(self.merchant_private_key_pem and self.platform_public_key_pem)


class PaymentNotice(WorldBase):
    """A notification the shop's notify URL received, and the shop's verdict on it."""

    __tablename__ = "payment_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(12))  # platform (delivered) | http (posted to the URL)
    notify_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    out_trade_no: Mapped[str] = mapped_column(String(64), default="")
    trade_status: Mapped[str] = mapped_column(String(32), default="")
    verdict: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(200), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TrialPayment(WorldBase):
    """A payment the merchant starts from the back office to try the integration (联调测试)."""

    __tablename__ = "trial_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    out_trade_no: Mapped[str] = mapped_column(String(64), unique=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    request: Mapped[dict[str, str]] = mapped_column(JSON)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    paid_via: Mapped[str | None] = mapped_column(String(12))
    trade_no: Mapped[str | None] = mapped_column(String(40))
