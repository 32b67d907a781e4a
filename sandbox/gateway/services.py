"""The payment platform's public API (layer 2), modelled on Alipay 电脑网站支付 and Stripe test mode.

Higher layers (orders) use only the names exported here.
"""

from __future__ import annotations

from sandbox.gateway import npc as _npc  # noqa: F401 - registers the platform's scheduled actions
from sandbox.gateway.api import call as api_call
from sandbox.gateway.api import signed_body, verify_body
from sandbox.gateway.cashier import TEST_CARDS, pay_with_account, pay_with_card
from sandbox.gateway.codes import GatewayError
from sandbox.gateway.merchants import (
    app_by_id,
    apps_settling_to,
    console_app,
    grant_console,
    mask_card,
    open_merchant,
    open_user,
    platform_public_key,
    set_app_public_key,
    set_app_urls,
)
from sandbox.gateway.models import MerchantApp, PlatformUser, Trade, TradeStatus
from sandbox.gateway.notify import register_notify_receiver, return_params
from sandbox.gateway.signing import (
    generate_key_pair,
    load_private_key,
    load_public_key,
    sign,
    signing_string,
    verify,
)
from sandbox.gateway.trades import (
    cashier_url,
    close_trade,
    create_trade,
    query_trade,
    refund_trade,
)

__all__ = [
    "TEST_CARDS",
    "GatewayError",
    "MerchantApp",
    "PlatformUser",
    "Trade",
    "TradeStatus",
    "api_call",
    "app_by_id",
    "apps_settling_to",
    "cashier_url",
    "close_trade",
    "console_app",
    "create_trade",
    "generate_key_pair",
    "grant_console",
    "load_private_key",
    "load_public_key",
    "mask_card",
    "open_merchant",
    "open_user",
    "pay_with_account",
    "pay_with_card",
    "platform_public_key",
    "query_trade",
    "refund_trade",
    "register_notify_receiver",
    "return_params",
    "set_app_public_key",
    "set_app_urls",
    "sign",
    "signed_body",
    "signing_string",
    "verify",
    "verify_body",
]
