"""邮件营销's pages: the seller-centre sign-in, the list, a campaign written, previewed, tested and sent,
the opt-in refusal over HTTP (nothing sent), the unsubscribe page, read-only and isolation between two
candidates, and the NPC simulation through the scenario's rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sandbox.control import people
from sandbox.mail.models import Message
from sandbox.marketing.models import Campaign, CampaignStatus, Delivery, MailingList, OptIn, Subscriber
from sandbox.worlds.store import open_world

SCENARIO = "info-publishing"
BODY = '<p>新到<strong>保温杯</strong><a href="/shop/p/P00001">看看</a></p><p><a href="{unsubscribe}">退订</a></p>'


@pytest.fixture
def shops(app, rt):  # noqa: ANN001, ANN201
    """An exam of info-publishing with two candidates; returns a function logging one in (signed in to
    the seller centre), the client carrying its attempt and merchant identity."""
    from tests.conftest import CandidateActions

    db = rt.control.session()
    exam = people.create_exam(db, "T-MK", "营销考试", [SCENARIO])
    people.add_candidate(db, exam, "M0001", "考生甲", "pass1234")
    people.add_candidate(db, exam, "M0002", "考生乙", "pass1234")
    db.commit()
    db.close()
    actions = CandidateActions(app, rt)

    def login(ticket: str = "M0001", seller: bool = True):  # noqa: ANN202
        client = actions.login(ticket)
        client.attempt = actions.attempt_of(client)
        client.ident = next(i for i in client.attempt.identities if i["role"] == "merchant")
        if seller:
            resp = client.post(
                "/seller/login",
                data={
                    "login": client.ident["shop_login"],
                    "password": client.ident["shop_password"],
                    "next": "/marketing/",
                },
            )
            assert resp.status_code == 302, resp.get_data(as_text=True)
        return client

    return login


def world(client, write: bool = False):  # noqa: ANN001, ANN201
    """The client's world (read-only unless `write`)."""
    return open_world(client.attempt.world_path, read_only=not write)


