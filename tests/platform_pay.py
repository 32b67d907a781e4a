"""Paying an order through the payment platform, as tests need it: over HTTP or inside a world."""

from __future__ import annotations

import re
from typing import Any

from sandbox.gateway import services as gateway
from sandbox.orders import payments
from sandbox.orders import services as orders
from sandbox.worlds import npc

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def platform_request(client, number: str):  # noqa: ANN001, ANN201
    """Ask the shop for the order's signed page.pay request (the response, and the fields it carries)."""
    resp = client.post(f"/shop/orders/{number}/pay")
    html = resp.get_data(as_text=True)
    fields = {k: _unescape(v) for k, v in _HIDDEN.findall(html) if k != "csrf_token"}
    return resp, fields


def _unescape(value: str) -> str:
    for entity, char in (("&#34;", '"'), ("&quot;", '"'), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">")):
        value = value.replace(entity, char)
    return value.replace("&amp;", "&")


def open_cashier(client, number: str) -> str:  # noqa: ANN001
    """Carry the shop's request to the platform; the cashier's path."""
    resp, fields = platform_request(client, number)
    assert resp.status_code == 200 and fields.get("method") == "alipay.trade.page.pay", resp.get_data(
        as_text=True
    )
    resp = client.post("/gateway/gateway.do", data=fields)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return resp.location


def pay(client, number: str, card_no: str, password: str):  # noqa: ANN001, ANN201
    """Pay an order by bank card at the platform's cashier; the cashier's answer to the payment."""
    cashier = open_cashier(client, number)
    return client.post(f"{cashier}/pay-card", data={"card_no": card_no, "card_password": password})


def pay_and_return(client, number: str, ident: dict[str, Any]):  # noqa: ANN001, ANN201
    """Pay with the identity's card and follow the platform back to the shop (the order page)."""
    resp = pay(client, number, ident["account_no"], ident["payment_password"])
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client.get(resp.location)


def pay_in_world(w, customer, number: str, card_no: str, password: str) -> None:  # noqa: ANN001
    """The same inside one unit of work: request, trade, card payment, the notification delivered."""
    order = orders.get_order(w, customer, number)
    trade = gateway.create_trade(w, payments.order_payment_request(w, order))
    gateway.pay_with_card(w, trade, card_no, password, None)
    npc.run_due(w, [])
