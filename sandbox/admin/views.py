"""Exam administration: exams, rosters, admission tickets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from sandbox.admin import eligibility, exams, roster, tickets
from sandbox.binding import control_db, done
from sandbox.control.access import staff_required
from sandbox.control.models import Attempt, Candidate, Exam, StaffRole
from sandbox.errors import N_, DomainError
from sandbox.runtime import runtime

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = staff_required(StaffRole.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LABEL_PARAMS = ("field", "part")  # message parameters that are message keys themselves
MAX_UPLOAD_BYTES = 4 * 1024 * 1024


def endpoint_url(endpoint: str, **values: object) -> str | None:
    """The URL of another module's page, or None while that module has no such page."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "admin_url": endpoint_url,
        "kinds": exams.KINDS,
        "levels": eligibility.LEVELS,
        "question_types": exams.QUESTION_TYPES,
        "part_labels": tickets.PART_LABELS,
    }


def say(key: str, params: dict[str, Any] | None = None) -> str:
    """A message in the user's language, its label parameters translated too."""
    params = {
        k: gettext(v) if k in LABEL_PARAMS and isinstance(v, str) else v for k, v in (params or {}).items()
    }
    return gettext(key, **params)


def _safe(name: str) -> str:
    """A name fit for a download's file name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name or "exam")


def _exam(exam_id: int) -> Exam:
    exam = control_db().get(Exam, exam_id)
    if exam is None:
        abort(404)
    return exam


def _scenarios() -> list:
    return runtime().scenarios.all()


@bp.get("/")
@admin_only
def index():  # noqa: ANN201
    """Every exam with its parts, windows, candidate count and links."""
    db = control_db()
    rows = list(db.scalars(select(Exam).order_by(Exam.id.desc())))
    counts = dict(
        db.execute(select(Candidate.exam_id, func.count(Candidate.id)).group_by(Candidate.exam_id)).all()
    )
    return render_template(
        "admin/index.html",
        exams=rows,
        counts=counts,
        windows={e.id: tickets.part_windows(e) for e in rows},
        scenario_titles={s.id: s.title("en" if _lang_en() else "zh") for s in _scenarios()},
    )


def _lang_en() -> bool:
    from sandbox import select_locale

    return select_locale() == "en"


def _knowledge_points() -> list[str]:
    """Knowledge points of the question bank (suggestions for the draw rows)."""
    from sandbox.theory.models import Question

    return list(
        control_db().scalars(select(Question.knowledge_point).distinct().order_by(Question.knowledge_point))
    )


def _form_page(exam: Exam | None, values: dict[str, Any], errors: list[tuple[str, DomainError]], status: int):
    by_field: dict[str, list[str]] = {}
    for name, exc in errors:
        by_field.setdefault(name, []).append(say(exc.key, exc.params))
    return render_template(
        "admin/exam_form.html",
        exam=exam,
        f=values,
        errors=by_field,
        messages=[m for ms in by_field.values() for m in ms],
        scenarios=_scenarios(),
        knowledge_points=_knowledge_points(),
        blank_draw=exams.BLANK_DRAW_ROWS,
        blank_scenarios=exams.BLANK_SCENARIO_ROWS,
    ), status


def _save(exam: Exam | None):  # noqa: ANN202
    known = {s.id for s in _scenarios()}
    db = control_db()
    try:
        if exam is None:
            exam = exams.create_exam(db, request.form, known)
            done(gettext("考试已创建"))
        else:
            exams.update_exam(db, exam, request.form, known)
            done(gettext("考试已保存"))
    except DomainError as exc:
        db.rollback()
        errors = exc.errors if isinstance(exc, exams.InvalidExam) else [("form", exc)]
        return _form_page(exam, exams.submitted_values(request.form), errors, exc.status)
    return redirect(url_for("admin.index"))


@bp.route("/exams/new", methods=["GET", "POST"])
@admin_only
def new_exam():  # noqa: ANN201
    """The exam form: a new exam."""
    if request.method == "POST":
        return _save(None)
    return _form_page(None, exams.form_values(None), [], 200)


@bp.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_exam(exam_id: int):  # noqa: ANN201
    """The exam form: change an exam."""
    exam = _exam(exam_id)
    if request.method == "POST":
        return _save(exam)
    return _form_page(exam, exams.form_values(exam), [], 200)


def _roster_page(exam: Exam, status: int = 200, error: str | None = None):  # noqa: ANN202
    db = control_db()
    started = set(db.scalars(select(Attempt.candidate_id).where(Attempt.exam_id == exam.id)))
    rows = []
    for c in exam.candidates:
        verdict = roster.eligibility_of(exam, c)
        rows.append(
            {
                "c": c,
                "id_masked": roster.mask_id_number(c.id_number),
                "eligible": verdict,
                "reason": gettext(verdict) if verdict not in (None, "ok") else "",
                "started": c.id in started,
            }
        )
    return render_template("admin/candidates.html", exam=exam, rows=rows, error=error), status


@bp.get("/exams/<int:exam_id>/candidates")
@admin_only
def candidates(exam_id: int):  # noqa: ANN201
    """The exam's roster: identity, eligibility, room and seat, extra time."""
    return _roster_page(_exam(exam_id))


