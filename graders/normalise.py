"""Typed normalisers for typed answers: compare meaning, never substrings.

Each answer type has one normaliser (NORMALISERS); two values are equal when their normal forms are:

- ``text``: NFKC (full-width letters and digits become half-width), trimmed, runs of whitespace
  collapsed, and whitespace next to a Chinese character dropped, since Chinese does not separate
  words ("梁 鑫" = "梁鑫", "长江路484号 21栋" = "长江路484号21栋"; "New  York" = "New York").
- ``id``: an identifier such as an order number: a leading label ("订单号：", "Order No.:") is
  dropped, then spaces, dashes and underscores; upper case.
- ``money``: an amount in yuan ("¥1,234.50", "1234.5元") as integer fen; None if it is not money.
- ``date``: 2026-03-15, 2026/3/15, 2026.03.15 or 2026年3月15日 as a date; None otherwise.
- ``phone``: a phone number as its digits, without a leading +86 ("+86 138-0013-8000" = "13800138000").
- ``set``: items separated by commas, 、, semicolons or spaces, each as an ``id``; order ignored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# Chinese characters and punctuation: no space is needed (or meant) next to them.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_NEXT_TO_CJK = re.compile(f"(?<=[{_CJK}]) | (?=[{_CJK}])")
# A label before an identifier: words without digits, then a colon ("订单号：", "Order No.:").
_ID_LABEL = re.compile(r"^[^\d:：]{1,24}[:：]")
# Or Chinese words directly before it ("订单号 2026…", "运单号SF1234").
_ID_CJK_LABEL = re.compile(f"^[{_CJK}]+")


def text(value: str) -> str:
    """NFKC (full-width to half-width), trimmed, whitespace collapsed and dropped next to Chinese."""
    collapsed = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value or "")).strip()
    return _SPACE_NEXT_TO_CJK.sub("", collapsed)


def identifier(value: str) -> str:
    """An ID such as an order number: label dropped, no spaces or dashes, upper case, half-width."""
    t = text(value)
    t = _ID_CJK_LABEL.sub("", _ID_LABEL.sub("", t, count=1).strip(), count=1)
    return re.sub(r"[\s\-_#]", "", t).upper()


def phone(value: str) -> str:
    """A phone number as digits only, without the country code 86 before an 11-digit mobile."""
    digits = re.sub(r"\D", "", text(value))
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def money(value: str) -> int | None:
    """Money written as '¥1,234.50', '1234.5元' or '1234.50' -> fen; None if not money."""
    cleaned = re.sub(r"[¥￥,，\s]|元|人民币|RMB|CNY", "", text(value), flags=re.IGNORECASE)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite():  # 'inf' and 'NaN' parse as Decimals but are not money
        return None
    fen = amount * 100
    if fen != fen.to_integral_value():
        return None
    return int(fen)


def day(value: str) -> date | None:
    """A date as 2026-03-15, 2026/3/15, 2026.03.15 or 2026年3月15日."""
    t = text(value)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", t)
    if not m:
        return None
    try:
        return datetime(int(m[1]), int(m[2]), int(m[3])).date()
    except ValueError:
        return None


def item_set(value: str) -> frozenset[str]:
    """A set written as 'a, b、c；d' -> {'A','B','C','D'} (order and separators ignored)."""
    return frozenset(identifier(p) for p in re.split(r"[,，、;；\s]+", text(value)) if p)


def choice(value: str) -> str:
    """An option picked from a list: its value as stored."""
    return (value or "").strip()


NORMALISERS = {
    "choice": choice,
    "text": text,
    "id": identifier,
    "phone": phone,
    "money": money,
    "date": day,
    "set": item_set,
}


def normalise(kind: str, value: str):  # noqa: ANN201
    """Normalise `value` as answer type `kind`."""
    return NORMALISERS[kind](value)
