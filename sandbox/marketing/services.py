"""Marketing mail services: the shop's list, campaigns (draft, preview, test send, send), unsubscribes.

Only addresses that have opted in may be mailed: a selection with any other address is refused as a
whole (400 naming them; nothing is sent) and the refusal is kept as the event `marketing.send_refused`.
Every mail carries the recipient's own unsubscribe link (/marketing/unsubscribe/<token>), which takes
effect at once. The HTML body is sanitised with nh3 when saved and again when sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formataddr

import nh3
from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import func, select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.mail import services as mail
from sandbox.marketing.models import (
    OPT_IN_LABELS,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    MailingList,
    OptIn,
    Subscriber,
)
from sandbox.worlds.world import World

UNSUBSCRIBE_TAG = "{unsubscribe}"  # written in the body where the recipient's unsubscribe link goes
PREVIEW_TOKEN = "preview"  # the link shown in previews and test mails (unsubscribes nobody)
MAX_SUBJECT = 100
MAX_SENDER_NAME = 40
MAX_BODY = 18_000  # the mail system takes 20,000: room for the footer
SEGMENTS = ("subscribed", "picked")
TOKEN = re.compile(r"[0-9a-f]{16,40}")
HREF = re.compile(r"""<a\s[^>]*href="([^"]+)\"""")


def unsubscribe_path(token: str, campaign_id: int | None = None) -> str:
    """The world path of a subscriber's unsubscribe page (with the campaign it came from)."""
    return f"/marketing/unsubscribe/{token}" + (f"?c={campaign_id}" if campaign_id else "")


def sanitise(html: str) -> str:
    """HTML a mail may carry: no script, style, event handlers or javascript: links (nh3)."""
    return nh3.clean(html or "")


def plain_text(html: str) -> str:
    """The text of an HTML body (tags dropped, entities kept as text), for the text part and checks."""
    text = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</h\d>", "\n", html or ""), tags=set())
    text = text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- the list ---------------------------------------------------------------------------------


def list_of_account(w: World, account_id: object) -> MailingList | None:
    """The mailing list of the shop the seller-centre account owns (None if there is none)."""
    if not isinstance(account_id, int):
        return None
    return w.db.scalars(select(MailingList).where(MailingList.owner_account_id == account_id)).first()


def subscribers(w: World, lst: MailingList, status: str | None = None) -> list[Subscriber]:
    """The list's subscribers (of one opt-in status, if given), in the order they joined."""
    q = select(Subscriber).where(Subscriber.list_id == lst.id)
    if status:
        q = q.where(Subscriber.status == status)
    return list(w.db.scalars(q.order_by(Subscriber.id)))


def status_counts(w: World, lst: MailingList) -> dict[str, int]:
    """How many subscribers have each opt-in status."""
    q = select(Subscriber.status, func.count(Subscriber.id)).where(Subscriber.list_id == lst.id)
    found = dict(w.db.execute(q.group_by(Subscriber.status)).all())
    return {s: int(found.get(s, 0)) for s in (OptIn.SUBSCRIBED, OptIn.PENDING, OptIn.UNSUBSCRIBED)}


# --- campaigns --------------------------------------------------------------------------------


@dataclass
class CampaignForm:
    """What the campaign form sends."""

    subject: str = ""
    sender_name: str = ""
    body_html: str = ""
    unsubscribe_footer: bool = True


def campaigns(w: World, lst: MailingList) -> list[Campaign]:
    """The list's campaigns, newest first."""
    q = select(Campaign).where(Campaign.list_id == lst.id).order_by(Campaign.id.desc())
    return list(w.db.scalars(q))


def get_campaign(w: World, lst: MailingList, campaign_id: int) -> Campaign:
    """A campaign of this list (another shop's is not found)."""
    campaign = w.db.get(Campaign, campaign_id)
    if campaign is None or campaign.list_id != lst.id:
        raise NotFound(N_("邮件活动不存在"))
    return campaign


def save_campaign(
    w: World, lst: MailingList, form: CampaignForm, campaign: Campaign | None = None
) -> Campaign:
    """Create a draft or change one (a sent campaign is not changed); the body is sanitised."""
    if campaign is not None and campaign.status != CampaignStatus.DRAFT:
        raise Conflict(N_("邮件已发送，不能再修改"))
    subject = " ".join((form.subject or "").split())
    sender_name = " ".join((form.sender_name or "").split())
    if len(subject) > MAX_SUBJECT:
        raise DomainError(N_("邮件主题不能超过 %(max)s 个字"), max=MAX_SUBJECT)
    if len(sender_name) > MAX_SENDER_NAME:
        raise DomainError(N_("发件人名称不能超过 %(max)s 个字"), max=MAX_SENDER_NAME)
    if len(form.body_html or "") > MAX_BODY:
        raise DomainError(N_("邮件正文过长（不超过 %(max)s 个字符）"), max=MAX_BODY)
    now = w.now()
    if campaign is None:
        campaign = Campaign(list_id=lst.id, created_at=now, status=CampaignStatus.DRAFT, recipient_ids=[])
        w.db.add(campaign)
    campaign.subject = subject
    campaign.sender_name = sender_name
    campaign.body_html = sanitise(form.body_html)
    campaign.unsubscribe_footer = bool(form.unsubscribe_footer)
    campaign.updated_at = now
    w.db.flush()
    w.emit("marketing.campaign_saved", campaign=campaign.id, subject=subject)
    return campaign


