"""Theory test pages. Here: the staff's question bank (list, preview, import, export, template).

The candidate's paper registers its pages on this same blueprint from `views_candidate.py`.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext

from sandbox.binding import control_db
from sandbox.control.models import StaffRole
from sandbox.errors import N_, DomainError, NotFound
from sandbox.parsing import query_int
from sandbox.theory import bank, excel, importing
from sandbox.theory.bank import LETTERS, LEVELS, TYPE_LABELS, TYPES

bp = Blueprint("theory", __name__, url_prefix="/theory")

BANK_ROLES = (StaffRole.ADMIN, StaffRole.EXAMINER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bank_staff_required(view):  # noqa: ANN001, ANN201
    """Only a logged-in administrator or examiner may open the bank's pages."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        who = session.get("who") or {}
        if who.get("kind") != "staff" or who.get("role") not in BANK_ROLES:
            flash(gettext("请使用有权限的账号登录"), "warning")
            return redirect(url_for("exam.staff_login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper


def _filters() -> bank.BankFilters:
    qtype = request.args.get("type", "")
    level = request.args.get("level", "")
    return bank.BankFilters(
        level=level if level in LEVELS else "",
        qtype=qtype if qtype in TYPES else "",
        point=request.args.get("point", "").strip()[: bank.MAX_POINT],
        q=request.args.get("q", "").strip()[:100],
        page=query_int("page", 1, low=1, high=100000) or 1,
    )


@bp.get("/bank")
@bank_staff_required
def bank_list():
    """The bank, filtered by level, type, knowledge point and text, a page at a time."""
    db = control_db()
    f = _filters()
    found = bank.list_questions(db, f)
    return render_template(
        "theory/bank.html",
        found=found,
        f=f,
        levels=LEVELS,
        types=TYPES,
        type_labels=TYPE_LABELS,
        points=bank.points(db),
        stats=bank.stats(db),
        letters=LETTERS,
    )


@bp.get("/bank/<code>")
@bank_staff_required
def bank_question(code: str):
    """One question as a candidate sees it, then its answer and explanation."""
    question = bank.get(control_db(), code)
    if question is None:
        raise NotFound(N_("题库中没有编号为 %(code)s 的题目"), code=code[:30])
    return render_template("theory/bank_question.html", q=question, letters=LETTERS, type_labels=TYPE_LABELS)


@bp.route("/bank/import", methods=["GET", "POST"])
@bank_staff_required
def bank_import():
    """The upload form; on upload, the report: every bad row (nothing imported) or the counts."""
    if request.method != "POST":
        return render_template("theory/bank_import.html", report=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise DomainError(N_("请选择要导入的 GIFT 或 Excel 文件"))
    report = importing.import_file(control_db(), upload.read(), upload.filename)
    return render_template(
        "theory/bank_import.html", report=report, filename=upload.filename, labels=bank.FIELD_LABELS
    ), (200 if report.ok else 400)


def _download(data: bytes, name: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


@bp.get("/bank/export.gift")
@bank_staff_required
def bank_export_gift():
    """The whole bank as a GIFT file."""
    data = importing.export_bytes(control_db(), "gift")
    return _download(data, "theory-bank.gift", "text/plain; charset=utf-8")


@bp.get("/bank/export.xlsx")
@bank_staff_required
def bank_export_xlsx():
    """The whole bank as an Excel workbook in the template's layout."""
    return _download(importing.export_bytes(control_db(), "xlsx"), "theory-bank.xlsx", XLSX)


@bp.get("/bank/template.xlsx")
@bank_staff_required
def bank_template():
    """The blank Excel import template."""
    return _download(excel.template(), "theory-bank-template.xlsx", XLSX)
