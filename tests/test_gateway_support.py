"""Helpers shared by the payment platform's tests: a world with a merchant app, signed requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.domains import load_npc_actions
from sandbox.gateway import services as gateway
from sandbox.gateway.models import MerchantApp
from sandbox.storefront.models import Shop
from sandbox.worlds.store import WorldStore, open_world
from sandbox.worlds.world import World
from seed_data.generate import build_world
from seed_data.overlay import apply_overlay, make_identities

load_npc_actions()

T0 = 1_800_000_000.0
IDENTITIES = [{"role": "buyer", "bank_balance_fen": 500_000}]
NOTIFY_PREFIX = "/test-merchant/notify/"


class FakeTime:
    """A settable real clock (the world clock follows it)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Merchant:
    """A merchant's side in tests: its app, its private key, what its notify URL received."""

    def __init__(self, app: MerchantApp, private_pem: str) -> None:
        self.app_id = app.app_id
        self.private_pem = private_pem
        self.received: list[dict[str, str]] = []
        self.answers: list[str] = []  # what to answer next (then "success")

    def request(self, w: World, method: str, biz: dict[str, Any], **extra: str) -> dict[str, str]:
        """A signed request of this merchant."""
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": f"{w.now():%Y-%m-%d %H:%M:%S}",
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False),
            **extra,
        }
        params["sign"] = gateway.sign(params, self.private_pem)
        return params

    def page_pay(self, w: World, out_trade_no: str, amount: str = "88.00", **biz: str) -> dict[str, str]:
        """A signed page.pay request."""
        body = {
            "out_trade_no": out_trade_no,
            "total_amount": amount,
            "subject": "测试商品",
            "product_code": "FAST_INSTANT_TRADE_PAY",
            **biz,
        }
        return self.request(w, "alipay.trade.page.pay", body)

    def receive(self, w: World, url: str, params: dict[str, str]) -> str:
        """The merchant's notify URL: verify like a merchant, answer as told."""
        self.received.append(params)
        if not gateway.verify(params, gateway.platform_public_key(w)):
            return "bad signature"
        return self.answers.pop(0) if self.answers else "success"


KEYS: list[tuple[str, str]] = []


def key_pair() -> tuple[str, str]:
    """One RSA key pair for the whole test session (generation costs tens of milliseconds)."""
    if not KEYS:
        KEYS.append(gateway.generate_key_pair())
    return KEYS[0]


def open_test_merchant(w: World, shop_index: int = 0, name: str = "m1") -> Merchant:
    """A merchant app on one of the world's shop accounts, with a key and a test notify URL."""
    shop = w.db.scalars(select(Shop).order_by(Shop.id)).all()[shop_index]
    app = gateway.open_merchant(w, name=shop.name, settlement_account_no=shop.bank_account_no)
    private_pem, public_pem = key_pair()
    gateway.set_app_public_key(w, app, public_pem)
    gateway.set_app_urls(w, app, notify_url=f"https://mall.sim{NOTIFY_PREFIX}{name}", return_url="/shop/")
    merchant = Merchant(app, private_pem)
    # Registered per merchant: the newest merchant of a name receives (each test makes its own).
    gateway.register_notify_receiver(f"{NOTIFY_PREFIX}{name}", merchant.receive)
    return merchant


@pytest.fixture(scope="module")
def gateway_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One template world for a test module."""
    store = WorldStore(tmp_path_factory.mktemp("gw-store"))
    path, _ = store.ensure_template("gw-default", build_world)
    return path


@pytest.fixture
def world_maker(tmp_path: Path, gateway_template: Path) -> Callable[..., tuple[World, FakeTime, list]]:
    """Make an attempt world with a fake clock: (world, clock, identities)."""
    store = WorldStore(tmp_path / "store", templates=gateway_template.parent)
    opened: list[World] = []

    def make(accounts: list[dict] | None = None, seed: int = 7) -> tuple[World, FakeTime, list]:
        identities = make_identities(seed, accounts or IDENTITIES)

        def overlay(w: World) -> None:
            apply_overlay(
                w, identities, started_real=T0, clock_scale=1.0, scenario_id="gw", attempt_key=f"gw-{seed}"
            )

        path = store.create(f"w{len(opened)}", gateway_template, overlay)
        clock = FakeTime()
        w = open_world(path, real_now=clock)
        opened.append(w)
        return w, clock, identities

    yield make
    for w in opened:
        w.close()
