"""Examiners' reports: an exam's score sheet with distribution and item analysis (page, Excel, CSV),
and one attempt's printable report (HTML print view and PDF)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext

from sandbox import select_locale
from sandbox.binding import control_db
from sandbox.control.access import staff_required
from sandbox.control.models import Attempt, Exam, StaffRole
from sandbox.examiner import analysis, reports
from sandbox.runtime import runtime

bp = Blueprint("reports", __name__, url_prefix="/examiner")
examiner_only = staff_required(StaffRole.EXAMINER)
STATIC = Path(__file__).resolve().parent.parent / "static"
PDF_CSS = ("css/sandbox.css", "css/reports.css")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _lang() -> str:
    return "en" if select_locale() == "en" else "zh"


def _pass_share() -> float:
    return float(current_app.config.get("PASS_SHARE", analysis.PASS_SHARE))


def _scenario(scenario_id: str):  # noqa: ANN202
    try:
        return runtime().scenarios.get(scenario_id)
    except KeyError:  # a scenario folder since removed: the stored titles are used
        return None


def _exam_report(exam_id: int) -> reports.ExamReport:
    exam = control_db().get(Exam, exam_id)
    if exam is None:
        abort(404)
    return reports.exam_report(control_db(), exam, _scenario, _lang(), _pass_share())


@bp.get("/exams/<int:exam_id>/report")
@examiner_only
def exam_report(exam_id: int):  # noqa: ANN201
    """An exam's results per paper: distribution chart, summary figures, item analysis, score sheet."""
    report = _exam_report(exam_id)
    charts = {
        p.scenario_id: {
            "labels": p.distribution.bin_labels,
            "counts": p.distribution.bins,
            "passBin": int(p.distribution.pass_share * len(p.distribution.bins)),
            "series": gettext("人数"),
            "xName": gettext("得分率"),
            "yName": gettext("人数"),
        }
        for p in report.papers
    }
    return render_template(
        "reports/exam.html",
        report=report,
        charts=charts,
        flag_labels=reports.FLAG_LABELS,
        status_labels=reports.STATUS_LABELS,
        source_labels=reports.SOURCE_LABELS,
        fmt=reports.fmt_points,
    )


@bp.get("/exams/<int:exam_id>/scores.xlsx")
@examiner_only
def scores_xlsx(exam_id: int):  # noqa: ANN201
    """The score sheet as an Excel workbook (a sheet per paper and the item analysis)."""
    report = _exam_report(exam_id)
    return Response(
        reports.to_xlsx(report),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename=scores-{report.exam.id}.xlsx"},
    )


@bp.get("/exams/<int:exam_id>/scores.csv")
@examiner_only
def scores_csv(exam_id: int):  # noqa: ANN201
    """The score sheet as CSV (UTF-8 with BOM): every paper, or one with ?scenario=<id>."""
    report = _exam_report(exam_id)
    scenario_id = request.args.get("scenario") or None
    if scenario_id is not None and report.paper(scenario_id) is None:
        return render_template("error.html", message=gettext("本场考试没有这份试卷")), 404
    suffix = f"-{scenario_id}" if scenario_id else ""
    return Response(
        reports.to_csv(report, scenario_id),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=scores-{report.exam.id}{suffix}.csv"},
    )


def _attempt(attempt_id: int) -> Attempt:
    attempt = control_db().get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


def _attempt_html(attempt: Attempt, pdf: bool) -> str:
    """The attempt's report page; for the PDF its screenshots are inlined and nothing is linked."""
    summary = reports.attempt_summary(attempt, _pass_share())
    run = summary.run

    def evidence_src(name: str) -> str:
        if pdf:
            return reports.evidence_data_uri(run, name)
        return url_for("examiner.evidence", run_id=run.id, name=name)

    scenario = _scenario(attempt.scenario_id)
    lang = _lang()
    return render_template(
        "reports/attempt.html",
        a=attempt,
        s=summary,
        scenario=scenario,
        scenario_title=scenario.title(lang) if scenario else attempt.scenario_id,
        titles={i.item_id: reports.item_title(scenario, i.item_id, i.title, lang) for i in summary.items},
        evidence_src=evidence_src,
        pdf=pdf,
        printed_at=datetime.now(),
        pass_share=_pass_share(),
        status_labels=reports.STATUS_LABELS,
        source_labels=reports.SOURCE_LABELS,
        fmt=reports.fmt_points,
    )


@bp.get("/attempts/<int:attempt_id>/report")
@examiner_only
def attempt_report(attempt_id: int):  # noqa: ANN201
    """One attempt's printable report: items, points, feedback, evidence, totals, overrides."""
    return _attempt_html(_attempt(attempt_id), pdf=False)


@bp.get("/attempts/<int:attempt_id>/report.pdf")
@examiner_only
def attempt_pdf(attempt_id: int):  # noqa: ANN201
    """The attempt's report printed to PDF by Chromium."""
    attempt = _attempt(attempt_id)
    html = _attempt_html(attempt, pdf=True)
    css = "\n".join((STATIC / name).read_text(encoding="utf-8") for name in PDF_CSS)
    try:
        pdf = reports.html_to_pdf(html, css, current_app.config.get("CHROMIUM", ""))
    except reports.PdfError as exc:
        current_app.logger.warning("report PDF of attempt %s failed: %s", attempt.id, exc)
        return render_template(
            "error.html", message=gettext("无法生成 PDF（浏览器不可用），请使用打印视图")
        ), 503
    who = attempt.candidate.ticket_no if attempt.candidate else attempt.key
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"report-{who}-{attempt.scenario_id}") + ".pdf"
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f"attachment; filename={name}"}
    )
