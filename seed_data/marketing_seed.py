"""Seed data of the marketing domain (see sandbox/marketing/): the merchant identity's mailing list.

The base world has no lists (the world's own shops send no mail in any scenario). The overlay gives the
candidate's shop (role `merchant` with an open shop) its list of NPC subscribers, drawn from the attempt
seed through the merchant identity: opted in (已订阅), waiting for confirmation (待确认) and unsubscribed
(已退订), from several sources. Each has a mailbox in the world, except one or two old imported
addresses that no longer exist (they bounce).
"""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sandbox.mail import services as mail
from sandbox.marketing.models import MailingList, OptIn, Subscriber
from sandbox.worlds.world import World

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
    ("马", "ma"), ("罗", "luo"), ("宋", "song"), ("唐", "tang"), ("韩", "han"), ("冯", "feng"),
)  # fmt: skip
GIVEN = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"), ("桂英", "guiying"), ("秀兰", "xiulan"),
    ("晓燕", "xiaoyan"), ("子涵", "zihan"), ("雨桐", "yutong"), ("浩然", "haoran"), ("思雨", "siyu"),
    ("佳怡", "jiayi"), ("志强", "zhiqiang"), ("梦琪", "mengqi"), ("文博", "wenbo"), ("欣怡", "xinyi"),
)  # fmt: skip
HOSTS = ("mail.sim", "163.mail.sim", "qq.mail.sim", "126.mail.sim")
SOURCES = ("checkout", "follow", "offline", "import")


def populate(w: World, seed: int) -> None:
    """Fill the base world (no lists: only the candidate's shop has one, from the overlay)."""


def identity_fields(seed: int, spec: dict[str, Any], ident: dict[str, Any]) -> None:
    """Add this domain's fields to a candidate identity drawn from the attempt seed (none: the list is
    drawn from the merchant identity's own drawn values)."""


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None,
    params: dict[str, Any] | None,
) -> None:
    """The merchant identity's shop gets its mailing list of NPC subscribers."""
    for ident in identities:
        if ident["role"] != "merchant" or not ident.get("shop_login"):
            continue
        from sandbox.merchant.models import SellerAccount  # the seed may read the seller centre

        q = select(SellerAccount).where(SellerAccount.login == ident["shop_login"])
        seller = w.db.scalars(q).first()
        if seller is None or seller.shop is None:  # no shop yet: it applies for one during the attempt
            continue
        key = hashlib.sha256(f"marketing:{ident['account_no']}:{ident['email']}".encode()).hexdigest()[:16]
        lst = MailingList(
            shop_id=seller.shop.id,
            shop_name=seller.shop.name,
            owner_account_id=seller.id,
            sender_address=ident["email"],
            seed_key=key,
        )
        w.db.add(lst)
        w.db.flush()
        add_subscribers(w, lst, random.Random(f"marketing-{key}"))


def _statuses(rng: random.Random) -> list[tuple[str, bool]]:
    """(opt-in status, has a mailbox) for each subscriber, shuffled: 5–7 opted in (one or two of them
    old addresses that bounce), 2–3 waiting for confirmation, 2–3 unsubscribed."""
    opted = rng.randint(5, 7)
    dead = rng.randint(1, 2)
    rows = [(OptIn.SUBSCRIBED, n >= dead) for n in range(opted)]
    rows += [(OptIn.PENDING, True)] * rng.randint(2, 3)
    rows += [(OptIn.UNSUBSCRIBED, True)] * rng.randint(2, 3)
    rng.shuffle(rows)
    return rows


def add_subscribers(w: World, lst: MailingList, rng: random.Random) -> list[Subscriber]:
    """Draw the list's subscribers and open the mailboxes of those whose address exists."""
    epoch = w.now()
    made: list[Subscriber] = []
    used: set[str] = set()
    for n, (status, live) in enumerate(_statuses(rng)):
        while True:
            (surname, s_py), (given, g_py) = rng.choice(SURNAMES), rng.choice(GIVEN)
            style = rng.randrange(3)
            local = (f"{s_py}{g_py}", f"{g_py}.{s_py}", f"{s_py}_{g_py}")[style] + str(rng.randint(1, 99))
            address = f"{local}@{rng.choice(HOSTS)}"
            if address not in used and mail.mailbox_by_address(w, address) is None:
                break
        used.add(address)
        joined = epoch - timedelta(days=rng.randint(30, 400), minutes=rng.randint(0, 1439))
        source = "import" if not live else rng.choice(SOURCES)
        confirmed = None if status == OptIn.PENDING else joined + timedelta(minutes=rng.randint(1, 120))
        if status == OptIn.PENDING:
            joined = epoch - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 1439))
        left = None
        if status == OptIn.UNSUBSCRIBED:
            left = joined + (epoch - joined) * rng.uniform(0.3, 0.9)
            left = left.replace(microsecond=0)
        token = hashlib.sha256(f"{lst.seed_key}:{n}:{address}".encode()).hexdigest()[:24]
        sub = Subscriber(
            list_id=lst.id,
            name=f"{surname}{given}",
            address=address,
            status=status,
            source=source,
            joined_at=joined,
            confirmed_at=confirmed,
            unsubscribed_at=left,
            token=token,
            engagement=rng.randint(20, 90),
        )
        w.db.add(sub)
        made.append(sub)
        if live:
            mail.open_mailbox(w, address, sub.name, owner="npc")
    w.db.flush()
    w.emit("marketing.list_seeded", shop=lst.shop_name, subscribers=len(made), actor="system")
    return made
