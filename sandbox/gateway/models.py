"""The payment platform's world tables: merchant apps, platform users, trades, refunds, notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class TradeStatus:
    """A trade's states, as Alipay names them."""

    WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
    TRADE_SUCCESS = "TRADE_SUCCESS"
    TRADE_FINISHED = "TRADE_FINISHED"
    TRADE_CLOSED = "TRADE_CLOSED"


TRADE_STATUS_LABELS = {
    TradeStatus.WAIT_BUYER_PAY: N_("等待付款"),
    TradeStatus.TRADE_SUCCESS: N_("支付成功"),
    TradeStatus.TRADE_FINISHED: N_("交易结束"),
    TradeStatus.TRADE_CLOSED: N_("交易关闭"),
}

# Which state may follow which; anything else is refused.
TRANSITIONS = {
    TradeStatus.WAIT_BUYER_PAY: {TradeStatus.TRADE_SUCCESS, TradeStatus.TRADE_CLOSED},
    TradeStatus.TRADE_SUCCESS: {TradeStatus.TRADE_FINISHED, TradeStatus.TRADE_CLOSED},
    TradeStatus.TRADE_FINISHED: set(),
    TradeStatus.TRADE_CLOSED: set(),
}


class NotifyStatus:
    """Where a notification's delivery stands."""

    PENDING = "pending"  # not acknowledged yet; a retry is scheduled
    ACKNOWLEDGED = "acknowledged"  # the merchant answered `success`
    GIVEN_UP = "given_up"  # every retry failed


NOTIFY_STATUS_LABELS = {
    NotifyStatus.PENDING: N_("待重试"),
    NotifyStatus.ACKNOWLEDGED: N_("已确认"),
    NotifyStatus.GIVEN_UP: N_("已放弃"),
}

NOTIFY_OUTCOME_LABELS = {
    "success": N_("商户已确认（success）"),
    "failed": N_("商户未返回 success"),
    "unreachable": N_("地址无法送达"),
    "error": N_("商户处理出错"),
}

# How a trade's history (its events) reads in the console.
EVENT_LABELS = {
    "gateway.trade_created": N_("创建交易"),
    "gateway.sms_sent": N_("发送验证码"),
    "gateway.sms_failed": N_("验证码错误"),
    "gateway.trade_paid": N_("付款成功"),
    "gateway.notify_sent": N_("发送异步通知"),
    "gateway.notify_given_up": N_("停止重发通知"),
    "gateway.refund_succeeded": N_("退款成功"),
    "gateway.refund_refused": N_("退款被拒绝"),
    "gateway.trade_closed": N_("交易关闭"),
    "gateway.trade_finished": N_("交易结束"),
}


class PlatformKey(WorldBase):
    """The platform's own RSA key pair in this world (made on first use, never in a template)."""

    __tablename__ = "gateway_platform_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MerchantApp(WorldBase):
    """A merchant and its one app: app id, the merchant's public key, URLs, where money settles."""

    __tablename__ = "gateway_apps"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(16), unique=True)
    seller_id: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    settlement_account_no: Mapped[str] = mapped_column(String(32))
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    key_source: Mapped[str] = mapped_column(String(12), default="")  # console | api
    key_set_at: Mapped[datetime | None] = mapped_column(DateTime)
    notify_url: Mapped[str] = mapped_column(String(256), default="")
    return_url: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    logins: Mapped[list[ConsoleLogin]] = relationship(back_populates="app", order_by="ConsoleLogin.id")


class ConsoleLogin(WorldBase):
    """A login to the merchant console (商家中心) for one app."""

    __tablename__ = "gateway_console_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_pk: Mapped[int] = mapped_column(ForeignKey("gateway_apps.id"), index=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Logs in only with a certificate naming this e-mail address; the password login is refused.
    cert_required: Mapped[bool] = mapped_column(default=False)

    app: Mapped[MerchantApp] = relationship(back_populates="logins")


