"""Typed normalisers for typed answers: compare meaning, never substrings."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation


def text(value: str) -> str:
    """NFKC (full-width to half-width), trimmed, inner whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value or "")).strip()


def identifier(value: str) -> str:
    """An ID such as an order number: no spaces or dashes, upper case, half-width."""
    return re.sub(r"[\s\-_]", "", text(value)).upper()


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


NORMALISERS = {"text": text, "id": identifier, "money": money, "date": day, "set": item_set}


def normalise(kind: str, value: str):  # noqa: ANN201
    """Normalise `value` as answer type `kind`."""
    return NORMALISERS[kind](value)
