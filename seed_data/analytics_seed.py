"""Seed data of the analytics domain (see sandbox/analytics/): the shops' recorded NPC traffic.

The base world records the traffic of a few of the world's shops (NPC shops: nobody signs in to read
them; they give the domain's tables content in every world). The overlay records the candidate's shop
when the scenario's merchant account asks for it (`analytics: {days: 28, products: 5}` in the account
spec, rendered with the params; or the same mapping as the scenario's parameter `analytics`): the shop gets sample products if it has fewer than two, and `days`
world days of traffic up to the day before the attempt starts, drawn from the merchant identity.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from sqlalchemy import func, select

from sandbox.analytics import services
from sandbox.scenarios.loader import render_value
from sandbox.storefront.models import Category, Product, Shop, Sku
from sandbox.worlds.world import World

NPC_SHOPS = 2  # how many of the world's shops have recorded traffic in the base world
SAMPLE_PRODUCTS = (  # (name, price in fen) for a candidate's shop that has too few products
    ("纯棉四件套 1.8米床", 25900),
    ("记忆棉护颈枕", 8990),
    ("竹纤维毛巾 三条装", 3990),
    ("大豆香薰蜡烛", 5900),
    ("陶瓷马克杯 带盖", 2990),
    ("不锈钢保温饭盒", 6990),
)


def populate(w: World, seed: int) -> None:
    """Record the traffic of a few of the world's shops (drawn from the base seed)."""
    rng = random.Random(f"analytics-{seed}")
    q = select(Shop.id, Shop.name).join(Product, Product.shop_id == Shop.id).group_by(Shop.id)
    shops = list(w.db.execute(q.having(func.count(Product.id) >= 3).order_by(Shop.id)))
    for shop_id, name in sorted(rng.sample(shops, min(NPC_SHOPS, len(shops)))):
        services.generate(w, shop_id, name, f"{seed}-{shop_id}")


def identity_fields(seed: int, spec: dict[str, Any], ident: dict[str, Any]) -> None:
    """Add this domain's fields to a candidate identity drawn from the attempt seed (none: the traffic is
    drawn from the merchant identity's own values)."""


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None,
    params: dict[str, Any] | None,
) -> None:
    """Record the traffic of the merchant identity's shop when its account spec has `analytics`, or
    when the scenario has a parameter `analytics` that is a mapping (e.g. `analytics: {choice: [{days:
    28, products: 5}]}`: the form a scenario uses while the scenario schema has no `analytics` field
    in an account spec)."""
    drawn = (params or {}).get("analytics")
    fallback = drawn if isinstance(drawn, dict) else {}
    specs = [render_value(a.get("analytics") or fallback, params or {}) for a in accounts or []]
    for ident, spec in zip(identities, specs, strict=False):
        if ident["role"] != "merchant" or not spec or not ident.get("shop_login"):
            continue
        from sandbox.merchant.models import SellerAccount  # the seed may read the seller centre

        q = select(SellerAccount).where(SellerAccount.login == ident["shop_login"])
        seller = w.db.scalars(q).first()
        if seller is None or seller.shop is None:  # no shop yet: nothing was sold before the attempt
            continue
        spec = spec if isinstance(spec, dict) else {}
        add_sample_products(w, seller.shop, int(spec.get("products", 5)))
        key = hashlib.sha256(f"analytics:{ident['account_no']}:{ident['email']}".encode()).hexdigest()[:16]
        services.generate(
            w,
            seller.shop.id,
            seller.shop.name,
            key,
            owner_account_id=seller.id,
            days=max(8, min(int(spec.get("days", 28)), services.MAX_RANGE_DAYS)),
        )


def add_sample_products(w: World, shop: Shop, count: int) -> None:
    """Give a shop with fewer than two products `count` (2–6) listed sample products with stock."""
    have = w.db.scalar(select(func.count(Product.id)).where(Product.shop_id == shop.id)) or 0
    if have >= 2:
        return
    from sandbox.orders import stock  # stock is moves in the warehouse

    category = w.db.scalars(select(Category).order_by(Category.position)).first()
    for n, (name, price) in enumerate(SAMPLE_PRODUCTS[: max(2, min(count, len(SAMPLE_PRODUCTS)))], start=1):
        code = f"A{shop.id:04d}{n:02d}"
        product = Product(
            code=code,
            name=name,
            brand=shop.name,
            category=category,
            shop=shop,
            description=f"{shop.name}：{name}。",
            option_names=["规格"],
        )
        product.skus.append(Sku(code=f"{code}-01", options={"规格": "标准"}, price_fen=price))
        w.db.add(product)
        w.db.flush()
        stock.opening(w, f"{code}-01", 50, "期初库存")
