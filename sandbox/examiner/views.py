"""Examiner pages: attempts with status and score, results with evidence, timeline, regrade, exports."""

from __future__ import annotations

import json
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.routing import BuildError

from graders.results import to_csv, to_junit
from graders.runner import evidence_file
from sandbox.binding import control_db, done, refused
from sandbox.control.access import staff_required
from sandbox.control.models import (
    ActionLog,
    Attempt,
    Exam,
    GradeRun,
    LoginOutcome,
    LoginRecord,
    RegradePolicy,
    ReviewRequest,
    StaffRole,
)
from sandbox.errors import N_, DomainError
from sandbox.examiner import decisions, listing, scoring
from sandbox.parsing import query_int
from sandbox.runtime import runtime

bp = Blueprint("examiner", __name__, url_prefix="/examiner")
examiner_only = staff_required(StaffRole.EXAMINER)


@bp.get("/")
@examiner_only
def attempts():
    """Attempts of an exam (or all), exam or practice ones, searched, sorted and paged; with an exam
    chosen, its candidates who never started are listed as absent (缺考)."""
    db = control_db()
    filters = listing.Filters.from_args(request.args, query_int("exam"))
    found = listing.attempts(db, filters)
    exams = list(db.scalars(select(Exam).order_by(Exam.id)))
    exam = db.get(Exam, filters.exam_id) if filters.exam_id else None
    return render_template(
        "examiner/attempts.html",
        exam=exam,
        exam_report=endpoint_url("reports.exam_report", exam_id=exam.id) if exam else None,
        review_until=decisions.review_deadline(exam),
        rows=found.rows,
        found=found,
        f=filters,
        exams=exams,
        exam_id=filters.exam_id,
        scenarios={s.id: s for s in runtime().scenarios.all()},
    )


LOGIN_PAGE_SIZE = 200


@bp.get("/logins")
@examiner_only
def logins():
    """Login attempts, newest first: refused ones (wrong password, unknown account, locked) by default."""
    show_all = request.args.get("all") == "1"
    q = select(LoginRecord).order_by(LoginRecord.id.desc()).limit(LOGIN_PAGE_SIZE)
    if not show_all:
        q = q.where(LoginRecord.outcome != LoginOutcome.OK)
    account = (request.args.get("account") or "").strip()[:80]
    if account:
        q = q.where(LoginRecord.account == account)
    return render_template(
        "examiner/logins.html", rows=list(control_db().scalars(q)), show_all=show_all, account=account
    )


def _attempt(attempt_id: int) -> Attempt:
    attempt = control_db().get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.get("/attempts/<int:attempt_id>")
@examiner_only
def attempt(attempt_id: int):
    """One attempt: rubric items with evidence, answers, parameters, the action timeline."""
    return _attempt_page(_attempt(attempt_id))


TIMELINE_VIEWS = ("all", "changes", "events")


def _attempt_page(a: Attempt, status: int = 200):  # noqa: ANN202
    runs = list(a.grade_runs)
    chosen = query_int("run")
    run = next((r for r in runs if r.id == chosen), runs[-1] if runs else None)
    previous = runs[runs.index(run) - 1] if run is not None and runs.index(run) > 0 else None
    view = request.args.get("timeline", "all")
    view = view if view in TIMELINE_VIEWS else "all"
    timeline = [
        e
        for e in control_db().scalars(
            select(ActionLog).where(ActionLog.attempt_id == a.id).order_by(ActionLog.id)
        )
        if _shown_in(e, view)
    ]
    scenario = runtime().scenarios.get(a.scenario_id)
    db = control_db()
    counted = scoring.counted_run(a)
    return render_template(
        "examiner/attempt.html",
        a=a,
        run=run,
        runs=runs,
        counted=counted,
        final=scoring.final_items(a)
        if run is not None and counted is not None and run.id == counted.id
        else None,
        audit=decisions.audit_trail(db, a),
        reviews=list(
            db.scalars(
                select(ReviewRequest).where(ReviewRequest.attempt_id == a.id).order_by(ReviewRequest.id)
            )
        ),
        review_deadline=decisions.review_deadline(a.exam),
        policies=decisions.POLICIES,
        replay_url=_moments(a),
        links={
            "replay": endpoint_url("replay.player", attempt_id=a.id),
            "report": endpoint_url("reports.attempt_report", attempt_id=a.id),
        },
        changes=_changes(previous, run),
        previous=previous,
        timeline=timeline,
        timeline_view=view,
        scenario=scenario,
        # The regrade form offers the current version only when it is not the attempt's own.
        version_choice=bool(a.scenario_digest) and a.scenario_digest != scenario.digest,
    ), status


