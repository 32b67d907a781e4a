"""The supplier's side of a deal as services: quote, answer a counter-offer, contract signed by both,
order accepted, goods handed to a carrier with a real waybill that moves on the world clock, receipt
once delivered, invoice, payment; an NPC purchaser playing the other side; and the refusals (a supplier
outside the deal, a purchaser doing the supplier's steps, prices in fen or with three decimals, more
shipped than ordered, steps out of order)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from sandbox.b2b import companies, contracts, credit_code, deals, delivery, listings, npc_deals, settlement
from sandbox.b2b.company_models import Company
from sandbox.b2b.deal_models import DealStage
from sandbox.b2b.document_models import DocStatus
from sandbox.bank import enterprise
from sandbox.errors import Conflict, DomainError, NotFound
from sandbox.logistics.models import ParcelStatus
from sandbox.pki import store
from sandbox.worlds.npc import run_due


def _company(w, name: str, n: int, address: str = "浙江省宁波市鄞州区天童南路588号") -> Company:  # noqa: ANN001
    return companies.open_company(
        w,
        name=name,
        code=credit_code.make_code("330212", 5150 + n),
        email=f"sup{n}@mail.sim",
        address=address,
        contact_name="陈立",
        contact_phone="13905741234",
    )


@pytest.fixture
def supplier(w) -> Company:  # noqa: ANN001
    """The candidate's company (not an NPC), with a published supply listing of 保温杯 at 20.00."""
    company = _company(w, "宁波甬杯实业有限公司", 1)
    listings.seed_listing(
        w,
        company,
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
    return company


@pytest.fixture
def buyer(w) -> Company:  # noqa: ANN001
    """A purchaser the test plays through the services, with an enterprise account (operator, approver)."""
    company = _company(w, "杭州云帆贸易有限公司", 2, "浙江省杭州市西湖区文三路100号")
    npc_deals.npc_bank_users(w, company)
    return company


def _listing(w, supplier):  # noqa: ANN001, ANN202
    return w.db.scalars(select(listings.Listing).where(listings.Listing.company_id == supplier.id)).one()


def _signing(w, company: Company) -> dict:  # noqa: ANN001
    return {
        "owner": company.email,
        "entry_id": npc_deals.signing_entry(w, company),
        "password": store.npc_password(w, company.email),
    }


def _inquiry(w, buyer, supplier, qty: int = 200):  # noqa: ANN001, ANN202
    return deals.inquire(w, buyer.id, listing_id=_listing(w, supplier).id, quantity=str(qty))


def _to_accepted(w, buyer, supplier):  # noqa: ANN001, ANN202
    deal = _inquiry(w, buyer, supplier)
    deals.quote(w, supplier.id, deal.id, "21.00", valid_days="5")
    deals.accept_quotation(w, buyer.id, deal.id)
    contracts.send_contract(w, supplier.id, deal.id, **_signing(w, supplier))
    contracts.sign_contract(w, buyer.id, deal.id, **_signing(w, buyer))
    deals.place_order(w, buyer.id, deal.id)
    deals.accept_order(w, supplier.id, deal.id, ship_in_days="1")
    return deal


def test_supplier_flow_quote_counter_contract_ship_receipt_invoice_paid(w, buyer, supplier) -> None:  # noqa: ANN001
    deal = _inquiry(w, buyer, supplier)
    assert [d.doc_type for d in deals.chain(w, deal, supplier.id)] == ["inquiry"]
    assert deals.deals_of(w, supplier.id) == [deal]
    quotation = deals.quote(w, supplier.id, deal.id, "21.50", valid_days="3", payment_terms="货到付款")
    assert quotation.lines[0]["unit_price"] == 2150
    assert quotation.values["valid_until"] == (w.now() + timedelta(days=3)).date().isoformat()
    deals.counter(w, buyer.id, deal.id, "20.00")
    with pytest.raises(DomainError) as err:
        deals.answer_counter(w, supplier.id, deal.id, accept=False, reason=" ")
    assert "理由" in str(err.value)
    deals.answer_counter(w, supplier.id, deal.id, accept=False, reason="最低 20.80 元")
    assert deal.stage == DealStage.QUOTED
    assert deals.latest(w, deal, "counter_offer").decision_note == "最低 20.80 元"
    deals.counter(w, buyer.id, deal.id, "20.80")
    deals.answer_counter(w, supplier.id, deal.id, accept=True)
    assert (deal.stage, deal.unit_price_fen, deal.contract_total_fen) == (DealStage.AGREED, 2080, 416_000)

    contract = contracts.send_contract(
        w, supplier.id, deal.id, **_signing(w, supplier), delivery_days=5, payment_terms="货到付款"
    )
    assert contract.values["delivery_place"] == deal.delivery_place and "违约金" in contract.values["penalty"]
    contracts.sign_contract(w, buyer.id, deal.id, **_signing(w, buyer))
    assert contracts.signed_by_both(w, deal)
    deals.place_order(w, buyer.id, deal.id)
    acceptance = deals.accept_order(w, supplier.id, deal.id, ship_in_days="2")
    assert acceptance.doc_type == "order_acceptance" and deal.stage == DealStage.ACCEPTED
    assert deals.latest(w, deal, "purchase_order").status == DocStatus.ACCEPTED

    note = deals.ship(
        w, supplier.id, deal.id, quantity="200", carrier="ZTO", service="standard", weight_kg="48"
    )
    parcel = delivery.of(w, deal)
    assert parcel.waybill.carrier.code == "ZTO" and parcel.waybill.number.startswith("78")
    assert note.values["waybill_no"] == parcel.waybill.number == deal.tracking_no
    assert parcel.waybill.receiver["city"] == "杭州市" and parcel.waybill.sender["city"] == "宁波市"
    assert parcel.waybill.reference == deal.number and parcel.waybill.weight_g == 48_000
    shipped = w.events("b2b.deal_shipped")[-1].payload
    assert shipped["waybill_no"] == parcel.waybill.number and shipped["carrier"] == "ZTO"

    with pytest.raises(Conflict) as err:  # the carrier has not delivered yet
        deals.confirm_receipt(w, buyer.id, deal.id, "200")
    assert err.value.status == 409 and "签收后才能确认收货" in str(err.value)
    with w.at(w.now() + timedelta(hours=1)):
        run_due(w, [])
        assert delivery.of(w, deal).waybill.status == ParcelStatus.IN_TRANSIT
    with w.at(w.now() + timedelta(hours=3)):
        run_due(w, [])
        trail = delivery.of(w, deal)
        assert trail.delivered and [e.status for e in trail.events][0] == ParcelStatus.SIGNED
        assert len(trail.events) == 6  # created, picked up, two transit scans, out for delivery, signed
        deals.confirm_receipt(w, buyer.id, deal.id, "198", "两个破损拒收")

    with pytest.raises(DomainError):
        deals.invoice(w, supplier.id, deal.id, quantity="200")  # more than was received
    invoice = deals.invoice(w, supplier.id, deal.id)
    assert invoice.grand_total_fen == 198 * 2080 and deal.stage == DealStage.INVOICED
    payment = settlement.pay(w, buyer.id, deal.id, "4118.40")
    _, approver, secret = npc_deals.npc_bank_users(w, buyer)
    enterprise.approve_payment(w, approver, payment.bank_payment_no, secret)
    assert settlement.settle(w, deal) and deal.stage == DealStage.SETTLED
    assert settlement.amounts(w, deal).paid == 411_840


def _npc_rule(w, deal, **args) -> None:  # noqa: ANN001, ANN003
    """The NPC purchaser's rule firing on an event of the deal."""
    npc_deals.purchaser_acts(w, args, SimpleNamespace(payload={"deal_id": deal.id}))


def test_npc_purchaser_inquires_counters_signs_orders_receives_and_pays(w, supplier) -> None:  # noqa: ANN001
    npc_deals.purchaser_acts(w, {"product": "保温杯", "quantity": 150}, None)
    deal = deals.deals_of(w, supplier.id)[0]
    buyer = deal.purchaser
    assert buyer.npc and deal.quantity == 150 and deal.stage == DealStage.INQUIRED
    deals.quote(w, supplier.id, deal.id, "22.00")
    _npc_rule(w, deal, counter_percent=95)
    assert deals.latest(w, deal, "counter_offer").lines[0]["unit_price"] == 2090
    deals.quote(w, supplier.id, deal.id, "21.50")  # a new quotation answers the counter-offer
    assert deals.latest(w, deal, "counter_offer").status == DocStatus.REJECTED
    _npc_rule(w, deal, counter_percent=95)
    assert deal.stage == DealStage.AGREED and deal.unit_price_fen == 2150
    contracts.send_contract(w, supplier.id, deal.id, **_signing(w, supplier))
    _npc_rule(w, deal)
    assert deal.stage == DealStage.ORDERED and contracts.signed_by_both(w, deal)
    deals.accept_order(w, supplier.id, deal.id)
    deals.ship(w, supplier.id, deal.id, carrier="SF", service="express", carrier_every=None)
    _npc_rule(w, deal)
    assert deal.stage == DealStage.SHIPPED  # not delivered yet: the NPC waits
    number = deal.tracking_no
    from sandbox.logistics import tracking

    while delivery.of(w, deal).waybill.status != ParcelStatus.SIGNED:
        tracking.advance(w, number)
    npc_deals.purchaser_acts(w, {}, SimpleNamespace(payload={"reference": deal.number}))
    assert deal.stage == DealStage.RECEIVED and deal.delivered_qty == 150
    deals.invoice(w, supplier.id, deal.id)
    _npc_rule(w, deal)
    assert deal.stage == DealStage.SETTLED
    money = settlement.amounts(w, deal)
    assert (money.paid, money.outstanding) == (150 * 2150, 0)


def test_npc_purchaser_refuses_a_contract_whose_signature_fails(w, supplier) -> None:  # noqa: ANN001
    from sqlalchemy import update

    from sandbox.b2b.document_models import Document

    npc_deals.purchaser_acts(w, {"product": "保温杯", "quantity": 10}, None)
    deal = deals.deals_of(w, supplier.id)[0]
    deals.quote(w, supplier.id, deal.id, "22.00")
    _npc_rule(w, deal)
    doc = contracts.send_contract(w, supplier.id, deal.id, **_signing(w, supplier))
    w.db.execute(update(Document).where(Document.id == doc.id).values(grand_total_fen=1))
    w.db.expire_all()
    with pytest.raises(DomainError):
        _npc_rule(w, deal)
    assert deal.stage == DealStage.CONTRACT_SENT


def test_receipt_before_delivery_when_the_scenario_allows_it(w, buyer, supplier) -> None:  # noqa: ANN001
    deal = _to_accepted(w, buyer, supplier)
    deals.ship(w, supplier.id, deal.id, carrier="YTO", service="economy", receipt_early=True)
    deals.confirm_receipt(w, buyer.id, deal.id, "200")
    assert deal.stage == DealStage.RECEIVED


def test_a_supplier_outside_the_deal_gets_not_found(w, buyer, supplier) -> None:  # noqa: ANN001
    deal = _inquiry(w, buyer, supplier)
    other = w.db.scalars(select(Company).where(Company.name == "东莞市鑫达包装材料有限公司")).one()
    for step in (
        lambda: deals.quote(w, other.id, deal.id, "20.00"),
        lambda: deals.answer_counter(w, other.id, deal.id, accept=True),
        lambda: deals.accept_order(w, other.id, deal.id),
        lambda: deals.ship(w, other.id, deal.id, carrier="SF"),
        lambda: deals.invoice(w, other.id, deal.id),
        lambda: contracts.send_contract(w, other.id, deal.id, **_signing(w, other)),
    ):
        with pytest.raises(NotFound) as err:
            step()
        assert err.value.status == 404
    assert deal.stage == DealStage.INQUIRED


def test_the_purchaser_cannot_take_the_suppliers_steps(w, buyer, supplier) -> None:  # noqa: ANN001
    deal = _to_accepted(w, buyer, supplier)
    for step in (
        lambda: deals.quote(w, buyer.id, deal.id, "20.00"),
        lambda: deals.answer_counter(w, buyer.id, deal.id, accept=True),
        lambda: deals.accept_order(w, buyer.id, deal.id),
        lambda: deals.ship(w, buyer.id, deal.id, carrier="SF"),
        lambda: deals.invoice(w, buyer.id, deal.id),
        lambda: contracts.send_contract(w, buyer.id, deal.id, **_signing(w, buyer)),
    ):
        with pytest.raises(DomainError) as err:
            step()
        assert err.value.status == 403 and "只有供货方" in str(err.value)
    assert deal.stage == DealStage.ACCEPTED and deal.tracking_no == ""


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("21.505", "最多两位小数"),
        ("2150", "以元为单位"),  # typed in fen: far above the listing's 20.00
        ("21.5元", "以元为单位"),
        ("0", "必须大于零"),
    ],
)
def test_quoting_in_fen_or_with_three_decimals_is_refused(w, buyer, supplier, price, message) -> None:  # noqa: ANN001
    deal = _inquiry(w, buyer, supplier)
    with pytest.raises(DomainError) as err:
        deals.quote(w, supplier.id, deal.id, price)
    assert message in str(err.value) and err.value.status == 400
    assert deals.latest(w, deal, "quotation") is None and deal.stage == DealStage.INQUIRED


