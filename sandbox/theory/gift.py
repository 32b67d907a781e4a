"""Moodle GIFT for the question bank: read a file into question dicts, write the bank as GIFT.

The mapping (README, "题库格式"):

    $CATEGORY: 电子商务师/<level>/<knowledge point>

    // [id:T0001] [tag:difficulty-2]
    ::T0001::题干{=right ~wrong ####explanation}

A `$CATEGORY:` line applies to the questions after it; the title is the code; the tag gives the
difficulty (2 when absent); `####` is the general feedback (the explanation). Single choice is
`{=right ~wrong}`, multiple choice uses weights (`~%50%A ~%50%B ~%-100%C`, a positive weight is a right
option), true/false is `{T}` or `{F}`. `~ = # { } :` are escaped with a backslash, a newline is `\\n`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.errors import N_
from sandbox.theory.bank import DEFAULT_DIFFICULTY, JUDGE_OPTIONS, LEVELS, RowError
from sandbox.theory.models import Question, QuestionType

ROOT_CATEGORY = "电子商务师"
SPECIAL = "~=#{}:"
FORMAT_MARK = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
DIFFICULTY_TAG = re.compile(r"\[tag:difficulty-([^\]]*)\]", re.IGNORECASE)
ID_TAG = re.compile(r"\[id:([^\]]*)\]", re.IGNORECASE)
WEIGHT = re.compile(r"^\s*%(-?[0-9]+(?:\.[0-9]+)?)%")
MOODLE_CONTEXTS = {"$course$", "$system$", "$module$", "$coursecategory$", "top"}
JUDGE = {"T": 0, "TRUE": 0, "F": 1, "FALSE": 1}


# --- writing ---------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text safe inside GIFT: backslash before `\\ ~ = # { } :`, newlines as `\\n`."""
    out = []
    for char in text:
        if char == "\\" or char in SPECIAL:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            continue
        else:
            out.append(char)
    return "".join(out)


def _category_part(text: str) -> str:
    return text.replace("/", "//")  # Moodle's escape for a slash inside a category name


def _weight(k: int) -> str:
    return f"{100 / k:.5f}".rstrip("0").rstrip(".")


def question_text(q: Question) -> str:
    """One question as GIFT (comment line, title, stem and answers; no category line)."""
    lines = [f"// [id:{q.code}] [tag:difficulty-{q.difficulty}]", f"::{escape(q.code)}::{escape(q.stem)}{{"]
    if q.qtype == QuestionType.JUDGE:
        lines.append("TRUE" if q.answer == [0] else "FALSE")
    elif q.qtype == QuestionType.SINGLE:
        lines += [("=" if i in q.answer else "~") + escape(o) for i, o in enumerate(q.options)]
    else:
        right = _weight(len(q.answer))
        lines += [f"~%{right if i in q.answer else '-100'}%{escape(o)}" for i, o in enumerate(q.options)]
    if q.explanation:
        lines.append("####" + escape(q.explanation))
    lines.append("}")
    return "\n".join(lines)


def dump(questions: list[Question]) -> str:
    """The questions as a GIFT file, grouped under `$CATEGORY:` lines by level and knowledge point."""
    blocks: list[str] = []
    category = None
    for q in sorted(questions, key=lambda q: (LEVELS.index(q.level) if q.level in LEVELS else 9, q.code)):
        wanted = f"{ROOT_CATEGORY}/{_category_part(q.level)}/{_category_part(q.knowledge_point)}"
        if wanted != category:
            blocks.append(f"$CATEGORY: {wanted}")
            category = wanted
        blocks.append(question_text(q))
    return "\n\n".join(blocks) + "\n"


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Parsed:
    """A question read from a file: its line, its fields (not yet validated) and its own errors."""

    line: int
    data: dict[str, Any]
    errors: list[RowError]


def unescape(text: str) -> str:
    """Undo `escape`: `\\x` is x for the special characters and the backslash, `\\n` a newline."""
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "\\" or nxt in SPECIAL:
                out.append(nxt)
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _split_answers(body: str) -> list[str]:
    """The answer part split before each unescaped `=` or `~` (each piece starts with its mark)."""
    pieces: list[str] = []
    i, start = 0, None
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in "=~":
            if start is not None:
                pieces.append(body[start:i])
            start = i
        i += 1
    if start is not None:
        pieces.append(body[start:])
    return pieces


def parse_category(text: str) -> tuple[str, str] | None:
    """(level, point) from `电子商务师/<level>/<point>` (`//` is a slash inside a name); None if not so."""
    parts = [p.replace("\0", "/").strip() for p in text.strip().replace("//", "\0").split("/")]
    while parts and parts[0] in MOODLE_CONTEXTS:  # Moodle writes `$course$/top/…`
        parts.pop(0)
    if len(parts) != 3 or parts[0] != ROOT_CATEGORY or not parts[2]:
        return None
    return parts[1], parts[2]


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines with their numbers (blank lines separate questions)."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def parse(text: str) -> list[Parsed]:
    """Every question of a GIFT text with the errors found in reading it (one `Parsed` per question)."""
    found: list[Parsed] = []
    category: tuple[str, str] | None = None
    category_text: str | None = None
    for block in _blocks(text.lstrip("\ufeff")):
        comments: list[str] = []
        body: list[tuple[int, str]] = []
        for number, line in block:
            stripped = line.strip()
            if not body and stripped.startswith("$CATEGORY:"):
                category_text = stripped[len("$CATEGORY:") :].strip()
                category = parse_category(category_text)
            elif stripped.startswith("//"):
                comments.append(stripped)
            else:
                body.append((number, line))
        if body:
            found.append(_question(body, " ".join(comments), category, category_text))
    return found


