"""An exam's score sheet (one row per candidate and paper, one column per rubric item), its item
analysis, and the files made from it: Excel, CSV, and an attempt's report as PDF.

Scores are read only through sandbox.examiner.scoring (items as they count: overrides, manual marks
and voids applied). Labels are translated with gettext, so call these inside a request or app context.
"""

from __future__ import annotations

import base64
import csv
import io
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from graders.runner import evidence_file
from sandbox.control.models import Attempt, Exam, GradeRun
from sandbox.errors import N_
from sandbox.examiner import analysis
from sandbox.examiner.scoring import FinalItem, counted_run, final_items

STATUS_LABELS = {
    "graded": N_("已评分"),
    "pending": N_("待人工评分"),
    "submitted": N_("已交卷，待评分"),
    "active": N_("作答中"),
    "absent": N_("缺考"),
}
SOURCE_LABELS = {
    "override": N_("考评员改分"),
    "void": N_("评分项作废（全员满分）"),
    "manual": N_("人工评分"),
    "pending": N_("待人工评分"),
}
FLAG_LABELS = {
    analysis.NOBODY: N_("无人得分"),
    analysis.EVERYBODY: N_("全员满分"),
    analysis.NEGATIVE: N_("负区分度"),
    analysis.LOW: N_("区分度低"),
}


def fmt_points(value: float | None) -> str:
    """Points as the sheet shows them: 12.5, 10 (no trailing zeros), '' for none."""
    return "" if value is None else f"{value:g}"


@dataclass
class Column:
    """One rubric item as a score-sheet column."""

    item_id: str
    title: str
    max_points: float

    @property
    def header(self) -> str:
        return f"{self.item_id} {self.title}"


@dataclass
class Row:
    """One candidate's attempt at one paper (or their absence from it)."""

    ticket: str
    name: str
    scenario_id: str
    status: str  # graded | pending | submitted | active | absent
    attempt: Attempt | None = None
    items: dict[str, FinalItem] = field(default_factory=dict)
    total: float | None = None
    max_points: float | None = None
    passed: bool | None = None
    audit: list[FinalItem] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        """Whether the row enters the analysis (graded, nothing left to judge by hand)."""
        return self.status == "graded"


@dataclass
class Paper:
    """One scenario of the exam: its columns, rows, item analysis and distribution."""

    scenario_id: str
    title: str
    columns: list[Column]
    rows: list[Row]
    items: list[analysis.ItemStats]
    distribution: analysis.Distribution

    def count(self, status: str) -> int:
        """How many rows have this status."""
        return sum(1 for r in self.rows if r.status == status)


@dataclass
class ExamReport:
    """Every paper of an exam."""

    exam: Exam
    papers: list[Paper]
    pass_share: float

    def paper(self, scenario_id: str) -> Paper | None:
        """The paper of this scenario, if the exam has it."""
        return next((p for p in self.papers if p.scenario_id == scenario_id), None)


def overrides(attempt: Attempt, items: list[FinalItem] | None = None) -> list[FinalItem]:
    """The attempt's items whose points are not the grading run's own (override, void, manual mark),
    each with its reason in `note`: the audit columns of the sheet and the report."""
    items = final_items(attempt) if items is None else items
    return [i for i in items if i.source != "run"]


def audit_text(audit: Iterable[FinalItem]) -> str:
    """'order-right: 12.5→25 考评员改分（reason） who; …' for the sheet's note column."""
    parts = []
    for i in audit:
        label = gettext(SOURCE_LABELS.get(i.source, i.source))
        change = f"{fmt_points(i.graded_points)}→{fmt_points(i.points)}"
        who = getattr(i, "by", "")
        parts.append(
            f"{i.item_id}: {change} {label}"
            + (f"（{i.note}）" if i.note else "")
            + (f" {who}" if who else "")
        )
    return "; ".join(parts)


def item_title(scenario: Any, item_id: str, fallback: str, lang: str) -> str:
    """An item's title from the scenario's rubric in the user's language, else the stored one."""
    rubric = scenario.rubric if scenario is not None else []
    text = next((r.get("text") for r in rubric if r.get("id") == item_id), None)
    if isinstance(text, dict):
        return (text.get("en") if lang == "en" else None) or text.get("zh") or fallback
    return fallback