@pytest.mark.parametrize(("days", "ok"), [("0", False), ("31", False), ("x", False), ("30", True)])
def test_quotation_validity_is_checked(w, buyer, supplier, days, ok) -> None:  # noqa: ANN001
    deal = _inquiry(w, buyer, supplier)
    if ok:
        deals.quote(w, supplier.id, deal.id, "21.00", valid_days=days)
        return
    with pytest.raises(DomainError) as err:
        deals.quote(w, supplier.id, deal.id, "21.00", valid_days=days)
    assert "有效期" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quantity": "201", "carrier": "SF"}, "超过订购数量"),
        ({"quantity": "-1", "carrier": "SF"}, "发货数量须为正整数"),
        ({"quantity": "1.5", "carrier": "SF"}, "发货数量须为正整数"),
        ({"carrier": ""}, "请选择承运的快递公司"),
        ({"carrier": "XX"}, "没有这家快递公司"),
        ({"carrier": "SF", "service": "economy"}, "没有“economy”这种服务"),
        ({"carrier": "SF", "weight_kg": "12.25"}, "公斤"),
        ({"carrier": "JD", "parcels": "1", "weight_kg": "31"}, "重量超出"),
    ],
)
def test_shipping_more_than_ordered_or_with_bad_details_is_refused(
    w, buyer, supplier, kwargs, message
) -> None:  # noqa: ANN001
    deal = _to_accepted(w, buyer, supplier)
    with pytest.raises(DomainError) as err:
        deals.ship(w, supplier.id, deal.id, **kwargs)
    assert message in str(err.value)
    assert deal.stage == DealStage.ACCEPTED and delivery.of(w, deal) is None


