"""Seed data of the auction domain (see sandbox/auction/): NPC members with nicknames, a few open lots
(some already bid on, through the proxy bidding), and an auction account for each of the candidate's
identities (its e-mail and 云鹊通行证 password: no new identity field).

Everything is drawn from `random.Random(f"auction-{seed}")`, so the same seed gives the same site and
nothing drawn elsewhere moved.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sandbox.worlds.world import World

NICKNAMES = (
    "张小3",
    "淘宝老李",
    "数码控阿伟",
    "书虫小静",
    "古玩老周",
    "跑步的猫",
    "宝妈Lily",
    "二手达人王",
)
# (title, category, condition, description, start yuan, increment yuan, reserve, buy-now, shipping, fee)
LOTS = (
    (
        "九成新 Kindle 电子书阅读器",
        "digital",
        "like_new",
        "用了半年，屏幕无划痕，送保护套。",
        150,
        10,
        300,
        None,
        "free",
        0,
    ),
    (
        "全新未拆 蓝牙降噪耳机",
        "digital",
        "new",
        "公司年会奖品，全新未拆封，包装完好。",
        200,
        20,
        None,
        599,
        "free",
        0,
    ),
    (
        "《红楼梦》人民文学出版社 1982年版 全三册",
        "books",
        "good",
        "书页微黄，无缺页，适合收藏阅读。",
        30,
        5,
        None,
        None,
        "buyer",
        12,
    ),
    (
        "实木小书架 三层",
        "home",
        "like_new",
        "搬家转让，仅限同城自提或买家付邮。",
        60,
        5,
        100,
        180,
        "buyer",
        45,
    ),
    (
        "儿童山地自行车 20寸",
        "sports",
        "good",
        "孩子长大了用不上，车况良好，刹车灵敏。",
        120,
        10,
        None,
        None,
        "buyer",
        60,
    ),
    (
        "手工紫砂壶 容量200毫升",
        "other",
        "new",
        "朋友工作室出品，附证书，适合泡乌龙茶。",
        280,
        20,
        500,
        888,
        "free",
        0,
    ),
)


def populate(w: World, seed: int) -> None:
    """NPC members and open lots with a few proxy bids (the same seed gives the same)."""
    from sandbox.auction import services

    rng = random.Random(f"auction-{seed}")
    now = w.now()
    members = []
    for n, nickname in enumerate(NICKNAMES, start=1):
        member = services.open_member(w, login=f"npc{n:03d}@paimai.sim", nickname=nickname, password=None)
        member.created_at = now - timedelta(days=rng.randrange(30, 600))
        members.append(member)
    for title, category, condition, description, start, inc, reserve, buy, shipping, fee in LOTS:
        seller = rng.choice(members)
        form = services.LotForm(
            title=title,
            category=category,
            condition=condition,
            description=description,
            start_price=start * 100,
            increment=inc * 100,
            reserve_price=reserve * 100 if reserve else None,
            buy_now_price=buy * 100 if buy else None,
            days=rng.randrange(2, 8),
            shipping=shipping,
            shipping_fee=fee * 100 if fee else None,
        )
        lot = services.list_lot(w, seller, form)
        lot.created_at = now - timedelta(hours=rng.randrange(1, 30))
        bidders = rng.sample([m for m in members if m is not seller], rng.randrange(0, 3))
        for bidder in bidders:
            top = services.min_next_bid(lot) + inc * 100 * rng.randrange(0, 4)
            if reserve and top >= reserve * 100:  # the seeded lots keep their buy-it-now offer
                continue
            services.place_bid(w, bidder, lot, top)
    w.db.flush()


def identity_fields(seed: int, spec: dict[str, Any], ident: dict[str, Any]) -> None:
    """No field of its own: the auction account is the identity's e-mail and 云鹊通行证 password."""


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None,
    params: dict[str, Any] | None,
) -> None:
    """An auction account for every identity with an e-mail (its nickname is the identity's name). A paper
    with a `lot` parameter naming a `seller` (the lot an NPC lists, e.g. c2c-auction) has its parameters
    kept in an `auction.paper` event, for the `{{ lot.title }}` in the args of its auction NPC rules."""
    from sandbox.auction import npc, services

    lot = (params or {}).get("lot")
    if isinstance(lot, dict) and lot.get("seller"):
        w.emit(npc.PAPER_EVENT, actor="system", params=params)

    for ident in identities:
        if not ident.get("email") or not ident.get("platform_password"):
            continue
        if services.member_by_login(w, ident["email"]) is None:
            services.open_member(
                w,
                login=ident["email"],
                nickname=ident["name"],
                password=ident["platform_password"],
                role=ident["role"],
            )
