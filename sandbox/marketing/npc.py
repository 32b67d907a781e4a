"""NPC recipients of marketing mail: deliveries, bounces, opens, clicks and unsubscribes on the world clock.

`marketing.simulate` (a scenario rule, `{on: marketing.campaign_sent, do: marketing.simulate}`) draws what
each recipient of the sent campaign will do, from the list's seed and the campaign, and schedules each
step at its world time (`marketing.recipient_step`). An address with no mailbox in the world bounces and
the sender gets a bounce notice. A recipient who opens the mail has its copy marked read; some click a
link of the body; a few unsubscribe through their link (at once, like a person on the page).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sandbox.errors import N_, DomainError
from sandbox.mail import services as mail
from sandbox.mail.models import Folder, Message
from sandbox.marketing import services
from sandbox.marketing.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, OptIn
from sandbox.worlds.base import Event
from sandbox.worlds.npc import npc_action, schedule
from sandbox.worlds.world import World

STEP = "marketing.recipient_step"
BOUNCE_SENDER = "mailer-daemon@mail.sim"
# Ranges the campaign's rates are drawn from (a rule's args may fix them instead).
OPEN_RATE = (0.45, 0.75)  # of delivered mails, scaled by each recipient's engagement
CLICK_RATE = (0.25, 0.55)  # of opened mails
UNSUBSCRIBE_RATE = (0.08, 0.2)  # of opened mails


def _rate(rng: random.Random, args: dict[str, Any], key: str, bounds: tuple[float, float]) -> float:
    """A rate fixed by the rule's args, else drawn from the bounds."""
    if key in args:
        try:
            return min(1.0, max(0.0, float(args[key])))
        except (TypeError, ValueError):
            raise DomainError(N_("参数 %(name)s 应为 0 到 1 之间的小数"), name=key) from None
    return rng.uniform(*bounds)


def _campaign(w: World, args: dict[str, Any], trigger: Event | None) -> Campaign:
    campaign_id = args.get("campaign") or (trigger.payload.get("campaign") if trigger else None)
    campaign = w.db.get(Campaign, campaign_id) if isinstance(campaign_id, int) else None
    if campaign is None or campaign.status != CampaignStatus.SENT:
        raise DomainError(N_("没有已发送的邮件活动"))
    return campaign


@npc_action("marketing.simulate")
def simulate(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Schedule what each recipient of the sent campaign does (args: `open_rate`, `click_rate`,
    `unsubscribe_rate` to fix a rate; `campaign` when not triggered by `marketing.campaign_sent`)."""
    campaign = _campaign(w, args, trigger)
    rng = random.Random(f"marketing-{campaign.mailing_list.seed_key}-{campaign.id}")
    open_rate = _rate(rng, args, "open_rate", OPEN_RATE)
    click_rate = _rate(rng, args, "click_rate", CLICK_RATE)
    unsubscribe_rate = _rate(rng, args, "unsubscribe_rate", UNSUBSCRIBE_RATE)
    start = campaign.sent_at or w.now()
    clicks = bool(services.links(campaign))
    for d in campaign.deliveries:
        if not d.message_id:
            schedule(w, start + timedelta(seconds=rng.randint(30, 120)), STEP, delivery=d.id, step="bounce")
            continue
        delivered = start + timedelta(seconds=rng.randint(20, 90))
        schedule(w, delivered, STEP, delivery=d.id, step="deliver")
        if rng.random() >= open_rate * (0.5 + d.subscriber.engagement / 100):
            continue
        opened = delivered + timedelta(minutes=rng.randint(2, 45))
        schedule(w, opened, STEP, delivery=d.id, step="open")
        if clicks and rng.random() < click_rate:
            schedule(w, opened + timedelta(seconds=rng.randint(20, 300)), STEP, delivery=d.id, step="click")
        elif rng.random() < unsubscribe_rate:
            schedule(
                w, opened + timedelta(seconds=rng.randint(20, 180)), STEP, delivery=d.id, step="unsubscribe"
            )
    w.emit("marketing.simulated", campaign=campaign.id, recipients=len(campaign.deliveries))


@npc_action(STEP, for_rules=False)
def recipient_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """One recipient's step: deliver, bounce, open, click or unsubscribe."""
    d = w.db.get(Delivery, args.get("delivery"))
    if d is None:
        raise DomainError(N_("投递记录不存在"))
    step = STEPS.get(str(args.get("step")))
    if step is None:
        raise DomainError(N_("未知的收件人动作"))
    step(w, d)


def _deliver(w: World, d: Delivery) -> None:
    if d.status == DeliveryStatus.SENT:
        d.status, d.delivered_at = DeliveryStatus.DELIVERED, w.now()
        w.emit("marketing.delivered", campaign=d.campaign_id, address=d.address)


def _bounce(w: World, d: Delivery) -> None:
    """The address does not exist: the delivery bounces and the sender gets the mail system's notice."""
    if d.status != DeliveryStatus.SENT:
        return
    d.status, d.bounced_at, d.bounce_reason = DeliveryStatus.BOUNCED, w.now(), "收件人地址不存在"
    w.emit("marketing.bounced", campaign=d.campaign_id, address=d.address, reason=d.bounce_reason)
    sender = mail.mailbox_by_address(w, d.campaign.mailing_list.sender_address)
    if sender is None:
        return
    daemon = mail.open_mailbox(w, BOUNCE_SENDER, "邮件系统退信")
    mail.send(
        w,
        daemon,
        [sender.address],
        f"退信通知：{d.campaign.subject}"[: mail.MAX_SUBJECT],
        f"您发送给 {d.address} 的邮件「{d.campaign.subject}」无法投递。\n\n原因：{d.bounce_reason}（550 No such user）。"
        "\n\n请核对地址，或把它从订阅名单中移除。",
        actor="system",
    )


def _open(w: World, d: Delivery) -> None:
    if d.status != DeliveryStatus.DELIVERED or d.opened_at is not None:
        return
    d.opened_at = w.now()
    box = mail.mailbox_by_address(w, d.address)
    q = select(Message).where(Message.message_id == d.message_id, Message.folder == Folder.INBOX)
    copy = w.db.scalars(q.where(Message.mailbox_id == box.id)).first() if box else None
    if copy is not None:
        mail.mark_read(w, copy)
    w.emit("marketing.opened", campaign=d.campaign_id, address=d.address)


def _click(w: World, d: Delivery) -> None:
    if d.opened_at is None or d.clicked_at is not None:
        return
    d.clicked_at = w.now()
    found = services.links(d.campaign)
    w.emit("marketing.clicked", campaign=d.campaign_id, address=d.address, url=found[0] if found else "")


def _unsubscribe(w: World, d: Delivery) -> None:
    if d.subscriber.status == OptIn.SUBSCRIBED:
        services.unsubscribe(w, d.subscriber, d.campaign_id, via="npc")


STEPS = {"deliver": _deliver, "bounce": _bounce, "open": _open, "click": _click, "unsubscribe": _unsubscribe}
