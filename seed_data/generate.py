"""Deterministic world generator: the same base and seed give a byte-identical template database."""

from __future__ import annotations

import itertools
import random
from datetime import datetime
from pathlib import Path

from faker import Faker
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sandbox.bank import notices
from sandbox.bank import services as bank
from sandbox.bank.models import AccountKind, Bank
from sandbox.domains import create_world_schema
from sandbox.mail import services as mail
from sandbox.orders import payments
from sandbox.storefront.models import Category, Customer, Product, Shop, Sku
from sandbox.worlds.base import Event, WorldMeta
from sandbox.worlds.clock import WorldClock
from sandbox.worlds.store import new_engine
from sandbox.worlds.world import World
from seed_data import (
    analytics_seed,
    auction_seed,
    b2b_seed,
    forum_seed,
    logistics_seed,
    marketing_seed,
    pki_seed,
    search_seed,
    service_seed,
    web_seed,
)
from seed_data.lists import BANKS, CATEGORIES, SELLING_POINTS, SHOP_SUFFIXES

BASES = {"default"}
BASE_SEED = 20260315
EPOCH = datetime(2026, 3, 15, 9, 0, 0)
PRODUCTS_PER_CATEGORY = 20
NPC_CUSTOMERS = 40
# Attributes whose later values (lists.py orders them smallest first) cost more; colour and clothing
# size do not change the price.
PRICED_ATTRIBUTES = ("规格", "容量", "长度", "版本", "表带")


def card_number(rng: random.Random, prefix: str) -> str:
    """A 19-digit bank card number with the bank's prefix."""
    return prefix + "".join(str(rng.randrange(10)) for _ in range(19 - len(prefix)))


def _variants(options: dict[str, list[str]], limit: int = 6) -> list[dict[str, str]]:
    names = list(options)
    combos = itertools.product(*(options[n] for n in names))
    return [dict(zip(names, combo, strict=True)) for combo in itertools.islice(combos, limit)]


def _description(rng: random.Random, brand: str, type_name: str, suffix: str) -> str:
    points = rng.sample(SELLING_POINTS, 3)
    return f"{brand}{type_name}（{suffix}）。" + "".join(points)


