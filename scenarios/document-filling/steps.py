"""Steps of this paper: sign in to the B2B platform, fill in a document form and send it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.b2b import rmb


def sign_in(page: Any, ctx: Any) -> None:
    """Log in to the platform as the candidate's enterprise member."""
    ident = ctx.identity("enterprise")
    page.goto(ctx.url("/b2b/login"))
    page.fill("#login", ident["b2b_login"])
    page.fill("#password", ident["b2b_password"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/b2b/**")


def grand_total_words(lines: list[dict[str, Any]], price: str, tax_rate: str) -> str:
    """The 人民币大写 of the lines' total with tax (worked out here, as a clerk would)."""
    total = sum(Decimal(str(line["qty"])) * Decimal(str(line[price])) for line in lines)
    tax = (total * Decimal(str(tax_rate)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return rmb.words(int((total + tax) * 100))


def fill(
    page: Any,
    ctx: Any,
    doc_type: str,
    fields: dict[str, str],
    lines: list[dict[str, Any]],
    price: str,
    receiver: str,
    action: str = "send",
) -> None:
    """Open a blank form of the type, fill the fields and lines, choose the receiver and send (or save)."""
    page.goto(ctx.url(f"/b2b/docs/new/{doc_type}"))
    for name, value in fields.items():
        target = page.locator(f"#f-{name}")
        if target.evaluate("el => el.tagName") == "SELECT":
            target.select_option(str(value))
        else:
            target.fill(str(value))
    for _ in range(len(lines) - 1):
        page.click("[data-add-line]")
    rows = page.locator("[data-line]")
    for i, line in enumerate(lines):
        row = rows.nth(i)
        row.locator('[name="line_name"]').fill(str(line["name"]))
        row.locator('[name="line_spec"]').fill(str(line["spec"]))
        row.locator('[name="line_unit"]').select_option(str(line["unit"]))
        row.locator('[name="line_qty"]').fill(str(line["qty"]))
        row.locator('[name="line_unit_price"]').fill(str(line[price]))
    page.select_option("#receiver_id", label=receiver)
    page.click(f'[data-action="{action}"]')
    if action == "send":
        page.locator('[data-role="document"] [data-role="number"]').wait_for()
    else:
        page.locator(".flash.success").wait_for()


def purchase_order(page: Any, ctx: Any, tax_rate: str | None = None) -> None:
    """The purchase order to the supplier, as the task asks (optionally at another tax rate)."""
    p, me = ctx.params, ctx.identity("enterprise")
    rate = tax_rate or str(p["tax_rate"])
    lines = [p["deal"]["a"], p["deal"]["b"]]
    fields = {
        "buyer_name": me["company_name"],
        "buyer_contact": me["name"],
        "buyer_phone": me["mobile"],
        "seller_name": p["deal"]["supplier"],
        "order_date": "2026-03-15",
        "delivery_date": p["delivery_date"],
        "delivery_place": p["customer"]["address"],
        "payment_terms": p["supplier_terms"],
        "tax_rate": rate,
        "amount_words": grand_total_words(lines, "cost", rate),
    }
    fill(page, ctx, "purchase_order", fields, lines, "cost", p["deal"]["supplier"])


def invoice(page: Any, ctx: Any, tax_rate: str | None = None, action: str = "send") -> None:
    """The commercial invoice to the customer, as the task asks (optionally at another rate, or saved)."""
    p, me = ctx.params, ctx.identity("enterprise")
    rate = tax_rate or str(p["tax_rate"])
    lines = [p["deal"]["a"], p["deal"]["b"]]
    customer = p["customer"]
    fields = {
        "buyer_name": customer["name"],
        "buyer_tax_id": customer["code"],
        "buyer_address_phone": f"{customer['address']} {customer['phone']}",
        "seller_name": me["company_name"],
        "seller_tax_id": me["credit_code"],
        "invoice_date": "2026-03-15",
        "tax_rate": rate,
        "amount_words": grand_total_words(lines, "price", rate),
    }
    fill(page, ctx, "commercial_invoice", fields, lines, "price", customer["name"], action)
