"""The theory question bank: checking a question, adding or updating by code, listing, counting.

A question arrives as a plain dict (from GIFT, Excel, the starter YAML) with the keys of `FIELDS`;
`validate` turns it into a clean dict or a list of `RowError`s naming the field. Writers (`save_all`,
`load_starter`) check every question first and write nothing when one is bad.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sandbox.errors import N_, DomainError
from sandbox.theory.models import Question, QuestionType

LEVELS = ("电子商务员", "助理电子商务师", "电子商务师", "高级电子商务师")
TYPES = (QuestionType.SINGLE, QuestionType.MULTI, QuestionType.JUDGE)
JUDGE_OPTIONS = ["正确", "错误"]
LETTERS = "ABCDEF"
MAX_STEM = 1000
MAX_POINT = 40
MAX_OPTION = 500
DEFAULT_DIFFICULTY = 2
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,29}")
STARTER_PATH = Path(__file__).resolve().parents[2] / "seed_data" / "theory" / "starter_bank.yaml"

# The fields of a question dict, and the labels the error report shows for them.
FIELDS = (
    "code",
    "qtype",
    "level",
    "knowledge_point",
    "difficulty",
    "stem",
    "options",
    "answer",
    "explanation",
)
FIELD_LABELS = {
    "code": N_("编号"),
    "qtype": N_("题型"),
    "level": N_("等级"),
    "knowledge_point": N_("知识点"),
    "difficulty": N_("难度"),
    "stem": N_("题干"),
    "options": N_("选项"),
    "answer": N_("答案"),
    "explanation": N_("解析"),
    "file": N_("文件"),
}
# Short names used on the command line (`row 5 stem: …`).
FIELD_NAMES = {"qtype": "type", "knowledge_point": "point"}
# Type words accepted in files (Chinese labels and English names).
TYPE_WORDS = {
    "single": QuestionType.SINGLE,
    "单选": QuestionType.SINGLE,
    "单选题": QuestionType.SINGLE,
    "multi": QuestionType.MULTI,
    "multiple": QuestionType.MULTI,
    "多选": QuestionType.MULTI,
    "多选题": QuestionType.MULTI,
    "judge": QuestionType.JUDGE,
    "truefalse": QuestionType.JUDGE,
    "判断": QuestionType.JUDGE,
    "判断题": QuestionType.JUDGE,
}
TYPE_LABELS = {
    QuestionType.SINGLE: N_("单选"),
    QuestionType.MULTI: N_("多选"),
    QuestionType.JUDGE: N_("判断"),
}
JUDGE_WORDS = {"正确": 0, "对": 0, "√": 0, "T": 0, "TRUE": 0, "错误": 1, "错": 1, "×": 1, "F": 1, "FALSE": 1}


@dataclass
class RowError:
    """One problem of one question in a file: where (row or line), which field, what."""

    row: int
    field: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The message in Chinese (the key with its parameters)."""
        return self.key % self.params if self.params else self.key

    @property
    def field_name(self) -> str:
        """The field's short English name, as the command line prints it."""
        return FIELD_NAMES.get(self.field, self.field)

    def line(self) -> str:
        """`row 5 stem: 题干不能为空`."""
        return f"row {self.row} {self.field_name}: {self.message}"


