"""Importing a GIFT or Excel file into the bank, all or nothing, with a report naming every bad row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from sandbox.errors import N_, DomainError
from sandbox.theory import bank, excel, gift
from sandbox.theory.bank import RowError

GIFT_SUFFIXES = (".gift", ".txt")
EXCEL_SUFFIXES = (".xlsx",)


@dataclass
class ImportReport:
    """What an import did: the format, counts, and (when it imported nothing) every bad row."""

    format: str
    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the file was imported (no bad row)."""
        return not self.errors

    @property
    def imported(self) -> int:
        """Questions written (added and updated)."""
        return self.added + self.updated


def file_format(filename: str) -> str:
    """ "gift" or "xlsx" from the file name's extension; DomainError for anything else."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in GIFT_SUFFIXES:
        return "gift"
    if suffix in EXCEL_SUFFIXES:
        return "xlsx"
    raise DomainError(N_("只能导入 .gift、.txt（GIFT 格式）或 .xlsx（Excel 模板）文件"))


def read_questions(data: bytes, fmt: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """(row, question dict) pairs and the errors found reading them, from GIFT or Excel bytes."""
    if fmt == "xlsx":
        return excel.read(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(N_("GIFT 文件必须是 UTF-8 编码的文本")) from None
    parsed = gift.parse(text)
    if len(parsed) > excel.MAX_ROWS:
        raise DomainError(N_("一个文件最多 %(n)s 道题"), n=excel.MAX_ROWS)
    items = [(p.line, p.data) for p in parsed if not p.errors]
    return items, [e for p in parsed for e in p.errors]


def import_file(db: Session, source: str | Path | bytes, filename: str | None = None) -> ImportReport:
    """Import a .gift/.txt or .xlsx file (a path or its bytes with its name): every question is
    added or updated by code, or, if any row is bad, nothing is and the report lists each bad row."""
    if isinstance(source, bytes):
        data, name = source, filename or ""
    else:
        path = Path(source)
        data, name = path.read_bytes(), filename or path.name
    fmt = file_format(name)
    items, errors = read_questions(data, fmt)
    clean, invalid = bank.check_all(items)
    errors = bank.merge_errors(errors, invalid)
    if errors:
        return ImportReport(fmt, errors=errors)
    if not clean:
        raise DomainError(N_("文件里没有找到题目"))
    try:
        added, updated = bank.save_all(db, clean)
        db.commit()
    except Exception:
        db.rollback()
        raise
    return ImportReport(fmt, added=added, updated=updated)


def export_bytes(db: Session, fmt: str) -> bytes:
    """The whole bank as GIFT (UTF-8) or Excel bytes."""
    questions = bank.all_questions(db)
    if fmt == "xlsx":
        return excel.export(questions)
    return gift.dump(questions).encode("utf-8")
