"""Steps of a merchant setting up promotions in the seller centre, shared by the reference and other
solutions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def yuan(fen: int) -> str:
    """Fen as the yuan a person types."""
    return f"{fen // 100}.{fen % 100:02d}"


def seller_login(page: Any, ctx: Any) -> None:
    """Log in to the seller centre as the merchant."""
    merchant = ctx.identity("merchant")
    page.goto(ctx.url("/seller/login"))
    page.fill("#login", merchant["shop_login"])
    page.fill("#password", merchant["shop_password"])
    page.get_by_role("button", name="登录").click()
    page.locator(".sellernav").wait_for()


def open_form(page: Any, ctx: Any, action: str) -> datetime:
    """Open a new promotion's form from 营销中心; the world time the form proposes as the start."""
    page.goto(ctx.url("/seller/"))
    page.locator(".sellernav").get_by_role("link", name="营销中心").click()
    page.locator(f'[data-action="{action}"]').click()
    return datetime.strptime(page.input_value("#valid_from"), "%Y-%m-%dT%H:%M")


def period(page: Any, start: datetime, days: int, start_later: timedelta | None = None) -> None:
    """From `start` (or that much later) until 23:59 on the day `days` days after it."""
    begin = start + (start_later or timedelta())
    end = (start + timedelta(days=days)).replace(hour=23, minute=59)
    page.fill("#valid_from", begin.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#valid_to", end.strftime("%Y-%m-%dT%H:%M"))


def create_coupon(
    page: Any,
    ctx: Any,
    face_fen: int,
    threshold_fen: int,
    total: int,
    limit: int,
    days: int,
    start_later: timedelta | None = None,
) -> bool:
    """Fill and send the coupon form; whether the seller centre accepted it."""
    start = open_form(page, ctx, "new-coupon")
    page.fill("#face", yuan(face_fen))
    page.fill("#threshold", yuan(threshold_fen))
    page.fill("#total", str(total))
    page.fill("#per_buyer", str(limit))
    period(page, start, days, start_later)
    page.get_by_role("button", name="创建优惠券").click()
    return _outcome(page)


def create_full_reduction(page: Any, ctx: Any, tiers: list[dict[str, int]], days: int) -> bool:
    """Fill and send the 满减 form (whole shop); whether the seller centre accepted it."""
    start = open_form(page, ctx, "new-full-reduction")
    for n, tier in enumerate(tiers, start=1):
        page.fill(f"#over_{n}", yuan(tier["over_fen"]))
        page.fill(f"#off_{n}", yuan(tier["off_fen"]))
    page.check('input[name="scope"][value="all"]')
    period(page, start, days)
    page.get_by_role("button", name="创建满减").click()
    return _outcome(page)


def _outcome(page: Any) -> bool:
    """Back on the list with a success message, or the form with the reason."""
    page.locator('.flash, [role="alert"]').first.wait_for()
    return page.locator(".flash", has_text="已创建").count() > 0
