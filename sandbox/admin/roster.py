"""An exam's roster: candidates imported from CSV or Excel with a per-row report, eligibility, seats.

A file with any malformed row imports nothing; the report names every such row and field. Rows that
are well formed but do not meet the level's entry conditions (申报条件) are refused with the reason,
and the rest are imported.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.admin import eligibility
from sandbox.control.models import Candidate, Exam
from sandbox.errors import N_, DomainError
from sandbox.secrets_hashing import hash_login_password

# Canonical column -> the headers an import may use for it (Chinese or English, any case).
COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket_no": ("准考证号", "ticket_no", "ticket"),
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "id_number"),
    "password": ("密码", "password"),
    "education": ("学历", "education"),
    "work_years": ("工作年限", "work_years"),
    "lower_certificate": ("已有证书", "lower_certificate"),
    "trained": ("正规培训", "trained"),
    "room": ("考场", "room"),
    "seat": ("座位", "座位号", "seat"),
    "extra_minutes": ("延时(分钟)", "延时（分钟）", "延时", "extra_minutes"),
}
REQUIRED = ("ticket_no", "name", "id_number")
ELIGIBILITY_COLUMNS = ("education", "work_years", "lower_certificate")
# Labels of the columns in reports (message keys).
LABELS = {
    "ticket_no": N_("准考证号"),
    "name": N_("姓名"),
    "id_number": N_("身份证号"),
    "password": N_("密码"),
    "education": N_("学历"),
    "work_years": N_("工作年限"),
    "lower_certificate": N_("已有证书"),
    "trained": N_("正规培训"),
    "room": N_("考场"),
    "seat": N_("座位"),
    "extra_minutes": N_("延时(分钟)"),
    "file": N_("文件"),
}
TEMPLATE_HEADERS = (
    "准考证号",
    "姓名",
    "身份证号",
    "密码",
    "学历",
    "工作年限",
    "已有证书",
    "考场",
    "座位",
    "延时(分钟)",
)
MAX_ROWS = 5000
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_TICKET = re.compile(r"[A-Za-z0-9_-]{1,30}")
_YEARS = re.compile(r"[0-9]{1,2}(\.[0-9])?")
_MINUTES = re.compile(r"[0-9]{1,3}")
RESULT_TTL_SECONDS = 3600


@dataclass
class RowError:
    """A malformed cell: the row number as the spreadsheet shows it, the column and the message."""

    row: int
    field: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Refusal:
    """A well-formed row refused because the candidate does not meet the level's entry conditions."""

    row: int
    ticket_no: str
    name: str
    key: str


@dataclass
class ImportReport:
    """What an import did: imported count, refusals with reasons, generated passwords."""

    imported: int = 0
    refused: list[Refusal] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    eligibility_checked: bool = False
    eligibility_missing: list[str] = field(default_factory=list)
    generated: int = 0
    result_csv: str = ""  # rows, results and the generated passwords (shown this once)


