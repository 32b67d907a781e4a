"""End to end in Chromium: fill a purchase order with two lines, see a field error, correct it, send;
the receiver finds it in the inbox; the print view; the PDF downloads and holds the text."""

from __future__ import annotations

import io
import os
from pathlib import Path

from pypdf import PdfReader

from sandbox.b2b import members
from sandbox.b2b.company_models import Company, MembershipStatus
from sandbox.worlds.store import open_world

PASSWORD = "secret123"


def _seed(attempt) -> None:  # noqa: ANN001
    w = open_world(attempt.world_path)
    try:
        for key, name in (("buyer", "杭州云帆贸易有限公司"), ("seller", "宁波海纳电器有限公司")):
            c = Company(name=name, status=MembershipStatus.APPROVED, created_at=w.now())
            w.db.add(c)
            w.db.flush()
            members.open_login(w, login=f"{key}@b2b.sim", password=PASSWORD, name=key, company=c)
        w.commit()
    finally:
        w.close()


def _sign_in(page, base: str, who: str) -> None:  # noqa: ANN001
    page.goto(base + "/b2b/login")
    page.fill("#login", f"{who}@b2b.sim")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/b2b/**")


def test_fill_send_receive_print_and_download(harness, tmp_path: Path) -> None:  # noqa: ANN001
    shots = Path(os.environ.get("B2B_DOCS_SCREENSHOTS") or tmp_path)
    attempt = harness.new_attempt("b2c-purchase", 57)
    _seed(attempt)
    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(base + harness.login_path(attempt))
    _sign_in(page, base, "buyer")
    page.goto(base + "/b2b/docs/new")
    page.click('[data-doc-type="purchase_order"]')
    for name, value in {
        "buyer_name": "杭州云帆贸易有限公司",
        "buyer_contact": "王敏",
        "buyer_phone": "13812345678",
        "seller_name": "宁波海纳电器有限公司",
        "order_date": "2026-12-01",
        "delivery_date": "2026-12-10",
        "delivery_place": "杭州市西湖区文三路100号",
        "amount_words": "壹仟叁佰玖拾陆元壹角贰分",
    }.items():
        page.fill(f"#f-{name}", value)
    page.select_option("#f-payment_terms", "货到付款")
    page.select_option("#f-tax_rate", "13")
    page.click("[data-add-line]")
    rows = page.locator("[data-line]")
    assert rows.count() == 2
    for i, (name, spec, qty, price) in enumerate(
        (("电热水壶", "1.7L", "10", "89.505"), ("电饭煲", "3L", "3", "113.50"))
    ):
        row = rows.nth(i)
        row.locator('[name="line_name"]').fill(name)
        row.locator('[name="line_spec"]').fill(spec)
        row.locator('[name="line_unit"]').select_option("台")
        row.locator('[name="line_qty"]').fill(qty)
        row.locator('[name="line_unit_price"]').fill(price)
    page.select_option("#receiver_id", label="宁波海纳电器有限公司")
    page.click('[data-action="send"]')
    error = page.locator('[data-error-for="lines-0-unit_price"]')
    assert "以元为单位" in error.inner_text()
    page.screenshot(path=str(shots / "b2b-doc-form-error.png"), full_page=True)
    page.locator("[data-line]").nth(0).locator('[name="line_unit_price"]').fill("89.50")
    page.click('[data-action="send"]')
    number = page.locator('[data-role="document"] [data-role="number"]').inner_text()
    assert number.startswith("CG")
    assert page.locator('[data-role="words"]').inner_text() == "人民币壹仟叁佰玖拾陆元壹角贰分"
    page.screenshot(path=str(shots / "b2b-doc-sent.png"), full_page=True)

    _sign_in(page, base, "seller")
    page.goto(base + "/b2b/docs/")
    row = page.locator(f'[data-doc="{number}"]')
    assert row.get_attribute("data-status") == "sent"
    page.screenshot(path=str(shots / "b2b-doc-inbox.png"), full_page=True)
    row.locator("a").click()
    page.click('[data-action="print-view"]')
    assert page.locator(".b2b-head").count() == 0 and page.locator('[data-role="document"]').is_visible()
    page.emulate_media(media="print")
    assert not page.locator("[data-print]").is_visible()
    page.screenshot(path=str(shots / "b2b-doc-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.go_back()
    with page.expect_download() as info:
        page.click('[data-action="pdf"]')
    data = Path(info.value.path()).read_bytes()
    text = "".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().replace("\x00", "").split())
    assert number in text and "电饭煲" in text and "壹仟叁佰玖拾陆元壹角贰分" in text
    context.close()
