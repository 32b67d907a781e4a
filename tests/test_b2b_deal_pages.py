"""The supplier's deal pages: the incoming inquiry in 我的交易 and the documents inbox, a quotation with
its refusals, answering a counter-offer, the contract signed with a certificate, the order accepted, the
goods handed to a carrier and the purchaser's page showing the tracking; wrong party 403, outsider 404,
wrong stage 409."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from sandbox.b2b import companies, contracts, credit_code, deals, listings, members, npc_deals
from sandbox.b2b.company_models import Company
from sandbox.b2b.deal_models import Deal, DealStage
from sandbox.b2b.document_models import DocStatus
from sandbox.logistics import tracking
from sandbox.pki import store

PASSWORD = "secret123"


def _open(w, key: str, name: str, n: int, address: str) -> Company:  # noqa: ANN001
    company = companies.open_company(
        w,
        name=name,
        code=credit_code.make_code("330212", 6100 + n),
        email=f"{key}@b2b.sim",
        address=address,
        contact_name="陈立",
        contact_phone="13905741234",
    )
    members.open_login(w, login=f"{key}@b2b.sim", password=PASSWORD, name=key, company=company)
    return company


@pytest.fixture
def trade(candidates):  # noqa: ANN001, ANN201
    """A client, and a world with a supplier (its listing and certificate), a purchaser and an
    outsider, and the purchaser's inquiry to the supplier."""
    client = candidates.login()
    w = candidates.world(client, read_only=False)
    try:
        seller = _open(w, "seller", "宁波甬杯实业有限公司", 1, "浙江省宁波市鄞州区天童南路588号")
        buyer = _open(w, "buyer", "杭州云帆贸易有限公司", 2, "浙江省杭州市西湖区文三路100号")
        _open(w, "other", "温州第三方公司", 3, "浙江省温州市鹿城区人民路1号")
        listing = listings.seed_listing(
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
        npc_deals.signing_entry(w, seller)  # the company's certificate in its member's store
        deal = deals.inquire(w, buyer.id, listing_id=listing.id, quantity="120")
        ids = {"deal": deal.id, "number": deal.number, "seller": seller.id, "buyer": buyer.id}
        w.commit()
    finally:
        w.close()
    return client, ids


def sign_in(client, who: str) -> None:  # noqa: ANN001
    client.post("/b2b/logout")
    resp = client.post("/b2b/login", data={"login": f"{who}@b2b.sim", "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)


def in_world(candidates, client, fn):  # noqa: ANN001, ANN201
    """Run fn(w, deal) in the client's world and commit."""
    w = candidates.world(client, read_only=False)
    try:
        deal = w.db.scalars(select(Deal)).one()
        out = fn(w, deal)
        w.commit()
        return out
    finally:
        w.close()


def test_supplier_sees_the_inquiry_and_quotes_through_the_pages(candidates, trade) -> None:  # noqa: ANN001
    client, ids = trade
    sign_in(client, "seller")
    page = client.get("/b2b/deals/").get_data(as_text=True)
    assert ids["number"] in page and "供货方" in page
    inbox = client.get("/b2b/docs/?box=inbox").get_data(as_text=True)
    assert re.search(r"XJ\d{8}-\d{4}", inbox)
    show = client.get(f"/b2b/deals/{ids['deal']}").get_data(as_text=True)
    assert 'data-action="quote"' in show and 'data-action="accept-quotation"' not in show
    for price, message in (("21.505", "最多两位小数"), ("2150", "以元为单位"), ("", "以元为单位")):
        resp = client.post(f"/b2b/deals/{ids['deal']}/quote", data={"unit_price": price, "valid_days": "3"})
        assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    resp = client.post(
        f"/b2b/deals/{ids['deal']}/quote",
        data={"unit_price": "21.50", "valid_days": "5", "payment_terms": "货到付款"},
    )
    assert resp.status_code == 302
    quoted = in_world(candidates, client, lambda w, d: (d.stage, deals.latest(w, d, "quotation").values))
    assert quoted[0] == DealStage.QUOTED and quoted[1]["payment_terms"] == "货到付款"


def test_wrong_party_403_outsider_404_wrong_stage_409(candidates, trade) -> None:  # noqa: ANN001
    client, ids = trade
    sign_in(client, "buyer")
    resp = client.post(f"/b2b/deals/{ids['deal']}/quote", data={"unit_price": "10.00", "valid_days": "3"})
    assert resp.status_code == 403 and "只有供货方" in resp.get_data(as_text=True)
    sign_in(client, "other")
    assert client.get(f"/b2b/deals/{ids['deal']}").status_code == 404
    resp = client.post(f"/b2b/deals/{ids['deal']}/quote", data={"unit_price": "10.00", "valid_days": "3"})
    assert resp.status_code == 404
    sign_in(client, "seller")
    for action in ("agree", "accept_order", "ship", "invoice"):
        assert client.post(f"/b2b/deals/{ids['deal']}/{action}", data={"carrier": "SF"}).status_code == 409
    assert in_world(candidates, client, lambda w, d: d.stage) == DealStage.INQUIRED


def _countered(w, deal) -> None:  # noqa: ANN001
    deals.quote(w, deal.supplier_id, deal.id, "21.50")
    deals.counter(w, deal.purchaser_id, deal.id, "20.90", "量大请优惠")


def test_supplier_answers_the_counter_offer_signs_accepts_and_ships(candidates, trade) -> None:  # noqa: ANN001
    client, ids = trade
    in_world(candidates, client, _countered)
    sign_in(client, "seller")
    show = client.get(f"/b2b/deals/{ids['deal']}").get_data(as_text=True)
    assert "20.90" in show and "量大请优惠" in show and 'data-action="decline-counter"' in show
    resp = client.post(f"/b2b/deals/{ids['deal']}/decline", data={"reason": ""})
    assert resp.status_code == 400 and "理由" in resp.get_data(as_text=True)
    assert client.post(f"/b2b/deals/{ids['deal']}/agree").status_code == 302
    form = {"delivery_days": "5", "payment_terms": "货到付款", "password": "wrong-password"}
    entry = in_world(candidates, client, lambda w, d: store.signing_entries(w, "seller@b2b.sim")[0].id)
    resp = client.post(f"/b2b/deals/{ids['deal']}/contract", data={**form, "entry_id": str(entry)})
    assert resp.status_code in (400, 403)
    assert in_world(candidates, client, lambda w, d: (d.stage, deals.contract(w, d))) == (
        DealStage.AGREED,
        None,
    )
    password = in_world(candidates, client, lambda w, d: store.npc_password(w, "seller@b2b.sim"))
    resp = client.post(
        f"/b2b/deals/{ids['deal']}/contract", data={**form, "entry_id": str(entry), "password": password}
    )
    assert resp.status_code == 302

    def buyer_signs_and_orders(w, deal) -> None:  # noqa: ANN001
        buyer = deal.purchaser
        contracts.sign_contract(
            w,
            buyer.id,
            deal.id,
            owner=buyer.email,
            entry_id=npc_deals.signing_entry(w, buyer),
            password=store.npc_password(w, buyer.email),
        )
        deals.place_order(w, buyer.id, deal.id)

    in_world(candidates, client, buyer_signs_and_orders)
    assert (
        client.post(f"/b2b/deals/{ids['deal']}/accept_order", data={"ship_in_days": "1"}).status_code == 302
    )
    resp = client.post(
        f"/b2b/deals/{ids['deal']}/ship", data={"quantity": "121", "carrier": "ZTO", "service": "standard"}
    )
    assert resp.status_code == 400 and "超过订购数量" in resp.get_data(as_text=True)
    resp = client.post(
        f"/b2b/deals/{ids['deal']}/ship",
        data={"quantity": "120", "carrier": "ZTO", "service": "standard", "parcels": "6", "weight_kg": "60"},
    )
    assert resp.status_code == 302
    waybill = in_world(candidates, client, lambda w, d: d.tracking_no)
    assert waybill.startswith("78")
    show = client.get(f"/b2b/deals/{ids['deal']}").get_data(as_text=True)
    assert waybill in show and 'data-role="tracking"' in show and "中通快递" in show

    sign_in(client, "buyer")
    show = client.get(f"/b2b/deals/{ids['deal']}").get_data(as_text=True)
    assert 'data-role="await-delivery"' in show and 'data-action="receive"' not in show
    resp = client.post(f"/b2b/deals/{ids['deal']}/receive", data={"received": "120"})
    assert resp.status_code == 409 and "签收后才能确认收货" in resp.get_data(as_text=True)

    def carrier_delivers(w, deal) -> None:  # noqa: ANN001
        while tracking.next_status(tracking.get_waybill(w, deal.tracking_no)) is not None:
            tracking.advance(w, deal.tracking_no)

    in_world(candidates, client, carrier_delivers)
    show = client.get(f"/b2b/deals/{ids['deal']}").get_data(as_text=True)
    assert show.count('data-role="tracking-event"') == 6 and 'data-action="receive"' in show
    assert client.post(f"/b2b/deals/{ids['deal']}/receive", data={"received": "120"}).status_code == 302
    sign_in(client, "seller")
    assert client.post(f"/b2b/deals/{ids['deal']}/invoice").status_code == 302
    got = in_world(
        candidates, client, lambda w, d: (d.stage, deals.latest(w, d, "commercial_invoice").status)
    )
    assert got == (DealStage.INVOICED, DocStatus.SENT)
