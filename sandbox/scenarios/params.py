"""Draw an attempt's parameters from its seed (and, for picks, from the scenario's template world).

Every parameter kind is described in PARAM_KINDS: how it is written, its options, the fields of the
value it draws, how it draws and how a drawn value reads in one line. docs/reference.md is generated
from it (`python -m sandbox docs`), so the reference says what the code does.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sandbox.scenarios import schema
from sandbox.storefront.models import Category, Product, Sku
from sandbox.worlds.world import World
from seed_data.fakes import seeded_faker
from seed_data.lists import REGIONS, STREETS

if TYPE_CHECKING:
    from sandbox.scenarios.loader import Scenario

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


def pick_pool(w: World, template_key: str, kind: str, where: dict[str, Any]) -> list[dict[str, Any]]:
    """Everything a pick with these filters may land on, in catalogue order (cached per template)."""
    key = (template_key, kind, json.dumps(where, sort_keys=True))
    if key not in _POOLS:
        _POOLS[key] = _pick_pool(w, kind, where)
    return _POOLS[key]


@dataclass
class Draw:
    """What a parameter is drawn from: the attempt's random generators and the template world."""

    rng: random.Random
    fake: Faker
    template: World
    template_key: str


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _draw_pick(spec: dict[str, Any], d: Draw) -> dict[str, Any]:
    where = spec.get("where") or {}
    pool = pick_pool(d.template, d.template_key, spec["pick"], where)
    if not pool:
        raise ValueError(f"no {spec['pick']} matches {where}")
    order = spec.get("order", "random")
    if order == "cheapest":
        return dict(min(pool, key=lambda v: v["price_fen"]))
    if order == "dearest":
        return dict(max(pool, key=lambda v: v["price_fen"]))  # max, like min, keeps the first of equals
    return dict(d.rng.choice(pool))


def _draw_int(spec: dict[str, Any], d: Draw) -> int:
    low, high = spec["int"]
    return d.rng.randint(low, high)


def _draw_choice(spec: dict[str, Any], d: Draw) -> Any:
    return d.rng.choice(spec["choice"])


def _draw_address(spec: dict[str, Any], d: Draw) -> dict[str, str]:
    rng = d.rng
    province = rng.choice(sorted(REGIONS))
    city = rng.choice(sorted(REGIONS[province]))
    districts, postcode_prefix = REGIONS[province][city]
    district = rng.choice(districts)
    return {
        "recipient": d.fake.name(),
        "phone": _phone(rng),
        "province": province,
        "city": city,
        "district": district,
        "detail": f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2908)}室",
        "postcode": f"{postcode_prefix}{rng.randrange(1000):03d}",
    }


def _draw_person(spec: dict[str, Any], d: Draw) -> dict[str, str]:
    return {"name": d.fake.name(), "phone": _phone(d.rng)}


def _yuan(fen: int) -> str:
    from sandbox.scenarios.loader import fmt_yuan

    return f"¥{fmt_yuan(fen)}"


@dataclass(frozen=True)
class ParamKind:
    """One kind of parameter, as documented in docs/reference.md."""

    name: str
    example: str  # as written in scenario.yaml
    doc: str
    draw: Callable[[dict[str, Any], Draw], Any]
    summary: Callable[[Any], str]  # a drawn value in one line (verify, preview)
    fields: dict[str, str] = field(default_factory=dict)  # the drawn value's fields, for {{ name.field }}
    options: dict[str, str] = field(default_factory=dict)  # keys allowed next to the kind


PICK_FIELDS = {
    "code": "product code, e.g. P00031",
    "name": "product name as the storefront shows it",
    "sku": "variant code, e.g. P00031-02 (the first variant for `pick: product`)",
    "options": "the variant's options as shown, e.g. 颜色: 白色 / 长度: 2米",
    "price_fen": "the variant's price in fen (write {{ product.price_fen|yuan }} for 123.45)",
    "shop": "the shop selling it",
}
PICK_ORDER_DOCS = {
    "random": "a random one of the filtered, drawn from the seed (the default)",
    "cheapest": "the cheapest of the filtered (the first in catalogue order among equals); the same for every seed",
    "dearest": "the dearest of the filtered (the first in catalogue order among equals); the same for every seed",
}

PARAM_KINDS: dict[str, ParamKind] = {
    k.name: k
    for k in (
        ParamKind(
            "pick",
            "{pick: variant, where: {category: 数码配件, in_stock: true, min_options: 2}, order: cheapest}",
            "A product (`pick: product`) or one of its variants (`pick: variant`) from the world's "
            "catalogue. `where` filters what may be picked (all filters must hold; a scenario whose "
            "filters match nothing fails to start), `order` says which of the filtered to take.",
            _draw_pick,
            lambda v: f"{v['sku']} {v['name']}（{v['options']}）{_yuan(v['price_fen'])}",
            PICK_FIELDS,
            {
                "where": "filters: "
                + "; ".join(
                    f"`{k}`: {s['description']}"
                    for k, s in schema.PARAM["properties"]["where"]["properties"].items()
                ),
                "order": "; ".join(f"`{k}`: {doc}" for k, doc in PICK_ORDER_DOCS.items()),
            },
        ),
        ParamKind(
            "int",
            "{int: [2, 4]}",
            "A whole number from low to high, both included.",
            _draw_int,
            str,
        ),
        ParamKind(
            "choice",
            "{choice: [顺丰速运, 中通快递]}",
            "One item of the list (any YAML value: text, number, mapping).",
            _draw_choice,
            lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v),
        ),
        ParamKind(
            "address",
            "{address: {}}",
            "A full delivery address (收货地址) in one of the world's regions, with a made-up recipient "
            "and mobile number; the storefront's address form accepts it as it is.",
            _draw_address,
            lambda v: (
                f"{v['recipient']} {v['phone']} {v['province']}{v['city']}{v['district']}"
                f"{v['detail']} {v['postcode']}"
            ),
            {
                "recipient": "收货人, a made-up Chinese name",
                "phone": "11-digit mobile number",
                "province": "省, e.g. 浙江省",
                "city": "市, e.g. 杭州市",
                "district": "区, e.g. 西湖区",
                "detail": "详细地址, e.g. 人民路12号3栋402室",
                "postcode": "six-digit 邮编 matching the city",
            },
        ),
        ParamKind(
            "person",
            "{person: {}}",
            "A made-up person: a Chinese name and an 11-digit mobile number.",
            _draw_person,
            lambda v: f"{v['name']} {v['phone']}",
            {"name": "a made-up Chinese name", "phone": "11-digit mobile number"},
        ),
    )
}

if tuple(PARAM_KINDS) != schema.PARAM_KINDS:  # the schema validates what this module draws
    raise RuntimeError("PARAM_KINDS in params.py and schema.py differ")


def param_kind(spec: dict[str, Any]) -> ParamKind:
    """The kind of a (validated) parameter spec."""
    return next(PARAM_KINDS[k] for k in PARAM_KINDS if k in spec)


def summarise(spec: dict[str, Any], value: Any) -> str:
    """A drawn value in one line, e.g. 'P00031-02 绿联 Type-C 数据线（颜色: 白色）¥39.00'."""
    return param_kind(spec).summary(value)


def draw_params(scenario: Scenario, seed: int, template: World) -> dict[str, Any]:
    """Every parameter of the scenario, drawn in declaration order from the seed."""
    d = Draw(random.Random(seed), seeded_faker(seed), template, scenario.template_key)
    return {name: param_kind(spec).draw(spec, d) for name, spec in scenario.params_spec.items()}