def _moments(a: Attempt):  # noqa: ANN202
    """A function giving the replay link for a piece of evidence's moment (None if it has none)."""
    db = control_db()
    cache: dict[str, int | None] = {}

    def log_id(moment: dict) -> int | None:
        if moment.get("event") is not None:
            return db.scalar(
                select(ActionLog.id).where(
                    ActionLog.attempt_id == a.id, ActionLog.world_event_id == int(moment["event"])
                )
            )
        if moment.get("answer"):
            return db.scalar(
                select(ActionLog.id)
                .where(
                    ActionLog.attempt_id == a.id,
                    ActionLog.kind == "request",
                    ActionLog.method == "POST",
                    ActionLog.path == url_for("exam.answers"),
                )
                .order_by(ActionLog.id.desc())
                .limit(1)
            )
        return None

    def replay_url(evidence: dict) -> str | None:
        moment = evidence.get("moment") or {}
        key = json.dumps(moment, sort_keys=True)
        if key not in cache:
            cache[key] = log_id(moment)
        found = cache[key]
        return endpoint_url("replay.player", attempt_id=a.id, log=found) if found else None

    return replay_url


def endpoint_url(endpoint: str, **values: object) -> str | None:
    """The URL of another module's page, or None if that module is not installed."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _shown_in(entry: ActionLog, view: str) -> bool:
    """Whether a timeline entry belongs to the view: every request but assets (all), what changed the
    world (changes: events and requests other than page views), or the domain events alone."""
    if entry.kind != "request":
        return True
    path = entry.path or ""
    if path.startswith("/static/") or path == "/favicon.ico":
        return False
    if view == "events":
        return False
    return view == "all" or entry.method not in ("GET", "HEAD") or (entry.status_code or 200) >= 400


def _changes(previous: GradeRun | None, run: GradeRun | None) -> dict[str, float]:
    """Each item's points minus the previous run's (items whose points changed only)."""
    if previous is None or run is None:
        return {}
    before = {i.item_id: i.points for i in previous.items}
    return {
        i.item_id: i.points - before[i.item_id]
        for i in run.items
        if i.item_id in before and i.points != before[i.item_id]
    }


@bp.post("/attempts/<int:attempt_id>/regrade")
@examiner_only
def regrade(attempt_id: int):
    """Queue the attempt for grading again: with the version it was taken under, or the current one.

    A current version that cannot grade this attempt is refused here, with its reasons, and nothing
    is queued.
    """
    a = _attempt(attempt_id)
    if a.status == "active":
        done(gettext("考生尚未交卷，不能评分"), "warning")
        return redirect(url_for("examiner.attempt", attempt_id=a.id)), 409
    try:
        decisions.regrade(
            runtime(),
            control_db(),
            attempt=a,
            policy=request.form.get("policy") or RegradePolicy.LATEST,
            use_current=request.form.get("version") == "current",
            reason=request.form.get("reason") or gettext("考评员重新评分"),
            by=(session.get("who") or {}).get("name") or "?",
        )
    except DomainError as exc:
        control_db().rollback()
        flash(refused(exc), "error")
        return _attempt_page(a, exc.status)
    done(gettext("已加入评分队列，稍后刷新查看结果"))
    return redirect(url_for("examiner.attempt", attempt_id=a.id))


def _run(run_id: int) -> GradeRun:
    run = control_db().get(GradeRun, run_id)
    if run is None:
        abort(404)
    return run


@bp.get("/runs/<int:run_id>/evidence/<name>")
@examiner_only
def evidence(run_id: int, name: str):
    """A screenshot kept as evidence."""
    path = evidence_file(_run(run_id), name)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png")


@bp.get("/runs/<int:run_id>/trace.zip")
@examiner_only
def trace(run_id: int):
    """The Playwright trace of the grading run (open with `playwright show-trace`)."""
    run = _run(run_id)
    if not run.trace_path or not Path(run.trace_path).exists():
        abort(404)
    return send_file(run.trace_path, as_attachment=True, download_name=f"trace-run-{run.id}.zip")


@bp.get("/runs/<int:run_id>/results.json")
@examiner_only
def results_json(run_id: int):
    """The stored JSON result."""
    run = _run(run_id)
    return send_file(run.result_path, mimetype="application/json")


@bp.get("/runs/<int:run_id>/junit.xml")
@examiner_only
def junit(run_id: int):
    """The result as JUnit XML."""
    run = _run(run_id)
    doc = json.loads(Path(run.result_path).read_text())
    return Response(to_junit(doc, f"{doc['scenario']}.{doc['attempt']}"), mimetype="application/xml")


STATUS_LABELS = {"active": N_("作答中"), "submitted": N_("已交卷，待评分"), "graded": N_("已评分")}
CSV_COLUMNS = ("ticket", "name", "exam", "mode", "status_label", "started_at", "submitted_at", "audit")


def _audit_line(e: decisions.AuditEntry) -> str:
    """One decision for the export: when, who, what, the item, old -> new points, why."""
    points = ""
    if e.old is not None or e.new is not None:
        points = f" {'' if e.old is None else f'{e.old:g}'}->{'' if e.new is None else f'{e.new:g}'}"
    item = f" {e.item_id}" if e.item_id else ""
    return f"{e.at:%Y-%m-%d %H:%M} {e.by or '-'} {e.kind}{item}{points}: {e.reason}"


@bp.get("/export.csv")
@examiner_only
def export_csv():
    """Scores of the attempts the list shows (same exam, mode and search), every page, as CSV; absent
    candidates of the chosen exam too."""
    db = control_db()
    filters = listing.Filters.from_args(request.args, query_int("exam"))
    found = listing.attempts(db, filters, paged=False)
    rows = []
    for a in sorted(found.rows, key=lambda a: a.id):
        final = scoring.final_items(a)
        rows.append(
            {
                "attempt": a.key,
                "candidate": a.holder_name,
                "ticket": a.candidate.ticket_no if a.candidate else "",
                "name": a.candidate.name if a.candidate else (a.staff.display_name if a.staff else ""),
                "exam": a.exam.code if a.exam else "",
                "mode": gettext("考试") if a.mode == "exam" else gettext("练习"),
                "scenario": a.scenario_id,
                "status": a.status,
                "status_label": gettext(STATUS_LABELS.get(a.status, a.status)),
                "started_at": f"{a.started_at:%Y-%m-%d %H:%M:%S}",
                "submitted_at": f"{a.submitted_at:%Y-%m-%d %H:%M:%S}" if a.submitted_at else "",
                "score": a.score,
                "max_score": a.max_score,
                "items": [{"id": i.item_id, "points": i.points} for i in final],
                "audit": "; ".join(_audit_line(e) for e in decisions.audit_trail(db, a)),
            }
        )
    for c in found.absent:
        rows.append(
            {
                "attempt": "",
                "candidate": c.name,
                "ticket": c.ticket_no,
                "name": c.name,
                "exam": c.exam.code if c.exam else "",
                "mode": gettext("考试"),
                "scenario": "",
                "status": "absent",
                "status_label": gettext("缺考"),
            }
        )
    name = f"results-{filters.exam_id}.csv" if filters.exam_id else "results.csv"
    return Response(
        "\ufeff" + to_csv(rows, CSV_COLUMNS),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


from sandbox.examiner import views_decisions  # noqa: E402, F401 - its routes are on this blueprint
