"""The boards' posting rules (版规): what is refused at once, and what the moderator hides later.

Refused at once, with the rule named (nothing is stored):
- every board: the title's length, the body's length, no contact details in the title, no banned words
  (the advertising law's absolute claims and words of illegal trade, sandbox/content_rules.py), no
  duplicate (the same title by the same author in the same board within a world day);
- by board: a required title tag (供求信息: 【供应】 or 【求购】), no contact details in the body (where
  the board says so), a number of threads per author per world day (网店推广).
A flood (more than FLOOD_POSTS posts in a real minute) is refused with 429.

Hidden by the moderator (the NPC action `forum.moderate`), with the reason, because no simple upfront
check catches them: promotional wording outside 网店推广, and the same text cross-posted to another board.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.content_rules import find_banned, find_contact
from sandbox.errors import N_

TITLE_MIN, TITLE_MAX = 5, 40
BODY_MIN, BODY_MAX = 10, 5000
REPLY_MIN, REPLY_MAX = 2, 1000
MAX_IMAGES = 3
FLOOD_POSTS = 3  # posts (threads and replies) per author per real minute
DUPLICATE_HOURS = 24
PROMOTION_MARKERS = (
    "优惠",
    "促销",
    "特价",
    "包邮",
    "打折",
    "折扣",
    "秒杀",
    "领券",
    "进店",
    "本店",
    "小店",
    "店铺",
    "下单立减",
    "限时",
    "满减",
    "活动价",
    "欢迎选购",
    "抢购",
    "拍下",
)
PROMOTION_THRESHOLD = 2  # distinct markers that make a post promotional

# Rule id -> its name as posters see it (in the board's rules and in a refusal).
RULE_NAMES = {
    "title_length": N_("标题须为5-40个字"),
    "body_length": N_("正文须为10-5000个字"),
    "reply_length": N_("回复须为2-1000个字"),
    "contact_in_title": N_("标题中不得含有联系方式（电话、QQ、微信、邮箱、网址）"),
    "contact_in_body": N_("本版正文中不得含有联系方式（电话、QQ、微信、邮箱、网址）"),
    "contact_in_reply": N_("回复中不得含有联系方式（电话、QQ、微信、邮箱、网址）"),
    "banned_words": N_("不得使用“最好”“第一”“国家级”等广告法禁用的绝对化用语或违法用语"),
    "duplicate": N_("24小时内不得在同一版块重复发帖（标题相同）"),
    "title_tag": N_("标题须以%(tags)s开头"),
    "daily_limit": N_("本版每人每天限发%(n)s帖"),
    "rate_limit": N_("每人每分钟最多发%(n)s帖（含回复）"),
    "no_promotion": N_("本版不得发布广告和店铺推广，推广内容请发到“网店推广”版"),
    "cross_post": N_("不得一帖多发：相同内容已发在其他版块"),
}
UPFRONT = ("title_length", "body_length", "contact_in_title", "banned_words", "duplicate")
MODERATED = ("no_promotion", "cross_post")


@dataclass
class Broken:
    """A rule a post breaks: its id, its name's message key with parameters, and what was found."""

    rule: str
    detail: str = ""
    params: dict[str, object] | None = None

    @property
    def moderated(self) -> bool:
        """Whether the moderator judges this rule later (the others are checked when posting)."""
        return self.rule in MODERATED

    @property
    def key(self) -> str:
        """The rule's name as a message key."""
        return RULE_NAMES[self.rule]


def board_rules(board: object) -> list[Broken]:
    """The rules a board shows its posters, in order (as Broken entries with no finding)."""
    shown = [Broken(rule) for rule in UPFRONT[:4]]
    if board.title_tags:
        shown.append(Broken("title_tag", params={"tags": tags_text(board.title_tags)}))
    if not board.contact_in_body:
        shown.append(Broken("contact_in_body"))
    shown.append(Broken("duplicate"))
    if board.daily_limit:
        shown.append(Broken("daily_limit", params={"n": board.daily_limit}))
    if not board.promotion:
        shown.append(Broken("no_promotion"))
    shown.append(Broken("cross_post"))
    shown.append(Broken("rate_limit", params={"n": FLOOD_POSTS}))
    return shown


def tags_text(tags: list[str]) -> str:
    """The title tags as one phrase (【供应】或【求购】)."""
    return "或".join(tags)


def squeeze(text: str) -> str:
    """Text with every kind of whitespace removed (how duplicates are compared)."""
    return re.sub(r"\s+", "", text or "")


def check_thread(board: object, title: str, body: str) -> Broken | None:
    """The first upfront rule a new thread breaks, or None (duplicates and limits are the service's)."""
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        return Broken("title_length", f"{len(title)}")
    if not BODY_MIN <= len(body) <= BODY_MAX:
        return Broken("body_length", f"{len(body)}")
    found = find_contact(title)
    if found:
        return Broken("contact_in_title", found)
    word = find_banned(title) or find_banned(body)
    if word:
        return Broken("banned_words", word)
    if board.title_tags and not title.startswith(tuple(board.title_tags)):
        return Broken("title_tag", title[:6], {"tags": tags_text(board.title_tags)})
    if not board.contact_in_body:
        found = find_contact(body)
        if found:
            return Broken("contact_in_body", found)
    return None


def check_reply(body: str) -> Broken | None:
    """The first upfront rule a reply breaks, or None."""
    if not REPLY_MIN <= len(body) <= REPLY_MAX:
        return Broken("reply_length", f"{len(body)}")
    found = find_contact(body)
    if found:
        return Broken("contact_in_reply", found)
    word = find_banned(body)
    if word:
        return Broken("banned_words", word)
    return None


def promotional(text: str) -> list[str]:
    """The promotional markers in a text (it is promotional with PROMOTION_THRESHOLD or more)."""
    return [marker for marker in PROMOTION_MARKERS if marker in (text or "")]
