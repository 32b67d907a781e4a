"""Steps of this paper: the B2B platform's pages (find, inquire, negotiate, sign, order, receive, pay)
and the approver's release in enterprise online banking."""

from __future__ import annotations

import re
from typing import Any

from graders.harness import wait_until_shown

SHIP_WAIT_SECONDS = 60


def login(page: Any, ctx: Any) -> None:
    """Sign in to the B2B platform as the enterprise member."""
    me = ctx.identity("enterprise")
    page.goto(ctx.url("/b2b/login"))
    page.fill("#login", me["b2b_login"])
    page.fill("#password", me["b2b_password"])
    page.locator("#password").press("Enter")
    page.locator('[data-role="member"]').wait_for()


def find_listing(page: Any, ctx: Any) -> str:
    """The number of the cheapest supply listing of the product with enough quantity within budget."""
    item, qty = ctx.params["item"], int(ctx.params["qty"])
    page.goto(ctx.url(f"/b2b/offers?kind=supply&q={item['product']}"))
    best = None
    for card in page.locator('[data-role="results"] .offer-card').all():
        price = re.search(r"([0-9]+\.[0-9]{2})", card.locator('[data-role="price"]').inner_text())
        stock = re.search(r"([0-9]+)", card.locator(".offer-meta").inner_text())
        if price is None or stock is None or item["product"] not in card.inner_text():
            continue
        fen = round(float(price.group(1)) * 100)
        if int(stock.group(1)) >= qty and fen <= int(item["budget"]) and (best is None or fen < best[0]):
            best = (fen, card.get_attribute("data-offer"))
    assert best is not None, "no listing meets the requirements"
    return best[1]


def inquire(page: Any, ctx: Any, listing_no: str) -> None:
    """Send the inquiry for the paper's quantity; the supplier quotes at once."""
    page.goto(ctx.url("/b2b/deals/new"))
    page.fill('input[name="listing"]', listing_no)
    page.fill('input[name="quantity"]', str(ctx.params["qty"]))
    page.locator('[data-action="inquire"]').click()
    page.locator('[data-doc-type="quotation"]').wait_for()


def counter(page: Any, ctx: Any) -> None:
    """Counter at the budget; the supplier accepts and sends the signed contract."""
    page.fill('input[name="unit_price"]', ctx.params["item"]["budget_yuan"])
    page.locator('[data-action="counter"]').click()
    page.locator('[data-doc-type="sales_contract"]').wait_for()


def accept_quotation(page: Any) -> None:
    """Accept the supplier's quotation as it is."""
    page.locator('[data-action="accept-quotation"]').click()
    page.locator('[data-doc-type="sales_contract"]').wait_for()


def sign(page: Any, ctx: Any) -> None:
    """Sign the contract with the certificate in the store."""
    page.fill('input[name="password"]', ctx.identity("enterprise")["cert_password"])
    page.locator('[data-action="sign"]').click()
    page.locator('[data-role="deal"][data-stage="signed"]').wait_for()


def order(page: Any) -> None:
    """Place the purchase order; the supplier accepts it."""
    page.locator('[data-action="order"]').click()
    page.locator('[data-doc-type="purchase_order"]').wait_for()


def wait_shipped(page: Any) -> int:
    """Reload the deal until the carrier has delivered the parcel of the delivery note (the receipt form
    then shows); the quantity it ships."""
    wait_until_shown(page, page.url, 'form[action$="/receive"]', timeout_s=SHIP_WAIT_SECONDS)
    text = page.locator('form[action$="/receive"] p').inner_text()
    return int(re.search(r"：([0-9]+)", text).group(1))


def receive(page: Any, qty: int) -> None:
    """Confirm receipt of `qty`; the supplier invoices it."""
    page.fill('input[name="received"]', str(qty))
    page.locator('[data-action="receive"]').click()
    page.locator(
        '[data-role="deal"][data-stage="received"], [data-role="deal"][data-stage="invoiced"]'
    ).first.wait_for()


def pay(page: Any, amount: str) -> None:
    """Enter the payment on the deal's page (to the approver in enterprise online banking)."""
    page.fill('input[name="amount"]', amount)
    page.locator('[data-action="pay"]').click()
    page.locator('[data-role="payments"]').wait_for()


def release(page: Any, ctx: Any) -> None:
    """The approver logs in to enterprise online banking and releases the waiting payment."""
    me = ctx.identity("approver")
    page.goto(ctx.url("/bank/corp/login"))
    page.fill("#login", me["corp_login"])
    page.fill("#password", me["login_password"])
    page.locator('[data-role="password-login"] button[type="submit"]').click()
    page.locator(".flash", has_text="登录成功").wait_for()
    page.goto(ctx.url("/bank/corp/payments"))
    page.locator('a[href*="/bank/corp/payments/FK"]').first.click()
    page.fill("#tx_password", me["payment_password"])
    page.get_by_role("button", name="复核通过并放行").click()
    page.locator(".flash", has_text="付款已放行").wait_for()


def unit_price_fen(page: Any) -> int:
    """The agreed unit price on the deal page."""
    return round(float(page.locator('[data-role="unit-price"]').inner_text()) * 100)


def through_receipt(page: Any, ctx: Any, *, haggle: bool = True) -> tuple[int, int]:
    """Every step up to the receipt; (quantity received, agreed unit price in fen)."""
    login(page, ctx)
    inquire(page, ctx, find_listing(page, ctx))
    if haggle:
        counter(page, ctx)
    else:
        accept_quotation(page)
    sign(page, ctx)
    order(page)
    qty = wait_shipped(page)
    receive(page, qty)
    return qty, unit_price_fen(page)


def yuan(fen: int) -> str:
    """Fen as yuan text."""
    return f"{fen // 100}.{fen % 100:02d}"
