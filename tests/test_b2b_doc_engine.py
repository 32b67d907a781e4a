"""The document engine as services: numbering, immutability, versions, withdraw and receiver rules,
receivers outside the allowed set, and another company's documents out of reach."""

from __future__ import annotations

import pytest

from sandbox.b2b import documents, forms
from sandbox.b2b.company_models import Company, MembershipStatus
from sandbox.b2b.document_models import DocStatus, FrozenDocument
from sandbox.errors import Conflict, DomainError, NotFound


def company(w, name: str, status: str = MembershipStatus.APPROVED) -> Company:  # noqa: ANN001
    """An enterprise member made directly in the world."""
    c = Company(name=name, status=status, created_at=w.now())
    w.db.add(c)
    w.db.flush()
    return c


def po_form(**changes: str) -> dict:
    """A complete purchase order: 2 lines, 13% tax (1,235.50 + 160.615 → 160.62 = 1,396.12)."""
    fields = {
        "buyer_name": "杭州云帆贸易有限公司",
        "buyer_contact": "王敏",
        "buyer_phone": "13812345678",
        "seller_name": "宁波海纳电器有限公司",
        "order_date": "2026-12-01",
        "delivery_date": "2026-12-10",
        "delivery_place": "杭州市西湖区文三路100号",
        "payment_terms": "货到付款",
        "tax_rate": "13",
        "amount_words": "壹仟叁佰玖拾陆元壹角贰分",
    }
    fields.update(changes)
    lines = [
        {"name": "电热水壶", "spec": "1.7L", "unit": "台", "qty": "10", "unit_price": "89.50"},
        {"name": "电饭煲", "spec": "3L", "unit": "台", "qty": "3", "unit_price": "113.50"},
    ]
    return {"fields": fields, "lines": lines}


@pytest.fixture
def parties(w):  # noqa: ANN001, ANN201
    """Buyer, seller and a third company, all approved members."""
    return (
        company(w, "杭州云帆贸易有限公司"),
        company(w, "宁波海纳电器有限公司"),
        company(w, "温州第三方公司"),
    )


def sent_po(w, buyer, seller, **changes):  # noqa: ANN001, ANN003, ANN201
    return documents.submit(w, buyer.id, "purchase_order", po_form(**changes), seller.id)


def test_send_numbers_by_type_and_world_date_and_stores_clean_content(w, parties) -> None:  # noqa: ANN001
    buyer, seller, _ = parties
    first = sent_po(w, buyer, seller)
    second = sent_po(w, buyer, seller)
    stem = f"CG{w.now():%Y%m%d}-"
    assert (first.number, second.number) == (stem + "0001", stem + "0002")
    assert first.status == DocStatus.SENT and first.sent_at == w.now()
    assert (first.total_fen, first.tax_fen, first.grand_total_fen) == (123550, 16062, 139612)
    assert first.lines[0]["unit_price"] == 8950 and first.lines[0]["amount"] == 89500
    assert first.values["delivery_date"] == "2026-12-10"
    sent = [e.payload for e in w.events("b2b.document_sent")]
    assert sent[0] == {
        "id": first.id,
        "number": first.number,
        "doc_type": "purchase_order",
        "sender": buyer.id,
        "receiver": seller.id,
        "deal_id": None,
        "version": 1,
    }


def test_a_draft_has_no_number_and_can_change_but_a_sent_document_cannot(w, parties) -> None:  # noqa: ANN001
    buyer, seller, _ = parties
    draft = documents.create_draft(w, buyer.id, "purchase_order", {"fields": {"buyer_name": "半"}})
    assert draft.number is None and draft.status == DocStatus.DRAFT
    documents.update_draft(w, buyer.id, draft.id, po_form(), receiver_id=seller.id)
    documents.send(w, buyer.id, draft.id)
    with pytest.raises(Conflict):
        documents.update_draft(w, buyer.id, draft.id, po_form(delivery_place="别处"))
    with pytest.raises(Conflict):
        documents.send(w, buyer.id, draft.id)
    # Even code that bypasses the services cannot change a sent document's content.
    draft.fields = {"fields": {}, "lines": []}
    with pytest.raises(FrozenDocument):
        w.db.flush()
    w.db.rollback()