class RosterInvalid(DomainError):
    """The file has malformed rows: nothing was imported; `errors` lists each row and field."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(N_("名单中有 %(n)s 处错误，未导入任何考生"), status=400, n=len(errors))
        self.errors = errors


def id_number_error(value: str) -> str | None:
    """Why a 身份证号 is not valid under GB 11643-1999 (a message key), or None when it is."""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return N_("身份证号应为18位：17位数字加1位校验码（0-9或X）")
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != value[17]:
        return N_("身份证号校验码不正确")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return N_("身份证号中的出生日期无效")
    if born.year < 1900 or born > date.today():
        return N_("身份证号中的出生日期无效")
    return None


def mask_id_number(value: str | None) -> str:
    """An ID number as printed on a ticket: first 6, eight stars, last 4."""
    text = value or ""
    return f"{text[:6]}********{text[-4:]}" if len(text) == 18 else "—"


def _cell(value: Any) -> str:
    """A spreadsheet cell as text (a whole number typed into a numeric cell keeps no '.0')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's data rows as (row number, {canonical column: text}); DomainError if it can't be read.

    Unknown columns are ignored; a missing required column is an error for the whole file.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        raw_rows = _xlsx_rows(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        raw_rows = _csv_rows(data)
    else:
        raise DomainError(N_("请上传 CSV（UTF-8）或 Excel（.xlsx）文件"))
    if not raw_rows:
        raise DomainError(N_("文件是空的"))
    lookup = {alias.lower(): canon for canon, aliases in COLUMNS.items() for alias in aliases}
    header = [lookup.get(_cell(h).lower()) for h in raw_rows[0]]
    seen = [c for c in header if c]
    dup = sorted({c for c in seen if seen.count(c) > 1})
    if dup:
        raise DomainError(N_("表头中的列重复：%(cols)s"), cols=", ".join(dup))
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise DomainError(
            N_("缺少必需的列：%(cols)s（表头可用中文或英文，如 准考证号/ticket_no）"),
            cols=", ".join(COLUMNS[c][0] for c in missing),
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        values = {canon: _cell(raw[i]) if i < len(raw) else "" for i, canon in enumerate(header) if canon}
        if not any(values.values()):
            continue
        rows.append((number, values))
    if len(rows) > MAX_ROWS:
        raise DomainError(N_("一次最多导入 %(n)s 名考生"), n=MAX_ROWS)
    if not rows:
        raise DomainError(N_("文件中没有考生"))
    return rows


def _csv_rows(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(N_("CSV 文件不是 UTF-8 编码（在 Excel 中可另存为“CSV UTF-8”）")) from None
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error:
        raise DomainError(N_("CSV 文件格式不正确")) from None


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same refusal
        raise DomainError(N_("无法读取 Excel 文件（请上传 .xlsx 格式）")) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    password: str
    generated: bool
    trained: bool
    bad: set[str] = field(default_factory=set)  # columns with an error


def _check_row(number: int, raw: dict[str, str], errors: list[RowError]) -> _Row:
    """A row's values, checked field by field (errors appended, their columns in `bad`)."""
    before = len(errors)

    def bad(column: str, key: str, **params: Any) -> None:
        errors.append(RowError(number, column, key, params))

    ticket = raw.get("ticket_no", "")
    if not ticket:
        bad("ticket_no", N_("准考证号不能为空"))
    elif not _TICKET.fullmatch(ticket):
        bad("ticket_no", N_("准考证号只能由字母、数字、- 和 _ 组成，最多 30 位"))
    name = raw.get("name", "")
    if not name:
        bad("name", N_("姓名不能为空"))
    elif len(name) > 60:
        bad("name", N_("姓名过长（最多 60 个字符）"))
    id_number = raw.get("id_number", "").upper()
    if not id_number:
        bad("id_number", N_("身份证号不能为空"))
    else:
        problem = id_number_error(id_number)
        if problem:
            bad("id_number", problem)
    password = raw.get("password", "")
    generated = not password
    if generated:
        password = f"{secrets.randbelow(10**8):08d}"
    elif not 6 <= len(password) <= 128:
        bad("password", N_("密码至少 6 位（最多 128 位）"))
    values: dict[str, Any] = {"ticket_no": ticket, "name": name, "id_number": id_number}
    try:
        values["education"] = eligibility.normalise_education(raw.get("education"))
    except ValueError:
        bad(
            "education",
            N_("学历无法识别：%(value)s（可填 初中、高中、中专、技校、职高、高职、大专、本科、硕士、博士）"),
            value=raw.get("education", ""),
        )
    years = raw.get("work_years", "")
    values["work_years"] = None
    if years:
        if _YEARS.fullmatch(years) and float(years) <= 60:
            values["work_years"] = float(years)
        else:
            bad("work_years", N_("工作年限必须是 0 到 60 之间的数（可有一位小数）"))
    try:
        values["lower_certificate"] = eligibility.normalise_certificate(raw.get("lower_certificate"))
    except ValueError:
        bad(
            "lower_certificate",
            N_("已有证书应为 电子商务员、助理电子商务师、电子商务师、高级电子商务师 之一或“无”"),
        )
    trained_raw = raw.get("trained", "").strip().lower()
    if trained_raw not in {"", "是", "否", "yes", "no", "1", "0", "y", "n"}:
        bad("trained", N_("正规培训应填“是”或“否”"))
    room, seat = raw.get("room", ""), raw.get("seat", "")
    if len(room) > 30:
        bad("room", N_("考场名称过长（最多 30 个字符）"))
    if len(seat) > 10:
        bad("seat", N_("座位号过长（最多 10 个字符）"))
    values["room"], values["seat"] = room or None, seat or None
    extra = raw.get("extra_minutes", "")
    values["extra_minutes"] = 0
    if extra:
        if _MINUTES.fullmatch(extra) and int(extra) <= 240:
            values["extra_minutes"] = int(extra)
        else:
            bad("extra_minutes", N_("延时必须是 0 到 240 之间的整数（分钟）"))
    bad_columns = {e.field for e in errors[before:]}
    return _Row(number, values, password, generated, trained_raw not in {"否", "no", "0", "n"}, bad_columns)


def _cross_check(db: Session, exam: Exam, rows: list[_Row], errors: list[RowError]) -> None:
    """Tickets unique in the file and in the whole control database; one ID number per exam.

    Every row whose ticket (or ID number) is well formed takes part, even if another of its cells is
    not, so the report lists all the problems at once."""
    tickets = [r.values["ticket_no"] for r in rows if "ticket_no" not in r.bad]
    taken = dict(
        db.execute(
            select(Candidate.ticket_no, Exam.code)
            .join(Exam, Candidate.exam_id == Exam.id)
            .where(Candidate.ticket_no.in_(tickets))
        ).all()
    )
    ids_here = set(db.scalars(select(Candidate.id_number).where(Candidate.exam_id == exam.id)))
    first_ticket: dict[str, int] = {}
    first_id: dict[str, int] = {}
    for r in rows:
        ticket, id_number = r.values["ticket_no"], r.values["id_number"]
        if "ticket_no" not in r.bad:
            if ticket in first_ticket:
                key, params = N_("准考证号在文件中重复（与第 %(row)s 行）"), {"row": first_ticket[ticket]}
                errors.append(RowError(r.number, "ticket_no", key, params))
            elif ticket in taken:
                if taken[ticket] == exam.code:
                    key, params = N_("准考证号 %(ticket)s 重复"), {"ticket": ticket}
                else:
                    key, params = N_("准考证号已用于考试 %(exam)s"), {"exam": taken[ticket]}
                errors.append(RowError(r.number, "ticket_no", key, params))
            first_ticket.setdefault(ticket, r.number)
        if "id_number" not in r.bad:
            if id_number in first_id:
                key, params = N_("身份证号在文件中重复（与第 %(row)s 行）"), {"row": first_id[id_number]}
                errors.append(RowError(r.number, "id_number", key, params))
            elif id_number in ids_here:
                errors.append(RowError(r.number, "id_number", N_("该身份证号已在本场考试报名")))
            first_id.setdefault(id_number, r.number)


def import_roster(db: Session, exam: Exam, filename: str, data: bytes) -> ImportReport:
    """Import a roster file into the exam: RosterInvalid (nothing imported) if any row is malformed;
    otherwise the eligible rows are imported and the others refused with the reason."""
    try:
        table = read_table(filename, data)
    except DomainError as exc:
        raise RosterInvalid([RowError(1, "file", exc.key, dict(exc.params))]) from None
    columns = set().union(*(r.keys() for _, r in table))
    errors: list[RowError] = []
    rows = [_check_row(number, raw, errors) for number, raw in table]
    _cross_check(db, exam, rows, errors)
    if errors:
        raise RosterInvalid(sorted(errors, key=lambda e: (e.row, list(LABELS).index(e.field))))
    report = ImportReport()
    missing = [c for c in ELIGIBILITY_COLUMNS if c not in columns]
    report.eligibility_checked = bool(exam.level) and not missing
    report.eligibility_missing = missing if len(missing) < len(ELIGIBILITY_COLUMNS) else []
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "准考证号", "姓名", "结果", "初始密码", "原因"])
    for r in rows:
        v = r.values
        reason = (
            eligibility.refusal(
                exam.level, v["education"], v["work_years"], v["lower_certificate"], r.trained
            )
            if report.eligibility_checked
            else None
        )
        if reason:
            report.refused.append(Refusal(r.number, v["ticket_no"], v["name"], reason))
            writer.writerow([r.number, v["ticket_no"], v["name"], "未导入", "", reason])
            continue
        db.add(
            Candidate(
                exam=exam,
                password_hash=hash_login_password(r.password),
                id_card_tail=v["id_number"][-4:],
                **v,
            )
        )
        report.imported += 1
        report.generated += int(r.generated)
        writer.writerow(
            [r.number, v["ticket_no"], v["name"], "已导入", r.password if r.generated else "", ""]
        )
    db.commit()
    report.result_csv = "\ufeff" + out.getvalue()
    return report


def keep_result(folder: Path, exam: Exam, report: ImportReport) -> str:
    """Keep the import's result CSV (with generated passwords) for one download; return its token."""
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - RESULT_TTL_SECONDS
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(18)
    path = folder / f"{exam.id}-{token}.csv"
    path.write_text(report.result_csv, encoding="utf-8")
    path.chmod(0o600)
    return token


def take_result(folder: Path, exam: Exam, token: str) -> str | None:
    """The kept result CSV, removed as it is handed out (None: unknown, taken or expired)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,40}", token or ""):
        return None
    path = folder / f"{exam.id}-{token}.csv"
    try:
        if path.stat().st_mtime < time.time() - RESULT_TTL_SECONDS:
            path.unlink(missing_ok=True)
            return None
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    path.unlink(missing_ok=True)
    return text


def template_xlsx() -> bytes:
    """An empty roster workbook with the Chinese headers and a sheet explaining each column."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "考生名单"
    sheet.append(list(TEMPLATE_HEADERS))
    for column in ("A", "C"):
        sheet.column_dimensions[column].width = 22
        for cell in sheet[column][1:200]:
            cell.number_format = "@"
    notes = book.create_sheet("说明")
    notes.append(["列", "English", "说明"])
    for row in (
        ("准考证号", "ticket_no", "必填；字母、数字、- 和 _；在所有考试中唯一"),
        ("姓名", "name", "必填"),
        ("身份证号", "id_number", "必填；18位，按 GB 11643-1999 校验（请把单元格设为文本）"),
        ("密码", "password", "可空：空则生成8位数字密码，只在导入结果 CSV 中出现一次"),
        ("学历", "education", "本专业学历：初中、高中、中专、技校、职高、高职、大专、本科、硕士、博士"),
        ("工作年限", "work_years", "连续从事本职业工作的年数"),
        ("已有证书", "lower_certificate", "已取得的本职业最高证书：电子商务员……或“无”"),
        ("考场", "room", "如 第一考场"),
        ("座位", "seat", "如 01"),
        ("延时(分钟)", "extra_minutes", "经批准的延长时间，0 到 240"),
        ("正规培训", "trained", "可选列：是/否，缺省视为已完成本级正规培训"),
    ):
        notes.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def set_seat(db: Session, candidate: Candidate, room: str, seat: str) -> None:
    """Move a candidate to a room and seat (blank: none)."""
    room, seat = (room or "").strip(), (seat or "").strip()
    if len(room) > 30:
        raise DomainError(N_("考场名称过长（最多 30 个字符）"))
    if len(seat) > 10:
        raise DomainError(N_("座位号过长（最多 10 个字符）"))
    candidate.room, candidate.seat = room or None, seat or None
    db.commit()


def eligibility_of(exam: Exam, candidate: Candidate) -> str | None:
    """The roster's eligibility column: 'ok', a refusal key, or None when nothing was recorded."""
    if not exam.level or not eligibility.judged(
        candidate.education, candidate.work_years, candidate.lower_certificate
    ):
        return None
    return (
        eligibility.refusal(
            exam.level, candidate.education, candidate.work_years, candidate.lower_certificate
        )
        or "ok"
    )
