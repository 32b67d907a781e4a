"""Customer-service services: NPC buyers arrive with a script, the seller answers, the buyer's scripted
answer follows on the world clock, the seller resolves the chat or transfers it to after-sales.

A seller's reply that promises what the shop rules forbid (百分之百, 保证最低价, 私下交易, contact
details off the platform, the advertising law's absolute words) is still sent, as a real chat would
be, but the breach is kept on the message and as the event `service.forbidden_promise` (examiners
grade it). Response times are world seconds from a buyer's message to the seller's next one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from sandbox import content_rules
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.orders.models import Order
from sandbox.service import scripts
from sandbox.service.models import (
    ChatMessage,
    Conversation,
    ConversationStatus,
    Outcome,
    QuickReply,
    Sender,
)
from sandbox.storefront.models import Shop
from sandbox.worlds.base import WorldBase
from sandbox.worlds.npc import schedule
from sandbox.worlds.world import World

BUYER_STEP = "service.buyer_replies"
AFTERSALE_STEP = "service.buyer_files_aftersale"
AFTERSALE_DELAY = timedelta(seconds=30)  # the buyer files the request in the order half a minute later
MAX_REPLY = 500
MAX_TITLE = 20
MAX_NOTE = 200
MAX_QUICK_REPLIES = 30
# Promises the shop rules forbid in a chat, besides contact details and the banned words of content_rules.
FORBIDDEN_PROMISES = (
    "百分之百",
    "100%",
    "保证最低价",
    "全网最低",
    "私下交易",
    "线下交易",
    "绕过平台",
    "不走平台",
    "直接转账",
    "加微信",
    "加我微信",
    "加QQ",
    "加我QQ",
)


# --- the shop of the signed-in seller ---------------------------------------------------------


def shop_of_account(w: World, account_id: object) -> Shop | None:
    """The shop a seller-centre account owns (read from the seller centre's table, not its module)."""
    table = WorldBase.metadata.tables.get("seller_accounts")
    if table is None or not isinstance(account_id, int):
        return None
    shop_id = w.db.execute(select(table.c.shop_id).where(table.c.id == account_id)).scalar()
    return w.db.get(Shop, shop_id) if shop_id else None


def default_shop(w: World) -> Shop | None:
    """The shop an NPC buyer visits when a rule names none: the newest seller-centre shop, else the first."""
    table = WorldBase.metadata.tables.get("seller_accounts")
    if table is not None:
        q = select(table.c.shop_id).where(table.c.shop_id.is_not(None)).order_by(table.c.id.desc())
        shop_id = w.db.execute(q.limit(1)).scalar()
        if shop_id:
            return w.db.get(Shop, shop_id)
    return w.db.scalars(select(Shop).order_by(Shop.id)).first()


# --- conversations ----------------------------------------------------------------------------


def conversations(w: World, shop: Shop) -> list[Conversation]:
    """The shop's conversations: waiting for the seller first (longest wait first), then the other open
    ones, then the ended ones (newest first)."""
    rows = list(w.db.scalars(select(Conversation).where(Conversation.shop_id == shop.id)))

    def key(c: Conversation) -> tuple:
        if c.awaiting_seller:
            return (0, c.last_buyer_at.timestamp())
        if c.status == ConversationStatus.OPEN:
            return (1, -c.opened_at.timestamp())
        return (2, -c.id)

    return sorted(rows, key=key)


def get_conversation(w: World, shop: Shop, conversation_id: int) -> Conversation:
    """A conversation of this shop (another shop's is not found)."""
    conv = w.db.get(Conversation, conversation_id)
    if conv is None or conv.shop_id != shop.id:
        raise NotFound(N_("会话不存在"))
    return conv


def waiting_seconds(w: World, conv: Conversation) -> int | None:
    """How long the buyer's last message has waited for the seller (None: it does not wait)."""
    if not conv.awaiting_seller:
        return None
    return max(0, int((w.now() - conv.last_buyer_at).total_seconds()))


def _say(w: World, conv: Conversation, sender: str, text: str, breach: str = "") -> ChatMessage:
    msg = ChatMessage(sender=sender, text=text, at=w.now(), breach=breach)
    conv.messages.append(msg)  # loads the list first, then adds the message (cascade)
    if sender == Sender.BUYER:
        conv.last_buyer_at = msg.at
    return msg


def open_conversation(
    w: World, shop: Shop, script: Any, buyer_name: str, order_number: str = ""
) -> Conversation:
    """An NPC buyer arrives at the shop's chat with a script (a built-in's id or a script as data)."""
    script_id, data = scripts.resolve(script)
    name = " ".join((buyer_name or "").split())[:40]
    if not name:
        raise DomainError(N_("请给买家起个名字"))
    now = w.now()
    conv = Conversation(
        shop_id=shop.id,
        buyer_name=name,
        script_id=script_id,
        script=data,
        node=data["start"],
        status=ConversationStatus.OPEN,
        outcome=Outcome.NONE,
        order_number=(order_number or "")[:24],
        opened_at=now,
        last_buyer_at=now,
        misses=0,
        buyer_pending=False,
    )
    w.db.add(conv)
    w.db.flush()
    _say(w, conv, Sender.BUYER, data["nodes"][data["start"]]["say"])
    w.db.flush()
    w.emit(
        "service.conversation_opened",
        conversation=conv.id,
        shop=shop.id,
        buyer=name,
        script=script_id,
        order=conv.order_number,
    )
    return conv


def find_breach(text: str) -> str:
    """What a reply breaks of the shop rules: forbidden promises, banned words, contact details ("" if none)."""
    lowered = (text or "").lower()
    found = [p for p in FORBIDDEN_PROMISES if p.lower() in lowered]
    banned = content_rules.find_banned(text)
    if banned and not any(banned in f for f in found):
        found.append(banned)
    contact = content_rules.find_contact(text)
    if contact:
        found.append(contact)
    return "、".join(found)[:80]


def _schedule_buyer(w: World, conv: Conversation, mode: str) -> None:
    """Have the buyer answer a few world seconds later (the script's `delay` range)."""
    from sandbox.service import npc  # noqa: F401  (registers the buyer's step)

    low, high = conv.script.get("delay") or scripts.DEFAULT_DELAY
    rng = random.Random(f"service-{conv.id}-{len(conv.messages)}-{mode}")
    conv.buyer_pending = True
    schedule(
        w,
        w.now() + timedelta(seconds=rng.randint(int(low), int(high))),
        BUYER_STEP,
        conversation=conv.id,
        mode=mode,
    )


def reply(w: World, conv: Conversation, text: str) -> ChatMessage:
    """The seller's reply (refused when empty, too long or the chat has ended); a breach of the shop
    rules is recorded, not refused. The buyer's scripted answer is scheduled."""
    text = (text or "").strip()
    if not text:
        raise DomainError(N_("请输入回复内容"))
    if len(text) > MAX_REPLY:
        raise DomainError(N_("回复不能超过 %(max)s 个字"), max=MAX_REPLY)
    if conv.status != ConversationStatus.OPEN:
        raise Conflict(N_("会话已结束，不能再回复"))
    breach = find_breach(text)
    msg = _say(w, conv, Sender.SELLER, text, breach)
    if conv.first_response_at is None:
        conv.first_response_at = msg.at
    w.db.flush()
    w.emit("service.replied", conversation=conv.id, message=msg.id, text=text)
    if breach:
        w.emit("service.forbidden_promise", conversation=conv.id, message=msg.id, words=breach)
    if conv.outcome == Outcome.NONE and not conv.buyer_pending:
        _schedule_buyer(w, conv, "answer")
    return msg


def _enter(w: World, conv: Conversation, node: str) -> None:
    """The buyer moves to `node`: says its message; an ending node ends the script."""
    data = conv.script["nodes"][node]
    conv.node = node
    _say(w, conv, Sender.BUYER, data["say"])
    if "end" in data:
        _end(w, conv, data["end"])


def _end(w: World, conv: Conversation, outcome: str) -> None:
    conv.outcome = outcome
    if outcome == Outcome.LOST and conv.status == ConversationStatus.OPEN:
        conv.status = ConversationStatus.CLOSED
        conv.ended_at = w.now()
    w.emit("service.script_ended", conversation=conv.id, outcome=outcome, script=conv.script_id)


def buyer_answers(w: World, conv: Conversation, mode: str = "answer") -> None:
    """The buyer's scripted answer to what the seller wrote since the buyer last spoke (or, on a
    transfer to after-sales, the script's `transfer` node)."""
    conv.buyer_pending = False
    if conv.outcome != Outcome.NONE or conv.status == ConversationStatus.CLOSED:
        return
    if mode == "transfer":
        if conv.script.get("transfer"):
            _enter(w, conv, conv.script["transfer"])
            w.emit("service.buyer_replied", conversation=conv.id, node=conv.node, actor="npc")
        return
    if conv.status != ConversationStatus.OPEN:
        return
    since: list[str] = []  # what the seller wrote after the buyer's last message
    for m in conv.messages:
        if m.sender == Sender.BUYER:
            since = []
        elif m.sender == Sender.SELLER:
            since.append(m.text)
    target = scripts.next_node(conv.script, conv.node, "\n".join(since))
    if target is not None:
        _enter(w, conv, target)
    else:
        conv.misses += 1
        if conv.misses > conv.script.get("patience", scripts.DEFAULT_PATIENCE):
            _say(w, conv, Sender.BUYER, scripts.LEAVE)
            _end(w, conv, Outcome.LOST)
        else:
            here = conv.script["nodes"][conv.node]
            _say(w, conv, Sender.BUYER, here.get("nudge") or here["say"])
    w.db.flush()
    w.emit("service.buyer_replied", conversation=conv.id, node=conv.node, actor="npc")


def resolve(w: World, conv: Conversation) -> None:
    """The seller marks the chat resolved (标记已解决)."""
    if conv.status != ConversationStatus.OPEN:
        raise Conflict(N_("会话已结束"))
    conv.status, conv.ended_at = ConversationStatus.RESOLVED, w.now()
    w.emit("service.resolved", conversation=conv.id, outcome=conv.outcome, script=conv.script_id)


def close(w: World, conv: Conversation) -> None:
    """The seller closes the chat without resolving it."""
    if conv.status != ConversationStatus.OPEN:
        raise Conflict(N_("会话已结束"))
    conv.status, conv.ended_at = ConversationStatus.CLOSED, w.now()
    w.emit("service.closed", conversation=conv.id, outcome=conv.outcome, script=conv.script_id)


def transfer(w: World, conv: Conversation, shop: Shop, order_number: str, note: str) -> None:
    """Hand the chat to after-sales (转售后), linked to one of the shop's orders and with a note."""
    if conv.status != ConversationStatus.OPEN:
        raise Conflict(N_("会话已结束，不能转售后"))
    number = (order_number or "").strip()
    note = " ".join((note or "").split())
    if not number:
        raise DomainError(N_("请填写要转售后的订单号"))
    if len(note) > MAX_NOTE:
        raise DomainError(N_("备注不能超过 %(max)s 个字"), max=MAX_NOTE)
    order = w.db.scalars(select(Order).where(Order.number == number[:24], Order.shop_id == shop.id)).first()
    if order is None:
        raise DomainError(N_("本店没有订单 %(number)s"), number=number[:24])
    conv.status, conv.ended_at = ConversationStatus.AFTERSALES, w.now()
    conv.aftersales_order, conv.aftersales_note = order.number, note
    _say(w, conv, Sender.SYSTEM, f"已转售后处理，订单 {order.number}")
    w.db.flush()
    w.emit("service.transferred", conversation=conv.id, order=order.number, note=note, script=conv.script_id)
    from sandbox.service import npc  # noqa: F401  (registers the buyer's after-sales step)

    # The after-sales desk takes it from here: the buyer files the request in the order, where the
    # seller centre's 售后 pages handle it like any other.
    schedule(w, w.now() + AFTERSALE_DELAY, AFTERSALE_STEP, conversation=conv.id)
    if conv.outcome == Outcome.NONE and conv.script.get("transfer"):
        _schedule_buyer(w, conv, "transfer")


# --- orders (read only) -----------------------------------------------------------------------


def find_orders(w: World, shop: Shop, query: str) -> list[Order]:
    """The shop's orders whose number contains the query (at most 10, newest first)."""
    query = (query or "").strip()[:24]
    if not query:
        return []
    q = select(Order).where(Order.shop_id == shop.id, Order.number.contains(query))
    return list(w.db.scalars(q.order_by(Order.id.desc()).limit(10)))


# --- quick replies ----------------------------------------------------------------------------


def quick_replies(w: World, shop: Shop) -> list[QuickReply]:
    """The shop's quick replies in the order they were made."""
    return list(w.db.scalars(select(QuickReply).where(QuickReply.shop_id == shop.id).order_by(QuickReply.id)))


def get_quick_reply(w: World, shop: Shop, reply_id: int) -> QuickReply:
    """A quick reply of this shop."""
    found = w.db.get(QuickReply, reply_id)
    if found is None or found.shop_id != shop.id:
        raise NotFound(N_("快捷回复不存在"))
    return found


def _checked(title: str, text: str) -> tuple[str, str]:
    title, text = " ".join((title or "").split()), (text or "").strip()
    if not title or not text:
        raise DomainError(N_("请填写快捷回复的标题和内容"))
    if len(title) > MAX_TITLE:
        raise DomainError(N_("标题不能超过 %(max)s 个字"), max=MAX_TITLE)
    if len(text) > MAX_REPLY:
        raise DomainError(N_("回复不能超过 %(max)s 个字"), max=MAX_REPLY)
    return title, text


def save_quick_reply(
    w: World, shop: Shop, title: str, text: str, existing: QuickReply | None = None
) -> QuickReply:
    """Add a quick reply or change one."""
    title, text = _checked(title, text)
    if existing is None:
        if len(quick_replies(w, shop)) >= MAX_QUICK_REPLIES:
            raise Conflict(N_("快捷回复最多 %(max)s 条"), max=MAX_QUICK_REPLIES)
        existing = QuickReply(shop_id=shop.id, created_at=w.now())
        w.db.add(existing)
    existing.title, existing.text = title, text
    w.db.flush()
    w.emit("service.quick_reply_saved", quick_reply=existing.id, title=title)
    return existing


def delete_quick_reply(w: World, reply: QuickReply) -> None:
    """Remove a quick reply."""
    w.emit("service.quick_reply_deleted", quick_reply=reply.id, title=reply.title)
    w.db.delete(reply)
    w.db.flush()


# --- metrics ----------------------------------------------------------------------------------


def response_times(conv: Conversation) -> list[int]:
    """World seconds from each buyer message (or run of them) to the seller's next message."""
    times: list[int] = []
    waiting: datetime | None = None
    for m in conv.messages:
        if m.sender == Sender.BUYER and waiting is None:
            waiting = m.at
        elif m.sender == Sender.SELLER and waiting is not None:
            times.append(int((m.at - waiting).total_seconds()))
            waiting = None
    return times


def first_response_seconds(conv: Conversation) -> int | None:
    """World seconds from the buyer's arrival to the seller's first reply (None: not answered)."""
    if conv.first_response_at is None:
        return None
    return int((conv.first_response_at - conv.opened_at).total_seconds())


@dataclass
class Stats:
    """The shop's service figures."""

    conversations: int
    answered: int
    resolved: int
    transferred: int
    outcomes: dict[str, int]
    avg_first_response: float | None
    avg_response: float | None
    breaches: int


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def stats(w: World, shop: Shop) -> Stats:
    """Counts, outcomes and average first and overall response times (world seconds)."""
    rows = list(w.db.scalars(select(Conversation).where(Conversation.shop_id == shop.id)))
    firsts = [s for c in rows if (s := first_response_seconds(c)) is not None]
    alls = [t for c in rows for t in response_times(c)]
    outcomes: dict[str, int] = {}
    for c in rows:
        if c.outcome:
            outcomes[c.outcome] = outcomes.get(c.outcome, 0) + 1
    return Stats(
        conversations=len(rows),
        answered=len(firsts),
        resolved=sum(c.status == ConversationStatus.RESOLVED for c in rows),
        transferred=sum(c.status == ConversationStatus.AFTERSALES for c in rows),
        outcomes=outcomes,
        avg_first_response=_mean(firsts),
        avg_response=_mean(alls),
        breaches=sum(bool(m.breach) for c in rows for m in c.messages if m.sender == Sender.SELLER),
    )
