"""Paying an order through the payment platform, as tests need it: over HTTP or inside a world.

Over HTTP an order is paid in three requests, as a browser does: the shop signs a page.pay request
(`POST /shop/orders/<n>/pay`, a page of hidden fields), the browser carries it to the platform
(`POST /gateway/gateway.do`, 303 to the cashier) and the buyer pays there (`…/pay-card` with the
bank's transaction password, or `…/login` then `…/pay-account` with the platform account).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from sandbox.gateway import services as gateway
from sandbox.gateway.models import Trade
from sandbox.orders import payments
from sandbox.orders import services as orders
from sandbox.worlds import npc

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
GATEWAY_DO = "/gateway/gateway.do"


def request_fields(resp) -> dict[str, str]:  # noqa: ANN001
    """The hidden fields of the shop's page that carries its signed request to the platform."""
    html = resp.get_data(as_text=True)
    return {k: _unescape(v) for k, v in _HIDDEN.findall(html) if k != "csrf_token"}


def platform_request(client, number: str, **extra: str):  # noqa: ANN001, ANN201
    """Ask the shop for the order's signed page.pay request (the response, and the fields it carries)."""
    resp = client.post(f"/shop/orders/{number}/pay", data=extra)
    return resp, request_fields(resp)


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
    resp = client.post(GATEWAY_DO, data=fields)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return resp.location


def trade_no_of(cashier: str) -> str:
    """The trade number in a cashier's path."""
    return cashier.rstrip("/").rsplit("/", 1)[-1]


def pay_at(client, cashier: str, card_no: str, password: str, **extra: str):  # noqa: ANN001, ANN201
    """Pay at an open cashier by bank card; the cashier's answer."""
    return client.post(f"{cashier}/pay-card", data={"card_no": card_no, "card_password": password, **extra})


def pay(client, number: str, card_no: str, password: str):  # noqa: ANN001, ANN201
    """Pay an order by bank card at the platform's cashier; the cashier's answer to the payment.

    When the shop will not sign a request (another's order, a paid or cancelled one) or the platform
    refuses it, that refusal is the answer: the buyer never reaches a cashier.
    """
    resp, fields = platform_request(client, number)
    if resp.status_code != 200:
        return resp
    resp = client.post(GATEWAY_DO, data=fields)
    if resp.status_code != 303:
        return resp
    return pay_at(client, resp.location, card_no, password)


def pay_with_account(client, cashier: str, ident: dict[str, Any], pay_password: str | None = None):  # noqa: ANN001, ANN201
    """Log in at the cashier with the identity's platform account and pay; the cashier's answer."""
    resp = client.post(
        f"{cashier}/login", data={"email": ident["email"], "password": ident["platform_password"]}
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)
    password = ident["payment_password"] if pay_password is None else pay_password
    return client.post(f"{cashier}/pay-account", data={"pay_password": password})


def pay_and_return(client, number: str, ident: dict[str, Any]):  # noqa: ANN001, ANN201
    """Pay with the identity's card and follow the platform back to the shop (the order page)."""
    resp = pay(client, number, ident["account_no"], ident["payment_password"])
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client.get(resp.location)


def open_trade_in_world(w, customer, number: str) -> Trade:  # noqa: ANN001
    """Inside a unit of work: the shop's request for the order, carried to the platform (its trade)."""
    order = orders.get_order(w, customer, number)
    return gateway.create_trade(w, payments.order_payment_request(w, order))


def pay_trade_in_world(w, trade_no: str, card_no: str, password: str) -> Trade:  # noqa: ANN001
    """Inside a unit of work: pay a trade by card at the cashier; the notification is delivered."""
    trade = w.db.scalars(select(Trade).where(Trade.trade_no == trade_no)).one()
    gateway.pay_with_card(w, trade, card_no, password, None)
    npc.run_due(w, [])
    return trade


def pay_in_world(w, customer, number: str, card_no: str, password: str) -> None:  # noqa: ANN001
    """The same inside one unit of work: request, trade, card payment, the notification delivered."""
    trade = open_trade_in_world(w, customer, number)
    pay_trade_in_world(w, trade.trade_no, card_no, password)
