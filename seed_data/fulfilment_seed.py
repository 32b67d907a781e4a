"""The candidate's shop with goods on sale and a history of delivered orders (role `merchant`).

`shop.goods: N` lists the first N goods below in the merchant's shop with opening stock in the mall's
warehouse. `shop.past_orders` are orders NPC customers placed before the attempt began, paid through
the platform, shipped and signed for `signed_days_ago` days ago (an order signed more than the
auto-confirm period ago is already completed). Scenario rules then act on them by their position among
the shop's orders (`buyer.request_aftersale` with `order: 1` is the first past order).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sandbox.scenarios.loader import render_value
from sandbox.storefront.models import Category, Product, ProductStatus, Shop, Sku
from sandbox.worlds.world import World

# (category, name, selling point, option names, [(options, price fen)], opening stock per SKU)
GOODS = [
    (
        "服饰鞋包",
        "纯棉圆领短袖T恤",
        "新疆长绒棉，透气不变形",
        ["颜色", "尺码"],
        [
            ({"颜色": "白色", "尺码": "M"}, 6900),
            ({"颜色": "白色", "尺码": "L"}, 6900),
            ({"颜色": "黑色", "尺码": "M"}, 6900),
            ({"颜色": "黑色", "尺码": "L"}, 6900),
        ],
        50,
    ),
    (
        "家居日用",
        "316不锈钢保温杯",
        "12小时保温，一键开盖",
        ["容量"],
        [({"容量": "350ml"}, 5900), ({"容量": "500ml"}, 6900)],
        40,
    ),
    (
        "服饰鞋包",
        "帆布双肩背包",
        "加厚帆布，15.6英寸电脑仓",
        ["颜色"],
        [({"颜色": "灰色"}, 12900), ({"颜色": "藏青"}, 12900)],
        30,
    ),
    (
        "图书文娱",
        "牛皮纸封面手账本",
        "100g道林纸，不洇墨",
        ["规格"],
        [({"规格": "A5"}, 2900), ({"规格": "B5"}, 3500)],
        60,
    ),
    (
        "运动户外",
        "计数钢丝跳绳",
        "轴承顺滑，可调长度",
        ["规格"],
        [({"规格": "标准款"}, 3900)],
        45,
    ),
]
PAST_CARRIER, PAST_SERVICE = "YTO", "standard"


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    """Goods and past orders for the merchant identity's shop, as its account's `shop` says."""
    from sandbox.orders.payment_models import SetupManager, ShopPaymentSetup

    specs = [render_value(a.get("shop") or {}, params or {}) for a in accounts or [{} for _ in identities]]
    for ident, spec in zip(identities, specs, strict=False):
        if ident["role"] != "merchant" or not (spec.get("goods") or spec.get("past_orders")):
            continue
        q = select(Shop).join(ShopPaymentSetup, ShopPaymentSetup.shop_id == Shop.id)
        shop = w.db.scalars(
            q.where(Shop.name == ident["shop_name"], ShopPaymentSetup.managed_by == SetupManager.CANDIDATE)
        ).first()
        if shop is None:  # the merchant has no shop yet (applies for one during the attempt)
            continue
        list_goods(w, shop, int(spec.get("goods") or 0))
        for past in spec.get("past_orders") or []:
            past_order(w, shop, past)
    from sandbox.worlds import npc

    npc.run_due(w, [])  # what came due before the attempt (auto-confirmed orders, notifications)


def list_goods(w: World, shop: Shop, count: int) -> list[Product]:
    """The first `count` goods of GOODS, listed in the shop, with opening stock."""
    from sandbox.orders import stock

    made = []
    for n, (category, name, point, option_names, variants, qty) in enumerate(GOODS[:count], start=1):
        code = f"G{shop.id:04d}{n}"
        product = Product(
            code=code,
            name=name,
            brand=shop.name[:40],
            category=w.db.scalars(select(Category).where(Category.name == category)).one(),
            shop=shop,
            description=f"{name}：{point}。",
            option_names=list(option_names),
            status=ProductStatus.LISTED,
        )
        for v_no, (options, price) in enumerate(variants, start=1):
            product.skus.append(Sku(code=f"{code}-{v_no:02d}", options=dict(options), price_fen=price))
        w.db.add(product)
        w.db.flush()
        for sku in product.skus:
            stock.opening(w, sku.code, qty, "期初库存")
        made.append(product)
    return made


def past_order(w: World, shop: Shop, spec: dict[str, Any]) -> None:
    """An NPC customer's order placed and paid a few days before the attempt, shipped, and signed for
    `signed_days_ago` days ago (of the shop's `goods`-th product, `qty` pieces)."""
    from sandbox.logistics import tracking, waybills
    from sandbox.logistics.models import ParcelStatus
    from sandbox.orders import fulfilment
    from sandbox.orders import npc as order_npc

    signed_days = int(spec.get("signed_days_ago", 2))
    signed_at = w.now() - timedelta(days=signed_days)
    placed_at = signed_at - timedelta(days=3)
    previous, w.actor = w.actor, "system"
    try:
        with w.at(placed_at):
            order = order_npc.place_for(
                w, shop, {"goods": int(spec.get("goods", 1)), "qty": int(spec.get("qty", 1)), "pay": True}
            )
        with w.at(placed_at + timedelta(hours=20)):
            shipment = fulfilment.ship(w, order, PAST_CARRIER, PAST_SERVICE)
        waybill = waybills.get_waybill(w, shipment.waybill_no)
        when = placed_at + timedelta(days=1)
        while (wanted := tracking.next_status(waybill)) is not None:
            with w.at(signed_at if wanted == ParcelStatus.SIGNED else when):
                tracking.advance(w, waybill.number)
            when += timedelta(hours=8)
    finally:
        w.actor = previous
