"""Seed data of the service domain (see sandbox/service/): the merchant's starting quick replies.

The base world has no conversations: NPC buyers arrive during an attempt through the scenario's rule
`service.buyer_arrives`. The overlay gives the candidate's shop (role `merchant` with an open shop) three
quick replies (快捷回复) any shop would keep; the candidate may change or delete them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox.service.models import QuickReply
from sandbox.worlds.world import World

QUICK_REPLIES = (
    ("欢迎语", "亲，您好！欢迎光临本店，请问有什么可以帮您？"),
    ("发货时间", "亲，付款后48小时内发货，一般2到4天送达，具体以物流信息为准。"),
    ("售后说明", "亲，收到商品如有问题，请拍照并提供订单号，我们会尽快为您处理售后。"),
)


def populate(w: World, seed: int) -> None:
    """Fill the base world (nothing: buyers arrive during the attempt)."""


def identity_fields(seed: int, spec: dict[str, Any], ident: dict[str, Any]) -> None:
    """Add this domain's fields to a candidate identity drawn from the attempt seed (none)."""


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None,
    params: dict[str, Any] | None,
) -> None:
    """The merchant identity's open shop gets the starting quick replies."""
    for ident in identities:
        if ident["role"] != "merchant" or not ident.get("shop_login"):
            continue
        from sandbox.merchant.models import SellerAccount  # the seed may read the seller centre

        seller = w.db.scalars(select(SellerAccount).where(SellerAccount.login == ident["shop_login"])).first()
        if seller is None or seller.shop is None:  # no shop yet: it applies for one during the attempt
            continue
        now = w.now()
        for title, text in QUICK_REPLIES:
            w.db.add(QuickReply(shop_id=seller.shop.id, title=title, text=text, created_at=now))
        w.db.flush()
        w.emit(
            "service.quick_replies_seeded", shop=seller.shop.name, count=len(QUICK_REPLIES), actor="system"
        )