def text_of(value: Any) -> str:
    """A cell or YAML value as trimmed text (None is empty; 3.0 is "3")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_type(value: Any) -> str | None:
    """single, multi or judge from a type word (单选/多选/判断 or the English names); None if unknown."""
    return TYPE_WORDS.get(text_of(value).lower())


def parse_letters(text: str) -> list[int] | None:
    """Answer letters ("ACD", "a, c", "A、C") as ascending option indexes; None if not letters."""
    cleaned = re.sub(r"[\s,，、;；]", "", text).upper()
    if not cleaned or any(c not in LETTERS for c in cleaned):
        return None
    return sorted({LETTERS.index(c) for c in cleaned})


def answer_from_text(
    qtype: str | None, options: list[str], text: str, row: int, errors: list[RowError]
) -> list[int]:
    """Indexes of the right options from an answer written as letters (or 正确/错误 for 判断)."""
    text = text.strip()
    if not text:
        errors.append(RowError(row, "answer", N_("答案不能为空")))
        return []
    if qtype == QuestionType.JUDGE and text.upper() in JUDGE_WORDS:
        return [JUDGE_WORDS[text.upper()]]
    indexes = parse_letters(text)
    if indexes is None:
        errors.append(
            RowError(row, "answer", N_("答案应写成选项字母（如 B 或 ACD）：%(value)s"), {"value": text})
        )
        return []
    beyond = [LETTERS[i] for i in indexes if i >= len(options)]
    if beyond:
        errors.append(
            RowError(
                row,
                "answer",
                N_("答案 %(letters)s 超出了选项范围（共 %(n)s 个选项）"),
                {"letters": "".join(beyond), "n": len(options)},
            )
        )
        return []
    return indexes


def answer_letters(question: Question | dict[str, Any]) -> str:
    """The right options as letters ("ACD")."""
    answer = question.answer if isinstance(question, Question) else question["answer"]
    return "".join(LETTERS[i] for i in answer)


def _difficulty(value: Any, row: int, errors: list[RowError]) -> int:
    if value is None or text_of(value) == "":
        return DEFAULT_DIFFICULTY
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    else:
        text = text_of(value)
        number = int(text) if re.fullmatch(r"[0-9]{1,3}", text) else None
    if number is None or not 1 <= number <= 5:
        errors.append(
            RowError(row, "difficulty", N_("难度必须是 1 到 5 的整数：%(value)s"), {"value": text_of(value)})
        )
        return DEFAULT_DIFFICULTY
    return number


def validate(data: dict[str, Any], row: int = 0) -> tuple[dict[str, Any], list[RowError]]:
    """Check a question dict against the bank's rules: (clean dict, errors); errors empty when good."""
    errors: list[RowError] = []
    code = text_of(data.get("code"))
    if not code:
        errors.append(RowError(row, "code", N_("编号不能为空")))
    elif not CODE_PATTERN.fullmatch(code):
        errors.append(
            RowError(
                row,
                "code",
                N_("编号只能由字母、数字、_ . - 组成，最长 30 个字符：%(value)s"),
                {"value": code},
            )
        )
    qtype = data.get("qtype")
    if qtype not in TYPES:
        errors.append(
            RowError(row, "qtype", N_("题型必须是单选、多选或判断：%(value)s"), {"value": text_of(qtype)})
        )
    level = text_of(data.get("level"))
    if level not in LEVELS:
        errors.append(
            RowError(
                row,
                "level",
                N_("等级必须是电子商务员、助理电子商务师、电子商务师或高级电子商务师：%(value)s"),
                {"value": level},
            )
        )
    point = text_of(data.get("knowledge_point"))
    if not point:
        errors.append(RowError(row, "knowledge_point", N_("知识点不能为空")))
    elif len(point) > MAX_POINT:
        errors.append(RowError(row, "knowledge_point", N_("知识点不能超过 %(n)s 个字"), {"n": MAX_POINT}))
    difficulty = _difficulty(data.get("difficulty"), row, errors)
    stem = text_of(data.get("stem"))
    if not stem:
        errors.append(RowError(row, "stem", N_("题干不能为空")))
    elif len(stem) > MAX_STEM:
        errors.append(RowError(row, "stem", N_("题干不能超过 %(n)s 个字"), {"n": MAX_STEM}))
    options = [text_of(o) for o in (data.get("options") or [])]
    answer = sorted(set(data.get("answer") or []))
    _check_options(qtype, options, answer, row, errors)
    explanation = text_of(data.get("explanation"))
    clean = {
        "code": code,
        "qtype": qtype,
        "level": level,
        "knowledge_point": point,
        "difficulty": difficulty,
        "stem": stem,
        "options": options,
        "answer": answer,
        "explanation": explanation,
    }
    return clean, errors


