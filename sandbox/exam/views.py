"""Candidate shell: ticket login, desktop of apps, task panel, countdown, answer sheet, submit."""

from __future__ import annotations

import time
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from sqlalchemy import select

from sandbox import domains, login_guard
from sandbox.admin import access
from sandbox.binding import bound_scenario, control_db, current_attempt, done, refused
from sandbox.control import attempts as attempt_service
from sandbox.control import people, signed_login
from sandbox.control.models import (
    Attempt,
    AttemptStatus,
    Candidate,
    LoginOutcome,
    ReviewRequest,
    Staff,
    StaffRole,
)
from sandbox.errors import N_, DomainError
from sandbox.runtime import runtime
from sandbox.safety import safe_next
from sandbox.sessions import forget_login, logged_in_person

bp = Blueprint("exam", __name__)


@bp.get("/")
def home():
    """Landing page: candidate, practice and examiner entrances."""
    return render_template("exam/home.html")


@bp.route("/exam/login", methods=["GET", "POST"])
@login_guard.throttled("candidate", "ticket_no", "exam/login.html")
def login():
    """Log in with admission ticket number and password."""
    if request.method != "POST":  # GET and HEAD only look
        return render_template("exam/login.html")
    ticket_no = request.form.get("ticket_no")
    try:
        candidate = people.authenticate_candidate(control_db(), ticket_no, request.form.get("password"))
    except DomainError as exc:
        login_guard.record("candidate", ticket_no, people.login_failure(control_db(), "candidate", ticket_no))
        return render_template("exam/login.html", error=refused(exc), ticket_no=ticket_no or ""), exc.status
    login_guard.record("candidate", ticket_no, LoginOutcome.OK)
    if not access.address_allowed(candidate.exam, request.remote_addr):
        message = gettext("本机不在本场考试允许的网络范围内，请在考场机器上作答")
        return render_template("exam/login.html", error=message, ticket_no=ticket_no or ""), 403
    forget_login()
    generation = people.new_session_generation(control_db(), candidate)
    session["who"] = {"kind": "candidate", "id": candidate.id, "name": candidate.name, "gen": generation}
    return redirect(url_for("exam.desktop"))


@bp.route("/staff/login", methods=["GET", "POST"])
@login_guard.throttled("staff", "username", "exam/staff_login.html")
def staff_login():
    """Log in as an examiner or a trainee."""
    if request.method != "POST":  # GET and HEAD only look
        return render_template("exam/staff_login.html")
    username = request.form.get("username")
    try:
        staff = people.authenticate_staff(control_db(), username, request.form.get("password"))
    except DomainError as exc:
        login_guard.record("staff", username, people.login_failure(control_db(), "staff", username))
        return render_template(
            "exam/staff_login.html", error=refused(exc), username=username or ""
        ), exc.status
    login_guard.record("staff", username, LoginOutcome.OK)
    forget_login()
    generation = people.new_session_generation(control_db(), staff)
    session["who"] = {
        "kind": "staff",
        "id": staff.id,
        "role": staff.role,
        "name": staff.display_name,
        "gen": generation,
    }
    landing = {StaffRole.EXAMINER: "examiner.attempts", StaffRole.ADMIN: "admin.index"}
    return redirect(url_for(landing.get(staff.role, "practice.index")))


@bp.post("/logout")
def logout():
    """End the login on the server (every copy of the cookie) and forget it here."""
    person = logged_in_person()
    if person is not None:
        people.new_session_generation(control_db(), person)
    forget_login()
    flash(gettext("已退出登录"), "success")
    return redirect(url_for("exam.home"))


def _candidate() -> Candidate | None:
    who = session.get("who") or {}
    if who.get("kind") != "candidate":
        return None
    return control_db().get(Candidate, who["id"])


@bp.get("/exam/")
def desktop():
    """The candidate's desktop; the first visit starts the attempt (and its clock)."""
    attempt = current_attempt()
    candidate = _candidate()
    if attempt is None:
        if candidate is None:
            who = session.get("who") or {}
            if who.get("role") == StaffRole.TRAINEE:
                return redirect(url_for("practice.index"))
            return redirect(url_for("exam.login"))
        exam = candidate.exam
        if access.gated(exam) or not exam.scenario_ids:
            # The exam home admits to each part (window, proctor password, late entry).
            if not (candidate.entered or {}).get(access.PRACTICAL) or not exam.scenario_ids:
                return redirect(url_for("exam.parts"))
            if access.part_state(exam, candidate, access.PRACTICAL).state != "open":
                return redirect(url_for("exam.parts"))
        rt = runtime()
        scenario = rt.scenarios.get(exam.scenario_ids[0])
        attempt = attempt_service.start_attempt(rt, control_db(), scenario, candidate=candidate)
        session["attempt_id"] = attempt.id
        g.attempt = attempt
        attempt_service.enforce_deadline(rt, control_db(), attempt)
    papers = exam_papers(candidate) if candidate and len(candidate.exam.scenario_ids) > 1 else []
    return render_template("exam/desktop.html", papers=papers)


