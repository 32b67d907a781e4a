"""Draw an attempt's parameters from its seed (and, for picks, from the scenario's template world)."""

from __future__ import annotations

import json
import random
from typing import Any

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sandbox.scenarios.loader import Scenario
from sandbox.storefront.models import Category, Product, Sku
from sandbox.worlds.world import World
from seed_data.fakes import seeded_faker
from seed_data.lists import REGIONS, STREETS

# A picked variant must have enough stock for any quantity a task may ask for.
MIN_STOCK_FOR_PICK = 10


def _pick_pool(w: World, kind: str, where: dict[str, Any]) -> list[dict[str, Any]]:
    """Every variant (or product) the pick may land on, in a fixed order."""
    q = (
        select(Sku)
        .join(Sku.product)
        .options(
            selectinload(Sku.product).selectinload(Product.shop),
            selectinload(Sku.product).selectinload(Product.skus),
        )
        .order_by(Sku.id)
    )
    if "category" in where:
        q = q.join(Product.category).where(Category.name == where["category"])
    if where.get("in_stock"):
        q = q.where(Sku.quantity - Sku.allocated >= MIN_STOCK_FOR_PICK)
    if "max_price_fen" in where:
        q = q.where(Sku.price_fen <= where["max_price_fen"])
    skus = list(w.db.scalars(q))
    if where.get("min_options"):
        skus = [s for s in skus if len(s.product.skus) >= where["min_options"]]
    if kind == "product":
        skus = [s for s in skus if s.id == s.product.skus[0].id]
    return [
        {
            "code": s.product.code,
            "name": s.product.name,
            "sku": s.code,
            "options": s.label,
            "price_fen": s.price_fen,
            "shop": s.product.shop.name,
        }
        for s in skus
    ]


# A template never changes once built, so its pick pools are computed once per process.
_POOLS: dict[tuple[str, str, str], list[dict[str, Any]]] = {}


def _pick(
    w: World, template_key: str, rng: random.Random, kind: str, where: dict[str, Any]
) -> dict[str, Any]:
    key = (template_key, kind, json.dumps(where, sort_keys=True))
    if key not in _POOLS:
        _POOLS[key] = _pick_pool(w, kind, where)
    pool = _POOLS[key]
    if not pool:
        raise ValueError(f"no product matches {where}")
    return dict(rng.choice(pool))


def _address(rng: random.Random, fake: Faker) -> dict[str, str]:
    province = rng.choice(sorted(REGIONS))
    city = rng.choice(sorted(REGIONS[province]))
    districts, postcode_prefix = REGIONS[province][city]
    district = rng.choice(districts)
    return {
        "recipient": fake.name(),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        "province": province,
        "city": city,
        "district": district,
        "detail": f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2908)}室",
        "postcode": f"{postcode_prefix}{rng.randrange(1000):03d}",
    }


def draw_params(scenario: Scenario, seed: int, template: World) -> dict[str, Any]:
    """Every parameter of the scenario, drawn in declaration order from the seed."""
    rng = random.Random(seed)
    fake = seeded_faker(seed)
    params: dict[str, Any] = {}
    for name, spec in scenario.params_spec.items():
        if "pick" in spec:
            params[name] = _pick(template, scenario.template_key, rng, spec["pick"], spec.get("where") or {})
        elif "int" in spec:
            low, high = spec["int"]
            params[name] = rng.randint(low, high)
        elif "choice" in spec:
            params[name] = rng.choice(spec["choice"])
        elif "address" in spec:
            params[name] = _address(rng, fake)
        elif "person" in spec:
            params[name] = {"name": fake.name(), "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"}
    return params