def _check_options(
    qtype: Any, options: list[str], answer: list[int], row: int, errors: list[RowError]
) -> None:
    if any(not o for o in options):
        errors.append(RowError(row, "options", N_("选项不能为空")))
    if any(len(o) > MAX_OPTION for o in options):
        errors.append(RowError(row, "options", N_("选项不能超过 %(n)s 个字"), {"n": MAX_OPTION}))
    if len(set(options)) != len(options):
        errors.append(RowError(row, "options", N_("选项不能重复")))
    if any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(options) for i in answer):
        errors.append(RowError(row, "answer", N_("答案超出了选项范围")))
        return
    if qtype == QuestionType.SINGLE:
        if not 2 <= len(options) <= 6:
            errors.append(
                RowError(row, "options", N_("单选题需要 2 到 6 个选项，现有 %(n)s 个"), {"n": len(options)})
            )
        if len(answer) != 1:
            errors.append(
                RowError(row, "answer", N_("单选题必须恰有 1 个正确答案，现有 %(n)s 个"), {"n": len(answer)})
            )
    elif qtype == QuestionType.MULTI:
        if not 3 <= len(options) <= 6:
            errors.append(
                RowError(row, "options", N_("多选题需要 3 到 6 个选项，现有 %(n)s 个"), {"n": len(options)})
            )
        if len(answer) < 2:
            errors.append(
                RowError(row, "answer", N_("多选题至少要有 2 个正确答案，现有 %(n)s 个"), {"n": len(answer)})
            )
    elif qtype == QuestionType.JUDGE:
        if options != JUDGE_OPTIONS:
            errors.append(RowError(row, "options", N_("判断题的选项必须是“正确”“错误”")))
        if len(answer) != 1:
            errors.append(RowError(row, "answer", N_("判断题必须恰有 1 个正确答案")))


