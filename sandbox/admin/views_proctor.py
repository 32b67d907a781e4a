"""Live proctoring: who is where, pause and resume, extra time."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext

from sandbox.admin import proctor
from sandbox.binding import control_db, done, refused
from sandbox.control.access import staff_required
from sandbox.control.models import Exam, StaffRole
from sandbox.errors import N_, DomainError
from sandbox.runtime import runtime

bp = Blueprint("proctor", __name__, url_prefix="/admin")
admin_only = staff_required(StaffRole.ADMIN)


def _exam(exam_id: int) -> Exam:
    exam = control_db().get(Exam, exam_id)
    if exam is None:
        abort(404)
    return exam


def _titles(exam: Exam) -> dict[str, str]:
    lang = "en" if session.get("lang") == "en" else "zh"
    out = {}
    for sid in exam.scenario_ids or []:
        try:
            out[sid] = runtime().scenarios.get(sid).title(lang)
        except KeyError:
            out[sid] = sid
    return out


def _page(exam: Exam, status: int = 200):  # noqa: ANN202
    rows = proctor.live_rows(control_db(), exam, _titles(exam))
    return render_template(
        "proctor/live.html",
        exam=exam,
        rows=rows,
        summary=proctor.summary(rows),
        rooms=proctor.rooms(exam),
        log=proctor.actions(control_db(), exam)[:50],
    ), status


@bp.get("/exams/<int:exam_id>/proctor")
@admin_only
def live(exam_id: int):
    """The live proctor view (it refreshes itself every few seconds)."""
    return _page(_exam(exam_id))


@bp.get("/exams/<int:exam_id>/proctor.json")
@admin_only
def live_json(exam_id: int):
    """The live view's rows, for its poll (and for any tool of the exam centre)."""
    exam = _exam(exam_id)
    rows = proctor.live_rows(control_db(), exam, _titles(exam))
    return jsonify(
        {
            "summary": proctor.summary(rows),
            "rows": [r.as_json() for r in rows],
            "html": render_template("proctor/_rows.html", rows=rows, exam=exam),
        }
    )


def _who() -> str:
    return (session.get("who") or {}).get("name") or "?"


def _act(exam_id: int, work) -> object:  # noqa: ANN001
    exam = _exam(exam_id)
    try:
        message = work(exam)
    except DomainError as exc:
        control_db().rollback()
        from flask import flash

        flash(refused(exc), "error")
        return _page(exam, exc.status)
    done(message)
    return redirect(url_for("proctor.live", exam_id=exam.id))


def _candidate_id() -> int | None:
    raw = (request.form.get("candidate_id") or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def _hold(exam_id: int, service, message: str):  # noqa: ANN001, ANN202
    """Pause or resume (`service`) the candidate or room the form names, with its reason."""

    def work(exam: Exam) -> str:
        n = service(
            control_db(),
            exam,
            candidate_id=_candidate_id(),
            room=request.form.get("room"),
            reason=request.form.get("reason"),
            by=_who(),
        )
        return gettext(message, n=n)

    return _act(exam_id, work)


@bp.post("/exams/<int:exam_id>/proctor/pause")
@admin_only
def pause(exam_id: int):
    """Pause a candidate or a room, with the reason."""
    return _hold(exam_id, proctor.pause, N_("已暂停 %(n)s 名考生"))


@bp.post("/exams/<int:exam_id>/proctor/resume")
@admin_only
def resume(exam_id: int):
    """Resume a candidate or a room; their time left is what it was when paused."""
    return _hold(exam_id, proctor.resume, N_("已恢复 %(n)s 名考生"))


@bp.post("/exams/<int:exam_id>/proctor/extra-time")
@admin_only
def extra_time(exam_id: int):
    """Set a candidate's extra time (延时)."""

    def work(exam: Exam) -> str:
        c = proctor.set_extra_time(
            control_db(),
            exam,
            _candidate_id(),
            request.form.get("minutes"),
            request.form.get("reason"),
            _who(),
        )
        return gettext("%(name)s 的延时已设为 %(n)s 分钟", name=c.name, n=c.extra_minutes)

    return _act(exam_id, work)
