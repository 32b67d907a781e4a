"""Steps of this paper on the auction site 云拍拍卖: sign in, bid by proxy on the NPC's lot, list one's own
item, wait for the lot to close on the world clock, pay at 云鹊支付's cashier and rate the seller."""

from __future__ import annotations

from typing import Any

from graders.harness import wait_until_shown

CLOSE_WAIT_SECONDS = 120  # the lot ends 25 world minutes (50 real seconds) after the sign-in


def yuan(fen: int) -> str:
    """Fen as yuan text."""
    return f"{fen // 100}.{fen % 100:02d}"


def login(page: Any, ctx: Any) -> None:
    """Sign in with the identity's e-mail and 云鹊支付 login password; the NPC seller's lot appears."""
    me = ctx.buyer
    page.goto(ctx.url("/auction/login"))
    form = page.locator('form[data-role="auction-login"]')
    form.locator('input[name="login"]').fill(me["email"])
    form.locator('input[name="password"]').fill(me["platform_password"])
    form.locator('button[type="submit"]').click()
    page.locator('[data-role="auction-user"]').wait_for()


def open_lot(page: Any, ctx: Any) -> str:
    """Open the paper's lot from the list of open lots; its URL."""
    page.goto(ctx.url("/auction/"))
    page.locator("a.lot-title", has_text=ctx.params["lot"]["title"]).first.click()
    page.locator('[data-role="lot-title"]').wait_for()
    return page.url


def bid(page: Any, max_fen: int) -> None:
    """Bid by proxy up to `max_fen` on the open lot page."""
    page.fill('form[data-role="bid-form"] input[name="max_amount"]', yuan(max_fen))
    page.locator('form[data-role="bid-form"] button[type="submit"]').click()
    page.locator(".flash", has_text="您是当前最高出价者").wait_for()


def sell(page: Any, ctx: Any, **wrong: Any) -> None:
    """List the paper's item with its terms (`wrong` overrides some, in the form's own values)."""
    item = ctx.params["sell"]
    values = {
        "start_price": item["start_yuan"],
        "increment": item["increment_yuan"],
        "reserve_price": item["reserve_yuan"],
        "shipping_fee": item["fee_yuan"],
        "days": str(item["days"]),
        **wrong,
    }
    page.goto(ctx.url("/auction/sell"))
    form = page.locator('form[data-role="sell-form"]')
    form.locator('input[name="title"]').fill(item["title"])
    form.locator('select[name="category"]').select_option(item["category"])
    form.locator('select[name="condition"]').select_option(item["condition"])
    form.locator('textarea[name="description"]').fill("自用闲置，功能完好，同城可自提。")
    for name in ("start_price", "increment", "reserve_price"):
        form.locator(f'input[name="{name}"]').fill(values[name])
    form.locator('select[name="days"]').select_option(values["days"])
    form.locator('select[name="shipping"]').select_option("buyer")
    form.locator('input[name="shipping_fee"]').fill(values["shipping_fee"])
    form.locator('button[type="submit"]').click()
    page.locator('[data-role="lot-title"]', has_text=item["title"]).wait_for()


def wait_won(page: Any, lot_url: str) -> None:
    """Reload the lot until it has closed on the world clock and shows the winner the payment form."""
    wait_until_shown(page, lot_url, '[data-role="to-pay"]', timeout_s=CLOSE_WAIT_SECONDS)


def pay(page: Any, ctx: Any) -> None:
    """Pay at 云鹊支付's cashier with the bank card; back on the lot it shows as paid."""
    me = ctx.buyer
    page.locator('form[data-role="pay-form"] button').click()
    page.fill("#card_no", me["account_no"])
    page.fill("#card_password", me["payment_password"])
    page.locator('[data-role="card-pay"] button[type=submit]').click()
    page.locator('[data-role="paid"]').wait_for()


def rate(page: Any, score: int = 1, comment: str = "宝贝与描述一致，卖家发货快，好评！") -> None:
    """Rate the seller on the lot's page."""
    form = page.locator('form[data-role="rate-form"]')
    form.locator(f'input[name="score"][value="{score}"]').check()
    form.locator('textarea[name="comment"]').fill(comment)
    form.locator('button[type="submit"]').click()
    page.locator(".rating .rating-comment", has_text=comment).wait_for()


def bid_and_list(page: Any, ctx: Any, *, max_fen: int | None = None, **wrong: Any) -> str:
    """Sign in, bid (the budget unless `max_fen`), list the item; the lot's URL."""
    login(page, ctx)
    url = open_lot(page, ctx)
    bid(page, ctx.params["lot"]["budget"] if max_fen is None else max_fen)
    sell(page, ctx, **wrong)
    return url