def has_unsubscribe_link(campaign: Campaign) -> bool:
    """Whether every copy will carry the recipient's unsubscribe link (in the body or the footer)."""
    return campaign.unsubscribe_footer or UNSUBSCRIBE_TAG in campaign.body_html


def check_ready(campaign: Campaign) -> None:
    """Refuse a campaign that cannot go out yet, with the first thing missing."""
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict(N_("这封邮件已经发送过了"))
    if not campaign.subject:
        raise DomainError(N_("请填写邮件主题"))
    if not campaign.sender_name:
        raise DomainError(N_("请填写发件人名称"))
    if not plain_text(campaign.body_html):
        raise DomainError(N_("请填写邮件正文"))
    if not has_unsubscribe_link(campaign):
        raise DomainError(
            N_("邮件中没有退订链接：请在正文中写入 %(tag)s，或勾选“在邮件末尾附加退订链接”"),
            tag=UNSUBSCRIBE_TAG,
        )


def rendered(campaign: Campaign, link: str) -> tuple[str, str]:
    """The (HTML, text) one recipient gets, with `link` as the unsubscribe link."""
    html = campaign.body_html.replace(UNSUBSCRIBE_TAG, link)
    if campaign.unsubscribe_footer:
        footer = (
            f'<hr><p class="mk-foot">您收到这封邮件，是因为您订阅了「{campaign.mailing_list.shop_name}」的'
            f'优惠资讯。不想再收到？<a href="{link}">点此退订</a></p>'
        )
        html += footer
    html = sanitise(html)
    return html, f"{plain_text(html)}\n\n退订：{link}"


def preview(campaign: Campaign) -> str:
    """The HTML as a recipient sees it, with the preview's unsubscribe link."""
    return rendered(campaign, unsubscribe_path(PREVIEW_TOKEN))[0]


def _send_one(
    w: World, campaign: Campaign, sender: mail.Mailbox, box: mail.Mailbox, subject: str, link: str
) -> str:
    """One copy from the shop's sender name to one mailbox; returns its Message-ID."""
    html, text = rendered(campaign, link)
    boxes = mail.check_message(w, [box.address], subject, text, html, None)
    msg = EmailMessage(policy=policy.SMTP)
    message_id = mail.address_headers(w, msg, sender, boxes, subject)
    msg.replace_header("From", formataddr((campaign.sender_name, sender.address)))
    msg["List-Unsubscribe"] = f"<{link}>"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    mail.deliver(w, sender, boxes, subject, message_id, msg.as_string(), 0, campaign=campaign.id)
    return message_id


def _sender(w: World, lst: MailingList) -> mail.Mailbox:
    box = mail.mailbox_by_address(w, lst.sender_address)
    if box is None:
        raise NotFound(N_("没有可用的发件邮箱"))
    return box


def send_test(w: World, lst: MailingList, campaign: Campaign) -> str:
    """Send the campaign to the merchant's own mailbox, marked [测试]; returns the address."""
    check_ready(campaign)
    sender = _sender(w, lst)
    _send_one(w, campaign, sender, sender, f"[测试] {campaign.subject}", unsubscribe_path(PREVIEW_TOKEN))
    campaign.test_sent_at = w.now()
    w.emit("marketing.test_sent", campaign=campaign.id, to=sender.address)
    return sender.address


def choose_recipients(w: World, lst: MailingList, segment: str, picked: list[int]) -> list[Subscriber]:
    """The subscribers a send goes to: every opted-in one (`subscribed`), or those picked by id."""
    if segment == "subscribed":
        chosen = subscribers(w, lst, OptIn.SUBSCRIBED)
    elif segment == "picked":
        on_list = {s.id: s for s in subscribers(w, lst)}
        if any(i not in on_list for i in picked):
            raise DomainError(N_("所选收件人不在本店的订阅名单中"))
        chosen = [on_list[i] for i in sorted(set(picked))]
    else:
        raise DomainError(N_("请选择收件人范围"))
    if not chosen:
        raise DomainError(N_("请选择收件人"))
    return chosen