def new_campaign(client, **changes: str) -> int:  # noqa: ANN001
    """Save a draft through the form; its id."""
    data = {"subject": "保温杯上新", "sender_name": "测试小店", "body": BODY, **changes}
    resp = client.post("/marketing/campaigns/new", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return int(resp.location.rstrip("/").rsplit("/", 1)[-1])


def test_the_pages_need_the_seller_centre_sign_in(shops) -> None:  # noqa: ANN001
    client = shops(seller=False)
    for path in (
        "/marketing/",
        "/marketing/subscribers",
        "/marketing/campaigns/new",
        "/marketing/campaigns/1",
    ):
        resp = client.get(path)
        assert resp.status_code == 302 and resp.location.endswith("/marketing/login")
    page = client.get("/marketing/login").get_data(as_text=True)
    assert 'data-role="marketing-login"' in page and 'action="/seller/login"' in page
    assert client.post("/marketing/campaigns/1/send", data={"segment": "subscribed"}).status_code == 302
    resp = client.post("/seller/login", data={"login": client.ident["shop_login"], "password": "wrong"})
    assert resp.status_code == 401
    assert client.get("/marketing/").status_code == 302


def test_the_list_and_a_campaign_sent_from_the_pages(shops) -> None:  # noqa: ANN001
    client = shops()
    home = client.get("/marketing/").get_data(as_text=True)
    assert client.ident["shop_name"] in home and client.ident["email"] in home
    w = world(client)
    subs = list(w.db.scalars(select(Subscriber).order_by(Subscriber.id)))
    w.close()
    page = client.get("/marketing/subscribers").get_data(as_text=True)
    assert all(s.address in page for s in subs) and "待确认" in page and "已退订" in page
    pending = client.get("/marketing/subscribers?status=pending").get_data(as_text=True)
    assert all((s.address in pending) == (s.status == OptIn.PENDING) for s in subs)
    assert client.get("/marketing/subscribers?status=<script>").status_code == 200

    cid = new_campaign(client)
    page = client.get(f"/marketing/campaigns/{cid}").get_data(as_text=True)
    assert 'data-role="preview"' in page and "/marketing/unsubscribe/preview" in page
    assert client.post(f"/marketing/campaigns/{cid}/test").status_code == 302
    inbox = client.get("/mail/").get_data(as_text=True)
    assert "[测试] 保温杯上新" in inbox
    resp = client.post(f"/marketing/campaigns/{cid}/send", data={"segment": "subscribed"})
    assert resp.status_code == 302
    report = client.get(f"/marketing/campaigns/{cid}").get_data(as_text=True)
    assert 'data-role="report"' in report and 'data-action="send"' not in report
    w = world(client)
    c = w.db.get(Campaign, cid)
    opted = [s.address for s in subs if s.status == OptIn.SUBSCRIBED]
    assert c.status == CampaignStatus.SENT and [d.address for d in c.deliveries] == opted
    assert c.test_sent_at is not None and c.test_sent_at <= c.sent_at
    w.close()
    assert client.post(f"/marketing/campaigns/{cid}/send", data={"segment": "subscribed"}).status_code == 409
    resp = client.post(f"/marketing/campaigns/{cid}/edit", data={"subject": "改", "body": BODY})
    assert resp.status_code == 409


def test_an_address_not_opted_in_refuses_the_send_over_http(shops) -> None:  # noqa: ANN001
    client = shops()
    cid = new_campaign(client)
    w = world(client)
    subs = list(w.db.scalars(select(Subscriber).order_by(Subscriber.id)))
    messages = w.db.scalar(select(func.count(Message.id)))
    w.close()
    resp = client.post(
        f"/marketing/campaigns/{cid}/send", data={"segment": "picked", "recipient": [str(s.id) for s in subs]}
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "没有订阅" in page
    for s in subs:
        if s.status != OptIn.SUBSCRIBED:
            assert s.address in page
    assert all(f'value="{s.id}" id="r{s.id}" data-pick checked' in page for s in subs)
    w = world(client)
    assert w.db.get(Campaign, cid).status == CampaignStatus.DRAFT
    assert w.db.scalar(select(func.count(Delivery.id))) == 0
    assert w.db.scalar(select(func.count(Message.id))) == messages
    assert [e.payload["campaign"] for e in w.events("marketing.send_refused")] == [cid]
    w.close()
    for data, status in (
        ({"segment": "picked"}, 400),
        ({"segment": "picked", "recipient": ["99999"]}, 400),
        ({"segment": "picked", "recipient": ["x\x00", "-1", "9" * 40]}, 400),
        ({"segment": "all"}, 400),
    ):
        assert client.post(f"/marketing/campaigns/{cid}/send", data=data).status_code == status
    assert client.post("/marketing/campaigns/99999/send", data={"segment": "subscribed"}).status_code == 404


def test_form_refusals_keep_the_form(shops) -> None:  # noqa: ANN001
    client = shops()
    resp = client.post(
        "/marketing/campaigns/new", data={"subject": "长" * 101, "sender_name": "店", "body": "x"}
    )
    assert resp.status_code == 400 and "不能超过" in resp.get_data(as_text=True)
    cid = new_campaign(client, body="<p>没有退订链接</p>")
    resp = client.post(f"/marketing/campaigns/{cid}/send", data={"segment": "subscribed"})
    assert resp.status_code == 400 and "没有退订链接" in resp.get_data(as_text=True)
    resp = client.post(f"/marketing/campaigns/{cid}/test")
    assert resp.status_code == 400
    cid = new_campaign(client, subject="")
    assert "请填写邮件主题" in client.post(f"/marketing/campaigns/{cid}/test").get_data(as_text=True)
    assert client.get("/marketing/campaigns/99999").status_code == 404
    assert client.get(f"/marketing/campaigns/{cid}/edit").status_code == 200


def test_script_in_a_mail_is_removed_on_every_page(shops) -> None:  # noqa: ANN001
    client = shops()
    evil = '<p>杯<script>alert(1)</script><img src="/x.png" onerror="alert(2)"></p><a href="{unsubscribe}">退订</a>'
    cid = new_campaign(client, body=evil, subject="<script>alert(3)</script>")
    page = client.get(f"/marketing/campaigns/{cid}").get_data(as_text=True)
    assert "<script>alert" not in page and "onerror" not in page and "&lt;script&gt;alert(3)" in page
    assert client.post(f"/marketing/campaigns/{cid}/test").status_code == 302
    w = world(client)
    copy = w.db.scalars(select(Message).order_by(Message.id.desc())).first()
    w.close()
    shown = client.get(f"/mail/m/{copy.id}").get_data(as_text=True)
    assert "alert(1)" not in shown and "onerror" not in shown


def test_the_unsubscribe_page_takes_effect_at_once(shops) -> None:  # noqa: ANN001
    client = shops()
    cid = new_campaign(client)
    client.post(f"/marketing/campaigns/{cid}/send", data={"segment": "subscribed"})
    w = world(client)
    c = w.db.get(Campaign, cid)
    d = next(d for d in c.deliveries if d.message_id)
    token, address = d.subscriber.token, d.address
    box_copy = w.db.scalars(
        select(Message).where(Message.message_id == d.message_id, Message.folder == "inbox")
    ).one()
    w.close()
    assert f"/marketing/unsubscribe/{token}?c={cid}" in box_copy.raw
    page = client.get(f"/marketing/unsubscribe/{token}?c={cid}").get_data(as_text=True)
    assert address in page and 'data-action="unsubscribe"' in page
    resp = client.post(f"/marketing/unsubscribe/{token}?c={cid}")
    assert resp.status_code == 302
    assert 'data-role="unsubscribed"' in client.get(resp.location).get_data(as_text=True)
    w = world(client)
    sub = w.db.scalars(select(Subscriber).where(Subscriber.token == token)).one()
    assert sub.status == OptIn.UNSUBSCRIBED
    assert w.db.scalars(select(Delivery).where(Delivery.subscriber_id == sub.id)).one().unsubscribed_at
    w.close()
    later = new_campaign(client, subject="第二封")
    assert (
        client.post(f"/marketing/campaigns/{later}/send", data={"segment": "subscribed"}).status_code == 302
    )
    w = world(client)
    assert address not in [x.address for x in w.db.get(Campaign, later).deliveries]
    w.close()
    preview = client.get("/marketing/unsubscribe/preview").get_data(as_text=True)
    assert 'data-role="preview-link"' in preview
    for bad in ("nope", "0" * 24, "%00", "a" * 300):
        assert client.get(f"/marketing/unsubscribe/{bad}").status_code == 404
        assert client.post(f"/marketing/unsubscribe/{bad}").status_code == 404


def test_the_scenario_rule_simulates_the_recipients_on_the_world_clock(shops) -> None:  # noqa: ANN001
    client = shops()
    cid = new_campaign(client)
    client.post(f"/marketing/campaigns/{cid}/send", data={"segment": "subscribed"})
    client.get("/marketing/")  # the world is touched: the rule on marketing.campaign_sent runs
    w = world(client, write=True)
    assert w.events("marketing.simulated")
    from sandbox.worlds import npc

    with w.at(w.now() + timedelta(hours=3)):
        npc.run_due(w, [])
    w.commit()
    c = w.db.get(Campaign, cid)
    figures = (len(c.deliveries), sum(d.status == "delivered" for d in c.deliveries))
    bounced = sum(d.status == "bounced" for d in c.deliveries)
    w.close()
    assert bounced >= 1 and figures[1] == figures[0] - bounced
    page = client.get(f"/marketing/campaigns/{cid}").get_data(as_text=True)
    assert f'data-figure="bounced"><strong>{bounced}</strong>' in page
    assert "退信通知" in client.get("/mail/").get_data(as_text=True)


def test_two_candidates_see_only_their_own_shop(shops) -> None:  # noqa: ANN001
    one, two = shops("M0001"), shops("M0002")
    cid = new_campaign(one, subject="甲的邮件")
    w1, w2 = world(one), world(two)
    lst1 = w1.db.scalars(select(MailingList)).one()
    lst2 = w2.db.scalars(select(MailingList)).one()
    subs1 = {s.address for s in w1.db.scalars(select(Subscriber))}
    subs2 = {s.address for s in w2.db.scalars(select(Subscriber))}
    w1.close()
    w2.close()
    assert lst1.sender_address == one.ident["email"] and lst2.sender_address == two.ident["email"]
    page = two.get("/marketing/subscribers").get_data(as_text=True)
    assert subs1 - subs2 and not any(a in page for a in subs1 - subs2)
    assert "甲的邮件" not in two.get("/marketing/").get_data(as_text=True)
    assert two.get(f"/marketing/campaigns/{cid}").status_code == 404
    # the other candidate's seller login does not open this world's list
    resp = two.post(
        "/seller/login", data={"login": one.ident["shop_login"], "password": one.ident["shop_password"]}
    )
    assert resp.status_code == 401