@bp.post("/exam/open/<scenario_id>")
def open_scenario(scenario_id: str):
    """Switch to (starting if needed) another scenario of the candidate's exam."""
    candidate = _candidate()
    if candidate is None:
        return redirect(url_for("exam.login"))
    if scenario_id not in candidate.exam.scenario_ids:
        abort(404)
    exam = candidate.exam
    if access.gated(exam) and (
        not (candidate.entered or {}).get(access.PRACTICAL)
        or access.part_state(exam, candidate, access.PRACTICAL).state != "open"
    ):
        return redirect(url_for("exam.parts"))
    rt = runtime()
    attempt = attempt_service.start_attempt(
        rt, control_db(), rt.scenarios.get(scenario_id), candidate=candidate
    )
    session["attempt_id"] = attempt.id
    return redirect(url_for("exam.desktop"))


PART_STATUS = {
    "not_started": N_("未开始"),
    "active": N_("作答中"),
    "submitted": N_("已交卷"),
}


@bp.get("/exam/parts")
def parts():
    """The candidate's exam home: each part with its time window, state and the way in."""
    candidate = _candidate()
    if candidate is None:
        return redirect(url_for("exam.login"))
    return _parts_page(candidate)


def _parts_page(candidate: Candidate, status: int = 200):  # noqa: ANN202
    """The exam home (after a refused entry, with the refusal's status)."""
    exam = candidate.exam
    rows = [_part_row(candidate, part) for part in access.parts(exam)]
    paused = access.is_paused(candidate)
    return render_template(
        "exam/parts.html", exam=exam, candidate=candidate, rows=rows, paused=paused
    ), status


def _part_row(candidate: Candidate, part: str) -> dict:
    """One part's card on the exam home."""
    exam = candidate.exam
    db = control_db()
    if part == access.THEORY:
        from sandbox.theory.models import TheorySitting

        sitting = db.scalars(
            select(TheorySitting).where(
                TheorySitting.exam_id == exam.id, TheorySitting.candidate_id == candidate.id
            )
        ).first()
        status = (
            "not_started" if sitting is None else ("active" if sitting.status == "active" else "submitted")
        )
    else:
        attempts = list(db.scalars(select(Attempt).where(Attempt.candidate_id == candidate.id)))
        if not attempts:
            status = "not_started"
        elif len(attempts) >= len(exam.scenario_ids) and all(
            a.status != AttemptStatus.ACTIVE for a in attempts
        ):
            status = "submitted"
        else:
            status = "active"
    return {
        "part": part,
        "state": access.part_state(exam, candidate, part),
        "status": status,
        "status_label": gettext(PART_STATUS[status]),
        "done": status == "submitted",
        "minutes": exam.theory_minutes or access.DEFAULT_THEORY_MINUTES,
    }


@bp.post("/exam/enter/<part>")
def enter(part: str):
    """Enter a part of the exam: within its window, with the proctor's password the first time."""
    candidate = _candidate()
    if candidate is None:
        return redirect(url_for("exam.login"))
    if part not in access.PARTS:
        abort(404)
    try:
        access.check_entry(
            control_db(),
            candidate,
            part,
            address=request.remote_addr,
            password=request.form.get("proctor_password"),
        )
    except DomainError as exc:
        control_db().rollback()
        flash(refused(exc), "error")
        return _parts_page(candidate, exc.status)
    if part == access.THEORY:
        session.pop("attempt_id", None)
        return redirect(url_for("theory.paper_page"))
    return redirect(url_for("exam.desktop"))


def exam_papers(candidate: Candidate) -> list[dict]:
    """The exam's scenarios with this candidate's attempt (if started), for the desktop."""
    rt = runtime()
    attempts = {
        a.scenario_id: a
        for a in control_db().scalars(select(Attempt).where(Attempt.candidate_id == candidate.id))
    }
    return [
        {"id": sid, "scenario": rt.scenarios.get(sid), "attempt": attempts.get(sid)}
        for sid in candidate.exam.scenario_ids
    ]


@bp.route("/exam/answers", methods=["GET", "POST"])
def answers():
    """The answer sheet for typed answers."""
    attempt = current_attempt()
    if attempt is None:
        return redirect(url_for("exam.login"))
    scenario = bound_scenario()
    if request.method == "POST":
        attempt_service.save_answers(control_db(), scenario, attempt, request.form)
        done(gettext("答案已保存"))
        return redirect(url_for("exam.answers"))
    return render_template("exam/answers.html", fields=scenario.answer_fields())


@bp.route("/exam/submit", methods=["GET", "POST"])
def submit():
    """Confirm, then submit: the world closes for writing and grading is queued."""
    attempt = current_attempt()
    if attempt is None:
        return redirect(url_for("exam.login"))
    scenario = bound_scenario()
    if request.method != "POST":  # GET and HEAD only look
        return render_template("exam/submit.html", fields=scenario.answer_fields())
    if request.form.get("confirm") != "yes":
        flash(gettext("请勾选确认后再交卷"), "warning")
        return redirect(url_for("exam.submit"))
    if attempt_service.submit(runtime(), control_db(), attempt, "candidate"):
        done(gettext("已交卷，祝你取得好成绩！"))
    return redirect(url_for("exam.desktop"))


