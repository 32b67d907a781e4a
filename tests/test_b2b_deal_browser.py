"""End to end in Chromium: an NPC purchaser inquires for the candidate's supply listing; the candidate,
the supplier, finds the inquiry in 我的交易, is refused a price with three decimals, and quotes; later
hands the goods to a carrier on the page and follows the parcel to 已签收."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from sandbox.b2b import companies, contracts, credit_code, deals, listings, members, npc_deals
from sandbox.b2b.deal_models import Deal, DealStage
from sandbox.logistics import tracking
from sandbox.pki import store
from sandbox.worlds.store import open_world

PASSWORD = "secret123"


def _seed(attempt) -> str:  # noqa: ANN001
    """The candidate's supplier company with its listing, and an NPC purchaser's inquiry; the deal number."""
    w = open_world(attempt.world_path)
    try:
        seller = companies.open_company(
            w,
            name="宁波甬杯实业有限公司",
            code=credit_code.make_code("330212", 6201),
            email="seller@b2b.sim",
            address="浙江省宁波市鄞州区天童南路588号",
            contact_name="陈立",
            contact_phone="13905741234",
        )
        members.open_login(w, login="seller@b2b.sim", password=PASSWORD, name="陈立", company=seller)
        listings.seed_listing(
            w,
            seller,
            created_at=w.now() - timedelta(days=1),
            kind="supply",
            title="304不锈钢保温杯 500ml 厂家直供",
            category="家居用品",
            product="保温杯",
            spec="304不锈钢，500ml",
            quantity=5000,
            unit="个",
            price_fen=2000,
            validity_days=30,
            delivery_terms="下单后2天内发货",
            payment_terms="货到付款",
        )
        npc_deals.purchaser_acts(w, {"product": "保温杯", "quantity": 120}, None)
        number = w.db.scalars(select(Deal.number)).one()
        w.commit()
        return number
    finally:
        w.close()


def _through_order(attempt) -> None:  # noqa: ANN001
    """The NPC purchaser accepts the quotation; the contract is signed by both; it orders; accepted."""
    w = open_world(attempt.world_path)
    try:
        deal = w.db.scalars(select(Deal)).one()
        npc_deals.purchaser_acts(w, {}, SimpleNamespace(payload={"deal_id": deal.id}))
        seller = deal.supplier
        contracts.send_contract(
            w,
            seller.id,
            deal.id,
            owner=seller.email,
            entry_id=npc_deals.signing_entry(w, seller),
            password=store.npc_password(w, seller.email),
        )
        npc_deals.purchaser_acts(w, {}, SimpleNamespace(payload={"deal_id": deal.id}))
        deals.accept_order(w, seller.id, deal.id)
        assert deal.stage == DealStage.ACCEPTED
        w.commit()
    finally:
        w.close()


def _carrier_delivers(attempt) -> None:  # noqa: ANN001
    w = open_world(attempt.world_path)
    try:
        number = w.db.scalars(select(Deal.tracking_no)).one()
        while tracking.next_status(tracking.get_waybill(w, number)) is not None:
            tracking.advance(w, number)
        w.commit()
    finally:
        w.close()


def test_supplier_answers_an_npc_inquiry_with_a_quotation(harness, tmp_path: Path) -> None:  # noqa: ANN001
    shots = Path(os.environ.get("B2B_DEALS_SCREENSHOTS") or tmp_path)
    attempt = harness.new_attempt("b2c-purchase", 58)
    number = _seed(attempt)
    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(base + harness.login_path(attempt))
        page.goto(base + "/b2b/login")
        page.fill("#login", "seller@b2b.sim")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/b2b/**")
        page.goto(base + "/b2b/deals/")
        row = page.locator(f'tr[data-deal="{number}"]')
        assert row.locator('[data-role="my-role"]').inner_text() == "供货方"
        row.get_by_role("link", name=number).click()
        page.locator('[data-doc-type="inquiry"]').wait_for()
        page.fill('input[name="unit_price"]', "21.505")
        page.locator('[data-action="quote"]').click()
        page.locator(".alert, .flash", has_text="最多两位小数").first.wait_for()
        page.fill('input[name="unit_price"]', "21.50")
        page.fill('input[name="valid_days"]', "5")
        page.locator('[data-action="quote"]').click()
        page.locator('[data-doc-type="quotation"]').wait_for()
        assert "21.50" in page.locator('[data-doc-type="quotation"]').inner_text()
        page.screenshot(path=str(shots / "b2b-deal-supplier-quote.png"), full_page=True)
        _through_order(attempt)
        page.reload()
        page.select_option('select[name="carrier"]', "SF")
        page.select_option('select[name="service"]', "express")
        page.fill('input[name="parcels"]', "6")
        page.fill('input[name="weight_kg"]', "60")
        page.locator('[data-action="ship"]').click()
        page.locator('[data-role="tracking"]').wait_for()
        assert "顺丰速运" in page.locator('[data-role="tracking"] h2').inner_text()
        _carrier_delivers(attempt)
        page.reload()
        assert page.locator('[data-role="tracking-event"]').count() == 6
        assert page.locator('[data-role="parcel-status"]').inner_text() == "已签收"
        page.screenshot(path=str(shots / "b2b-deal-supplier-shipped.png"), full_page=True)
    finally:
        context.close()
    w = open_world(attempt.world_path)
    try:
        deal = w.db.scalars(select(Deal)).one()
        assert deal.purchaser.npc
        assert deals.latest(w, deal, "quotation").lines[0]["unit_price"] == 2150
        assert deal.stage == DealStage.SHIPPED and deal.tracking_no.startswith("SF")
    finally:
        w.close()
