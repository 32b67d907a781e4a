"""The storefront's public documents for the search engine: listed goods and published shops.

Registered with worlds.public (search imports no domain). Goods are searchable while listed in an
open shop; a shop's page while it is open. The merchant's events name what changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sandbox.storefront.models import Product, Shop, ShopStatus
from sandbox.storefront.services import is_visible
from sandbox.worlds.base import Event
from sandbox.worlds.public import PublicDoc, Source, register_source
from sandbox.worlds.world import World

SITE = "www.youxuanmall.com"  # 优选商城 as the world's web knows it
PRODUCT_EVENTS = (
    "product.created",
    "product.updated",
    "product.listed",
    "product.delisted",
    "product.price_changed",
)
SHOP_EVENTS = ("shop.approved", "shop.published", "shop.decorated")


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:.2f}"


def goods_doc(product: Product) -> PublicDoc:
    """A product page as search indexes it."""
    prices = sorted(s.price_fen for s in product.skus)
    price = ""
    if prices:
        price = _yuan(prices[0]) if prices[0] == prices[-1] else f"{_yuan(prices[0])}-{_yuan(prices[-1])}"
    options = "；".join(
        f"{name}：{'、'.join(dict.fromkeys(str(s.options.get(name, '')) for s in product.skus))}"
        for name in product.option_names
    )
    body = "。".join(
        part
        for part in (
            product.name if product.name.startswith(product.brand) else f"{product.brand} {product.name}",
            "，".join(product.selling_points or []),
            product.description,
            f"价格 {price}" if price else "",
            options,
            f"类目：{product.category.name}",
            f"店铺：{product.shop.name}（{product.shop.city}）",
            f"已售 {product.sales} 件",
        )
        if part
    )
    return PublicDoc(
        source="storefront.goods",
        key=product.code,
        url=f"/shop/p/{product.code}",
        title=product.name,
        body=body,
        site=SITE,
        kind="goods",
        published_at=product.created_at,
        names=(product.brand, product.shop.name),
    )


def shop_doc(shop: Shop, goods: list[str]) -> PublicDoc:
    """A shop's home as search indexes it."""
    body = "。".join(
        part
        for part in (
            f"{shop.name}，位于{shop.city}，店铺评分 {shop.rating / 10:.1f}",
            shop.notice,
            "店铺分类：" + "、".join(c.name for c in shop.shop_categories) if shop.shop_categories else "",
            "在售商品：" + "、".join(goods[:30]) if goods else "",
        )
        if part
    )
    return PublicDoc(
        source="storefront.shops",
        key=str(shop.id),
        url=f"/shop/store/{shop.id}",
        title=f"{shop.name} - 优选商城",
        body=body,
        site=SITE,
        kind="shop",
        published_at=shop.published_at,
        names=(shop.name,),
    )


_LOADS = (selectinload(Product.skus), selectinload(Product.shop), selectinload(Product.category))


def all_goods(w: World) -> Iterable[PublicDoc]:
    """Every listed product of an open shop."""
    for product in w.db.scalars(select(Product).options(*_LOADS).order_by(Product.id)):
        if is_visible(product):
            yield goods_doc(product)


def one_good(w: World, key: str) -> PublicDoc | None:
    """A product by code, while buyers may see it."""
    product = w.db.scalars(select(Product).where(Product.code == key)).first()
    return goods_doc(product) if product is not None and is_visible(product) else None


def _shop_goods(w: World, shop: Shop) -> list[Product]:
    return list(w.db.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.id)))


def all_shops(w: World) -> Iterable[PublicDoc]:
    """Every open shop."""
    for shop in w.db.scalars(select(Shop).where(Shop.status == ShopStatus.OPEN).order_by(Shop.id)):
        yield one_shop(w, str(shop.id))


def one_shop(w: World, key: str) -> PublicDoc | None:
    """A shop by id, while it is open."""
    shop = w.db.get(Shop, int(key)) if key.isdigit() and len(key) < 12 else None
    if shop is None or shop.status != ShopStatus.OPEN:
        return None
    return shop_doc(shop, [p.name for p in _shop_goods(w, shop) if is_visible(p)])


def goods_touched(w: World, ev: Event) -> list[str]:
    """The products an event changed (a shop's event touches all its goods)."""
    if ev.name in PRODUCT_EVENTS:
        return [str(ev.payload.get("code", ""))]
    shop = w.db.get(Shop, ev.payload.get("shop_id")) if isinstance(ev.payload.get("shop_id"), int) else None
    return [p.code for p in _shop_goods(w, shop)] if shop is not None else []


def shops_touched(w: World, ev: Event) -> list[str]:
    """The shop an event changed (a product's listing changes its shop's page too)."""
    shop_id = ev.payload.get("shop_id")
    return [str(shop_id)] if isinstance(shop_id, int) else []


register_source(
    Source(
        name="storefront.goods",
        documents=all_goods,
        document=one_good,
        events=PRODUCT_EVENTS + SHOP_EVENTS,
        changed=goods_touched,
    )
)
register_source(
    Source(
        name="storefront.shops",
        documents=all_shops,
        document=one_shop,
        events=SHOP_EVENTS + PRODUCT_EVENTS,
        changed=shops_touched,
    )
)
