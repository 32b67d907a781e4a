"""统一社会信用代码 (unified social credit code, GB 32100-2015): its check character, the reason a code
is wrong, and valid codes for seeds.

The code has 18 characters from a 31-character alphabet (digits and upper-case letters without I, O, S,
V, Z): the registration authority (1), the kind of organisation (1), the region (6 digits), the
organisation code (9, GB 11714, with its own check character last) and the check character, chosen
so that the weighted sum of all 18 is a multiple of 31.
"""

from __future__ import annotations

import re

from sandbox.errors import N_

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
AUTHORITIES = "123456789ABCDEFGY"  # 登记管理部门代码
REGION_RE = re.compile(r"[0-9]{6}")
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714 body characters
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_char(first17: str) -> str:
    """The 18th character for the code's first 17."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """The code as typed, without spaces and in upper case."""
    return "".join((code or "").split()).upper()


def problem(code: str) -> str:
    """Why the code is not a valid 统一社会信用代码 (a message key), or "" if it is."""
    text = normalise(code)
    if len(text) != 18:
        return N_("统一社会信用代码须为18位")
    if any(c not in ALPHABET for c in text):
        return N_("统一社会信用代码只能由数字和大写字母组成（不含 I、O、S、V、Z）")
    if text[0] not in AUTHORITIES or not REGION_RE.fullmatch(text[2:8]):
        return N_("统一社会信用代码格式不正确：第1位为登记管理部门代码，第3-8位为行政区划代码")
    if check_char(text[:17]) != text[17]:
        return N_("统一社会信用代码校验位不正确，请核对营业执照")
    return ""


def is_valid(code: str) -> bool:
    """Whether the code is a valid 统一社会信用代码."""
    return problem(code) == ""


def org_check_char(body8: str) -> str:
    """The GB 11714 check character of an organisation code's first 8 characters."""
    total = sum(ORG_ALPHABET.index(c) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_code(region: str, serial: int, authority: str = "9", kind: str = "1") -> str:
    """A valid code of an enterprise (91…) in a 6-digit region; `serial` picks the organisation code."""
    body = "MA" + "".join(ORG_ALPHABET[(serial // 36**i) % 36] for i in range(5, -1, -1))
    body = body.replace("I", "1").replace("O", "0").replace("S", "5").replace("V", "U").replace("Z", "2")
    organisation = body + org_check_char(body)
    if organisation[-1] not in ALPHABET:  # pragma: no cover - X is in the alphabet, digits too
        organisation = organisation[:-1] + "0"
    first17 = f"{authority}{kind}{region}{organisation}"
    return first17 + check_char(first17)
