"""Steps of this paper: the supplier's deal page on the B2B platform (quote, answer the counter-offer,
contract, accept the order, ship, invoice), each waiting for the NPC purchaser's answer."""

from __future__ import annotations

from typing import Any

from graders.harness import wait_until_shown

WAIT_SECONDS = 60


def login(page: Any, ctx: Any) -> None:
    """Sign in to the B2B platform as the enterprise member."""
    me = ctx.identity("enterprise")
    page.goto(ctx.url("/b2b/login"))
    page.fill("#login", me["b2b_login"])
    page.fill("#password", me["b2b_password"])
    page.locator("#password").press("Enter")
    page.locator('[data-role="member"]').wait_for()


def wait_for(page: Any, selector: str) -> None:
    """Reload the page until `selector` shows (the NPC purchaser and the carrier act on the world clock)."""
    wait_until_shown(page, page.url, selector, timeout_s=WAIT_SECONDS)


def open_inquiry(page: Any, ctx: Any) -> None:
    """Wait for the purchaser's inquiry in 我的交易 and open the deal."""
    page.goto(ctx.url("/b2b/deals/"))
    wait_for(page, 'tr[data-deal] a[href*="/b2b/deals/"]')
    page.locator('tr[data-deal] a[href*="/b2b/deals/"]').first.click()
    page.locator('[data-doc-type="inquiry"]').wait_for()


def quote(page: Any, price: str, days: str = "3") -> None:
    """Send a quotation."""
    page.fill('input[name="unit_price"]', price)
    page.fill('input[name="valid_days"]', days)
    page.locator('[data-action="quote"]').click()
    page.locator('[data-doc-type="quotation"]').first.wait_for()


def wait_stage(page: Any, *stages: str) -> None:
    """Reload until the deal is at one of `stages`."""
    wait_for(page, ", ".join(f'[data-role="deal"][data-stage="{s}"]' for s in stages))


def hold_floor(page: Any, ctx: Any) -> None:
    """The counter-offer is below the lowest price: quote again at the lowest price."""
    wait_for(page, '[data-role="counter-offer"]')
    quote(page, ctx.params["item"]["floor_yuan"])
    wait_stage(page, "agreed")


def agree(page: Any) -> None:
    """Accept the counter-offer as it is."""
    wait_for(page, '[data-role="counter-offer"]')
    page.locator('[data-action="agree-counter"]').click()
    wait_stage(page, "agreed")


def contract(page: Any, ctx: Any, days: str = "7") -> None:
    """Draw up the contract, sign it with the certificate and send it; the purchaser signs and orders."""
    page.fill('input[name="delivery_days"]', days)
    page.select_option('select[name="payment_terms"]', "货到付款")
    page.fill('input[name="password"]', ctx.identity("enterprise")["cert_password"])
    page.locator('[data-action="send-contract"]').click()
    wait_stage(page, "ordered")


def accept_order(page: Any) -> None:
    """Accept the purchase order."""
    page.locator('[data-action="accept-order"]').click()
    wait_stage(page, "accepted")


def ship(page: Any, carrier: str, service: str) -> None:
    """Hand everything to the carrier; wait until the purchaser confirmed receipt."""
    page.select_option('select[name="carrier"]', carrier)
    page.select_option('select[name="service"]', service)
    page.locator('[data-action="ship"]').click()
    page.locator('[data-role="tracking"]').wait_for()
    wait_stage(page, "received")


def invoice(page: Any) -> None:
    """Invoice what was received; the purchaser pays."""
    page.locator('[data-action="invoice"]').click()
    wait_stage(page, "settled")


def through_order(page: Any, ctx: Any, *, hold: bool = True) -> None:
    """Every step up to the accepted order."""
    login(page, ctx)
    open_inquiry(page, ctx)
    quote(page, ctx.params["item"]["list_yuan"])
    if hold:
        hold_floor(page, ctx)
    else:
        agree(page)
    contract(page, ctx)
    accept_order(page)
