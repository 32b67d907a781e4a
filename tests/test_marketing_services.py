"""Marketing mail services: the seeded list, sending only to opted-in addresses (a refusal sends nothing),
unsubscribes at once, sanitised HTML, the NPC recipients on the world clock and the report."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sandbox.errors import Conflict, DomainError
from sandbox.mail import services as mail
from sandbox.mail.models import Folder, Message
from sandbox.marketing import npc as marketing_npc  # noqa: F401  (registers the actions)
from sandbox.marketing import services
from sandbox.marketing.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, MailingList, OptIn
from sandbox.storefront.models import Shop
from sandbox.worlds import npc
from seed_data.marketing_seed import add_subscribers

SENDER = "owner.test@mail.sim"


@pytest.fixture
def mlist(w):  # noqa: ANN001, ANN201
    """A shop's list with seeded NPC subscribers and the owner's mailbox."""
    shop = w.db.scalars(select(Shop).order_by(Shop.id)).first()
    mail.open_mailbox(w, SENDER, "店主")
    lst = MailingList(
        shop_id=shop.id, shop_name=shop.name, owner_account_id=None, sender_address=SENDER, seed_key="t1"
    )
    w.db.add(lst)
    w.db.flush()
    add_subscribers(w, lst, random.Random("marketing-t1"))
    w.commit()
    return lst


def draft(w, lst, **changes):  # noqa: ANN001, ANN003, ANN201
    """A draft about a thermos cup, with a product link and the unsubscribe tag."""
    form = services.CampaignForm(
        subject="316不锈钢保温杯 限时8折",
        sender_name=lst.shop_name,
        body_html='<p>新款<strong>316不锈钢保温杯</strong>上市！<a href="/shop/p/P00001">立即抢购</a></p>'
        '<p><a href="{unsubscribe}">退订</a></p>',
        unsubscribe_footer=False,
    )
    for k, v in changes.items():
        setattr(form, k, v)
    return services.save_campaign(w, lst, form)


def inbox(w, address: str) -> list[Message]:  # noqa: ANN001
    box = mail.mailbox_by_address(w, address)
    return mail.folder(w, box, Folder.INBOX) if box else []


def test_the_seeded_list(w, mlist) -> None:  # noqa: ANN001
    subs = services.subscribers(w, mlist)
    counts = services.status_counts(w, mlist)
    assert (
        5 <= counts[OptIn.SUBSCRIBED] <= 7 and counts[OptIn.PENDING] >= 2 and counts[OptIn.UNSUBSCRIBED] >= 2
    )
    assert len({s.token for s in subs}) == len(subs) and len({s.address for s in subs}) == len(subs)
    dead = [s for s in subs if mail.mailbox_by_address(w, s.address) is None]
    assert 1 <= len(dead) <= 2 and all(s.status == OptIn.SUBSCRIBED and s.source == "import" for s in dead)
    for s in subs:
        assert (s.confirmed_at is None) == (s.status == OptIn.PENDING)
        assert (s.unsubscribed_at is not None) == (s.status == OptIn.UNSUBSCRIBED)
        assert s.opted_in_at(w.now()) == (s.status == OptIn.SUBSCRIBED)


def test_send_to_the_opted_in_each_with_their_own_unsubscribe_link(w, mlist) -> None:  # noqa: ANN001
    c = draft(w, mlist)
    assert (
        services.send_campaign(w, mlist, c, "subscribed", [])
        == services.status_counts(w, mlist)["subscribed"]
    )
    assert c.status == CampaignStatus.SENT and c.sent_at == w.now()
    opted = services.subscribers(w, mlist, OptIn.SUBSCRIBED)
    assert [d.address for d in c.deliveries] == [s.address for s in opted]
    for s in opted:
        got = inbox(w, s.address)
        if mail.mailbox_by_address(w, s.address) is None:
            continue  # bounces later
        assert len(got) == 1
        shown = mail.show(got[0])
        assert f"/marketing/unsubscribe/{s.token}?c={c.id}" in shown.html
        assert shown.sender.startswith(mlist.shop_name) and SENDER in shown.sender
        assert "316不锈钢保温杯" in shown.text and f"/marketing/unsubscribe/{s.token}" in shown.text
    for s in services.subscribers(w, mlist):
        if s.status != OptIn.SUBSCRIBED:
            assert inbox(w, s.address) == []
    event = w.emitted[-1]
    assert event.name == "marketing.campaign_sent" and event.payload["to"] == [s.address for s in opted]
    with pytest.raises(Conflict):
        services.send_campaign(w, mlist, c, "subscribed", [])


def test_a_selection_with_an_address_not_opted_in_is_refused_and_nothing_is_sent(w, mlist) -> None:  # noqa: ANN001
    c = draft(w, mlist)
    w.commit()
    everyone = services.subscribers(w, mlist)
    not_in = [s for s in everyone if s.status != OptIn.SUBSCRIBED]
    messages = w.db.scalar(select(func.count(Message.id)))
    with pytest.raises(DomainError) as caught:
        services.send_campaign(w, mlist, c, "picked", [s.id for s in everyone])
    assert caught.value.status == 400
    assert all(s.address in str(caught.value) for s in not_in)
    assert "待确认" in str(caught.value) and "已退订" in str(caught.value)
    c = w.db.get(Campaign, c.id)
    assert c.status == CampaignStatus.DRAFT and c.deliveries == []
    assert w.db.scalar(select(func.count(Message.id))) == messages
    assert w.db.scalar(select(func.count(Delivery.id))) == 0
    refused = w.events("marketing.send_refused")  # kept, committed on its own
    assert refused and sorted(refused[-1].payload["addresses"]) == sorted(s.address for s in not_in)
    one_pending = [s.id for s in not_in if s.status == OptIn.PENDING][:1]
    with pytest.raises(DomainError):
        services.send_campaign(w, mlist, c, "picked", one_pending)
    opted = [s.id for s in everyone if s.status == OptIn.SUBSCRIBED][:2]
    assert services.send_campaign(w, mlist, c, "picked", opted) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subject": "  "}, "请填写邮件主题"),
        ({"sender_name": ""}, "请填写发件人名称"),
        ({"body_html": "<p> </p>"}, "请填写邮件正文"),
        ({"body_html": "<p>保温杯上新</p>"}, "没有退订链接"),
    ],
)
def test_an_incomplete_campaign_is_refused(w, mlist, changes: dict, message: str) -> None:  # noqa: ANN001
    c = draft(w, mlist, **changes)
    for send in (
        lambda: services.send_test(w, mlist, c),
        lambda: services.send_campaign(w, mlist, c, "subscribed", []),
    ):
        with pytest.raises(DomainError) as caught:
            send()
        assert message in str(caught.value) and caught.value.status == 400
    assert c.status == CampaignStatus.DRAFT and c.test_sent_at is None


def test_the_footer_is_an_unsubscribe_link_too(w, mlist) -> None:  # noqa: ANN001
    c = draft(w, mlist, body_html="<p>保温杯上新</p>", unsubscribe_footer=True)
    assert services.has_unsubscribe_link(c) and "/marketing/unsubscribe/preview" in services.preview(c)
    services.send_campaign(w, mlist, c, "subscribed", [])
    first = c.deliveries[0] if c.deliveries[0].message_id else c.deliveries[-1]
    copy = inbox(w, first.address)[0]
    assert f"/marketing/unsubscribe/{first.subscriber.token}" in mail.show(copy).html


def test_bad_choices_of_recipients(w, mlist) -> None:  # noqa: ANN001
    c = draft(w, mlist)
    for segment, picked, message in (
        ("everyone", [], "请选择收件人范围"),
        ("picked", [], "请选择收件人"),
        ("picked", [999999], "不在本店的订阅名单中"),
    ):
        with pytest.raises(DomainError) as caught:
            services.send_campaign(w, mlist, c, segment, picked)
        assert message in str(caught.value)
    assert c.status == CampaignStatus.DRAFT


def test_script_and_event_handlers_are_removed(w, mlist) -> None:  # noqa: ANN001
    evil = (
        '<p onclick="steal()">保温杯<script>alert(1)</script><img src="/x.png" onerror="alert(2)">'
        '<a href="javascript:alert(3)">看看</a><style>p{color:red}</style></p><p><a href="{unsubscribe}">退订</a></p>'
    )
    c = draft(w, mlist, body_html=evil)
    for html in (c.body_html, services.preview(c)):
        low = html.lower()
        assert "<script" not in low and "onerror" not in low and "onclick" not in low
        assert "javascript:" not in low and "<style" not in low and "保温杯" in html
    services.send_test(w, mlist, c)
    copy = inbox(w, SENDER)[0]
    assert copy.subject.startswith("[测试]")
    for html in (copy.raw.lower(), mail.show(copy).html.lower()):
        assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert c.test_sent_at == w.now() and w.emitted[-1].name == "marketing.test_sent"


def test_a_sent_campaign_cannot_be_changed_and_limits_hold(w, mlist) -> None:  # noqa: ANN001
    with pytest.raises(DomainError):
        draft(w, mlist, subject="长" * 101)
    c = draft(w, mlist)
    services.send_campaign(w, mlist, c, "subscribed", [])
    with pytest.raises(Conflict):
        services.save_campaign(w, mlist, services.CampaignForm(subject="改"), c)


def test_unsubscribe_takes_effect_at_once(w, mlist) -> None:  # noqa: ANN001
    c = draft(w, mlist)
    services.send_campaign(w, mlist, c, "subscribed", [])
    leaving = c.deliveries[0].subscriber
    sub = services.by_token(w, leaving.token.upper())
    assert services.unsubscribe(w, sub, c.id) is True
    assert sub.status == OptIn.UNSUBSCRIBED and sub.unsubscribed_at == w.now()
    assert c.deliveries[0].unsubscribed_at == w.now()
    assert w.emitted[-1].name == "marketing.unsubscribed" and w.emitted[-1].payload["campaign"] == c.id
    assert services.unsubscribe(w, sub, c.id) is False  # once
    later = draft(w, mlist, subject="第二封")
    services.send_campaign(w, mlist, later, "subscribed", [])
    assert leaving.address not in {d.address for d in later.deliveries}
    third = draft(w, mlist, subject="第三封")
    w.commit()
    with pytest.raises(DomainError) as caught:
        services.send_campaign(w, mlist, third, "picked", [leaving.id])
    assert leaving.address in str(caught.value)
    for token in ("", "zz", "0" * 24, "../../etc", "a" * 200):
        with pytest.raises(DomainError) as missing:
            services.by_token(w, token)
        assert missing.value.status == 404


def run_npcs(w, c, minutes: int = 240, **rates: float) -> None:  # noqa: ANN001, ANN003
    """Fire the simulation on the campaign's sent event, then let the world clock run."""
    trigger = w.events("marketing.campaign_sent")[-1]
    marketing_npc.simulate(w, rates, trigger)
    with w.at(w.now() + timedelta(minutes=minutes)):
        npc.run_due(w, [])


