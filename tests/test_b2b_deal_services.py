"""The deal chain as services: inquiry to settlement, and its bad inputs (an expired quotation, a
contract changed after signing, a document to a company outside the deal, another supplier's
quotation, amounts in the wrong unit or with three decimals, payments beyond what is outstanding)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from sandbox.b2b import companies, contracts, credit_code, deals, delivery, documents, npc_deals, settlement
from sandbox.b2b.company_models import Company
from sandbox.b2b.deal_models import DealStage
from sandbox.b2b.document_models import DocStatus, Document
from sandbox.b2b.listing_models import Listing
from sandbox.bank import accounts, enterprise
from sandbox.bank import services as bank
from sandbox.bank.models import AccountKind, EnterpriseRole
from sandbox.errors import Conflict, DomainError, NotFound
from sandbox.logistics import tracking
from sandbox.pki import store


def _company(w, name: str, n: int) -> Company:  # noqa: ANN001
    return companies.open_company(
        w,
        name=name,
        code=credit_code.make_code("330106", 4242 + n),
        email=f"deal{n}@mail.sim",
        address="浙江省杭州市西湖区文三路100号",
        contact_name="王敏",
        contact_phone="13812345678",
    )


@pytest.fixture
def buyer(w):  # noqa: ANN001, ANN201
    """The purchaser: an approved member with an enterprise account, its operator and approver."""
    company = _company(w, "杭州云帆贸易有限公司", 1)
    first = bank.all_banks(w)[0]
    account = bank.open_account(
        w,
        bank_code=first.code,
        number=bank.new_card_number(w, first),
        holder=company.name,
        kind=AccountKind.ENTERPRISE,
        credit_code=company.credit_code,
    )
    bank.fund(w, account, 10_000_000)
    company.bank_account_no = account.number
    accounts.add_enterprise_user(
        w, account, EnterpriseRole.OPERATOR, "王敏", "pass1234", "123456", "jb000001"
    )
    approver = accounts.add_enterprise_user(
        w, account, EnterpriseRole.APPROVER, "李娜", "pass1234", "654321", "fh000001"
    )
    return SimpleNamespace(company=company, approver=approver)


@pytest.fixture
def listing(w) -> Listing:  # noqa: ANN001
    """The seeded supply listing of 304 stainless vacuum cups (23.50 per 个)."""
    return w.db.scalars(select(Listing).where(Listing.product == "保温杯", Listing.kind == "supply")).one()


def _signing(w, company: Company) -> dict:  # noqa: ANN001
    return {
        "owner": company.email,
        "entry_id": npc_deals.signing_entry(w, company),
        "password": store.npc_password(w, company.email),
    }


def _npc(w, deal) -> None:  # noqa: ANN001
    """The NPC supplier's rule firing on the deal, with the scenario's rules."""
    args = {"markup_percent": 5, "accept_within_percent": 3, "ship_after_days": 2, "short_by": 1}
    npc_deals.supplier_answers(w, args, SimpleNamespace(payload={"deal_id": deal.id}))


def _deliver(w, deal) -> None:  # noqa: ANN001
    """The carrier takes the deal's parcel all the way to 已签收."""
    while tracking.next_status(delivery.of(w, deal).waybill) is not None:
        tracking.advance(w, deal.tracking_no)


def _inquire(w, buyer, listing, qty: int = 100):  # noqa: ANN001, ANN201
    return deals.inquire(w, buyer.company.id, listing_id=listing.id, quantity=str(qty))


