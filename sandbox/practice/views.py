"""Practice mode: a trainee starts any scenario, self-checks with the real grader, resets, retries."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext
from sqlalchemy import select

from graders.runner import evidence_file
from sandbox.binding import control_db, current_attempt, done, forget_session_world
from sandbox.control import attempts as attempt_service
from sandbox.control.access import staff_required
from sandbox.control.models import Attempt, GradeRun, Staff, StaffRole
from sandbox.runtime import runtime

bp = Blueprint("practice", __name__, url_prefix="/practice")
trainee_only = staff_required(StaffRole.TRAINEE)


def _mine() -> Attempt | None:
    attempt = current_attempt()
    if attempt is None or attempt.mode != "practice" or attempt.staff_id != session["who"]["id"]:
        return None
    return attempt


@bp.get("/")
@trainee_only
def index():
    """Scenarios to practise and my earlier practice attempts."""
    mine = list(
        control_db().scalars(
            select(Attempt).where(Attempt.staff_id == session["who"]["id"]).order_by(Attempt.id.desc())
        )
    )
    return render_template("practice/index.html", scenarios=runtime().scenarios.all(), mine=mine)


@bp.post("/start/<scenario_id>")
@trainee_only
def start(scenario_id: str):
    """Start a new practice attempt of a scenario."""
    try:
        scenario = runtime().scenarios.get(scenario_id)
    except KeyError:
        return render_template("error.html", message=gettext("场景不存在")), 404
    staff = control_db().get(Staff, session["who"]["id"])
    attempt = attempt_service.start_attempt(runtime(), control_db(), scenario, staff=staff, mode="practice")
    session["attempt_id"] = attempt.id
    return redirect(url_for("exam.desktop"))


@bp.post("/resume/<int:attempt_id>")
@trainee_only
def resume(attempt_id: int):
    """Go back to one of my practice attempts."""
    attempt = control_db().get(Attempt, attempt_id)
    if attempt is None or attempt.staff_id != session["who"]["id"]:
        return render_template("error.html", message=gettext("练习记录不存在")), 404
    session["attempt_id"] = attempt.id
    return redirect(url_for("exam.desktop"))


@bp.post("/selfcheck")
@trainee_only
def selfcheck():
    """自测评分: grade the current world now, without closing it."""
    attempt = _mine()
    if attempt is None:
        return redirect(url_for("practice.index"))
    job = runtime().grading.grade_and_wait(attempt.id, "selfcheck")
    if job.error is not None or job.run_id is None:
        return render_template("error.html", message=gettext("评分失败，请稍后重试")), 500
    return redirect(url_for("practice.result", run_id=job.run_id))


@bp.get("/result/<int:run_id>")
@trainee_only
def result(run_id: int):
    """The graded result of a self-check."""
    run = control_db().get(GradeRun, run_id)
    if run is None or run.attempt.staff_id != session["who"]["id"]:
        return render_template("error.html", message=gettext("评分记录不存在")), 404
    g.attempt = run.attempt
    return render_template("practice/result.html", run=run)


@bp.get("/result/<int:run_id>/evidence/<name>")
@trainee_only
def evidence(run_id: int, name: str):
    """A screenshot from my self-check."""
    run = control_db().get(GradeRun, run_id)
    path = evidence_file(run, name) if run and run.attempt.staff_id == session["who"]["id"] else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png")


@bp.post("/reset")
@trainee_only
def reset():
    """Start the same practice scenario over in a fresh world."""
    attempt = _mine()
    if attempt is None:
        return redirect(url_for("practice.index"))
    attempt_service.reset_practice(
        runtime(), control_db(), runtime().scenarios.get(attempt.scenario_id), attempt
    )
    forget_session_world()
    done(gettext("已重置练习环境"))
    return redirect(url_for("exam.desktop"))


@bp.get("/training")
def training():
    """Training progress over the modules toward the final exam: a trainee's own, or (for examiners
    and exam administrators) every trainee's."""
    from sandbox.practice import training as progress

    who = session.get("who") or {}
    if who.get("kind") != "staff":
        return redirect(url_for("exam.staff_login", next=request.full_path))
    db = control_db()
    if who.get("role") == StaffRole.TRAINEE:
        people = [db.get(Staff, who["id"])]
    elif who.get("role") in (StaffRole.EXAMINER, StaffRole.ADMIN):
        people = progress.trainees(db)
    else:
        abort(403)
    table = []
    for person in people:
        rows = progress.progress(db, runtime(), person)
        table.append({"staff": person, "rows": rows, "ready": progress.readiness(rows)})
    return render_template("practice/training.html", table=table, own=who.get("role") == StaffRole.TRAINEE)
