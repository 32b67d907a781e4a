"""The online documents' pages: a form with field errors, drafts, sending, inbox and outbox with
filters, receiver actions, another company's document out of reach, the print view and the PDF."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from sandbox.b2b import members
from sandbox.b2b.company_models import Company, MembershipStatus
from sandbox.b2b.document_models import DocStatus, Document

PASSWORD = "secret123"


def seed_companies(candidates, client) -> dict[str, int]:  # noqa: ANN001
    """Three approved members with one login each, made directly in the client's world."""
    w = candidates.world(client, read_only=False)
    ids = {}
    try:
        for key, name in (
            ("buyer", "杭州云帆贸易有限公司"),
            ("seller", "宁波海纳电器有限公司"),
            ("other", "温州第三方公司"),
        ):
            c = Company(name=name, status=MembershipStatus.APPROVED, created_at=w.now())
            w.db.add(c)
            w.db.flush()
            members.open_login(w, login=f"{key}@b2b.sim", password=PASSWORD, name=key, company=c)
            ids[key] = c.id
        w.commit()
    finally:
        w.close()
    return ids


def sign_in(client, who: str) -> None:  # noqa: ANN001
    resp = client.post("/b2b/login", data={"login": f"{who}@b2b.sim", "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)


def po_post(receiver_id: int, action: str = "send", **changes: str) -> dict:
    """A purchase order as the form posts it (two lines)."""
    data = {
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
        "line_name": ["电热水壶", "电饭煲"],
        "line_spec": ["1.7L", "3L"],
        "line_unit": ["台", "台"],
        "line_qty": ["10", "3"],
        "line_unit_price": ["89.50", "113.50"],
        "line_amount": ["", ""],
        "receiver_id": str(receiver_id),
        "action": action,
    }
    data.update(changes)
    return data


@pytest.fixture
def trade(candidates):  # noqa: ANN001, ANN201
    client = candidates.login()
    ids = seed_companies(candidates, client)
    sign_in(client, "buyer")
    return client, ids


def documents_in(candidates, client) -> list[Document]:  # noqa: ANN001
    w = candidates.world(client)
    try:
        return list(w.db.scalars(select(Document).order_by(Document.id)))
    finally:
        w.close()


def test_a_visitor_is_sent_to_the_login(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    resp = client.get("/b2b/docs/")
    assert resp.status_code == 302 and "/b2b/login" in resp.location


def test_the_form_shows_field_errors_and_keeps_nothing(trade, candidates) -> None:  # noqa: ANN001
    client, ids = trade
    page = client.get("/b2b/docs/new/purchase_order").get_data(as_text=True)
    assert "采购订单" in page and 'name="line_unit_price"' in page and "宁波海纳电器有限公司" in page
    resp = client.post(
        "/b2b/docs/new/purchase_order",
        data=po_post(ids["seller"], line_unit_price=["89.505", "113.50"], delivery_date="2026/12/10"),
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r'data-error-for="lines-0-unit_price">[^<]*以元为单位', html)
    assert 'data-error-for="delivery_date"' in html and "YYYY-MM-DD" in html
    assert 'value="89.505"' in html  # what was typed is shown again
    assert documents_in(candidates, client) == []


def test_save_a_draft_then_send_it_and_the_receiver_accepts(trade, candidates) -> None:  # noqa: ANN001
    client, ids = trade
    resp = client.post(
        "/b2b/docs/new/purchase_order", data=po_post(ids["seller"], action="save", tax_rate="")
    )
    assert resp.status_code == 302
    [draft] = documents_in(candidates, client)
    assert draft.status == DocStatus.DRAFT
    page = client.get(f"/b2b/docs/{draft.id}").get_data(as_text=True)
    assert 'value="电热水壶"' in page and "（发送时生成）" in page
    resp = client.post(f"/b2b/docs/{draft.id}/edit", data=po_post(ids["seller"]))
    assert resp.status_code == 302
    [doc] = documents_in(candidates, client)
    assert doc.status == DocStatus.SENT and doc.grand_total_fen == 139612
    page = client.get(f"/b2b/docs/{doc.id}").get_data(as_text=True)
    assert "人民币壹仟叁佰玖拾陆元壹角贰分" in page and "1,396.12" in page and doc.number in page
    assert client.post(f"/b2b/docs/{doc.id}/edit", data=po_post(ids["seller"])).status_code == 409

    outbox = client.get("/b2b/docs/?box=outbox&type=purchase_order&status=sent").get_data(as_text=True)
    assert doc.number in outbox
    assert doc.number not in client.get("/b2b/docs/?box=outbox&status=draft").get_data(as_text=True)

    sign_in(client, "seller")
    inbox = client.get("/b2b/docs/").get_data(as_text=True)
    assert doc.number in inbox and "杭州云帆贸易有限公司" in inbox
    assert doc.number not in client.get("/b2b/docs/?type=packing_list").get_data(as_text=True)
    assert client.post(f"/b2b/docs/{doc.id}/reject", data={"note": ""}).status_code == 400
    assert client.post(f"/b2b/docs/{doc.id}/accept").status_code == 302
    sign_in(client, "buyer")
    assert client.post(f"/b2b/docs/{doc.id}/withdraw").status_code == 409
    history = client.get(f"/b2b/docs/{doc.id}").get_data(as_text=True)
    assert 'data-action="sent"' in history and 'data-action="accept"' in history


def test_another_company_cannot_reach_the_document(trade, candidates) -> None:  # noqa: ANN001
    client, ids = trade
    client.post("/b2b/docs/new/purchase_order", data=po_post(ids["seller"]))
    [doc] = documents_in(candidates, client)
    sign_in(client, "other")
    for path in ("", "/print", "/pdf"):
        assert client.get(f"/b2b/docs/{doc.id}{path}").status_code == 404
    assert client.post(f"/b2b/docs/{doc.id}/accept").status_code == 404
    assert doc.number not in client.get("/b2b/docs/").get_data(as_text=True)


def test_print_view_and_pdf_with_chinese_text(trade, candidates) -> None:  # noqa: ANN001
    client, ids = trade
    client.post("/b2b/docs/new/purchase_order", data=po_post(ids["seller"]))
    [doc] = documents_in(candidates, client)
    page = client.get(f"/b2b/docs/{doc.id}/print").get_data(as_text=True)
    assert "data-print" in page and "taskpanel" not in page and "壹仟叁佰玖拾陆元壹角贰分" in page
    resp = client.get(f"/b2b/docs/{doc.id}/pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    # pypdf reads fpdf2's CID font with a NUL before each character: compare without them and spaces.
    text = "".join(PdfReader(io.BytesIO(resp.data)).pages[0].extract_text().replace("\x00", "").split())
    for expected in (
        "采购订单",
        doc.number,
        "电热水壶",
        "壹仟叁佰玖拾陆元壹角贰分",
        "杭州市西湖区文三路100号",
    ):
        assert expected in text, expected


def test_deal_documents_are_answered_on_the_deal_not_here(trade, candidates) -> None:  # noqa: ANN001
    from sandbox.b2b import documents
    from tests.test_b2b_doc_engine import po_form

    client, ids = trade
    w = candidates.world(client, read_only=False)
    try:
        doc = documents.submit(w, ids["buyer"], "purchase_order", po_form(), ids["seller"], deal_id=5)
        w.commit()
        doc_id = doc.id
    finally:
        w.close()
    sign_in(client, "seller")
    assert 'data-action="accept"' not in client.get(f"/b2b/docs/{doc_id}").get_data(as_text=True)
    assert client.post(f"/b2b/docs/{doc_id}/accept").status_code == 409
    assert client.get("/b2b/docs/new/no_such_type").status_code == 404