def test_supplier_steps_out_of_order_are_conflicts(w, buyer, supplier) -> None:  # noqa: ANN001
    deal = _inquiry(w, buyer, supplier)
    for step in (
        lambda: deals.answer_counter(w, supplier.id, deal.id, accept=True),
        lambda: contracts.send_contract(w, supplier.id, deal.id, **_signing(w, supplier)),
        lambda: deals.accept_order(w, supplier.id, deal.id),
        lambda: deals.ship(w, supplier.id, deal.id, carrier="SF"),
        lambda: deals.invoice(w, supplier.id, deal.id),
    ):
        with pytest.raises(Conflict) as err:
            step()
        assert err.value.status == 409


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("浙江省杭州市西湖区文三路100号", ("浙江省", "杭州市", "西湖区", "文三路100号")),
        ("北京市朝阳区建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
        ("上海市上海市浦东新区张江路1号", ("上海市", "上海市", "浦东新区", "张江路1号")),
        ("广东省东莞市长安镇振安中路208号", ("广东省", "东莞市", "", "长安镇振安中路208号")),
    ],
)
def test_addresses_become_waybill_parties(w, address, expected) -> None:  # noqa: ANN001
    got = delivery.split_address(w, address)
    assert (got["province"], got["city"], got["district"], got["detail"]) == expected


def test_an_address_without_a_province_is_refused(w) -> None:  # noqa: ANN001
    with pytest.raises(DomainError) as err:
        delivery.split_address(w, "文三路100号")
    assert "省份" in str(err.value)


def test_npc_purchaser_inquires_straight_to_the_candidates_company(w) -> None:  # noqa: ANN001
    seller = _company(w, "宁波甬杯实业有限公司", 3)  # no listing of its own
    npc_deals.purchaser_acts(
        w, {"product": "保温杯", "spec": "304不锈钢，500ml", "unit": "个", "quantity": 200}, None
    )
    deal = deals.deals_of(w, seller.id)[0]
    assert (deal.product, deal.unit, deal.quantity, deal.listing_id) == ("保温杯", "个", 200, None)
    assert deal.purchaser.npc and deals.latest(w, deal, "inquiry").receiver_id == seller.id


def test_npc_purchaser_without_a_supplier_records_why(w) -> None:  # noqa: ANN001
    with pytest.raises(DomainError) as err:
        npc_deals.purchaser_acts(w, {"product": "保温杯", "quantity": 10}, None)
    assert "没有可询价的供应信息" in str(err.value)
