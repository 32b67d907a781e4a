"""Checks about marketing mail: the campaign the merchant sent (to whom, what it says, its unsubscribe
link) and the test send before it.

The list graded is the merchant identity's shop's (the list whose sender address is the identity's
e-mail). Of its sent campaigns the best is graded (the highest share, then the earliest); the others
are listed. "Opted in" means opted in at the moment the campaign was sent: an NPC recipient who
unsubscribed after receiving it still counts as a right recipient.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import text
from sandbox.marketing import services
from sandbox.marketing.models import Campaign, CampaignStatus, MailingList
from sandbox.storefront.models import Product

PRODUCT_PATH = re.compile(r"/shop/p/([A-Za-z0-9_-]+)")


def _list(ctx: GradeContext, role: str = "merchant") -> MailingList | None:
    """The mailing list of the identity with this role (its e-mail is the list's sender)."""
    ident = next((i for i in ctx.identities if i["role"] == role), None)
    if ident is None:
        return None
    q = select(MailingList).where(MailingList.sender_address == ident.get("email", ""))
    return ctx.world.db.scalars(q).first()


def _weights(product: str | None, product_link: bool) -> dict[str, float]:
    """Shares of the parts graded: recipients always, then what the mail must say and link to."""
    if product and product_link:
        return {"recipients": 0.5, "product": 0.3, "link": 0.2}
    if product:
        return {"recipients": 0.6, "product": 0.4}
    if product_link:
        return {"recipients": 0.8, "link": 0.2}
    return {"recipients": 1.0}


def _judge(
    ctx: GradeContext, c: Campaign, product: str | None, product_link: bool
) -> tuple[float, list[str], list[str]]:
    """(share, what is right, what is wrong) of one sent campaign."""
    weights = _weights(product, product_link)
    good, bad = [], []
    share = 0.0
    expected = {s.address for s in c.mailing_list.subscribers if s.opted_in_at(c.sent_at)}
    sent = {d.address for d in c.deliveries}
    extra, missing = sent - expected, expected - sent
    if not extra and not missing:
        share += weights["recipients"]
        good.append(f"收件人正是发送时已订阅的 {len(expected)} 个地址")
    elif not extra and expected:
        share += weights["recipients"] * len(sent) / len(expected)
        bad.append(f"漏发已订阅地址 {len(missing)} 个：{'、'.join(sorted(missing))}")
    else:
        bad.append(f"发给了未订阅的地址：{'、'.join(sorted(extra))}")
    words = f"{c.subject}\n{services.plain_text(c.body_html)}"
    if product:
        if text(product) in text(words):
            share += weights["product"]
            good.append(f"邮件提到了「{product}」")
        else:
            bad.append(f"邮件主题和正文都没有提到「{product}」")
    if product_link:
        linked = _linked_products(ctx, c)
        if (product and any(text(p.name) == text(product) for p in linked)) or (not product and linked):
            share += weights["link"]
            good.append("正文链接到商城的商品页")
        else:
            named = "、".join(p.name for p in linked) or "无"
            bad.append(f"正文没有链接到「{product or '商品'}」的商品页（链接到的商品：{named}）")
    return round(share, 6), good, bad


def _linked_products(ctx: GradeContext, c: Campaign) -> list[Product]:
    """The mall's products the body links to (/shop/p/<code>)."""
    codes = {m for href in services.links(c) for m in PRODUCT_PATH.findall(href)}
    if not codes:
        return []
    return list(ctx.world.db.scalars(select(Product).where(Product.code.in_(codes))))


def _line(c: Campaign) -> str:
    return f"#{c.id}「{c.subject}」{c.sent_at:%H:%M:%S} 发给 {len(c.deliveries)} 人"


@check("state", "marketing.campaign_sent", sets=("campaign_id",))
def campaign_sent(
    ctx: GradeContext, product: str | None = None, product_link: bool = False, role: str = "merchant"
) -> CheckResult:
    """The merchant's shop sent a marketing mail to exactly the addresses opted in at the time (an
    address missed costs its share), mentioning `product` (in the subject or body) and, with
    `product_link`, linking to its page in the mall. Without `product` or `product_link` only the
    recipients count; with both the recipients are 50 %, the mention 30 %, the link 20 % (60/40 with
    the mention only, 80/20 with the link only). Every sent mail carries an unsubscribe link (sending
    refuses one without). Sets `campaign_id`, the graded campaign."""
    lst = _list(ctx, role)
    if lst is None:
        return CheckResult.failed("该身份的店铺没有订阅名单")
    q = select(Campaign).where(Campaign.list_id == lst.id, Campaign.status == CampaignStatus.SENT)
    sent = list(ctx.world.db.scalars(q.order_by(Campaign.id)))
    if not sent:
        return CheckResult.failed("没有发送过营销邮件")
    judged = [(c, *_judge(ctx, c, product, product_link)) for c in sent]
    best = max(judged, key=lambda j: (j[1], -j[0].id))
    c, share, good, bad = best
    ctx.facts["campaign_id"] = c.id
    evidence: list[dict[str, Any]] = [
        text_evidence("评分的邮件", _line(c)),
        text_evidence("收件人", "、".join(d.address for d in c.deliveries)),
        text_evidence(
            "退订链接", "每封邮件附收件人自己的退订链接" if services.has_unsubscribe_link(c) else "无"
        ),
    ]
    others = [f"{_line(o)}：得分比例 {s:.0%}" for o, s, _g, _b in judged if o is not c]
    if others:
        evidence.append(text_evidence("其他邮件", "；".join(others)))
    feedback = "；".join(bad or good)
    if share >= 1:
        return CheckResult.passed("；".join(good), *evidence)
    return CheckResult(share, feedback, evidence)


@check("state", "marketing.test_sent", needs=("campaign_id",))
def test_sent(ctx: GradeContext) -> CheckResult:
    """The graded campaign was first sent as a test to the merchant's own mailbox."""
    campaign_id = ctx.facts.get("campaign_id")
    c = ctx.world.db.get(Campaign, campaign_id) if campaign_id else None
    if c is None:
        return CheckResult.failed("没有可核对的营销邮件")
    if c.test_sent_at is None:
        return CheckResult.failed(f"邮件 #{c.id} 正式发送前没有发送测试邮件")
    return CheckResult.passed(
        f"正式发送前已发送测试邮件（{c.test_sent_at:%H:%M:%S}）", text_evidence("评分的邮件", _line(c))
    )
