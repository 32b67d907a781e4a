"""The open API over HTTP: one gateway address, a method parameter, signed JSON answers.

An answer is `{"<method with _>_response": {...}, "sign": "..."}`. As Alipay does, the platform
signs the exact JSON text of the response object (the characters between the key's colon and the
comma before "sign", UTF-8), with SHA256withRSA and its own private key. Unknown or missing methods
answer under `error_response`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sandbox.gateway import signing
from sandbox.gateway.codes import error_answer
from sandbox.gateway.merchants import platform_key
from sandbox.gateway.trades import CLOSE, QUERY, REFUND, clean, close_trade, query_trade, refund_trade
from sandbox.worlds.world import World

HANDLERS = {QUERY: query_trade, REFUND: refund_trade, CLOSE: close_trade}


def response_key(method: str) -> str:
    """The answer's key: alipay.trade.query → alipay_trade_query_response."""
    return f"{method.replace('.', '_')}_response" if method in HANDLERS else "error_response"


def call(w: World, params: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """Run a query/refund/close request; (response key, answer object)."""
    params = clean(params)
    method = params.get("method", "")
    handler = HANDLERS.get(method)
    if handler is None:
        sub_code = "isv.missing-method" if not method else "isv.invalid-method"
        return response_key(method), error_answer(sub_code, method[:64])
    return response_key(method), handler(w, params)


def signed_body(w: World, key: str, answer: dict[str, str]) -> str:
    """The JSON text of an answer with the platform's signature of the response object's text."""
    text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    signature = signing.sign_text(text, platform_key(w).private_pem)
    return f'{{"{key}":{text},"sign":"{signature}"}}'


def verify_body(body: str, key: str, platform_public_key_pem: str) -> dict[str, Any] | None:
    """What a merchant does with an answer: check the signature of the response object's text.

    Returns the answer object, or None when the signature does not match.
    """
    try:
        data = json.loads(body)
        prefix = f'{{"{key}":'
        end = body.rindex(',"sign":"')
        if not body.startswith(prefix):
            return None
        text = body[len(prefix) : end]
    except (ValueError, TypeError):
        return None
    if not signing.verify_text(text, str(data.get("sign", "")), platform_public_key_pem):
        return None
    return data.get(key)
