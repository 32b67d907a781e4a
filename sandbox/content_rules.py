"""Content rules every publishing place of the world shares: contact details and banned words.

The B2B platform's listing review, the forum's boards and marketing mail all refuse the same things:
contact details where the platform wants buyers to go through it (mobile and landline numbers, QQ,
WeChat, e-mail addresses, URLs), and the absolute claims the advertising law (广告法, art. 9) forbids
(最好, 第一, 国家级 …) with words of illegal trade (高仿, 代开发票 …). This module imports no domain, so
any layer may use it.
"""

from __future__ import annotations

import re

CONTACT_PATTERNS = (
    re.compile(r"1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4}"),  # a mobile number
    re.compile(r"0[0-9]{2,3}[\s-]?[0-9]{7,8}"),  # a landline with its area code
    re.compile(r"(?i)(qq|扣扣|企鹅)\s*[:：号]?\s*[0-9]{5,11}"),
    re.compile(r"(?i)(微信|vx|wx|weixin|v信)\s*[:：号]?\s*[A-Za-z0-9_-]{5,20}"),
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    re.compile(r"(?i)(https?://|www\.)\S+|\b[a-z0-9-]+\.(com|cn|net|org)\b"),
)
BANNED_WORDS = (
    "最好",
    "最佳",
    "最优",
    "最低价",
    "第一",
    "国家级",
    "顶级",
    "极品",
    "万能",
    "全网最",
    "高仿",
    "A货",
    "假货",
    "代开发票",
    "走私",
    "免检",
)


def find_contact(text: str) -> str:
    """The first contact detail in the text, or ""."""
    for pattern in CONTACT_PATTERNS:
        found = pattern.search(text or "")
        if found:
            return found.group(0)
    return ""


def find_banned(text: str) -> str:
    """The first banned word in the text, or ""."""
    return next((word for word in BANNED_WORDS if word.lower() in (text or "").lower()), "")