def test_npc_recipients_deliver_bounce_open_and_click_on_the_world_clock(w, mlist) -> None:  # noqa: ANN001
    c = draft(w, mlist)
    services.send_campaign(w, mlist, c, "subscribed", [])
    marketing_npc.simulate(w, {"open_rate": 1, "click_rate": 1}, w.events("marketing.campaign_sent")[-1])
    assert all(d.status == DeliveryStatus.SENT for d in c.deliveries)  # nothing before its time
    npc.run_due(w, [])
    assert all(d.status == DeliveryStatus.SENT for d in c.deliveries)
    with w.at(w.now() + timedelta(hours=4)):
        npc.run_due(w, [])
    dead = [d for d in c.deliveries if not d.message_id]
    live = [d for d in c.deliveries if d.message_id]
    assert dead and all(d.status == DeliveryStatus.BOUNCED and d.bounced_at > c.sent_at for d in dead)
    assert all(d.status == DeliveryStatus.DELIVERED and d.delivered_at > c.sent_at for d in live)
    bounce_notices = [m for m in inbox(w, SENDER) if m.subject.startswith("退信通知")]
    assert len(bounce_notices) == len(dead)
    assert {d.address for d in dead} == {
        a for m in bounce_notices for a in (d.address for d in dead) if a in mail.show(m).text
    }
    opened = [d for d in live if d.opened_at]
    assert opened and all(d.opened_at > d.delivered_at for d in opened)
    assert all(d.clicked_at and d.clicked_at > d.opened_at for d in opened)  # a link to click, rate 1
    for d in opened:
        assert inbox(w, d.address)[0].is_read  # the NPC read its copy
    r = services.report(c)
    assert (r.sent, r.delivered, r.bounced) == (len(c.deliveries), len(live), len(dead))
    assert (r.opened, r.clicked) == (len(opened), len(opened))
    assert r.rates["delivered"] == f"{len(live) * 100 / len(c.deliveries):.1f}%"
    names = {e.name for e in w.events()}
    assert {"marketing.delivered", "marketing.bounced", "marketing.opened", "marketing.clicked"} <= names