def test_send_refuses_an_incomplete_draft_with_field_errors(w, parties) -> None:  # noqa: ANN001
    buyer, seller, _ = parties
    draft = documents.create_draft(w, buyer.id, "purchase_order", po_form(delivery_date="", tax_rate="8"))
    with pytest.raises(forms.FormInvalid) as err:
        documents.send(w, buyer.id, draft.id, receiver_id=seller.id)
    assert set(err.value.errors) == {"delivery_date", "tax_rate"}
    assert draft.status == DocStatus.DRAFT and draft.number is None


def test_receivers_must_be_approved_others_and_inside_the_allowed_set(w, parties) -> None:  # noqa: ANN001
    buyer, seller, outsider = parties
    pending = company(w, "待审核公司", MembershipStatus.PENDING)
    for receiver, message in ((None, "请选择"), (buyer.id, "本公司"), (pending.id, "不是审核通过")):
        draft = documents.create_draft(w, buyer.id, "purchase_order", po_form())
        with pytest.raises(DomainError, match=message):
            documents.send(w, buyer.id, draft.id, receiver_id=receiver)
    draft = documents.create_draft(w, buyer.id, "purchase_order", po_form(), deal_id=7)
    with pytest.raises(DomainError, match="不是本笔交易的当事方") as err:
        documents.send(
            w, buyer.id, draft.id, receiver_id=outsider.id, allowed_receivers={buyer.id, seller.id}
        )
    assert err.value.status == 403
    doc = documents.send(
        w, buyer.id, draft.id, receiver_id=seller.id, allowed_receivers={buyer.id, seller.id}
    )
    assert doc.deal_id == 7 and doc.receiver_id == seller.id


def test_only_sender_and_receiver_can_read_a_document(w, parties) -> None:  # noqa: ANN001
    buyer, seller, outsider = parties
    doc = sent_po(w, buyer, seller)
    draft = documents.create_draft(w, buyer.id, "purchase_order", po_form(), receiver_id=seller.id)
    assert documents.get(w, seller.id, doc.id) is doc
    for company_id, doc_id in ((outsider.id, doc.id), (seller.id, draft.id), (outsider.id, 99999)):
        with pytest.raises(NotFound):
            documents.get(w, company_id, doc_id)
    with pytest.raises(NotFound):
        documents.get_by_number(w, outsider.id, doc.number)
    with pytest.raises(NotFound):
        documents.history(w, outsider.id, doc.id)
    assert documents.inbox(w, outsider.id) == []
    assert documents.inbox(w, seller.id) == [doc]  # the draft is not in the receiver's inbox
    assert set(documents.outbox(w, buyer.id)) == {doc, draft}
    assert documents.outbox(w, buyer.id, status=DocStatus.DRAFT) == [draft]
    assert documents.inbox(w, seller.id, doc_type="sales_contract") == []


def test_withdraw_only_by_the_sender_before_the_receiver_acted(w, parties) -> None:  # noqa: ANN001
    buyer, seller, _ = parties
    doc = sent_po(w, buyer, seller)
    with pytest.raises(DomainError, match="只有发送方"):
        documents.withdraw(w, seller.id, doc.id)
    documents.withdraw(w, buyer.id, doc.id, "数量有误")
    assert doc.status == DocStatus.WITHDRAWN
    with pytest.raises(Conflict):
        documents.accept(w, seller.id, doc.id)
    accepted = sent_po(w, buyer, seller)
    documents.accept(w, seller.id, accepted.id)
    with pytest.raises(Conflict, match="不能撤回"):
        documents.withdraw(w, buyer.id, accepted.id)
    assert [e.payload["number"] for e in w.events("b2b.document_withdrawn")] == [doc.number]


def test_receiver_actions_reject_needs_a_reason_and_the_sender_cannot_act(w, parties) -> None:  # noqa: ANN001
    buyer, seller, _ = parties
    doc = sent_po(w, buyer, seller)
    with pytest.raises(DomainError, match="只有接收方"):
        documents.accept(w, buyer.id, doc.id)
    with pytest.raises(DomainError, match="理由"):
        documents.reject(w, seller.id, doc.id, "  ")
    with pytest.raises(DomainError, match="不能执行"):
        documents.act(w, seller.id, doc.id, "sign")
    documents.reject(w, seller.id, doc.id, "单价有误")
    assert (doc.status, doc.decision_note) == (DocStatus.REJECTED, "单价有误")
    with pytest.raises(Conflict):
        documents.accept(w, seller.id, doc.id)