def test_whole_chain_with_npc_supplier_short_delivery_and_payment(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _inquire(w, buyer, listing)
    _npc(w, deal)
    quotation = deals.latest(w, deal, "quotation")
    assert quotation.lines[0]["unit_price"] == 2468  # 23.50 × 1.05 = 24.675 → 24.68
    deals.counter(w, buyer.company.id, deal.id, "23.50")  # below 97% of 24.68 (23.94)
    _npc(w, deal)
    offer = deals.latest(w, deal, "counter_offer")
    assert offer.status == DocStatus.REJECTED and "23.94" in offer.decision_note
    deals.counter(w, buyer.company.id, deal.id, "24.00")
    _npc(w, deal)
    assert deal.stage == DealStage.CONTRACT_SENT and deal.unit_price_fen == 2400
    contracts.sign_contract(w, buyer.company.id, deal.id, **_signing(w, buyer.company))
    assert contracts.signed_by_both(w, deal)
    deals.place_order(w, buyer.company.id, deal.id)
    _npc(w, deal)
    assert deal.stage == DealStage.ACCEPTED
    with w.at(w.now() + timedelta(days=2)):
        npc_deals.supplier_ships(w, {"deal_id": deal.id, "short_by": 1}, None)
    assert deals.latest(w, deal, "delivery_note").lines[0]["qty"] == 99
    assert delivery.of(w, deal).waybill.carrier.code == "SF"
    _deliver(w, deal)
    deals.confirm_receipt(w, buyer.company.id, deal.id, "99")
    assert deal.delivered_fen == 99 * 2400
    _npc(w, deal)
    assert deal.stage == DealStage.INVOICED and deal.invoiced_fen == 237_600
    payment = settlement.pay(w, buyer.company.id, deal.id, "1000.00")
    assert settlement.amounts(w, deal).pending == 100_000
    enterprise.approve_payment(w, buyer.approver, payment.bank_payment_no, "654321")
    rest = settlement.pay(w, buyer.company.id, deal.id, "1376.00")
    enterprise.approve_payment(w, buyer.approver, rest.bank_payment_no, "654321")
    money = settlement.amounts(w, deal)
    assert (money.paid, money.outstanding, money.contract) == (237_600, 0, 240_000)
    assert settlement.settle(w, deal) and deal.stage == DealStage.SETTLED
    types = [d.doc_type for d in deals.chain(w, deal, buyer.company.id)]
    assert types[:2] == ["inquiry", "quotation"] and types[-1] == "commercial_invoice"


def test_quotation_accepted_after_it_expired_is_refused(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _inquire(w, buyer, listing)
    _npc(w, deal)
    with w.at(w.now() + timedelta(days=4)), pytest.raises(DomainError) as err:
        deals.accept_quotation(w, buyer.company.id, deal.id)
    assert "过期" in str(err.value) and deal.stage == DealStage.QUOTED
    assert deals.latest(w, deal, "quotation").status == DocStatus.SENT


def test_quotation_accepted_within_validity(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _inquire(w, buyer, listing)
    _npc(w, deal)
    with w.at(w.now() + timedelta(days=2)):
        deals.accept_quotation(w, buyer.company.id, deal.id)
    assert deal.stage == DealStage.AGREED and deal.contract_total_fen == 246_800


def _signed_deal(w, buyer, listing):  # noqa: ANN001, ANN201
    deal = _inquire(w, buyer, listing)
    _npc(w, deal)
    deals.accept_quotation(w, buyer.company.id, deal.id)
    _npc(w, deal)
    contracts.sign_contract(w, buyer.company.id, deal.id, **_signing(w, buyer.company))
    return deal


def test_contract_changed_after_signing_fails_verification(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _signed_deal(w, buyer, listing)
    doc = deals.contract(w, deal)
    assert [c.valid for c in contracts.verify(w, doc)] == [True, True]
    changed = dict(doc.fields)
    changed["lines"] = [{**doc.lines[0], "qty": 1000}]
    # What an attacker with database access would do: the ORM guard refuses it, SQL does not.
    w.db.execute(update(Document).where(Document.id == doc.id).values(fields=changed))
    w.db.expire_all()
    checks = contracts.verify(w, deals.contract(w, deal))
    assert [c.outcome for c in checks] == ["tampered", "tampered"]
    assert checks[0].label == "签名无效（内容被篡改）"
    assert not contracts.signed_by_both(w, deal)


def test_purchaser_cannot_sign_a_contract_whose_supplier_signature_fails(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _inquire(w, buyer, listing)
    _npc(w, deal)
    deals.accept_quotation(w, buyer.company.id, deal.id)
    _npc(w, deal)
    doc = deals.contract(w, deal)
    w.db.execute(update(Document).where(Document.id == doc.id).values(grand_total_fen=1))
    w.db.expire_all()
    with pytest.raises(DomainError) as err:
        contracts.sign_contract(w, buyer.company.id, deal.id, **_signing(w, buyer.company))
    assert "签名验证未通过" in str(err.value)


def test_wrong_certificate_password_signs_nothing(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _inquire(w, buyer, listing)
    _npc(w, deal)
    deals.accept_quotation(w, buyer.company.id, deal.id)
    _npc(w, deal)
    signing = {**_signing(w, buyer.company), "password": "wrong-password"}
    with pytest.raises(DomainError):
        contracts.sign_contract(w, buyer.company.id, deal.id, **signing)
    assert len(contracts.verify(w, deals.contract(w, deal))) == 1


def test_document_to_a_company_outside_the_deal_is_refused(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _inquire(w, buyer, listing)
    outsider = w.db.scalars(select(Company).where(Company.name == "杭州青禾茶业有限公司")).one()
    draft = documents.create_draft(w, buyer.company.id, "inquiry", deal_id=deal.id)
    with pytest.raises(DomainError) as err:
        deals.send_in_deal(w, buyer.company.id, deal.id, draft.id, outsider.id)
    assert err.value.status == 403 and "不是本笔交易的当事方" in str(err.value)


def test_one_supplier_cannot_reach_another_suppliers_quotation(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _inquire(w, buyer, listing)
    _npc(w, deal)
    quotation = deals.latest(w, deal, "quotation")
    other = w.db.scalars(select(Company).where(Company.name == "东莞市鑫达包装材料有限公司")).one()
    with pytest.raises(NotFound):
        deals.get_deal(w, other.id, deal.id)
    with pytest.raises(NotFound):
        documents.get(w, other.id, quotation.id)
    with pytest.raises(NotFound):
        documents.get_by_number(w, other.id, quotation.number)
    assert deals.deals_of(w, other.id) == []


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("23.505", "最多两位小数"),
        ("2350", "以元为单位"),  # typed in fen: 100 × the quotation
        ("23.5元", "以元为单位"),
        ("-1", "以元为单位"),
        ("0", "必须大于零"),
        ("30.00", "须低于报价"),
    ],
)
def test_counter_offer_amount_in_wrong_unit_or_with_three_decimals(w, buyer, listing, price, message) -> None:  # noqa: ANN001
    deal = _inquire(w, buyer, listing)
    _npc(w, deal)
    with pytest.raises(DomainError) as err:
        deals.counter(w, buyer.company.id, deal.id, price)
    assert message in str(err.value)
    assert deals.latest(w, deal, "counter_offer") is None


def _invoiced(w, buyer, listing):  # noqa: ANN001, ANN201
    deal = _signed_deal(w, buyer, listing)
    deals.place_order(w, buyer.company.id, deal.id)
    _npc(w, deal)
    npc_deals.supplier_ships(w, {"deal_id": deal.id, "short_by": 1}, None)
    _deliver(w, deal)
    deals.confirm_receipt(w, buyer.company.id, deal.id, "99")
    _npc(w, deal)
    return deal


@pytest.mark.parametrize("amount", ["2443.33", "2468.00", "2443.325", "244332"])
def test_payment_beyond_outstanding_or_badly_typed_is_refused(w, buyer, listing, amount) -> None:  # noqa: ANN001
    deal = _invoiced(w, buyer, listing)
    assert settlement.amounts(w, deal).due == 99 * 2468
    with pytest.raises(DomainError):
        settlement.pay(w, buyer.company.id, deal.id, amount)
    assert deal.payments == []


def test_pending_payments_count_against_outstanding(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _invoiced(w, buyer, listing)
    settlement.pay(w, buyer.company.id, deal.id, "2000")
    with pytest.raises(DomainError) as err:
        settlement.pay(w, buyer.company.id, deal.id, "443.33")
    assert "待复核 2000.00" in str(err.value)
    settlement.pay(w, buyer.company.id, deal.id, "443.32")


def test_steps_out_of_order_and_by_the_wrong_party_are_refused(w, buyer, listing) -> None:  # noqa: ANN001
    deal = _inquire(w, buyer, listing)
    with pytest.raises(Conflict):
        deals.place_order(w, buyer.company.id, deal.id)
    with pytest.raises(DomainError) as err:
        deals.quote(w, buyer.company.id, deal.id, "20.00")
    assert err.value.status == 403
    _npc(w, deal)
    with pytest.raises(Conflict):
        deals.confirm_receipt(w, buyer.company.id, deal.id, "10")
