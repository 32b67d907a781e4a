"""The platform's rules for listings (信息发布规则): what its review rejects, and why.

- No contact details in the title, product, specification or description (phone and landline numbers,
  QQ, WeChat, URLs, e-mail addresses): buyers contact the company through the platform.
- No banned words: absolute claims the advertising law forbids (最好, 第一, 国家级 …) and words of
  illegal trade (高仿, 代开发票 …).

Both lists live in sandbox/content_rules.py, shared with the forum and marketing mail.
- A unit price within the category's usual range (a price far outside it is usually a wrong unit).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.content_rules import BANNED_WORDS, CONTACT_PATTERNS, find_banned, find_contact
from sandbox.errors import N_

__all__ = ["BANNED_WORDS", "CONTACT_PATTERNS", "find_banned", "find_contact", "review"]

FIELD_MESSAGES = {
    "title": N_("标题中不能含有联系方式（电话、QQ、微信、网址或邮箱），请删除后重新提交"),
    "product": N_("产品名称中不能含有联系方式（电话、QQ、微信、网址或邮箱）"),
    "spec": N_("规格中不能含有联系方式（电话、QQ、微信、网址或邮箱）"),
    "description": N_("详细说明中不能含有联系方式（电话、QQ、微信、网址或邮箱）"),
}
BANNED_MESSAGE = N_("含有平台禁用词（“最”“第一”“国家级”等绝对化用语或违法用语），请修改后重新提交")
PRICE_MESSAGE = N_("单价明显偏离该类目的正常范围，请核对价格和计量单位")
# The usual range of a unit price per category, in fen (a listing outside it is rejected).
PRICE_RANGES = {
    "食品饮料": (10, 2_000_000),
    "纺织服装": (10, 1_000_000),
    "家居用品": (10, 2_000_000),
    "五金工具": (10, 5_000_000),
    "电子电工": (10, 5_000_000),
    "包装印刷": (1, 500_000),
    "化工原料": (10, 10_000_000),
    "机械设备": (1_000, 500_000_000),
    "农业": (1, 1_000_000),
    "建材": (10, 10_000_000),
}
CATEGORIES = tuple(PRICE_RANGES)


@dataclass
class Finding:
    """Why the review rejects a listing: the rule's message key and what it found."""

    reason: str
    detail: str


def review(
    *, title: str, product: str, spec: str, description: str, category: str, price_fen: int | None
) -> Finding | None:
    """What the platform's review finds wrong with a listing, or None to publish it."""
    fields = {"title": title, "product": product, "spec": spec, "description": description}
    for field, value in fields.items():
        found = find_contact(value)
        if found:
            return Finding(FIELD_MESSAGES[field], found)
    for value in fields.values():
        word = find_banned(value)
        if word:
            return Finding(BANNED_MESSAGE, word)
    low, high = PRICE_RANGES.get(category, (1, 10**10))
    if price_fen is not None and not low <= price_fen <= high:
        return Finding(PRICE_MESSAGE, f"{low / 100:g}–{high / 100:g} 元")
    return None
