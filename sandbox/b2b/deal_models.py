"""Deals between companies: the chain of documents from inquiry to settlement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.b2b.company_models import Company
from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class DealStage:
    """Where a deal stands: each step of the chain moves it on."""

    INQUIRED = "inquired"  # 已询价
    QUOTED = "quoted"  # 已报价
    COUNTERED = "countered"  # 已还价
    AGREED = "agreed"  # 价格已商定
    CONTRACT_SENT = "contract_sent"  # 合同待签
    SIGNED = "signed"  # 合同已签订
    ORDERED = "ordered"  # 已下单
    ACCEPTED = "accepted"  # 订单已受理
    SHIPPED = "shipped"  # 已发货
    RECEIVED = "received"  # 已收货
    INVOICED = "invoiced"  # 已开票
    SETTLED = "settled"  # 已结清

    ORDER = (
        INQUIRED,
        QUOTED,
        COUNTERED,
        AGREED,
        CONTRACT_SENT,
        SIGNED,
        ORDERED,
        ACCEPTED,
        SHIPPED,
        RECEIVED,
        INVOICED,
        SETTLED,
    )


STAGE_LABELS = {
    DealStage.INQUIRED: N_("已询价"),
    DealStage.QUOTED: N_("已报价"),
    DealStage.COUNTERED: N_("已还价"),
    DealStage.AGREED: N_("价格已商定"),
    DealStage.CONTRACT_SENT: N_("合同待签"),
    DealStage.SIGNED: N_("合同已签订"),
    DealStage.ORDERED: N_("已下单"),
    DealStage.ACCEPTED: N_("订单已受理"),
    DealStage.SHIPPED: N_("已发货"),
    DealStage.RECEIVED: N_("已收货"),
    DealStage.INVOICED: N_("已开票"),
    DealStage.SETTLED: N_("已结清"),
}


class Deal(WorldBase):
    """A deal between a purchaser and a supplier; its documents carry its id (`Document.deal_id`)."""

    __tablename__ = "b2b_deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)  # JY20261201-0001
    purchaser_id: Mapped[int] = mapped_column(ForeignKey("b2b_companies.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_companies.id"), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("b2b_listings.id"))
    stage: Mapped[str] = mapped_column(String(16), default=DealStage.INQUIRED, index=True)
    product: Mapped[str] = mapped_column(String(60))
    spec: Mapped[str] = mapped_column(String(60), default="")
    unit: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[int] = mapped_column(Integer)
    delivery_place: Mapped[str] = mapped_column(String(120), default="")
    unit_price_fen: Mapped[int | None] = mapped_column(Integer)  # the agreed price (含税单价)
    contract_total_fen: Mapped[int | None] = mapped_column(Integer)
    delivered_qty: Mapped[int | None] = mapped_column(Integer)  # what the purchaser confirmed receiving
    delivered_fen: Mapped[int | None] = mapped_column(Integer)
    invoiced_fen: Mapped[int | None] = mapped_column(Integer)
    carrier: Mapped[str] = mapped_column(String(40), default="")  # the carrier company's name
    tracking_no: Mapped[str] = mapped_column(String(30), default="")  # its waybill (logistics.Waybill)
    # Whether the purchaser may confirm receipt before the carrier reports the parcel signed for (a
    # scenario's choice, given when the supplier ships); by default only a delivered parcel is received.
    receipt_early: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    purchaser: Mapped[Company] = relationship(foreign_keys=[purchaser_id])
    supplier: Mapped[Company] = relationship(foreign_keys=[supplier_id])
    events: Mapped[list[DealEvent]] = relationship(
        back_populates="deal", order_by="DealEvent.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[DealPayment]] = relationship(
        back_populates="deal", order_by="DealPayment.id", cascade="all, delete-orphan"
    )


class DealEvent(WorldBase):
    """One line of a deal's status history."""

    __tablename__ = "b2b_deal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("b2b_deals.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("b2b_companies.id"))
    actor: Mapped[str] = mapped_column(String(60), default="")
    stage: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("b2b_documents.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    deal: Mapped[Deal] = relationship(back_populates="events")


class DealPayment(WorldBase):
    """A payment of the deal put to the purchaser's enterprise online banking (经办录入, 复核放行)."""

    __tablename__ = "b2b_deal_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("b2b_deals.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    bank_payment_no: Mapped[str] = mapped_column(String(24), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    deal: Mapped[Deal] = relationship(back_populates="payments")
