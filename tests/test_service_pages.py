"""客服工作台's pages: the seller-centre sign-in, a conversation answered and resolved over HTTP, a refused
reply (nothing changed), quick replies, another shop's conversation not found, user text escaped."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.control import people
from sandbox.service import services
from sandbox.service.models import ChatMessage, Conversation, ConversationStatus
from sandbox.storefront.models import Shop
from sandbox.worlds.store import open_world

SCENARIO = "info-publishing"


@pytest.fixture
def seller(app, rt):  # noqa: ANN001, ANN201
    """A candidate of info-publishing (a merchant with an open shop); returns a function logging one in,
    signed in to the seller centre unless `signed=False`."""
    from tests.conftest import CandidateActions

    db = rt.control.session()
    exam = people.create_exam(db, "T-SV", "客服考试", [SCENARIO])
    people.add_candidate(db, exam, "S0001", "考生甲", "pass1234")
    db.commit()
    db.close()
    actions = CandidateActions(app, rt)

    def login(signed: bool = True):  # noqa: ANN202
        client = actions.login("S0001")
        client.attempt = actions.attempt_of(client)
        client.ident = next(i for i in client.attempt.identities if i["role"] == "merchant")
        if signed:
            resp = client.post(
                "/seller/login",
                data={"login": client.ident["shop_login"], "password": client.ident["shop_password"]},
            )
            assert resp.status_code == 302, resp.get_data(as_text=True)
        return client

    return login


def arrive(client, script: str = "stock", buyer: str = "小鹿", other_shop: bool = False) -> int:  # noqa: ANN001
    """An NPC buyer opens a chat at the candidate's shop (or another shop); its id."""
    w = open_world(client.attempt.world_path)
    try:
        shop = w.db.scalars(select(Shop).where(Shop.name == client.ident["shop_name"])).one()
        if other_shop:
            shop = w.db.scalars(select(Shop).where(Shop.id != shop.id).order_by(Shop.id)).first()
        conv = services.open_conversation(w, shop, script, buyer)
        w.commit()
        return conv.id
    finally:
        w.close()


def world(client):  # noqa: ANN001, ANN201
    return open_world(client.attempt.world_path, read_only=True)


def test_the_console_needs_the_seller_centre_sign_in(seller) -> None:  # noqa: ANN001
    client = seller(signed=False)
    for path in ("/service/", "/service/c/1", "/service/quick-replies", "/service/stats"):
        resp = client.get(path)
        assert resp.status_code == 302 and resp.location.endswith("/service/login")
    page = client.get("/service/login").get_data(as_text=True)
    assert 'data-role="service-login"' in page and 'action="/seller/login"' in page
    assert client.post("/service/c/1/reply", data={"text": "hi"}).status_code == 302


def test_answer_and_resolve_a_conversation(seller) -> None:  # noqa: ANN001
    client = seller()
    conv_id = arrive(client)
    page = client.get("/service/").get_data(as_text=True)
    assert f'data-conversation="{conv_id}"' in page and 'data-role="waiting"' in page
    page = client.get(f"/service/c/{conv_id}").get_data(as_text=True)
    assert "这款现在有货吗" in page and 'data-role="reply-form"' in page
    resp = client.post(f"/service/c/{conv_id}/reply", data={"text": "亲，有现货，今天就发"})
    assert resp.status_code == 302
    w = world(client)
    conv = w.db.get(Conversation, conv_id)
    assert conv.first_response_at is not None and conv.messages[-1].text == "亲，有现货，今天就发"
    w.close()
    assert client.post(f"/service/c/{conv_id}/resolve").status_code == 302
    w = world(client)
    assert w.db.get(Conversation, conv_id).status == ConversationStatus.RESOLVED
    w.close()
    resp = client.post(f"/service/c/{conv_id}/resolve")
    assert resp.status_code == 409 and "会话已结束" in resp.get_data(as_text=True)
    stats = client.get("/service/stats").get_data(as_text=True)
    assert 'data-role="resolved">1<' in stats