class KeyToolPair(WorldBase):
    """A key pair the console's key tool made; its private half can be downloaded once."""

    __tablename__ = "gateway_key_tool"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_pk: Mapped[int] = mapped_column(ForeignKey("gateway_apps.id"), index=True)
    public_pem: Mapped[str] = mapped_column(Text)
    private_pem: Mapped[str | None] = mapped_column(Text)  # cleared when downloaded
    created_at: Mapped[datetime] = mapped_column(DateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(DateTime)


class PlatformUser(WorldBase):
    """A buyer's platform account: login by e-mail, pays from the bound bank card with a pay password."""

    __tablename__ = "gateway_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(16), unique=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    pay_password_hash: Mapped[str] = mapped_column(String(200))
    card_no: Mapped[str | None] = mapped_column(String(32))
    failed_pay_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Trade(WorldBase):
    """A trade created by a signed page.pay request; unique per (app, out_trade_no)."""

    __tablename__ = "gateway_trades"
    __table_args__ = (UniqueConstraint("app_pk", "out_trade_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    app_pk: Mapped[int] = mapped_column(ForeignKey("gateway_apps.id"), index=True)
    out_trade_no: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(256))
    total_fen: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(32))
    request_digest: Mapped[str] = mapped_column(String(64))
    notify_url: Mapped[str] = mapped_column(String(256), default="")
    return_url: Mapped[str] = mapped_column(String(256), default="")
    status: Mapped[str] = mapped_column(String(16), default=TradeStatus.WAIT_BUYER_PAY, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    close_reason: Mapped[str] = mapped_column(String(20), default="")  # timeout | merchant | refunded
    pay_channel: Mapped[str] = mapped_column(String(12), default="")  # account | card | test_card
    buyer_account_no: Mapped[str | None] = mapped_column(String(32))
    buyer_user_pk: Mapped[int | None] = mapped_column(ForeignKey("gateway_users.id"))
    buyer_logon_id: Mapped[str] = mapped_column(String(120), default="")
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)

    app: Mapped[MerchantApp] = relationship()
    buyer: Mapped[PlatformUser | None] = relationship()
    refunds: Mapped[list[Refund]] = relationship(back_populates="trade", order_by="Refund.id")
    notifications: Mapped[list[Notification]] = relationship(
        back_populates="trade", order_by="Notification.id"
    )

    @property
    def refundable_fen(self) -> int:
        """What can still be refunded."""
        return self.total_fen - self.refunded_fen if self.paid_at else 0


class Refund(WorldBase):
    """A refund of (part of) a trade; one per (trade, out_request_no)."""

    __tablename__ = "gateway_refunds"
    __table_args__ = (UniqueConstraint("trade_pk", "out_request_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_pk: Mapped[int] = mapped_column(ForeignKey("gateway_trades.id"), index=True)
    out_request_no: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(256), default="")
    via: Mapped[str] = mapped_column(String(12))  # api | console
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)

    trade: Mapped[Trade] = relationship(back_populates="refunds")


class Notification(WorldBase):
    """An asynchronous notification (trade_status_sync) and its delivery state."""

    __tablename__ = "gateway_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    notify_id: Mapped[str] = mapped_column(String(40), unique=True)
    trade_pk: Mapped[int] = mapped_column(ForeignKey("gateway_trades.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # paid | refunded | closed | finished
    url: Mapped[str] = mapped_column(String(256))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(14), default=NotifyStatus.PENDING)
    next_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)

    trade: Mapped[Trade] = relationship(back_populates="notifications")
    attempts: Mapped[list[NotifyAttempt]] = relationship(
        back_populates="notification", order_by="NotifyAttempt.id"
    )


class NotifyAttempt(WorldBase):
    """One delivery of a notification: when, what the merchant answered, the outcome."""

    __tablename__ = "gateway_notify_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_pk: Mapped[int] = mapped_column(ForeignKey("gateway_notifications.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    response: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(12))  # success | failed | unreachable | error

    notification: Mapped[Notification] = relationship(back_populates="attempts")


class SmsChallenge(WorldBase):
    """A verification code sent for a card payment that needs one (the code is stored hashed)."""

    __tablename__ = "gateway_sms_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_pk: Mapped[int] = mapped_column(ForeignKey("gateway_trades.id"), index=True)
    card_no: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(200))
    sent_to: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[bool] = mapped_column(default=False)