def _row(attempt: Attempt, pass_share: float) -> Row:
    cand = attempt.candidate
    row = Row(
        ticket=cand.ticket_no if cand else "",
        name=cand.name if cand else (attempt.staff.display_name if attempt.staff else ""),
        scenario_id=attempt.scenario_id,
        status=attempt.status if attempt.status in ("active", "submitted") else "submitted",
        attempt=attempt,
    )
    items = final_items(attempt)
    if not items:
        return row
    row.items = {i.item_id: i for i in items}
    row.total = round(sum(i.points for i in items), 2)
    row.max_points = round(sum(i.max_points for i in items), 2)
    row.audit = overrides(attempt, items)
    if any(i.source == "pending" or i.status == "pending" for i in items):
        row.status = "pending"
    else:
        row.status = "graded"
        row.passed = analysis.passes(row.total, row.max_points, pass_share)
    return row


def _columns(rows: list[Row], scenario: Any, lang: str) -> list[Column]:
    """Items in the order graded attempts have them (then the rubric's own, if none is graded)."""
    columns: dict[str, Column] = {}
    for row in rows:
        for i in row.items.values():
            if i.item_id not in columns:
                title = item_title(scenario, i.item_id, i.title, lang)
                columns[i.item_id] = Column(i.item_id, title, i.max_points)
            else:
                columns[i.item_id].max_points = max(columns[i.item_id].max_points, i.max_points)
    if not columns and scenario is not None:
        for r in scenario.rubric:
            columns[r["id"]] = Column(
                r["id"], item_title(scenario, r["id"], r["id"], lang), float(r["points"])
            )
    return list(columns.values())


def _paper(scenario_id: str, scenario: Any, rows: list[Row], lang: str, pass_share: float) -> Paper:
    rows.sort(key=lambda r: (r.status == "absent", r.ticket, r.attempt.id if r.attempt else 0))
    columns = _columns(rows, scenario, lang)
    counted = [r for r in rows if r.counted]
    # An item a counted attempt lacks (graded under another rubric version) counts as 0 of its max.
    matrix = [[r.items[c.item_id].points if c.item_id in r.items else 0.0 for c in columns] for r in counted]
    items = analysis.item_analysis(
        matrix, [c.max_points for c in columns], [c.item_id for c in columns], [c.title for c in columns]
    )
    dist = analysis.distribution([(r.total, r.max_points) for r in counted], pass_share)
    title = scenario.title("en" if lang == "en" else "zh") if scenario is not None else scenario_id
    return Paper(scenario_id, title, columns, rows, items, dist)


def exam_report(
    db: Session,
    exam: Exam,
    scenarios: Callable[[str], Any],
    lang: str = "zh",
    pass_share: float = analysis.PASS_SHARE,
) -> ExamReport:
    """The exam's score sheet and analysis per paper; `scenarios(id)` gives a scenario or None."""
    attempts = list(
        db.scalars(
            select(Attempt)
            .where(Attempt.exam_id == exam.id, Attempt.mode == "exam")
            .options(
                selectinload(Attempt.candidate),
                selectinload(Attempt.staff),
                selectinload(Attempt.grade_runs).selectinload(GradeRun.items),
            )
            .order_by(Attempt.id)
        )
    )
    scenario_ids = list(exam.scenario_ids)
    scenario_ids += sorted({a.scenario_id for a in attempts} - set(scenario_ids))
    papers = []
    for sid in scenario_ids:
        rows = [_row(a, pass_share) for a in attempts if a.scenario_id == sid]
        started = {a.candidate_id for a in attempts if a.scenario_id == sid}
        if sid in exam.scenario_ids:
            rows += [
                Row(ticket=c.ticket_no, name=c.name, scenario_id=sid, status="absent")
                for c in exam.candidates
                if c.id not in started
            ]
        papers.append(_paper(sid, scenarios(sid), rows, lang, pass_share))
    return ExamReport(exam, papers, pass_share)


# --- the score sheet as a table, CSV and Excel -------------------------------------------------------


def fixed_headers() -> tuple[list[str], list[str]]:
    """The columns before and after the items."""
    head = [gettext("准考证号"), gettext("姓名"), gettext("场景")]
    tail = [gettext("总分"), gettext("满分"), gettext("是否通过"), gettext("状态"), gettext("调整说明")]
    return head, tail


def pass_label(passed: bool | None) -> str:
    """通过 / 不通过, or '' when the attempt does not count yet."""
    if passed is None:
        return ""
    return gettext("通过") if passed else gettext("不通过")