@bp.post("/exams/<int:exam_id>/candidates/<int:candidate_id>")
@admin_only
def seat(exam_id: int, candidate_id: int):  # noqa: ANN201
    """Move one candidate of this exam to a room and seat."""
    exam = _exam(exam_id)
    candidate = control_db().get(Candidate, candidate_id)
    if candidate is None or candidate.exam_id != exam.id:
        abort(404)
    try:
        roster.set_seat(control_db(), candidate, request.form.get("room", ""), request.form.get("seat", ""))
    except DomainError as exc:
        control_db().rollback()
        return _roster_page(exam, exc.status, say(exc.key, exc.params))
    done(gettext("已更新 %(name)s 的考场和座位", name=candidate.name))
    return redirect(url_for("admin.candidates", exam_id=exam.id))


def _results_dir() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "admin-imports"


@bp.route("/exams/<int:exam_id>/import", methods=["GET", "POST"])
@admin_only
def import_roster(exam_id: int):  # noqa: ANN201
    """Upload a roster (CSV or Excel) → the import's report."""
    exam = _exam(exam_id)
    if request.method != "POST":
        return render_template("admin/import.html", exam=exam)
    upload = request.files.get("file")
    data = upload.read(MAX_UPLOAD_BYTES + 1) if upload else b""
    db = control_db()
    try:
        if not upload or not upload.filename or not data:
            raise roster.RosterInvalid([roster.RowError(1, "file", N_("请选择要上传的文件"))])
        if len(data) > MAX_UPLOAD_BYTES:
            raise roster.RosterInvalid([roster.RowError(1, "file", N_("文件过大（上限 4 MB）"))])
        report = roster.import_roster(db, exam, upload.filename, data)
    except roster.RosterInvalid as exc:
        db.rollback()
        rows = [
            {"row": e.row, "field": gettext(roster.LABELS[e.field]), "message": say(e.key, e.params)}
            for e in exc.errors
        ]
        return render_template(
            "admin/import_report.html", exam=exam, errors=rows, report=None, summary=say(exc.key, exc.params)
        ), exc.status
    token = roster.keep_result(_results_dir(), exam, report) if report.imported or report.refused else None
    refused = [
        {"row": r.row, "ticket": r.ticket_no, "name": r.name, "reason": gettext(r.key)}
        for r in report.refused
    ]
    g.outcome = gettext(
        "已导入 %(n)s 名考生，%(m)s 名不符合申报条件未导入", n=report.imported, m=len(report.refused)
    )
    return render_template(
        "admin/import_report.html",
        exam=exam,
        errors=[],
        report=report,
        refused=refused,
        missing=[gettext(roster.LABELS[c]) for c in report.eligibility_missing],
        token=token,
    )


@bp.get("/exams/<int:exam_id>/import/<token>.csv")
@admin_only
def import_result(exam_id: int, token: str):  # noqa: ANN201
    """The import's result CSV with the generated passwords: handed out once."""
    exam = _exam(exam_id)
    text = roster.take_result(_results_dir(), exam, token)
    if text is None:
        return render_template(
            "error.html", message=gettext("导入结果已下载过或已过期（初始密码只提供一次）")
        ), 410
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={_safe(exam.code)}-roster-result.csv",
            "Cache-Control": "no-store",
        },
    )


@bp.get("/exams/<int:exam_id>/import-template.xlsx")
@admin_only
def import_template(exam_id: int):  # noqa: ANN201
    """An empty roster workbook with the headers."""
    exam = _exam(exam_id)
    return Response(
        roster.template_xlsx(),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename={_safe(exam.code)}-roster-template.xlsx"},
    )


def _tickets_html(exam: Exam, pdf: bool) -> str:
    return render_template(
        "admin/tickets.html",
        exam=exam,
        pages=tickets.pages(tickets.tickets_of(list(exam.candidates))),
        windows=tickets.part_windows(exam),
        kind_label=exams.KINDS.get(exam.kind or exams.FINAL, ""),
        pdf=pdf,
    )


@bp.get("/exams/<int:exam_id>/tickets")
@admin_only
def tickets_preview(exam_id: int):  # noqa: ANN201
    """The admission tickets as they will print."""
    return _tickets_html(_exam(exam_id), pdf=False)


@bp.get("/exams/<int:exam_id>/tickets.pdf")
@admin_only
def tickets_pdf(exam_id: int):  # noqa: ANN201
    """The admission tickets as an A4 PDF, four to a page."""
    exam = _exam(exam_id)
    if not exam.candidates:
        return render_template("error.html", message=gettext("本场考试还没有考生")), 404
    try:
        pdf = tickets.to_pdf(_tickets_html(exam, pdf=True), current_app.config.get("CHROMIUM", ""))
    except tickets.reports.PdfError as exc:
        current_app.logger.warning("admission tickets of exam %s failed: %s", exam.id, exc)
        return render_template(
            "error.html", message=gettext("无法生成 PDF（浏览器不可用），请使用打印视图")
        ), 503
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={_safe(exam.code)}-tickets.pdf"},
    )
