"""Format and checksum rules of the numbers the counter checks: 居民身份证号码 (GB 11643-1999),
统一社会信用代码 (GB 32100-2015), mobile numbers, card numbers (Luhn). Pure functions."""

from __future__ import annotations

import re
from datetime import date, datetime

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# The first two digits of an ID number: a province-level region.
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
}  # fmt: skip
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE = re.compile(r"1[3-9][0-9]{9}")


def id_check_char(first17: str) -> str:
    """The check character of an ID number's first 17 digits."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_birth_date(id_number: str) -> date | None:
    """The birth date written in an ID number, or None if it is not a real date."""
    try:
        return datetime.strptime(id_number[6:14], "%Y%m%d").date()
    except ValueError:
        return None


def valid_id_number(id_number: str, today: date | None = None) -> bool:
    """An 18-character ID number with a real region, a real past birth date and a right check character."""
    text = (id_number or "").strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", text) or text[:2] not in PROVINCES:
        return False
    born = id_birth_date(text)
    if born is None or born.year < 1900 or (today is not None and born > today):
        return False
    return id_check_char(text[:17]) == text[17]


def age_on(id_number: str, today: date) -> int:
    """Whole years between the birth date in the ID number and `today`."""
    born = id_birth_date(id_number)
    if born is None:
        return -1
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def make_id_number(region: str, born: date, sequence: int) -> str:
    """A valid ID number for a 6-digit region code, a birth date and a 3-digit sequence."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


def credit_check_char(first17: str) -> str:
    """The check character of a 统一社会信用代码's first 17 characters."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def valid_credit_code(code: str) -> bool:
    """An 18-character 统一社会信用代码 from the allowed alphabet with a right check character."""
    text = (code or "").strip().upper()
    if len(text) != 18 or any(c not in CREDIT_ALPHABET for c in text):
        return False
    return credit_check_char(text[:17]) == text[17]


def make_credit_code(region: str, organisation: str) -> str:
    """A valid 统一社会信用代码 of an enterprise (91…) for a 6-digit region and a 9-character code."""
    first17 = f"91{region}{organisation}"
    return first17 + credit_check_char(first17)


def valid_mobile(mobile: str) -> bool:
    """A mainland mobile number: 11 digits starting 13–19."""
    return bool(MOBILE.fullmatch((mobile or "").strip()))


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to `digits` (bank card numbers end with one)."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)
