"""Analytics tables (world database): the shops whose traffic is recorded, and the daily traffic facts.

A fact is one aggregate row per shop × product × day × traffic source (never one row per visit): how
many visitors came, the pages they viewed, how many added the product to the cart, and the orders,
buyers and sales (integer fen) that followed. See services.py for what each metric means.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class Source:
    """Where a visitor came from (流量来源)."""

    SEARCH = "search"  # 搜索
    ADS = "ads"  # 广告
    DIRECT = "direct"  # 直接访问
    EXTERNAL = "external"  # 站外


SOURCES = (Source.SEARCH, Source.ADS, Source.DIRECT, Source.EXTERNAL)
SOURCE_LABELS = {
    Source.SEARCH: N_("搜索"),
    Source.ADS: N_("广告"),
    Source.DIRECT: N_("直接访问"),
    Source.EXTERNAL: N_("站外"),
}


class AnalyticsShop(WorldBase):
    """A shop with recorded traffic, the period recorded, and who may read it (the seller-centre login)."""

    __tablename__ = "analytics_shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), unique=True)
    shop_name: Mapped[str] = mapped_column(String(80))
    # The seller-centre account that owns the shop (no foreign key: the seller centre is a domain of the
    # same layer); a session signed in to the seller centre with this account reads the shop's data.
    owner_account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    first_day: Mapped[date] = mapped_column(Date)  # the recorded period, both days included
    last_day: Mapped[date] = mapped_column(Date)
    seed_key: Mapped[str] = mapped_column(String(40))  # what the traffic was drawn from
    # The patterns planted when the traffic was drawn (product ids, the ad-campaign day): for tests and
    # the record only; graders compute every answer from the facts themselves.
    plan: Mapped[dict] = mapped_column(JSON, default=dict)


class TrafficFact(WorldBase):
    """One day's traffic to one product of a shop from one source (aggregates)."""

    __tablename__ = "analytics_facts"
    __table_args__ = (UniqueConstraint("shop_id", "product_id", "day", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(10))  # Source
    visitors: Mapped[int] = mapped_column(Integer, default=0)  # 访客数 (UV) that day
    page_views: Mapped[int] = mapped_column(Integer, default=0)  # 浏览量 (PV)
    carts: Mapped[int] = mapped_column(Integer, default=0)  # 加购人数 (visitors who added it to the cart)
    orders: Mapped[int] = mapped_column(Integer, default=0)  # 订单数
    buyers: Mapped[int] = mapped_column(Integer, default=0)  # 下单买家数
    sales_fen: Mapped[int] = mapped_column(Integer, default=0)  # 销售额 (fen)