def row_values(paper: Paper, row: Row) -> tuple[list[Any], list[Any], list[Any]]:
    """The row's cells before, in and after the item columns (numbers as numbers, None if empty)."""
    head = [row.ticket, row.name, paper.scenario_id]
    items = [row.items[c.item_id].points if c.item_id in row.items else None for c in paper.columns]
    tail = [
        row.total,
        row.max_points,
        pass_label(row.passed),
        gettext(STATUS_LABELS[row.status]),
        audit_text(row.audit),
    ]
    return head, items, tail


def to_csv(report: ExamReport, scenario_id: str | None = None) -> str:
    """The score sheet as CSV with a BOM (Excel opens it as UTF-8); all papers' items side by side,
    or one paper's."""
    papers = [p for p in report.papers if scenario_id is None or p.scenario_id == scenario_id]
    item_headers: list[str] = []
    for p in papers:
        item_headers += [c.header for c in p.columns if c.header not in item_headers]
    head, tail = fixed_headers()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(head + item_headers + tail)
    for p in papers:
        for row in p.rows:
            first, items, last = row_values(p, row)
            by_header = {c.header: v for c, v in zip(p.columns, items, strict=True)}
            cells = first + [by_header.get(h) for h in item_headers] + last
            writer.writerow([_csv_cell(v) for v in cells])
    return "\ufeff" + out.getvalue()


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    """A cell as CSV text; text a spreadsheet would take for a formula (a name '=1+1') is quoted."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return fmt_points(float(value))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _as_text(ws: Any, row: int) -> None:
    """Keep text cells of a row as text: openpyxl would store '=…' as a formula."""
    for cell in ws[row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def _sheet_title(title: str, used: set[str]) -> str:
    """A worksheet name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "sheet"
    name, n = clean, 2
    while name.lower() in used:
        suffix = f"~{n}"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def to_xlsx(report: ExamReport) -> bytes:
    """The score sheet as an Excel workbook: a sheet per paper, then the item analysis ('分析')."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    marked = PatternFill("solid", fgColor="FFF2CC")
    flagged = PatternFill("solid", fgColor="FCE4D6")
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    head, tail = fixed_headers()
    for paper in report.papers:
        ws = wb.create_sheet(_sheet_title(paper.scenario_id, used))
        ws.append(head + [c.header for c in paper.columns] + tail)
        for cell in ws[1]:
            cell.font = bold
        first_item = len(head) + 1
        for row in paper.rows:
            first, items, last = row_values(paper, row)
            ws.append(first + items + last)
            r = ws.max_row
            _as_text(ws, r)
            for j, col in enumerate(paper.columns):
                cell = ws.cell(r, first_item + j)
                cell.number_format = "0.0"
                item = row.items.get(col.item_id)
                if item is not None and item.source != "run":
                    cell.fill = marked
                    label = gettext(SOURCE_LABELS.get(item.source, item.source))
                    text = f"{label}: {fmt_points(item.graded_points)}→{fmt_points(item.points)}"
                    text += f"\n{item.note}" if item.note else ""
                    cell.comment = Comment(text, getattr(item, "by", "") or "sandbox")
            for k in (0, 1):
                ws.cell(r, first_item + len(paper.columns) + k).number_format = "0.0"
        widths = [14, 12, 18] + [16] * len(paper.columns) + [8, 8, 10, 14, 40]
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = "C2"
    _analysis_sheet(wb.create_sheet(_sheet_title(gettext("分析"), used)), report, bold, flagged)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _analysis_sheet(ws: Any, report: ExamReport, bold: Any, flagged: Any) -> None:
    """Per paper: summary figures, the distribution's bins, then difficulty and discrimination per item."""
    ws.append([gettext("试卷"), gettext("项目"), gettext("数值")])
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "A2"
    for paper in report.papers:
        d = paper.distribution
        ws.append([])
        ws.append([f"{paper.title} ({paper.scenario_id})"])
        ws.cell(ws.max_row, 1).font = bold
        figures = [
            (gettext("已评分人数"), d.count, "0"),
            (gettext("缺考人数"), paper.count("absent"), "0"),
            (gettext("待评分人数"), len(paper.rows) - d.count - paper.count("absent"), "0"),
            (gettext("平均分"), d.mean, "0.00"),
            (gettext("中位数"), d.median, "0.00"),
            (gettext("标准差"), d.std, "0.00"),
            (gettext("平均得分率"), d.mean_share, "0.0%"),
            (gettext("及格线（满分的比例）"), d.pass_share, "0%"),
            (gettext("通过人数"), d.passed, "0"),
            (gettext("通过率"), d.pass_rate, "0.0%"),
        ]
        figures += [
            (gettext("分数段 %(range)s", range=label), n, "0")
            for label, n in zip(d.bin_labels, d.bins, strict=True)
        ]
        for label, value, fmt in figures:
            ws.append([paper.scenario_id, label, value])
            ws.cell(ws.max_row, 3).number_format = fmt
        ws.append([])
        ws.append(
            [
                gettext("评分项"),
                gettext("标题"),
                gettext("满分"),
                gettext("平均得分"),
                gettext("难度（平均得分率）"),
                gettext("区分度（与其余各项总分的相关）"),
                gettext("提示"),
            ]
        )
        for cell in ws[ws.max_row]:
            cell.font = bold
        for item in paper.items:
            ws.append(
                [
                    item.item_id,
                    item.title,
                    item.max_points,
                    item.mean_points,
                    item.difficulty,
                    item.discrimination,
                    "、".join(gettext(FLAG_LABELS[f]) for f in item.flags),
                ]
            )
            r = ws.max_row
            for col, fmt in ((3, "0.0"), (4, "0.00"), (5, "0.00"), (6, "0.00")):
                ws.cell(r, col).number_format = fmt
            if item.flags:
                for col in range(1, 8):
                    ws.cell(r, col).fill = flagged
    for letter, width in zip("ABCDEFG", (18, 34, 12, 10, 18, 30, 24), strict=True):
        ws.column_dimensions[letter].width = width


