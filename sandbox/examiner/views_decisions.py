"""Examiner pages that decide about results: overrides, manual marking, voids, regrades of many
attempts with progress, publication of results and answers to review requests. Views only parse and
call sandbox.examiner.decisions."""

from __future__ import annotations

import hashlib

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext
from sqlalchemy import select

from sandbox import select_locale
from sandbox.binding import control_db, done, refused
from sandbox.control.access import staff_required
from sandbox.control.models import (
    Attempt,
    AttemptStatus,
    Exam,
    ItemVoid,
    RegradeBatch,
    RegradePolicy,
    ReviewRequest,
    ReviewStatus,
    StaffRole,
)
from sandbox.errors import N_, DomainError, NotFound
from sandbox.examiner import decisions
from sandbox.examiner.scoring import PENDING, final_items
from sandbox.examiner.views import _attempt, _attempt_page, bp, examiner_only
from sandbox.parsing import query_int
from sandbox.runtime import runtime


def _me() -> str:
    """The examiner's name for the audit trail."""
    return (session.get("who") or {}).get("name") or "?"


def _back(attempt: Attempt):  # noqa: ANN202
    return redirect(url_for("examiner.attempt", attempt_id=attempt.id) + "#results")


def _failed(attempt: Attempt, exc: DomainError):  # noqa: ANN202
    flash(refused(exc), "error")
    return _attempt_page(attempt, exc.status)


@bp.post("/attempts/<int:attempt_id>/items/<item_id>/override")
@examiner_only
def override(attempt_id: int, item_id: str):
    """Set an item's points by hand (reason required), or withdraw the override in force."""
    a = _attempt(attempt_id)
    try:
        if request.form.get("withdraw"):
            decisions.withdraw_override(control_db(), a, item_id, request.form.get("reason"), _me())
            done(gettext("已撤销人工改分，恢复评分程序的得分"))
        else:
            decisions.override(
                control_db(), a, item_id, request.form.get("points"), request.form.get("reason"), _me()
            )
            done(gettext("已人工改分，并记入审计记录"))
    except DomainError as exc:
        control_db().rollback()
        return _failed(a, exc)
    return _back(a)


@bp.post("/attempts/<int:attempt_id>/items/<item_id>/mark")
@examiner_only
def mark(attempt_id: int, item_id: str):
    """Judge a manual item of an attempt (from the attempt page or the manual grading queue)."""
    a = _attempt(attempt_id)
    try:
        decisions.mark_manual(
            control_db(), a, item_id, request.form.get("points"), request.form.get("note"), _me()
        )
    except DomainError as exc:
        control_db().rollback()
        if request.form.get("queue"):
            flash(refused(exc), "error")
            return redirect(
                url_for("examiner.manual_queue", scenario_id=a.scenario_id, item_id=item_id, attempt=a.id)
            ), 303
        return _failed(a, exc)
    done(gettext("已评分"))
    if request.form.get("queue"):
        return redirect(url_for("examiner.manual_queue", scenario_id=a.scenario_id, item_id=item_id))
    return _back(a)


# -- regrades ----------------------------------------------------------------------------------


def _policy() -> str | None:
    return request.form.get("policy") or RegradePolicy.LATEST


@bp.route("/regrade", methods=["GET", "POST"])
@examiner_only
def regrade_many():
    """Regrade every attempt of an exam, or of one scenario (in an exam or in all), with a policy."""
    db = control_db()
    exams = list(db.scalars(select(Exam).order_by(Exam.id)))
    scenarios = runtime().scenarios.all()
    form = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        exam_id = _form_int("exam")
        scenario_id = (request.form.get("scenario") or "").strip() or None
        try:
            plan = decisions.regrade(
                runtime(),
                db,
                exam_id=exam_id,
                scenario_id=scenario_id,
                policy=_policy(),
                use_current=request.form.get("version") == "current",
                reason=request.form.get("reason"),
                by=_me(),
            )
        except DomainError as exc:
            db.rollback()
            flash(refused(exc), "error")
            return render_template(
                "examiner/regrade.html", exams=exams, scenarios=scenarios, form=form, batches=_batches()
            ), exc.status
        done(gettext("已将 %(n)s 份答卷加入评分队列", n=len(plan.queued)))
        if plan.skipped:
            flash(gettext("%(n)s 份答卷未加入（尚未交卷或当前版本无法评分）", n=len(plan.skipped)), "warning")
        return redirect(url_for("examiner.regrade_batch", batch_id=plan.batch.id))
    return render_template(
        "examiner/regrade.html", exams=exams, scenarios=scenarios, form=form, batches=_batches()
    )