def check_all(items: list[tuple[int, dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Validate (row, question) pairs, also for a code used twice: (clean questions, every error)."""
    clean: list[dict[str, Any]] = []
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    for row, data in items:
        question, found = validate(data, row)
        code = question["code"]
        if code and code in first_row:
            found.append(
                RowError(
                    row,
                    "code",
                    N_("编号 %(code)s 在文件中重复（第 %(first)s 行已有）"),
                    {"code": code, "first": first_row[code]},
                )
            )
        elif code:
            first_row[code] = row
        errors.extend(found)
        clean.append(question)
    return clean, errors


def merge_errors(*lists: list[RowError]) -> list[RowError]:
    """Errors in row order, the first of each (row, field) only (reading errors come first: an answer
    that could not be read is not also reported as having no right option)."""
    seen: set[tuple[int, str]] = set()
    out: list[RowError] = []
    for error in sorted((e for errors in lists for e in errors), key=lambda e: e.row):
        if (error.row, error.field) not in seen:
            seen.add((error.row, error.field))
            out.append(error)
    return out


def save_all(db: Session, questions: list[dict[str, Any]], *, replace: bool = True) -> tuple[int, int]:
    """Add each checked question, or update the one with its code (unless `replace` is off): (added,
    updated). The caller commits."""
    existing = {
        q.code: q
        for q in db.scalars(select(Question).where(Question.code.in_([q["code"] for q in questions])))
    }
    added = updated = 0
    for data in questions:
        row = existing.get(data["code"])
        if row is None:
            row = Question(created_at=datetime.now(), active=True, **data)
            db.add(row)
            existing[data["code"]] = row
            added += 1
        elif replace:
            for key, value in data.items():
                setattr(row, key, value)
            updated += 1
    db.flush()
    return added, updated


def upsert(db: Session, data: dict[str, Any]) -> Question:
    """Add or update one question by code (DomainError naming the first problem when it is bad)."""
    clean, errors = validate(data)
    if errors:
        first = errors[0]
        raise DomainError(first.key, **first.params)
    save_all(db, [clean])
    db.commit()
    return db.scalars(select(Question).where(Question.code == clean["code"])).one()


def get(db: Session, code: str) -> Question | None:
    """The question with this code."""
    return db.scalars(select(Question).where(Question.code == code)).first()


def all_questions(db: Session) -> list[Question]:
    """Every question, in code order."""
    return list(db.scalars(select(Question).order_by(Question.code)))


@dataclass
class BankFilters:
    """What the bank list is filtered by (each empty means any)."""

    level: str = ""
    qtype: str = ""
    point: str = ""
    q: str = ""
    page: int = 1
    per_page: int = 50

    def args(self, **changes: Any) -> dict[str, Any]:
        """The non-empty filters as query arguments (for links to other pages)."""
        values = {
            "level": self.level,
            "type": self.qtype,
            "point": self.point,
            "q": self.q,
            "page": self.page,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None, 1)}


@dataclass
class BankPage:
    """One page of the filtered bank."""

    rows: list[Question]
    total: int
    page: int
    pages: int


def list_questions(db: Session, f: BankFilters) -> BankPage:
    """Questions matching the filters (search in code, stem and explanation), one page in code order."""
    query = select(Question)
    if f.level:
        query = query.where(Question.level == f.level)
    if f.qtype:
        query = query.where(Question.qtype == f.qtype)
    if f.point:
        query = query.where(Question.knowledge_point == f.point)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Question.code.like(like, escape="\\"),
                Question.stem.like(like, escape="\\"),
                Question.explanation.like(like, escape="\\"),
            )
        )
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / f.per_page))
    page = min(max(1, f.page), pages)
    rows = list(db.scalars(query.order_by(Question.code).offset((page - 1) * f.per_page).limit(f.per_page)))
    return BankPage(rows, total, page, pages)


def points(db: Session) -> list[str]:
    """Every knowledge point used in the bank, sorted."""
    return list(db.scalars(select(Question.knowledge_point).distinct().order_by(Question.knowledge_point)))


@dataclass
class BankStats:
    """How many questions the bank has, in all and per level, type and knowledge point."""

    total: int
    by_level: dict[str, int]
    by_type: dict[str, int]
    by_point: dict[str, int]

    def lines(self) -> list[str]:
        """`questions N`, then `level …`, `type …` and `point …` lines."""
        out = [f"questions {self.total}"]
        out += [f"level {k} {v}" for k, v in self.by_level.items()]
        out += [f"type {k} {v}" for k, v in self.by_type.items()]
        out += [f"point {k} {v}" for k, v in self.by_point.items()]
        return out


def _counts(db: Session, column: Any) -> dict[str, int]:
    return {key: n for key, n in db.execute(select(column, func.count()).group_by(column))}


def stats(db: Session) -> BankStats:
    """Counts of the bank: every level and type (zeros too, in their order), then points by name."""
    levels = _counts(db, Question.level)
    types = _counts(db, Question.qtype)
    return BankStats(
        total=db.scalar(select(func.count(Question.id))) or 0,
        by_level={lvl: levels.get(lvl, 0) for lvl in LEVELS},
        by_type={t: types.get(t, 0) for t in TYPES},
        by_point=dict(sorted(_counts(db, Question.knowledge_point).items())),
    )


def from_starter_entry(entry: dict[str, Any], row: int) -> tuple[dict[str, Any], list[RowError]]:
    """A starter-bank YAML entry ({code, type, level, point, difficulty, stem, options, answer: "ACD",
    explanation}) as a question dict, with the errors of its answer letters."""
    errors: list[RowError] = []
    qtype = parse_type(entry.get("type"))
    options = [text_of(o) for o in (entry.get("options") or [])]
    if qtype == QuestionType.JUDGE and not options:
        options = list(JUDGE_OPTIONS)
    answer = answer_from_text(qtype, options, text_of(entry.get("answer")), row, errors)
    data = {
        "code": entry.get("code"),
        "qtype": qtype or text_of(entry.get("type")),
        "level": entry.get("level"),
        "knowledge_point": entry.get("point"),
        "difficulty": entry.get("difficulty"),
        "stem": entry.get("stem"),
        "options": options,
        "answer": answer,
        "explanation": entry.get("explanation"),
    }
    return data, errors


def read_starter(path: Path) -> tuple[list[dict[str, Any]], list[RowError]]:
    """The starter YAML's questions, checked (a list, or a mapping with `questions`); entry n is row n."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    entries = raw.get("questions", []) if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        raise DomainError(N_("题库文件格式不正确：%(path)s"), path=str(path))
    items: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            errors.append(RowError(number, "file", N_("第 %(n)s 项不是一道题"), {"n": number}))
            continue
        data, found = from_starter_entry(entry, number)
        errors.extend(found)
        items.append((number, data))
    clean, more = check_all(items)
    return clean, merge_errors(errors, more)


def load_starter(db: Session, path: Path | None = None) -> int:
    """Add the starter bank's questions whose codes are not in the bank yet (all or none); how many."""
    clean, errors = read_starter(path or STARTER_PATH)
    if errors:
        raise DomainError(
            N_("初始题库有 %(n)s 处错误，第一处：%(first)s"), n=len(errors), first=errors[0].line()
        )
    added, _ = save_all(db, clean, replace=False)
    db.commit()
    return added