def _question(
    body: list[tuple[int, str]], comments: str, category: tuple[str, str] | None, category_text: str | None
) -> Parsed:
    line = body[0][0]
    text = "\n".join(part for _, part in body).strip()
    errors: list[RowError] = []
    data: dict[str, Any] = {"difficulty": DEFAULT_DIFFICULTY, "explanation": "", "options": [], "answer": []}

    if category is None:
        if category_text is None:
            errors.append(RowError(line, "level", N_("缺少 $CATEGORY: 电子商务师/等级/知识点 分类行")))
        else:
            errors.append(
                RowError(
                    line,
                    "level",
                    N_("分类应写成 电子商务师/等级/知识点：%(value)s"),
                    {"value": category_text},
                )
            )
    else:
        data["level"], data["knowledge_point"] = category  # an unknown level is reported by validate

    tag = DIFFICULTY_TAG.search(comments)
    if tag:
        data["difficulty"] = tag.group(1).strip()

    if text.startswith("::"):
        end = _find(text, "::", 2)
        if end < 0:
            errors.append(RowError(line, "code", N_("标题 ::编号:: 没有结束的 ::")))
            return Parsed(line, data, errors)
        data["code"] = unescape(text[2:end]).strip()
        text = text[end + 2 :].lstrip()
    else:
        id_tag = ID_TAG.search(comments)
        data["code"] = id_tag.group(1).strip() if id_tag else ""

    open_at = _find(text, "{")
    if open_at < 0:
        errors.append(RowError(line, "answer", N_("没有答案部分 {…}")))
        return Parsed(line, data, errors)
    close_at = _find(text, "}", open_at + 1)
    if close_at < 0:
        errors.append(RowError(line, "answer", N_("答案部分的 { 没有对应的 }")))
        return Parsed(line, data, errors)
    if text[close_at + 1 :].strip():
        errors.append(RowError(line, "qtype", N_("不支持的 GIFT 题型：答案后还有文字（填空题）")))
        return Parsed(line, data, errors)
    data["stem"] = unescape(FORMAT_MARK.sub("", text[:open_at].strip()))
    answers = text[open_at + 1 : close_at]

    general = _find(answers, "####")
    if general >= 0:
        data["explanation"] = unescape(answers[general + 4 :]).strip()
        answers = answers[:general]
    _answers(answers.strip(), line, data, errors)
    return Parsed(line, data, errors)


def _answers(body: str, line: int, data: dict[str, Any], errors: list[RowError]) -> None:
    """Fill qtype, options and answer from the text between the braces (without `####`)."""
    if not body:
        errors.append(RowError(line, "qtype", N_("不支持的 GIFT 题型：问答题（只支持单选、多选、判断）")))
        return
    if body.startswith("#"):
        errors.append(RowError(line, "qtype", N_("不支持的 GIFT 题型：数值题（只支持单选、多选、判断）")))
        return
    head = body.split("#", 1)[0].strip().upper()
    if not body.startswith(("=", "~")) and head in JUDGE:
        data["qtype"] = QuestionType.JUDGE
        data["options"] = list(JUDGE_OPTIONS)
        data["answer"] = [JUDGE[head]]
        return
    pieces = _split_answers(body)
    if not pieces or body[: len(body) - len("".join(pieces))].strip():
        errors.append(RowError(line, "answer", N_("无法识别的答案：%(value)s"), {"value": body[:40]}))
        return
    if any(_find(p, "->") >= 0 for p in pieces):
        errors.append(RowError(line, "qtype", N_("不支持的 GIFT 题型：匹配题（只支持单选、多选、判断）")))
        return
    if all(p.startswith("=") for p in pieces):
        errors.append(RowError(line, "qtype", N_("不支持的 GIFT 题型：简答题（只支持单选、多选、判断）")))
        return
    options: list[str] = []
    right: list[int] = []
    weighted = False
    for index, piece in enumerate(pieces):
        rest = piece[1:]
        weight = WEIGHT.match(rest)
        if weight:
            weighted = True
            rest = rest[weight.end() :]
        feedback = _find(rest, "#")
        if feedback >= 0:
            rest = rest[:feedback]  # per-option feedback has no place in the bank
        options.append(unescape(rest).strip())
        if piece.startswith("=") or (weight and float(weight.group(1)) > 0):
            right.append(index)
    data["options"] = options
    data["answer"] = right
    if not right:
        errors.append(
            RowError(
                line,
                "answer",
                N_("没有正确答案（单选用 =，多选用正的权重，如 %(example)s）"),
                {"example": "~%50%"},
            )
        )
        return
    if len(right) > 1 and not weighted:
        errors.append(
            RowError(
                line,
                "answer",
                N_("单选题只能有一个 = 答案；多选题请用权重，如 %(example)s"),
                {"example": "~%50%"},
            )
        )
        return
    data["qtype"] = QuestionType.MULTI if weighted and len(right) > 1 else QuestionType.SINGLE