def test_a_revision_supersedes_the_old_version_and_history_shows_both(w, parties) -> None:  # noqa: ANN001
    buyer, seller, _ = parties
    doc = sent_po(w, buyer, seller)
    documents.reject(w, seller.id, doc.id, "交货日期太早")
    new = documents.revise(w, buyer.id, doc.id)
    assert (new.version, new.root_id, new.previous_id, new.status) == (2, doc.id, doc.id, DocStatus.DRAFT)
    assert documents.revise(w, buyer.id, doc.id) is new  # one open revision at a time
    documents.update_draft(w, buyer.id, new.id, po_form(delivery_date="2026-12-20"))
    documents.send(w, buyer.id, new.id)
    assert new.number == f"{doc.number}-V2"
    assert doc.status == DocStatus.SUPERSEDED and doc.values["delivery_date"] == "2026-12-10"
    assert new.values["delivery_date"] == "2026-12-20"
    assert [d.id for d in documents.versions(w, seller.id, new.id)] == [doc.id, new.id]
    actions = [(e.document_id, e.action) for e in documents.history(w, seller.id, doc.id)]
    assert (doc.id, "sent") in actions and (doc.id, "reject") in actions
    assert (new.id, "sent") in actions and (doc.id, "superseded") in actions
    with pytest.raises(Conflict):
        documents.revise(w, buyer.id, doc.id)  # superseded: revise the latest version instead
    documents.accept(w, seller.id, new.id)
    with pytest.raises(Conflict):
        documents.revise(w, buyer.id, new.id)  # accepted documents are final


def test_a_revision_cannot_go_to_another_company(w, parties) -> None:  # noqa: ANN001
    buyer, seller, outsider = parties
    doc = sent_po(w, buyer, seller)
    documents.withdraw(w, buyer.id, doc.id)
    new = documents.revise(w, buyer.id, doc.id)
    with pytest.raises(DomainError, match="原单证的接收方"):
        documents.send(w, buyer.id, new.id, receiver_id=outsider.id)


def test_every_registered_type_has_a_distinct_prefix_and_new_types_can_register() -> None:
    prefixes = [t.prefix for t in forms.REGISTRY.values()]
    assert len(prefixes) == len(set(prefixes))
    assert {"purchase_order", "sales_contract", "commercial_invoice", "delivery_note", "packing_list"} <= set(
        forms.REGISTRY
    )
    with pytest.raises(ValueError):
        forms.register(forms.PURCHASE_ORDER)


def test_an_npc_receiver_answers_on_the_world_clock(w, parties) -> None:  # noqa: ANN001
    from datetime import timedelta

    from sandbox.b2b import npc_docs  # noqa: F401 - registers the actions
    from sandbox.worlds import npc

    buyer, seller, outsider = parties
    seller.npc = True
    rules = [{"on": "b2b.document_sent", "do": "b2b.docs_answer", "args": {"after": "+10m"}}]
    doc = sent_po(w, buyer, seller)
    to_person = sent_po(w, buyer, outsider)  # not an NPC: nobody answers for it
    npc.run_due(w, rules)
    assert doc.status == DocStatus.SENT
    with w.at(w.now() + timedelta(minutes=11)):
        npc.run_due(w, rules)
    assert doc.status == DocStatus.ACCEPTED and to_person.status == DocStatus.SENT
    rejected = sent_po(w, buyer, seller)
    reject_rules = [
        {
            "on": "b2b.document_sent",
            "do": "b2b.docs_answer",
            "args": {"decision": "reject", "after": "+1m", "reason": "单价过高"},
        }
    ]
    with w.at(w.now() + timedelta(minutes=30)):
        npc.run_due(w, reject_rules)
    assert rejected.status == DocStatus.REJECTED and rejected.decision_note == "单价过高"