def test_npc_unsubscribes_count_in_the_report_and_the_list(w, mlist) -> None:  # noqa: ANN001
    c = draft(w, mlist)
    services.send_campaign(w, mlist, c, "subscribed", [])
    run_npcs(w, c, open_rate=1, click_rate=0, unsubscribe_rate=1)
    left = [d for d in c.deliveries if d.unsubscribed_at]
    assert left and len(left) == len([d for d in c.deliveries if d.opened_at])
    assert all(d.subscriber.status == OptIn.UNSUBSCRIBED for d in left)
    r = services.report(c)
    assert r.unsubscribed == len(left) and r.clicked == 0
    assert r.rates["unsubscribed"] == f"{len(left) * 100 / r.delivered:.1f}%"
    assert r.rates["click_to_open"] == "0.0%"
    events = w.events("marketing.unsubscribed")
    assert len(events) == len(left) and {e.payload["via"] for e in events} == {"npc"}


def test_simulate_schedules_steps_and_refuses_bad_rates(w, mlist) -> None:  # noqa: ANN001
    c = draft(w, mlist)
    services.send_campaign(w, mlist, c, "subscribed", [])
    marketing_npc.simulate(w, {}, w.events("marketing.campaign_sent")[-1])
    from sandbox.worlds.base import Scheduled

    plan = [
        (j.due_at, j.args["step"])
        for j in w.db.scalars(select(Scheduled).where(Scheduled.action == marketing_npc.STEP))
    ]
    assert plan and {s for _, s in plan} >= {"deliver", "bounce"}
    with pytest.raises(DomainError):
        marketing_npc.simulate(w, {"open_rate": "lots"}, w.events("marketing.campaign_sent")[-1])


def test_the_report_of_nothing() -> None:
    r = services.Report(0, 0, 0, 0, 0, 0)
    assert set(r.rates.values()) == {"—"}
