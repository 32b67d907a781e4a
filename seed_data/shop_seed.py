"""The candidate's own shop (role `merchant`): a shop in the storefront, its back office, its app."""

from __future__ import annotations

import hashlib
import string
from typing import Any

from sandbox.orders.payment_models import SetupManager
from sandbox.storefront.models import Shop
from sandbox.worlds.world import World


def merchant_fields(seed: int, ident: dict[str, Any]) -> dict[str, str]:
    """The merchant identity's shop name and back-office login (derived: no drawn value moves)."""
    digest = hashlib.sha256(f"{seed}:merchant:shop".encode()).digest()
    alphabet = string.ascii_lowercase + string.digits
    return {
        "shop_name": f"{ident['name']}的小店",
        "shop_login": ident["email"],
        "shop_password": "".join(alphabet[b % len(alphabet)] for b in digest[:8]),
    }


def overlay(w: World, identities: list[dict[str, Any]]) -> None:
    """Open the merchant identity's shop, settling to its bank card, with its payment settings empty."""
    for ident in identities:
        if ident["role"] != "merchant":
            continue
        from sandbox.orders import payments  # only worlds with a merchant identity need it here

        shop = Shop(name=ident["shop_name"], city="", bank_account_no=ident.get("account_no", ""), rating=50)
        w.db.add(shop)
        w.db.flush()
        payments.open_setup(
            w,
            shop,
            managed_by=SetupManager.CANDIDATE,
            login=ident["shop_login"],
            password=ident["shop_password"],
        )
