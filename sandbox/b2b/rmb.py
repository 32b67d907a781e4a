"""人民币大写: the capital-figure amount written on business documents and cheques.

Follows the rules of 《支付结算办法》附件一 (正确填写票据和结算凭证的基本规定):
- digits 壹贰叁肆伍陆柒捌玖, units 拾佰仟, 万 and 亿 groups, 元角分; 10 is 壹拾 (never a bare 拾);
- an amount ending at 元 ends with 整 (or 正); after 角 整 may be written or not; never after 分;
- a zero between digits is written 零, a run of zeros once (¥1409.50 壹仟肆佰零玖元伍角,
  ¥6007.14 陆仟零柒元壹角肆分);
- when the 万 (亿) position or the 元 position is zero but the next position (千, 角) is not, the 零 may
  be written or left out (¥1680.32 壹仟陆佰捌拾元零叁角贰分 or 壹仟陆佰捌拾元叁角贰分; ¥107000.53
  壹拾万柒仟元零伍角叁分 or 壹拾万零柒仟元伍角叁分);
- when 角 is zero and 分 is not, 零 follows 元 (¥16409.02 壹万陆仟肆佰零玖元零贰分).

`words(fen)` writes the canonical form (the first of each pair above); `matches(text, fen)` accepts any
form the rules allow, with or without a leading 人民币; `parse(text)` reads one back to fen.
"""

from __future__ import annotations

import re

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿")
MAX_FEN = 10**14 - 1  # up to 9999亿元: more than any document needs
OPTIONAL_ZERO = "\x00"  # a 零 the rules let the writer leave out


def _integer(n: int) -> str:
    """The integer part in capitals, with optional zeros marked."""
    if n == 0:
        return ""
    digits = [int(c) for c in str(n)]
    positions = len(digits)
    out: list[str] = []
    zeros_from: int | None = None  # position (from the right) where the current zero run started
    for i, d in enumerate(digits):
        pos = positions - 1 - i  # 0 = 元位
        if d == 0:
            if zeros_from is None:
                zeros_from = pos
        else:
            if zeros_from is not None:
                run_end = pos + 1  # lowest zero position of the run
                # A run that ends exactly at a group's lowest place (万位, 亿位) without covering the
                # whole group (the group has a digit written): its 零 is optional.
                if run_end % 4 == 0 and zeros_from < run_end + 3:
                    out.append(OPTIONAL_ZERO)
                else:
                    out.append("零")
                zeros_from = None
            out.append(DIGITS[d] + SMALL_UNITS[pos % 4])
        if pos % 4 == 0 and pos > 0:
            group = digits[max(0, i - 3) : i + 1]
            if any(group):
                out.append(GROUP_UNITS[pos // 4])
    return "".join(out)


def _marked(fen: int) -> str:
    """The amount in capitals with optional zeros marked, without the final 整."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0 or fen > MAX_FEN:
        raise ValueError("amount must be whole fen between 0 and 10**14 - 1")
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    text = _integer(yuan)
    if yuan:
        text += "元"
    if jiao:
        if yuan and yuan % 10 == 0:
            text += OPTIONAL_ZERO  # 元位 zero, 角 not: 零 may be written
        text += DIGITS[jiao] + "角"
    elif cents and yuan:
        text += "零"  # 角 zero, 分 not: 零 after 元
    if cents:
        text += DIGITS[cents] + "分"
    if not text:
        text = "零元"
    return text


def words(fen: int) -> str:
    """The canonical 人民币大写 of an amount in fen (without the 人民币 prefix)."""
    marked = _marked(fen)
    # Canonical: leave out the optional zero after 万/亿, write it after 元 (the rules' first examples).
    text = re.sub(f"{OPTIONAL_ZERO}(?=[{DIGITS[1:]}][角])", "零", marked).replace(OPTIONAL_ZERO, "")
    if fen % 10 == 0 and fen // 10 % 10 == 0:
        text += "整"
    return text


def normalise(text: str) -> str:
    """The text without spaces, the 人民币 prefix, a (大写) label or a ¥ sign; 圆 read as 元."""
    t = "".join(str(text or "").split())
    t = re.sub(r"^[（(]?大写[)）]?[:：]?", "", t)
    t = re.sub(r"^人民币(?:[（(]?大写[)）]?)?[:：]?", "", t)
    t = t.removeprefix("¥").removeprefix("￥")
    return t.replace("圆", "元")


def pattern(fen: int) -> re.Pattern[str]:
    """A regular expression matching every form of the amount the rules allow."""
    marked = _marked(fen)
    body = re.escape(marked).replace(re.escape(OPTIONAL_ZERO), "零?").replace(OPTIONAL_ZERO, "零?")
    if fen % 100 == 0:
        ending = "[整正]"
    elif fen % 10 == 0:
        ending = "[整正]?"
    else:
        ending = ""
    return re.compile(f"{body}{ending}")


def matches(text: str, fen: int) -> bool:
    """Whether `text` is a correct 人民币大写 of the amount (any allowed form)."""
    return pattern(fen).fullmatch(normalise(text)) is not None


def parse(text: str) -> int | None:
    """The amount in fen a 人民币大写 text states, or None when it is not well formed."""
    t = normalise(text)
    m = re.fullmatch(
        r"(?:(.*?)元)?(?:零)?(?:([壹贰叁肆伍陆柒捌玖])角)?(?:零)?(?:([壹贰叁肆伍陆柒捌玖])分)?([整正])?", t
    )
    if not m or not t:
        return None
    integer, jiao, cents, _ = m.groups()
    yuan = _parse_integer(integer or "") if integer is not None else 0
    if yuan is None:
        return None
    fen = yuan * 100 + (DIGITS.index(jiao) * 10 if jiao else 0) + (DIGITS.index(cents) if cents else 0)
    return fen if 0 <= fen <= MAX_FEN and matches(text, fen) else None


def _parse_integer(text: str) -> int | None:
    """The integer a capital-figure text (before 元) states, or None."""
    if text in ("", "零"):
        return 0
    total, group, digit = 0, 0, 0
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS.index(ch)
        elif ch in SMALL_UNITS[1:]:
            group += digit * 10 ** SMALL_UNITS.index(ch)
            digit = 0
        elif ch == "万":
            total += (group + digit) * 10**4
            group = digit = 0
        elif ch == "亿":
            total = (total + group + digit) * 10**8
            group = digit = 0
        else:
            return None
    return total + group + digit


def yuan_text(fen: int) -> str:
    """An amount in fen as yuan with two decimals and thousands separators (¥ not included)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"
