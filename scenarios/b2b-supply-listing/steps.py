"""Steps of the B2B listing paper, shared by the reference and other solutions (all through the pages)."""

from __future__ import annotations

from typing import Any

REVIEW_WAIT_MS = 60_000  # the platform reviews a world minute after submission (2 s real at scale 30)


def yuan(fen: int) -> str:
    """Fen as the yuan a person types."""
    return f"{fen // 100}.{fen % 100:02d}"


def login(page: Any, ctx: Any) -> None:
    """Sign in to the B2B platform as the enterprise member."""
    me = ctx.identity("enterprise")
    page.goto(ctx.url("/b2b/login"))
    page.fill("#login", me["b2b_login"])
    page.fill("#password", me["b2b_password"])
    page.get_by_role("button", name="登录", exact=True).click()
    page.locator(".flash", has_text="登录成功").wait_for()


def submit_profile(page: Any, ctx: Any, **changes: str) -> None:
    """Fill in the company profile with the identity's and the task's details (or changed ones); submit."""
    me = ctx.identity("enterprise")
    values = {
        "name": me["company_name"],
        "credit_code": me["credit_code"],
        "address": me["address"],
        "contact_name": me["name"],
        "contact_phone": me["mobile"],
        "business_scope": ctx.params["scope"],
        "main_products": ctx.params["products"],
        **changes,
    }
    page.goto(ctx.url("/b2b/member/profile"))
    for field, value in values.items():
        page.fill(f"#{field}", value)
    page.get_by_role("button", name="提交审核").click()
    page.locator(".flash", has_text="企业资料已提交审核").wait_for()


def wait_for_membership(page: Any, state: str = "approved") -> None:
    """Stay on the profile page (it refreshes itself while the review runs) until the decision shows."""
    page.locator(f'[data-role="membership"][data-state="{state}"]').wait_for(timeout=REVIEW_WAIT_MS)


def post_offer(page: Any, ctx: Any, **changes: str) -> None:
    """Publish the task's supply listing (or one with changed fields) and send it for review."""
    offer = ctx.params["offer"]
    page.goto(ctx.url("/b2b/member/offers/new"))
    fill_offer(page, offer, **changes)
    page.get_by_role("button", name="提交审核").click()
    page.locator(".flash", has_text="信息已提交审核").wait_for()


def fill_offer(page: Any, offer: dict[str, Any], **changes: str) -> None:
    """Fill in the listing form."""
    page.select_option("#kind", "supply")
    page.select_option("#category", offer["category"])
    page.select_option("#unit", offer["unit"])
    page.select_option("#validity_days", str(offer["validity_days"]))
    values = {
        "title": offer["title"],
        "product": offer["product"],
        "spec": offer["spec"],
        "quantity": str(offer["quantity"]),
        "price": yuan(offer["price_fen"]),
        "delivery_terms": offer["delivery"],
        "payment_terms": offer["payment"],
        **changes,
    }
    for field, value in values.items():
        page.fill(f"#{field}", value)


def wait_for_offer(page: Any, ctx: Any, state: str = "published") -> None:
    """Stay on 我的供求信息 (it refreshes itself while a review runs) until the newest shows `state`."""
    page.goto(ctx.url("/b2b/member/offers"))
    page.locator('[data-role="my-offers"] tbody tr').first.locator(
        f'[data-role="offer-state"]:text-is("{ {"published": "已发布", "rejected": "未通过"}[state] }")'
    ).wait_for(timeout=REVIEW_WAIT_MS)


def correct_offer(page: Any, ctx: Any) -> None:
    """Edit the newest (rejected) listing back to the task's data and resubmit it."""
    page.goto(ctx.url("/b2b/member/offers"))
    page.locator('[data-role="my-offers"] tbody tr').first.get_by_role("link", name="修改").click()
    fill_offer(page, ctx.params["offer"])
    page.get_by_role("button", name="提交审核").click()
    page.locator(".flash", has_text="修改已提交审核").wait_for()


def search_as_visitor(page: Any, ctx: Any) -> None:
    """Search the platform's home for the task's keywords and open the listing found."""
    page.goto(ctx.url("/b2b/"))
    page.fill('.b2b-search input[name="q"]', ctx.params["offer"]["keywords"])
    page.locator(".b2b-search button[type=submit]").click()
    page.locator(".offer-card", has_text=ctx.params["offer"]["title"]).first.click()
    page.locator('[data-role="offer-title"]').wait_for()
