"""End to end in Chromium: a candidate signs in to the auction site with the identity's 云鹊通行证, lists a
lot (a bad reserve refused with the field marked, then corrected), an NPC bidder bids on it through its
proxy, the candidate bids on a seeded lot above the minimum next bid and sees it lead with a masked name,
and buys another lot at its buy-it-now price and pays for it at 云鹊支付's cashier; a script in a description never runs."""

from __future__ import annotations

import os
from pathlib import Path

from sandbox.auction import npc as auction_npc  # noqa: F401  (registers the actions)
from sandbox.auction import services
from sandbox.worlds import npc
from sandbox.worlds.store import open_world

SCENARIO = "b2c-purchase"
TITLE = "九成新 机械键盘 青轴"


def npc_bid(attempt, lot_id: int, max_fen: int) -> None:  # noqa: ANN001
    """An NPC bidder bids (what `auction.npc_bid` does from a scenario's world.events)."""
    w = open_world(attempt.world_path)
    npc.ACTIONS["auction.npc_bid"](w, {"lot": lot_id, "bidder": "数码控阿伟", "max": max_fen}, None)
    w.commit()
    w.close()


def test_list_bid_and_buy_now_in_the_browser(harness, tmp_path: Path) -> None:  # noqa: ANN001
    shots = Path(os.environ.get("AUCTION_SCREENSHOTS") or tmp_path)
    attempt = harness.new_attempt(SCENARIO, 5)
    me = next(i for i in attempt.identities if i["role"] == "buyer")
    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + harness.login_path(attempt))
    page.goto(base + "/auction/")
    page.locator('table[data-role="open-lots"] tr.lot-row').first.wait_for()
    page.screenshot(path=str(shots / "auction-home.png"), full_page=True)

    page.locator('[data-role="login"]').click()
    page.fill('form[data-role="auction-login"] input[name="login"]', me["email"])
    page.fill('form[data-role="auction-login"] input[name="password"]', me["platform_password"])
    page.locator('form[data-role="auction-login"] button[type="submit"]').click()
    page.locator('[data-role="auction-user"]').wait_for()

    page.locator('[data-role="sell-link"]').click()
    form = page.locator('form[data-role="sell-form"]')
    form.locator('input[name="title"]').fill(TITLE)
    form.locator('select[name="category"]').select_option("digital")
    form.locator('select[name="condition"]').select_option("like_new")
    form.locator('textarea[name="description"]').fill("键帽无打油<script>alert('x')</script>")
    form.locator('input[name="start_price"]').fill("100")
    form.locator('input[name="increment"]').fill("10")
    form.locator('input[name="reserve_price"]').fill("50")
    form.locator('button[type="submit"]').click()
    error = page.locator('[data-error-for="reserve_price"]')
    assert "保留价不能低于起拍价" in error.inner_text()
    assert form.locator('input[name="title"]').input_value() == TITLE  # the form is kept
    page.screenshot(path=str(shots / "auction-sell-refused.png"), full_page=True)
    form.locator('input[name="reserve_price"]').fill("150")
    form.locator('button[type="submit"]').click()
    page.locator('[data-role="lot-title"]', has_text=TITLE).wait_for()
    assert "<script>" in page.locator(".lot-description").inner_text()  # shown as text
    lot_id = int(page.url.rsplit("/", 1)[1])

    npc_bid(attempt, lot_id, 20000)
    page.reload()
    page.locator('[data-role="current-price"]', has_text="150.00").wait_for()  # the reserve reached
    assert "数**伟" in page.locator('[data-role="bid-history"]').inner_text()
    page.screenshot(path=str(shots / "auction-my-lot.png"), full_page=True)

    # Bid on a seeded lot (without buy-it-now) above the minimum next bid.
    w = open_world(attempt.world_path, read_only=True)
    target = next(lot for lot in services.open_lots(w) if not lot.buy_now_price and not lot.reserve_price)
    buy = next(lot for lot in services.open_lots(w) if services.can_buy_now(w, lot))
    target_id, floor, buy_id = target.id, services.min_next_bid(target), buy.id
    w.close()
    page.goto(f"{base}/auction/lot/{target_id}")
    assert page.locator('[data-role="min-next"]').inner_text() == f"¥{floor / 100:,.2f}"
    page.fill('form[data-role="bid-form"] input[name="max_amount"]', f"{(floor - 1) / 100:.2f}")
    page.locator('form[data-role="bid-form"] button[type="submit"]').click()
    assert "出价不能低于最低出价" in page.locator('[data-role="auction-error"]').inner_text()
    page.fill('form[data-role="bid-form"] input[name="max_amount"]', f"{(floor + 3000) / 100:.2f}")
    page.locator('form[data-role="bid-form"] button[type="submit"]').click()
    page.locator(".flash", has_text="您是当前最高出价者").or_(
        page.locator("text=您是当前最高出价者")
    ).first.wait_for()
    masked = f"{me['name'][0]}**{me['name'][-1]}"
    assert masked in page.locator('[data-role="bid-history"] tr.bid-row').first.inner_text()
    page.screenshot(path=str(shots / "auction-lot.png"), full_page=True)

    page.goto(f"{base}/auction/lot/{buy_id}")
    page.locator('form[data-role="buy-now-form"] button').click()
    page.locator('[data-role="to-pay"]').wait_for()
    page.locator('form[data-role="pay-form"] button').click()  # on to 云鹊支付's cashier
    page.fill("#card_no", me["account_no"])
    page.fill("#card_password", me["payment_password"])
    page.screenshot(path=str(shots / "auction-cashier.png"), full_page=True)
    page.locator('[data-role="card-pay"] button[type=submit]').click()
    page.locator('[data-role="paid"]').wait_for()  # back on the lot: the site asked the platform
    page.screenshot(path=str(shots / "auction-paid.png"), full_page=True)
    page.locator('[data-role="my-auction"]').click()
    page.locator(f'table[data-role="won-lots"] tr[data-lot-id="{buy_id}"]').wait_for()
    page.screenshot(path=str(shots / "auction-my.png"), full_page=True)
    assert dialogs == []  # the script in the description never ran
    context.close()