# --- one attempt's report ---------------------------------------------------------------------------


def evidence_data_uri(run: GradeRun, name: str) -> str:
    """A screenshot kept as evidence, inlined as a data: URI (for the PDF, which fetches nothing)."""
    path = evidence_file(run, name)
    if path is None:
        return ""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@dataclass
class AttemptSummary:
    """What an attempt's report shows: the counted run, items as they count, totals, verdict, audit."""

    run: GradeRun | None
    items: list[FinalItem]
    total: float | None
    max: float | None
    passed: bool | None
    pending: bool
    audit: list[FinalItem]


def attempt_summary(attempt: Attempt, pass_share: float = analysis.PASS_SHARE) -> AttemptSummary:
    """The attempt's items as they count, totals and pass/fail (None while an item awaits a manual mark)."""
    items = final_items(attempt)
    total = round(sum(i.points for i in items), 2) if items else None
    maximum = round(sum(i.max_points for i in items), 2) if items else None
    pending = any(i.source == "pending" or i.status == "pending" for i in items)
    passed = analysis.passes(total, maximum, pass_share) if items and not pending else None
    return AttemptSummary(
        counted_run(attempt), items, total, maximum, passed, pending, overrides(attempt, items)
    )


PDF_TIMEOUT_MS = 30_000


def html_to_pdf(html: str, css: str, chromium: str = "") -> bytes:
    """Print an HTML page (its pictures already inlined) to A4 PDF with a short-lived headless Chromium.

    The page is set as content, not fetched: no request leaves the browser (each is aborted), so it
    works under the test client as under a server. Playwright's sync API runs in a thread of its own,
    as it refuses to run where an asyncio loop is running.
    """
    result: dict[str, Any] = {}
    # The stylesheets go in with the page (this document is printed, never served: no CSP applies).
    head_end = html.find("</head>")
    style = f"<style>{css}</style>"
    document = html[:head_end] + style + html[head_end:] if head_end >= 0 else style + html

    def work() -> None:
        from playwright.sync_api import sync_playwright

        from graders.browser import LAUNCH_ARGS, chromium_executable

        try:
            with sync_playwright() as pw:
                kwargs: dict[str, Any] = {"headless": True, "args": LAUNCH_ARGS}
                exe = chromium_executable(chromium)
                if exe:
                    kwargs["executable_path"] = exe
                browser = pw.chromium.launch(**kwargs)
                try:
                    page = browser.new_page(java_script_enabled=False)
                    page.set_default_timeout(PDF_TIMEOUT_MS)
                    page.route("**/*", lambda route: route.abort())
                    page.set_content(document, wait_until="load")
                    page.emulate_media(media="print")
                    result["pdf"] = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
                finally:
                    browser.close()
        except Exception as exc:  # noqa: BLE001 - reported to the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=work, name="report-pdf", daemon=True)
    thread.start()
    thread.join(PDF_TIMEOUT_MS / 1000 * 2)
    if "pdf" in result:
        return result["pdf"]
    raise PdfError(str(result.get("error", "timed out")))


class PdfError(RuntimeError):
    """Chromium could not print the report (not installed, crashed, timed out)."""