@bp.get("/exam/results")
def results():
    """A candidate's published results, item by item, with review requests (复核申请) and answers."""
    candidate = _candidate()
    if candidate is None:
        return redirect(url_for("exam.login"))
    return _results_page(candidate)


def _results_page(candidate: Candidate, status: int = 200):  # noqa: ANN202
    from sandbox.examiner import decisions, scoring

    db = control_db()
    published = candidate.exam.results_published_at is not None
    attempts = list(
        db.scalars(select(Attempt).where(Attempt.candidate_id == candidate.id).order_by(Attempt.id))
    )
    rows = [
        {
            "attempt": a,
            "scenario": runtime().scenarios.get(a.scenario_id),
            "final": scoring.final_items(a) if published else [],
            "reviews": list(db.scalars(select(ReviewRequest).where(ReviewRequest.attempt_id == a.id))),
        }
        for a in attempts
    ]
    result = None
    if published:
        from sandbox.certificates.results import exam_result

        lang = "en" if session.get("lang") == "en" else "zh"
        result = exam_result(
            db, candidate.exam, candidate, title=lambda sid: runtime().scenarios.get(sid).title(lang)
        )
    return render_template(
        "exam/results.html",
        candidate=candidate,
        published=published,
        result=result,
        rows=rows,
        deadline=decisions.review_deadline(candidate.exam),
        now=datetime.now(),
    ), status


@bp.post("/exam/results/<int:attempt_id>/review")
def file_review(attempt_id: int):
    """File a review request for one of the candidate's own published results."""
    from sandbox.examiner import decisions

    candidate = _candidate()
    if candidate is None:
        return redirect(url_for("exam.login"))
    attempt = control_db().get(Attempt, attempt_id)
    if attempt is None or attempt.candidate_id != candidate.id:
        abort(404)  # another candidate's attempt is no business of this one
    try:
        decisions.file_review(
            control_db(),
            attempt,
            request.form.get("reason"),
            (request.form.get("item") or "").strip() or None,
        )
    except DomainError as exc:
        control_db().rollback()
        flash(refused(exc), "error")
        return _results_page(candidate, exc.status)
    done(gettext("复核申请已提交，考评员答复后可在本页查看"))
    return redirect(url_for("exam.results"))


@bp.get("/exam/status")
def status():
    """Seconds left and status, for the countdown (the server keeps the time)."""
    attempt = current_attempt()
    if attempt is None:
        return jsonify({"error": "not logged in"}), 401
    state = {"status": attempt.status, "seconds_left": attempt_service.seconds_left(attempt)}
    candidate = _candidate()
    if candidate is not None and access.is_paused(candidate):
        state["paused"] = True  # the countdown shows why time stands still
    return jsonify(state)


@bp.get("/signed-login/<token>")
def signed_login_view(token: str):
    """Enter a world with a signed, short-lived login bound to one attempt and role."""
    claims = signed_login.verify(current_app.config["SECRET_KEY"], token)
    if claims is None:
        abort(403)
    attempt = control_db().get(Attempt, claims["attempt"])
    if attempt is None:
        abort(404)
    forget_login()
    if claims["role"] in signed_login.READ_ONLY_ROLES:
        session["grader"] = {
            "expires": time.time() + signed_login.GRADER_SESSION_SECONDS,
            "attempt": attempt.id,
            "role": claims["role"],
            "world": claims["world"],
            "frozen_real": claims.get("frozen_real"),
            "identities": claims.get("identities", {}),
        }
    elif claims["role"] in signed_login.WRITABLE_ROLES and current_app.config.get(
        "ALLOW_SIGNED_CANDIDATE_LOGIN"
    ):
        # A harness acts as the attempt's owner within the owner's current session generation.
        if attempt.candidate_id:
            cand = attempt.candidate
            session["who"] = {
                "kind": "candidate",
                "id": cand.id,
                "name": cand.name,
                "gen": cand.session_generation or 0,
            }
        else:
            staff = control_db().get(Staff, attempt.staff_id)
            session["who"] = {
                "kind": "staff",
                "id": staff.id,
                "role": staff.role,
                "name": staff.display_name,
                "gen": staff.session_generation or 0,
            }
        session["attempt_id"] = attempt.id
    else:
        abort(403)
    return redirect(safe_next(request.args.get("next"), url_for("exam.desktop")))


@bp.app_context_processor
def shell_context():
    """Task panel data for every page of a bound attempt."""
    attempt = g.get("attempt")
    if attempt is None:
        return {}
    scenario = bound_scenario()
    lang = "en" if session.get("lang") == "en" else "zh"
    return {
        "scenario": scenario,
        "scenario_title": scenario.title(lang),
        "task_texts": scenario.task_texts(attempt.params, lang),
        "desktop_apps": domains.desktop_apps(scenario.world.get("apps")),
        "seconds_left": attempt_service.seconds_left(attempt),
        "attempt_closed": attempt.status != AttemptStatus.ACTIVE,
        "exam_home": attempt.mode == "exam" and attempt.exam is not None and access.gated(attempt.exam),
    }