def test_a_bad_reply_is_refused_and_a_breach_is_flagged(seller) -> None:  # noqa: ANN001
    client = seller()
    conv_id = arrive(client, "discount")
    resp = client.post(f"/service/c/{conv_id}/reply", data={"text": "   "})
    assert resp.status_code == 400 and "请输入回复内容" in resp.get_data(as_text=True)
    resp = client.post(f"/service/c/{conv_id}/reply", data={"text": "好" * 501})
    assert resp.status_code == 400
    w = world(client)
    assert w.db.scalar(select(func.count(ChatMessage.id))) == 1
    w.close()
    resp = client.post(
        f"/service/c/{conv_id}/reply", data={"text": "保证最低价，放心买"}, follow_redirects=True
    )
    assert resp.status_code == 200 and 'data-role="breach"' in resp.get_data(as_text=True)
    w = world(client)
    assert len(w.events("service.forbidden_promise")) == 1
    w.close()


def test_quick_replies_and_sending_one(seller) -> None:  # noqa: ANN001
    client = seller()
    assert client.post("/service/quick-replies", data={"title": "", "text": ""}).status_code == 400
    resp = client.post("/service/quick-replies", data={"title": "有货", "text": "亲，现货充足，放心拍"})
    assert resp.status_code == 302
    w = world(client)
    shop = w.db.scalars(select(Shop).where(Shop.name == client.ident["shop_name"])).one()
    replies = services.quick_replies(w, shop)
    assert [q.title for q in replies] == ["欢迎语", "发货时间", "售后说明", "有货"]  # three seeded
    qid = replies[-1].id
    w.close()
    conv_id = arrive(client)
    page = client.get(f"/service/c/{conv_id}").get_data(as_text=True)
    assert f'value="{qid}"' in page
    assert client.post(f"/service/c/{conv_id}/reply", data={"text": "", "quick": str(qid)}).status_code == 302
    w = world(client)
    assert w.db.get(Conversation, conv_id).messages[-1].text == "亲，现货充足，放心拍"
    w.close()
    assert client.post(f"/service/quick-replies/{qid}/delete").status_code == 302
    assert client.post(f"/service/quick-replies/{qid}/delete").status_code == 404


def test_another_shops_conversation_is_not_found_and_text_is_escaped(seller) -> None:  # noqa: ANN001
    client = seller()
    other = arrive(client, other_shop=True)
    for resp in (
        client.get(f"/service/c/{other}"),
        client.post(f"/service/c/{other}/reply", data={"text": "你好"}),
        client.post(f"/service/c/{other}/resolve"),
        client.post(f"/service/c/{other}/transfer", data={"order": "X"}),
    ):
        assert resp.status_code == 404
    mine = arrive(client, buyer="<script>alert(1)</script>")
    client.post(f"/service/c/{mine}/reply", data={"text": "<b>bold</b>"})
    page = client.get(f"/service/c/{mine}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    resp = client.post(f"/service/c/{mine}/transfer", data={"order": "NO-SUCH", "note": ""})
    assert resp.status_code == 400 and "本店没有订单" in resp.get_data(as_text=True)


def test_the_npc_rule_brings_a_buyer_to_the_candidates_shop(seller) -> None:  # noqa: ANN001
    from sandbox import domains
    from sandbox.worlds import npc

    domains.load_npc_actions()
    client = seller()
    w = open_world(client.attempt.world_path)
    npc.ACTIONS["service.buyer_arrives"](w, {"script": "refund", "order": "E20260315001"}, None)
    w.commit()
    w.close()
    page = client.get("/service/").get_data(as_text=True)
    assert "data-conversation=" in page and 'data-role="waiting"' in page
    w = world(client)
    conv = w.db.scalars(select(Conversation)).one()
    assert conv.order_number == "E20260315001" and conv.buyer_name
    w.close()
    page = client.get(f"/service/c/{conv.id}?order=E2026").get_data(as_text=True)
    assert 'data-role="order-ref"' in page and 'data-role="no-orders"' in page


@pytest.mark.parametrize("value", ["99999999999999999999999999", "9223372036854775808", "0"])
def test_hostile_ids_are_not_found(seller, value: str) -> None:  # noqa: ANN001
    client = seller()
    assert client.get(f"/service/c/{value}").status_code == 404
    assert client.post(f"/service/c/{value}/reply", data={"text": "hi"}).status_code == 404
    assert client.post(f"/service/quick-replies/{value}/delete").status_code == 404
    conv_id = arrive(client)
    resp = client.post(f"/service/c/{conv_id}/reply", data={"text": "", "quick": value[:9]})
    assert resp.status_code in (400, 404)
    page = client.get(f"/service/c/{conv_id}?order=%00a%25")
    assert page.status_code < 500
