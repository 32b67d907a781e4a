"""NPC buyers of the customer-service chat.

`service.buyer_arrives` opens a chat at a shop (args: `script`, a built-in script's id such as
`stock`, `size`, `shipping`, `discount`, `late_parcel`, `refund`, or a script given as data in the
shape of sandbox/service/scripts.py; `buyer`, the buyer's name, drawn when absent; `order`, an order
number the buyer asks about, or a whole number N: the shop's N-th order (1-based, oldest first), whose
number the buyer gives in the first message; `shop`, the shop's name, else the newest seller-centre shop). When the
seller answers, the service schedules `service.buyer_replies` a few world seconds later: the buyer's
scripted answer, chosen by the rules on what the seller wrote.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from sandbox.errors import N_, DomainError
from sandbox.orders import aftersales
from sandbox.orders.aftersales_models import AfterSaleKind
from sandbox.orders.models import Order
from sandbox.service import services
from sandbox.service.models import Conversation
from sandbox.storefront.models import Shop
from sandbox.worlds.base import Event
from sandbox.worlds.npc import npc_action
from sandbox.worlds.world import World

BUYER_NAMES = ("小鹿爱购物", "阿杰", "晴天娃娃", "木子李", "快乐的胖虎", "橙子味汽水", "王女士", "陈先生")


@npc_action("service.buyer_arrives")
def buyer_arrives(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """An NPC buyer opens a chat at a shop: `script` a built-in's id (stock, size, shipping, discount,
    late_parcel, refund; default stock) or a whole script as data; `buyer` a name (else drawn); `order` an
    order number the buyer asks about, or N: the shop's N-th order (1-based, oldest first), quoted in the
    buyer's first message; `shop` the shop's name (else the newest seller-centre shop)."""
    shop_name = args.get("shop")
    if shop_name:
        shop = w.db.scalars(select(Shop).where(Shop.name == str(shop_name))).first()
    else:
        shop = services.default_shop(w)
    if shop is None:
        raise DomainError(N_("没有可以咨询的店铺"))
    count = w.db.scalar(select(func.count(Conversation.id))) or 0
    buyer = args.get("buyer") or random.Random(f"service-buyer-{count}").choice(BUYER_NAMES)
    order = args.get("order")
    if isinstance(order, int) and not isinstance(order, bool):
        mine = select(Order.number).where(Order.shop_id == shop.id).order_by(Order.id)
        numbers = list(w.db.scalars(mine))
        if not 1 <= order <= len(numbers):
            raise DomainError(N_("店铺没有第 %(n)s 个订单"), n=order)
        conv = services.open_conversation(
            w, shop, args.get("script", "stock"), str(buyer), numbers[order - 1]
        )
        conv.messages[0].text = f"{conv.messages[0].text}（订单号：{conv.order_number}）"
        return
    services.open_conversation(w, shop, args.get("script", "stock"), str(buyer), str(order or ""))


@npc_action(services.BUYER_STEP, for_rules=False)
def buyer_replies(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The buyer's scheduled answer in one conversation."""
    conv = w.db.get(Conversation, args.get("conversation"))
    if conv is None:
        raise DomainError(N_("会话不存在"))
    services.buyer_answers(w, conv, str(args.get("mode") or "answer"))


# What the buyer of a transferred chat asks the after-sales desk for, by script (else: refund only, 其他).
AFTERSALE_REQUESTS = {
    "refund": (AfterSaleKind.REFUND_ONLY, "damaged"),
    "late_parcel": (AfterSaleKind.REFUND_ONLY, "not_received"),
    "size": (AfterSaleKind.RETURN_REFUND, "wrong_size"),
}


@npc_action(services.AFTERSALE_STEP, for_rules=False)
def buyer_files_aftersale(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The buyer of a chat transferred to after-sales files the request in the order (a script may say
    what: `aftersale: {kind, reason}`); an order not open to after-sales is skipped with its reason."""
    conv = (
        w.db.get(Conversation, args.get("conversation"))
        if isinstance(args.get("conversation"), int)
        else None
    )
    if conv is None or not conv.aftersales_order:
        raise DomainError(N_("会话不存在"))
    order = w.db.scalars(
        select(Order).where(Order.number == conv.aftersales_order, Order.shop_id == conv.shop_id)
    ).first()
    if order is None:
        raise DomainError(N_("本店没有订单 %(number)s"), number=conv.aftersales_order)
    kind, reason = AFTERSALE_REQUESTS.get(conv.script_id, (AfterSaleKind.REFUND_ONLY, "other"))
    wanted = conv.script.get("aftersale") or {}
    kind, reason = str(wanted.get("kind", kind)), str(wanted.get("reason", reason))
    request = aftersales.request(
        w,
        order,
        kind=kind,
        reason=reason,
        detail=f"客服会话转售后：{conv.aftersales_note}"[:500],
        amount=min(order.goods_total_fen - order.discount_fen, order.refundable_fen),
    )
    w.emit("service.aftersale_filed", conversation=conv.id, order=order.number, aftersale=request.number)
