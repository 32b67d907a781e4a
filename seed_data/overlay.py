"""Per-attempt overlay: the candidate's own identities and parameter-dependent state."""

from __future__ import annotations

import random
import string
from typing import Any

from sandbox.mail import services as mail
from sandbox.worlds.world import World
from seed_data import (
    analytics_seed,
    auction_seed,
    b2b_seed,
    bank_seed,
    forum_seed,
    fulfilment_seed,
    gateway_seed,
    logistics_seed,
    marketing_seed,
    pki_seed,
    search_seed,
    service_seed,
    shop_seed,
    web_seed,
)
from seed_data.fakes import derived_secret, seeded_faker
from seed_data.generate import bank_mail_address, card_number
from seed_data.lists import BANKS


def make_identities(seed: int, accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Draw the candidate's identities (one per role) from the attempt seed."""
    rng = random.Random(seed)
    fake = seeded_faker(seed)
    out = []
    for spec in accounts:
        b = BANKS[rng.randrange(len(BANKS))]
        out.append(
            {
                "role": spec["role"],
                "name": fake.name(),
                "bank_code": b["code"],
                "bank_name": b["name"],
                "account_no": card_number(rng, b["card_prefix"]),
                "login_password": "".join(
                    rng.choice(string.ascii_lowercase + string.digits) for _ in range(8)
                ),
                "payment_password": "".join(rng.choice(string.digits) for _ in range(6)),
                "bank_balance_fen": int(spec.get("bank_balance_fen", 0)),
            }
        )
        # Derived, not drawn, so adding them changed no other identity value.
        out[-1]["email"] = f"{spec['role']}.{out[-1]['account_no'][-6:]}@{mail.MAIL_DOMAIN}"
        out[-1]["platform_password"] = derived_secret(seed, spec["role"], "platform")
        bank_seed.identity_fields(seed, spec, out[-1], out[:-1])
        logistics_seed.identity_fields(seed, spec, out[-1], out[:-1])
        pki_seed.identity_fields(seed, spec, out[-1])
        b2b_seed.identity_fields(seed, spec, out[-1], out[:-1])
        web_seed.identity_fields(seed, spec, out[-1])
        forum_seed.identity_fields(seed, spec, out[-1])
        marketing_seed.identity_fields(seed, spec, out[-1])
        auction_seed.identity_fields(seed, spec, out[-1])
        service_seed.identity_fields(seed, spec, out[-1])
        analytics_seed.identity_fields(seed, spec, out[-1])
        if spec["role"] == "merchant":  # the candidate's own shop and its back office
            out[-1].update(shop_seed.merchant_fields(seed, out[-1]))
    return out


def apply_overlay(
    w: World,
    identities: list[dict[str, Any]],
    *,
    started_real: float,
    clock_scale: float,
    scenario_id: str,
    attempt_key: str,
    accounts: list[dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    """Make the cloned template this attempt's world (`accounts` as the scenario lists them, `params`
    as drawn, for what an account spec says in terms of the parameters)."""
    meta = w.meta()
    meta.started_real = started_real
    meta.clock_scale = clock_scale
    meta.scenario_id = scenario_id
    meta.attempt_key = attempt_key
    for ident in identities:
        own_card = bank_seed.overlay_identity(w, ident)
        if ident.get("email"):
            box = mail.open_mailbox(w, ident["email"], ident["name"], owner=ident["role"])
            if own_card:
                welcome(w, box, ident)
    shop_seed.overlay(w, identities, accounts, params)
    fulfilment_seed.overlay(w, identities, accounts, params)
    logistics_seed.overlay(w, identities, accounts, params)
    gateway_seed.overlay(w, identities)
    pki_seed.overlay(w, identities, accounts, params)
    b2b_seed.overlay(w, identities, accounts, params)
    web_seed.overlay(w, identities, accounts, params)
    forum_seed.overlay(w, identities, accounts, params)
    marketing_seed.overlay(w, identities, accounts, params)
    auction_seed.overlay(w, identities, accounts, params)
    service_seed.overlay(w, identities, accounts, params)
    analytics_seed.overlay(w, identities, accounts, params)
    search_seed.refresh(w)  # last: what the overlay published is searchable from the first page


def welcome(w: World, box: object, ident: dict[str, Any]) -> None:
    """The bank's account-opening notice, in the identity's inbox when the attempt starts."""
    sender = mail.mailbox_by_address(w, bank_mail_address(ident["bank_code"]))
    if sender is None:  # a world built before banks had mailboxes
        return
    masked = f"{ident['account_no'][:4]} **** **** {ident['account_no'][-4:]}"
    mail.send(
        w,
        sender,
        [box.address],
        f"{ident['bank_name']}开户成功通知",
        f"尊敬的{ident['name']}：\n\n您在{ident['bank_name']}的个人结算账户已开立，卡号 {masked}。"
        f"\n网上银行登录密码与支付密码已另行告知，请妥善保管，切勿泄露。\n\n{ident['bank_name']}",
        actor="system",
    )