def send_campaign(w: World, lst: MailingList, campaign: Campaign, segment: str, picked: list[int]) -> int:
    """Send the campaign to the chosen subscribers, each with their own unsubscribe link; returns how many.

    Any chosen address that has not opted in refuses the whole send (nothing is sent); the refusal is
    committed on its own as `marketing.send_refused`, so the examiner sees it.
    """
    check_ready(campaign)
    chosen = choose_recipients(w, lst, segment, picked)
    refused = [s for s in chosen if s.status != OptIn.SUBSCRIBED]
    if refused:
        listed = "、".join(f"{s.address}（{_opt_in_label(s.status)}）" for s in refused)
        addresses = [s.address for s in refused]
        w.restart_locked()  # only the refusal is kept
        w.emit("marketing.send_refused", campaign=campaign.id, addresses=addresses, chosen=len(chosen))
        w.commit()
        raise DomainError(N_("以下地址没有订阅（待确认或已退订），不能发送营销邮件：%(list)s"), list=listed)
    sender = _sender(w, lst)
    now = w.now()
    for sub in chosen:
        box = mail.mailbox_by_address(w, sub.address)
        link = unsubscribe_path(sub.token, campaign.id)
        message_id = _send_one(w, campaign, sender, box, campaign.subject, link) if box else ""
        w.db.add(
            Delivery(
                campaign_id=campaign.id,
                subscriber_id=sub.id,
                address=sub.address,
                message_id=message_id,
                sent_at=now,
            )
        )
    campaign.status = CampaignStatus.SENT
    campaign.sent_at = now
    campaign.segment = segment
    campaign.recipient_ids = [s.id for s in chosen]
    w.db.flush()
    w.emit(
        "marketing.campaign_sent",
        campaign=campaign.id,
        subject=campaign.subject,
        segment=segment,
        to=[s.address for s in chosen],
    )
    return len(chosen)


def _opt_in_label(status: str) -> str:
    """An opt-in status's label in the user's language (for the refusal's list of addresses)."""
    label = OPT_IN_LABELS.get(status, status)
    return gettext(label) if has_request_context() else label


# --- unsubscribing ----------------------------------------------------------------------------


def by_token(w: World, token: str) -> Subscriber:
    """The subscriber of an unsubscribe link (an unknown or malformed token is not found)."""
    token = (token or "").strip().lower()
    found = (
        w.db.scalars(select(Subscriber).where(Subscriber.token == token)).first()
        if TOKEN.fullmatch(token)
        else None
    )
    if found is None:
        raise NotFound(N_("退订链接无效"))
    return found


def unsubscribe(w: World, sub: Subscriber, campaign_id: int | None = None, *, via: str = "link") -> bool:
    """Take the address off the list at once (a later campaign skips it); False if it already was."""
    if sub.status == OptIn.UNSUBSCRIBED:
        return False
    now = w.now()
    sub.status = OptIn.UNSUBSCRIBED
    sub.unsubscribed_at = now
    delivery = None
    if campaign_id:
        q = select(Delivery).where(Delivery.campaign_id == campaign_id, Delivery.subscriber_id == sub.id)
        delivery = w.db.scalars(q).first()
        if delivery is not None and delivery.unsubscribed_at is None:
            delivery.unsubscribed_at = now
    w.emit(
        "marketing.unsubscribed",
        address=sub.address,
        campaign=delivery.campaign_id if delivery else None,
        via=via,
    )
    return True


# --- the report -------------------------------------------------------------------------------


@dataclass
class Report:
    """What became of a sent campaign."""

    sent: int
    delivered: int
    bounced: int
    opened: int
    clicked: int
    unsubscribed: int

    def rate(self, part: int, whole: int) -> str:
        """A share as a percentage with one decimal ('—' when there is nothing to divide by)."""
        return f"{part * 100 / whole:.1f}%" if whole else "—"

    @property
    def rates(self) -> dict[str, str]:
        """送达率, 打开率, 点击率, 点击打开率, 退订率, 退信率."""
        return {
            "delivered": self.rate(self.delivered, self.sent),
            "opened": self.rate(self.opened, self.delivered),
            "clicked": self.rate(self.clicked, self.delivered),
            "click_to_open": self.rate(self.clicked, self.opened),
            "unsubscribed": self.rate(self.unsubscribed, self.delivered),
            "bounced": self.rate(self.bounced, self.sent),
        }


def report(campaign: Campaign) -> Report:
    """The campaign's figures from its deliveries."""
    rows = campaign.deliveries
    return Report(
        sent=len(rows),
        delivered=sum(d.status == DeliveryStatus.DELIVERED for d in rows),
        bounced=sum(d.status == DeliveryStatus.BOUNCED for d in rows),
        opened=sum(d.opened_at is not None for d in rows),
        clicked=sum(d.clicked_at is not None for d in rows),
        unsubscribed=sum(d.unsubscribed_at is not None for d in rows),
    )


def links(campaign: Campaign) -> list[str]:
    """The links of the body a recipient may click (not the unsubscribe link)."""
    return [h for h in HREF.findall(campaign.body_html) if h != UNSUBSCRIBE_TAG and "/unsubscribe/" not in h]
