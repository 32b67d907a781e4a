"""The question bank as an Excel workbook (openpyxl): the blank template, export, and reading rows.

Sheet "题库", one question per row under the headers of `HEADERS`; sheet "说明" explains each
column. Reading accepts the Chinese headers or their English aliases, answers as letters (ABD) or,
for 判断, 正确/错误/对/错 (the options are then implicit).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from sandbox.errors import N_, DomainError
from sandbox.theory.bank import (
    JUDGE_OPTIONS,
    LETTERS,
    LEVELS,
    RowError,
    answer_from_text,
    answer_letters,
    parse_type,
    text_of,
)
from sandbox.theory.models import Question, QuestionType

SHEET = "题库"
MAX_ROWS = 5000  # questions in one file
HELP_SHEET = "说明"
TYPE_HEADER = "题型(单选/多选/判断)"
OPTION_HEADERS = [f"选项{c}" for c in LETTERS]
HEADERS = ["编号", TYPE_HEADER, "等级", "知识点", "难度", "题干", *OPTION_HEADERS, "答案", "解析"]
# Header text (lower case, without spaces) -> column key; Chinese headers and English aliases.
ALIASES: dict[str, str] = {
    "编号": "code",
    "code": "code",
    "题型": "type",
    TYPE_HEADER.lower(): "type",
    "题型（单选/多选/判断）": "type",
    "type": "type",
    "等级": "level",
    "level": "level",
    "知识点": "point",
    "point": "point",
    "难度": "difficulty",
    "difficulty": "difficulty",
    "题干": "stem",
    "stem": "stem",
    "答案": "answer",
    "answer": "answer",
    "解析": "explanation",
    "explanation": "explanation",
    **{f"选项{c}".lower(): c for c in LETTERS},
    **{c.lower(): c for c in LETTERS},
}
REQUIRED = {
    "code": "编号",
    "type": "题型",
    "level": "等级",
    "point": "知识点",
    "stem": "题干",
    "answer": "答案",
}
COLUMN_FIELD = {"type": "qtype", "point": "knowledge_point"}  # column key -> question field
TYPE_NAMES = {QuestionType.SINGLE: "单选", QuestionType.MULTI: "多选", QuestionType.JUDGE: "判断"}
HELP_ROWS = [
    ("编号", "题目编号，如 T0001；字母、数字、_ . -，最长 30 个字符。已有编号的题目导入时会被更新。"),
    (TYPE_HEADER, "单选、多选或判断。"),
    ("等级", "、".join(LEVELS) + " 之一。"),
    ("知识点", "不超过 40 个字，如 电子支付。"),
    ("难度", "1（易）到 5（难）的整数，空着为 2。"),
    ("题干", "不超过 1000 个字。"),
    (
        "选项A … 选项F",
        "单选 2–6 个、多选 3–6 个选项，从 A 起连续填写，不能重复；判断题不填（选项固定为 正确/错误）。",
    ),
    ("答案", "选项字母，如 B 或 ACD；判断题写 正确/错误（或 对/错）。单选恰 1 个，多选至少 2 个。"),
    ("解析", "答案的解释，考生交卷后可见。"),
    ("英文列名", "也可用 code, type, level, point, difficulty, stem, A–F, answer, explanation 作为列名。"),
    ("导入规则", "全部或全不：任何一行有错误，整个文件都不导入，并列出每一行的错误（行号为 Excel 行号）。"),
]


def _book_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: Workbook) -> Any:
    sheet = book.active
    sheet.title = SHEET
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    widths = {"A": 10, "B": 18, "C": 16, "D": 16, "E": 6, "F": 60, "M": 8, "N": 50}
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    for column in "GHIJKL":
        sheet.column_dimensions[column].width = 24
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.append(["列", "说明"])
    for row in HELP_ROWS:
        help_sheet.append(list(row))
    help_sheet.column_dimensions["A"].width = 20
    help_sheet.column_dimensions["B"].width = 100
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    return sheet


def template() -> bytes:
    """The blank import template (.xlsx) with its explanation sheet."""
    book = Workbook()
    _sheet(book)
    return _book_bytes(book)


def export(questions: list[Question]) -> bytes:
    """The questions as an .xlsx in the template's layout (a 判断's options are left implicit)."""
    book = Workbook()
    sheet = _sheet(book)
    for q in questions:
        judge = q.qtype == QuestionType.JUDGE
        options = ([] if judge else list(q.options)) + [""] * len(LETTERS)
        answer = JUDGE_OPTIONS[q.answer[0]] if judge else answer_letters(q)
        sheet.append(
            [
                q.code,
                TYPE_NAMES.get(q.qtype, q.qtype),
                q.level,
                q.knowledge_point,
                q.difficulty,
                q.stem,
                *options[: len(LETTERS)],
                answer,
                q.explanation,
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                cell.data_type = "s"  # text, never a formula
    return _book_bytes(book)


def _open(data: bytes) -> Workbook:
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise DomainError(N_("文件不是有效的 Excel 工作簿（.xlsx），请用题库模板填写后上传")) from None


def _columns(header: tuple[Any, ...]) -> tuple[dict[str, int], list[RowError]]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = ALIASES.get(text_of(cell).lower().replace(" ", ""))
        if key and key not in columns:
            columns[key] = index
    missing = [key for key in REQUIRED if key not in columns]
    errors = [
        RowError(1, COLUMN_FIELD.get(key, key), N_("缺少列：%(column)s"), {"column": REQUIRED[key]})
        for key in missing
    ]
    return columns, errors


def read(data: bytes) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """The workbook's questions as (Excel row number, question dict), with the errors found reading."""
    book = _open(data)
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DomainError(N_("工作表“%(sheet)s”是空的"), sheet=sheet.title)
        columns, errors = _columns(header)
        if errors:
            return [], errors
        items: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise DomainError(N_("一个文件最多 %(n)s 道题"), n=MAX_ROWS)
            cells = {key: (values[i] if i < len(values) else None) for key, i in columns.items()}
            if all(text_of(v) == "" for v in cells.values()):
                continue
            data_row, found = _row(cells, number)
            items.append((number, data_row))
            errors.extend(found)
        return items, errors
    finally:
        book.close()


def _row(cells: dict[str, Any], number: int) -> tuple[dict[str, Any], list[RowError]]:
    errors: list[RowError] = []
    qtype = parse_type(cells.get("type"))
    raw_options = [text_of(cells.get(c)) for c in LETTERS]
    while raw_options and not raw_options[-1]:
        raw_options.pop()
    options = raw_options
    if "" in options:
        gap = LETTERS[options.index("")]
        errors.append(RowError(number, "options", N_("选项%(letter)s 为空，但后面还有选项"), {"letter": gap}))
        options = [o for o in options if o]
    if qtype == QuestionType.JUDGE and not options:
        options = list(JUDGE_OPTIONS)
    answer = answer_from_text(qtype, options, text_of(cells.get("answer")), number, errors)
    question = {
        "code": cells.get("code"),
        "qtype": qtype or text_of(cells.get("type")),
        "level": cells.get("level"),
        "knowledge_point": cells.get("point"),
        "difficulty": cells.get("difficulty"),
        "stem": cells.get("stem"),
        "options": options,
        "answer": answer,
        "explanation": cells.get("explanation"),
    }
    return question, errors