def populate(w: World, rng: random.Random, fake: Faker) -> None:
    """Fill an empty world: banks, shops with merchant accounts, catalogue, NPC customers."""
    db = w.db
    for b in BANKS:
        db.add(Bank(**b))
    db.flush()
    bank.open_account(
        w,
        bank_code="ICBC",
        number=bank.FUNDING_ACCOUNT_NO,
        holder="市场外部资金",
        kind=AccountKind.FUNDING,
        allow_negative=True,
    )
    for b in BANKS:  # each bank's own books: money of cross-bank transfers in transit, fees earned
        for kind in (AccountKind.CLEARING, AccountKind.FEES):
            bank.internal_account(w, db.scalars(select(Bank).where(Bank.code == b["code"])).one(), kind)
    shops: dict[str, Shop] = {}
    product_no = 0
    for position, cat in enumerate(CATEGORIES, start=1):
        category = Category(name=cat["name"], position=position)
        db.add(category)
        combos = [(t, b, s) for t in cat["types"] for b in cat["brands"] for s in t[1]]
        rng.shuffle(combos)
        seen: set[str] = set()
        count = 0
        for (type_name, _suffixes, options, (low, high)), brand, suffix in combos:
            name = f"{brand} {type_name} {suffix}"
            if name in seen:
                continue
            seen.add(name)
            if brand not in shops:
                bank_code = BANKS[len(shops) % len(BANKS)]
                shop = Shop(
                    name=f"{brand}{SHOP_SUFFIXES[len(shops) % len(SHOP_SUFFIXES)]}",
                    city=fake.city_name(),
                    bank_account_no=card_number(rng, bank_code["card_prefix"]),
                    rating=rng.randint(44, 50),
                )
                bank.open_account(
                    w,
                    bank_code=bank_code["code"],
                    number=shop.bank_account_no,
                    holder=shop.name,
                    kind=AccountKind.MERCHANT,
                )
                db.add(shop)
                shops[brand] = shop
            product_no += 1
            base_yuan = rng.randint(low, high)
            product = Product(
                code=f"P{product_no:05d}",
                name=name,
                brand=brand,
                category=category,
                shop=shops[brand],
                description=_description(rng, brand, type_name, suffix),
                image_hue=rng.randrange(360),
                featured=rng.random() < 0.12,
                sales=rng.randint(0, 5000),
                option_names=list(options),
            )
            db.add(product)
            step = max(1, round(base_yuan * 0.15))  # yuan more for each bigger size, capacity, edition
            cents = rng.choice([0, 0, 1, 10])  # ¥99.99-style pricing, the same for every variant
            for v_no, variant in enumerate(_variants(options), start=1):
                extra = step * sum(options[n].index(variant[n]) for n in variant if n in PRICED_ATTRIBUTES)
                in_stock = rng.random() > 0.08
                product.skus.append(
                    Sku(
                        code=f"{product.code}-{v_no:02d}",
                        options=variant,
                        price_fen=(base_yuan + extra) * 100 - cents,
                        quantity=rng.randint(5, 300) if in_stock else 0,
                    )
                )
            count += 1
            if count >= PRODUCTS_PER_CATEGORY:
                break
    for _ in range(NPC_CUSTOMERS):
        db.add(
            Customer(
                username=f"{fake.user_name()}{rng.randint(10, 99)}",
                phone=fake.phone_number(),
                password_hash=None,
                created_at=EPOCH,
            )
        )
    db.flush()
    # Every bank and every shop has a mailbox: systems write to candidates, candidates to shops.
    for b in BANKS:
        mail.open_mailbox(w, bank_mail_address(b["code"]), f"{b['name']}客服中心")
    for position, shop in enumerate(sorted(shops.values(), key=lambda s: s.id), start=1):
        mail.open_mailbox(w, f"shop{position:03d}@{mail.MAIL_DOMAIN}", shop.name)
        # Each shop is signed up with the payment platform; its keys are made on its first sale.
        payments.open_setup(w, shop)
    logistics_seed.populate(w)
    b2b_seed.populate(w)  # the B2B platform's NPC companies and listings (their own generator)
    # The world's web, forum and shops' mailing lists draw from their own generators (seeded by the
    # base seed), so adding them changed nothing drawn above.
    seed = w.meta().seed
    web_seed.populate(w, seed)
    forum_seed.populate(w, seed)
    marketing_seed.populate(w, seed)
    auction_seed.populate(w, seed)
    service_seed.populate(w, seed)
    analytics_seed.populate(w, seed)
    # Stock is moves in the warehouse: each SKU's quantity above arrives as its opening stock.
    logistics_seed.opening_stock(w, list(db.execute(select(Sku.code, Sku.quantity).order_by(Sku.id))))
    db.flush()
    search_seed.index(w)  # last: everything public is in place


def bank_mail_address(bank_code: str) -> str:
    """The address a bank's notices come from."""
    return notices.bank_mail_address(bank_code)


def add_authority(path: Path) -> None:
    """Found the certificate authority (fresh keys) in a world built without one.

    A scenario's template is the base world's image (shared by every scenario on that base) with its
    own authority added, so worlds of different scenarios never share CA keys."""
    engine = new_engine(path)
    with Session(engine) as db:
        w = World(db, WorldClock(EPOCH, None), actor="system")
        pki_seed.populate(w)
        db.execute(delete(Event))
        db.commit()
    engine.dispose()


def build_world(path: Path, base: str = "default", seed: int = BASE_SEED, *, authority: bool = True) -> None:
    """Create a complete template world database at `path`.

    Everything but the certificate authority follows from (base, seed), byte for byte; the CA's keys
    are fresh for every template (`authority=False` leaves it out, for worlds that need none)."""
    if base not in BASES:
        raise ValueError(f"unknown world base {base!r}")
    engine = new_engine(path)  # a SQLite file, or an empty PostgreSQL database
    create_world_schema(engine)
    with Session(engine) as db:
        w = World(db, WorldClock(EPOCH, None), actor="system")
        db.add(WorldMeta(id=1, base=base, seed=seed, epoch=EPOCH, clock_scale=1.0))
        rng = random.Random(seed)
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        populate(w, rng, fake)
        if authority:
            pki_seed.populate(w)
        # Building the market is not part of any attempt's history: start with an empty event log.
        db.execute(delete(Event))
        db.commit()
    engine.dispose()