def _form_int(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def _batches() -> list[RegradeBatch]:
    return list(control_db().scalars(select(RegradeBatch).order_by(RegradeBatch.id.desc()).limit(20)))


def _batch(batch_id: int) -> RegradeBatch:
    batch = control_db().get(RegradeBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/regrades/<int:batch_id>")
@examiner_only
def regrade_batch(batch_id: int):
    """A regrade batch: progress, and each attempt's score before and after."""
    db = control_db()
    batch = _batch(batch_id)
    progress = decisions.batch_progress(db, batch)
    rows = []
    for job in batch.jobs:
        a = db.get(Attempt, job.attempt_id)
        run = next((r for r in a.grade_runs if r.batch_id == batch.id), None)
        earlier = [r for r in a.grade_runs if r.status == "done" and (run is None or r.id < run.id)]
        rows.append({"job": job, "attempt": a, "run": run, "before": earlier[-1].score if earlier else None})
    titles = {s.id: s.title("en" if select_locale() == "en" else "zh") for s in runtime().scenarios.all()}
    return render_template(
        "examiner/regrade_batch.html", batch=batch, progress=progress, rows=rows, titles=titles
    )


@bp.get("/regrades/<int:batch_id>.json")
@examiner_only
def regrade_batch_json(batch_id: int):
    """Progress of a regrade batch (the page polls it)."""
    return jsonify(decisions.batch_progress(control_db(), _batch(batch_id)))


# -- voids -------------------------------------------------------------------------------------


@bp.route("/voids", methods=["GET", "POST"])
@examiner_only
def voids():
    """Voided items (everyone gets full marks), and the form to void one."""
    db = control_db()
    status = 200
    if request.method == "POST":
        scenario_id, _, item_id = (request.form.get("target") or "").strip().partition("/")
        try:
            scenario = runtime().scenarios.get(scenario_id)
        except KeyError:
            scenario = None
        try:
            if scenario is None:
                raise NotFound(N_("请选择场景与评分项"))
            decisions.void_item(db, scenario, item_id, _form_int("exam"), request.form.get("reason"), _me())
            done(gettext("该评分项已作废：所有考生得满分"))
            return redirect(url_for("examiner.voids"))
        except DomainError as exc:
            db.rollback()
            flash(refused(exc), "error")
            status = exc.status
    rows = list(db.scalars(select(ItemVoid).order_by(ItemVoid.id.desc())))
    exams = {e.id: e for e in db.scalars(select(Exam))}
    return render_template(
        "examiner/voids.html", rows=rows, exams=exams, scenarios=runtime().scenarios.all(), form=request.form
    ), status


@bp.post("/voids/<int:void_id>/lift")
@examiner_only
def lift_void(void_id: int):
    """Undo a void, with a reason."""
    try:
        decisions.lift_void(control_db(), void_id, request.form.get("reason"), _me())
    except DomainError as exc:
        control_db().rollback()
        flash(refused(exc), "error")
        return redirect(url_for("examiner.voids")), 303 if exc.status < 500 else exc.status
    done(gettext("已撤销作废"))
    return redirect(url_for("examiner.voids"))


# -- the manual grading queue ------------------------------------------------------------------


def _manual_items() -> list[dict]:
    """Every manual rubric item of the scenarios, with how many attempts still wait for it."""
    db = control_db()
    out = []
    for s in runtime().scenarios.all():
        manual = [i for i in s.rubric if i["check"]["kind"] == "manual"]
        if not manual:
            continue
        # Each attempt's items as they count, worked out once for all of the scenario's manual items.
        finals = [
            {i.item_id: i.source for i in final_items(a)}
            for a in db.scalars(select(Attempt).where(Attempt.scenario_id == s.id))
            if a.status != AttemptStatus.ACTIVE
        ]
        for item in manual:
            sources = [f[item["id"]] for f in finals if item["id"] in f]
            waiting, marked = sources.count(PENDING), sources.count("manual")
            out.append({"scenario": s, "item": item, "waiting": waiting, "marked": marked})
    return out


def _queue_order(item_key: str, attempt: Attempt) -> str:
    """A stable random order per item (the same for every examiner, not by name or ticket)."""
    return hashlib.sha256(f"{item_key}:{attempt.key}".encode()).hexdigest()


@bp.get("/manual")
@examiner_only
def manual():
    """Manual rubric items with their queues."""
    return render_template("examiner/manual.html", items=_manual_items())


@bp.get("/manual/<scenario_id>/<item_id>")
@examiner_only
def manual_queue(scenario_id: str, item_id: str):
    """One manual item across all attempts, one attempt at a time in a stable random order: the
    candidate's evidence and the rubric guide beside the marking form. Candidates are shown by
    attempt number only."""
    try:
        scenario = runtime().scenarios.get(scenario_id)
    except KeyError:
        abort(404)
    item = next((i for i in scenario.rubric if i["id"] == item_id and i["check"]["kind"] == "manual"), None)
    if item is None:
        abort(404)
    db = control_db()
    attempts = sorted(
        (
            a
            for a in db.scalars(select(Attempt).where(Attempt.scenario_id == scenario_id))
            if a.status != AttemptStatus.ACTIVE
        ),
        key=lambda a: _queue_order(f"{scenario_id}/{item_id}", a),
    )
    queue = []
    for a in attempts:
        fi = next((i for i in final_items(a) if i.item_id == item_id), None)
        if fi is not None:
            queue.append((a, fi))
    chosen = query_int("attempt")
    current = next((q for q in queue if q[0].id == chosen), None) if chosen else None
    if current is None:
        current = next((q for q in queue if q[1].source == PENDING), None)
    waiting = sum(1 for _, fi in queue if fi.source == PENDING)
    return render_template(
        "examiner/manual_queue.html",
        scenario=scenario,
        item=item,
        queue=queue,
        current=current,
        waiting=waiting,
        position=queue.index(current) + 1 if current else None,
    )


# -- publication and review requests -----------------------------------------------------------


@bp.post("/exams/<int:exam_id>/publish")
@examiner_only
def publish(exam_id: int):
    """Publish an exam's results to its candidates; the review window opens."""
    exam = control_db().get(Exam, exam_id)
    if exam is None:
        abort(404)
    raw = (request.form.get("review_days") or "").strip()
    try:
        days = int(raw) if raw else None
    except ValueError:
        days = -1
    try:
        decisions.publish_results(control_db(), exam, days)
    except DomainError as exc:
        control_db().rollback()
        flash(refused(exc), "error")
        return redirect(url_for("examiner.attempts", exam=exam.id)), 303
    from sandbox.certificates.services import issue_for_exam

    issued = issue_for_exam(control_db(), exam, (session.get("who") or {}).get("name", ""))
    done(gettext("成绩已公布，考生可在 %(days)s 天内申请复核", days=exam.review_days))
    if issued:
        done(gettext("已为 %(n)s 名合格考生签发证书", n=len(issued)))
    return redirect(url_for("examiner.attempts", exam=exam.id))


@bp.get("/reviews")
@examiner_only
def reviews():
    """Review requests, open ones first."""
    rows = list(
        control_db().scalars(
            select(ReviewRequest).order_by(
                (ReviewRequest.status == ReviewStatus.ANSWERED), ReviewRequest.id.desc()
            )
        )
    )
    return render_template("examiner/reviews.html", rows=rows)


@bp.post("/reviews/<int:review_id>/answer")
@examiner_only
def answer_review(review_id: int):
    """Answer a review request (after any override or regrade it led to)."""
    rq = control_db().get(ReviewRequest, review_id)
    if rq is None:
        abort(404)
    try:
        decisions.answer_review(control_db(), rq, request.form.get("answer"), _me())
    except DomainError as exc:
        control_db().rollback()
        return _failed(rq.attempt, exc)
    done(gettext("已答复复核申请"))
    return redirect(url_for("examiner.attempt", attempt_id=rq.attempt_id) + "#reviews")


@bp.get("/exams/<int:exam_id>/results")
@staff_required(StaffRole.EXAMINER, StaffRole.ADMIN)
def exam_results(exam_id: int):
    """The whole examination's results: both parts, pass or fail per part and overall, certificates."""
    from sandbox.certificates.results import exam_results as results_of

    exam = control_db().get(Exam, exam_id)
    if exam is None:
        abort(404)
    lang = "en" if session.get("lang") == "en" else "zh"

    def title(sid: str) -> str:
        try:
            return runtime().scenarios.get(sid).title(lang)
        except KeyError:
            return sid

    results = results_of(control_db(), exam, title=title)
    return render_template("examiner/exam_results.html", exam=exam, results=results)
