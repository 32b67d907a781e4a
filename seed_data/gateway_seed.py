"""The payment platform's part of a world: platform accounts and console logins for the identities.
A merchant with `cert_login: true` in its account spec logs in to the console only with a certificate
whose e-mail address is its login's.

The shops' merchant apps are opened with the shops (`sandbox.gateway.services.open_merchant`, called
by the shops' own seeding); the platform's key pair is made on first use, never in a template.
"""

from __future__ import annotations

from typing import Any

from sandbox.gateway import merchants
from sandbox.gateway import services as gateway
from sandbox.worlds.world import World


def overlay(w: World, identities: list[dict[str, Any]]) -> None:
    """Open a platform account for every identity with an e-mail address; a merchant also gets a
    console login for its app (the app its shop settles with, or a new one)."""
    for ident in identities:
        if not ident.get("email"):
            continue
        gateway.open_user(
            w,
            email=ident["email"],
            name=ident["name"],
            password=ident["platform_password"],
            pay_password=ident["payment_password"],
            card_no=ident.get("account_no") or None,
        )
        if ident["role"] != "merchant":
            continue
        if gateway.console_app(w, ident["email"]) is None:
            apps = gateway.apps_settling_to(w, ident["account_no"]) if ident.get("account_no") else []
            if apps:
                gateway.grant_console(w, apps[-1], ident["email"], ident["platform_password"])
            elif ident.get("account_no"):
                gateway.open_merchant(
                    w,
                    name=ident.get("shop_name") or f"{ident['name']}的商户",
                    settlement_account_no=ident["account_no"],
                    login_email=ident["email"],
                    password=ident["platform_password"],
                )
        if ident.get("cert_login") and gateway.console_app(w, ident["email"]) is not None:
            merchants.require_certificate(w, ident["email"])
