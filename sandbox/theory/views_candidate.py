"""The theory paper screen for candidates (理论知识) and trainees' quizzes (模块测验), on the theory blueprint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from sandbox.admin import access
from sandbox.binding import control_db, done, refused
from sandbox.control.access import staff_required
from sandbox.control.models import Candidate, Staff, StaffRole
from sandbox.errors import N_, DomainError
from sandbox.theory import paper
from sandbox.theory import sitting as sittings
from sandbox.theory.models import Question, TheorySitting
from sandbox.theory.views import bp

QUIZ_MINUTES = 20
QUIZ_SIZE = 10
QUIZ_SESSION_KEY = "theory_quiz"


@dataclass
class Seat:
    """Who is at the paper: the sitting, and the candidate (None for a trainee's quiz)."""

    sitting: TheorySitting
    candidate: Candidate | None


def _seat() -> Seat | Response:
    """The request's sitting (starting an admitted candidate's), or where to go instead."""
    who = session.get("who") or {}
    db = control_db()
    if who.get("kind") == "candidate":
        candidate = db.get(Candidate, who["id"])
        if candidate is None:
            return redirect(url_for("exam.login"))
        exam = candidate.exam
        if not access.has_part(exam, access.THEORY):
            abort(404)
        if not access.address_allowed(exam, request.remote_addr):
            raise DomainError(N_("本机不在本场考试允许的网络范围内，请在考场机器上作答"), status=403)
        if not (candidate.entered or {}).get(access.THEORY):
            return redirect(url_for("exam.parts"))
        sitting = sittings.start_sitting(
            db,
            exam=exam,
            candidate=candidate,
            rules=exam.theory_rules,
            minutes=exam.theory_minutes or access.DEFAULT_THEORY_MINUTES,
        )
        sittings.enforce_deadline(db, sitting)
        return Seat(sitting, candidate)
    if who.get("kind") == "staff" and who.get("role") == StaffRole.TRAINEE:
        sitting = db.get(TheorySitting, session.get(QUIZ_SESSION_KEY) or 0)
        if sitting is None or sitting.staff_id != who["id"]:
            return redirect(url_for("theory.practice"))
        sittings.enforce_deadline(db, sitting)
        return Seat(sitting, None)
    return redirect(url_for("exam.login"))


def _entries(sitting: TheorySitting) -> list[dict[str, Any]]:
    """The paper's questions as shown: number, stem, options in shown order, saved choice, mark."""
    ids = [item["question_id"] for item in sitting.items]
    questions = {q.id: q for q in control_db().scalars(select(Question).where(Question.id.in_(ids)))}
    saved = sittings.answers_by_question(sitting)
    marked = set(sitting.marked or [])
    results = sitting.results or {}
    out = []
    for n, item in enumerate(sitting.items, start=1):
        q = questions[item["question_id"]]
        chosen = sittings.shown_choices(item, saved.get(q.id, []))
        out.append(
            {
                "n": n,
                "item": item,
                "q": q,
                "options": [(shown, q.options[authored]) for shown, authored in enumerate(item["order"])],
                "chosen": chosen,
                "right": sittings.shown_choices(item, q.answer),
                "answered": bool(chosen),
                "marked": q.id in marked,
                "result": results.get(str(q.id)),
            }
        )
    return out


def _done_page(seat: Seat) -> str:
    """What a submitted sitting shows: no score in an exam; the score and a review in a quiz."""
    if seat.candidate is None:
        return render_template(
            "theory/quiz_result.html",
            sitting=seat.sitting,
            entries=_entries(seat.sitting),
            pct=sittings.percent,
        )
    return render_template("theory/paper_done.html", sitting=seat.sitting, candidate=seat.candidate)


@bp.get("/")
def paper_page():
    """The paper: one question at a time (逐题) or all (列表), the answer overview grid, the timer."""
    seat = _seat()
    if not isinstance(seat, Seat):
        return seat
    if seat.sitting.status != sittings.ACTIVE:
        return _done_page(seat)
    entries = _entries(seat.sitting)
    view = "list" if request.args.get("view") == "list" else "one"
    current = min(max(request.args.get("q", 1, type=int), 1), len(entries))
    return render_template(
        "theory/paper.html",
        sitting=seat.sitting,
        candidate=seat.candidate,
        entries=entries,
        view=view,
        current=current,
        shown=entries if view == "list" else [entries[current - 1]],
        seconds_left=sittings.seconds_left(seat.sitting),
        answered=sittings.answered_count(seat.sitting),
    )


def _back() -> Response:
    view = "list" if request.form.get("view") == "list" else "one"
    q = request.form.get("q", 1, type=int)
    return redirect(url_for("theory.paper_page", view=view, q=q))


def _int(value: Any) -> int:
    """A whole number from JSON or a form field, else a 400."""
    if isinstance(value, bool):
        raise DomainError(N_("答案格式不正确"))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise DomainError(N_("答案格式不正确"))


def _json_error(exc: DomainError) -> tuple[Response, int]:
    return jsonify(error=refused(exc)), exc.status


@bp.post("/answer")
def answer():
    """Autosave one answer: JSON {"question_id", "choice": [shown indexes]} or the question's form."""
    seat = _seat()
    if not isinstance(seat, Seat):
        return seat
    data = request.get_json(silent=True) if request.is_json else None
    try:
        if data is not None:
            if not isinstance(data, dict) or not isinstance(data.get("choice", []), list):
                raise DomainError(N_("答案格式不正确"))
            question_id, raw_choice = data.get("question_id"), data.get("choice", [])
        else:
            question_id, raw_choice = request.form.get("question_id"), request.form.getlist("choice")
        choice = [_int(v) for v in raw_choice]
        saved = sittings.save_answer(control_db(), seat.sitting, _int(question_id), choice)
    except DomainError as exc:
        if data is not None:
            return _json_error(exc)
        raise
    saved_at = f"{saved.saved_at:%H:%M:%S}"
    if data is not None:
        return jsonify(ok=True, saved_at=saved_at, answered=sittings.answered_count(seat.sitting))
    done(gettext("已保存 %(time)s", time=saved_at))
    return _back()


@bp.post("/mark")
def mark():
    """Mark a question for review (标记待查), or clear the mark."""
    seat = _seat()
    if not isinstance(seat, Seat):
        return seat
    data = request.get_json(silent=True) if request.is_json else None
    source = data if isinstance(data, dict) else request.form
    marked = source.get("marked") in (True, "1", "true", "on")
    try:
        sittings.set_marked(control_db(), seat.sitting, _int(source.get("question_id")), marked)
    except DomainError as exc:
        if data is not None:
            return _json_error(exc)
        raise
    if data is not None:
        return jsonify(ok=True, marked=marked)
    return _back()


@bp.get("/status")
def status():
    """The server's clock for the paper: {"status", "paused", "seconds_left", "answered", "total"}."""
    seat = _seat()
    if not isinstance(seat, Seat):
        return jsonify(status="none"), 403
    return jsonify(
        status=seat.sitting.status,
        paused=bool(seat.candidate is not None and access.is_paused(seat.candidate)),
        seconds_left=sittings.seconds_left(seat.sitting),
        answered=sittings.answered_count(seat.sitting),
        total=len(seat.sitting.items),
    )


@bp.route("/submit", methods=["GET", "POST"])
def submit():
    """Confirm (unanswered and marked questions listed), then hand the paper in (交卷)."""
    seat = _seat()
    if not isinstance(seat, Seat):
        return seat
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            raise DomainError(N_("请勾选确认后再交卷"))
        sittings.submit_by_candidate(control_db(), seat.sitting)
        done(gettext("已交卷"))
        return redirect(url_for("theory.paper_page"))
    if seat.sitting.status != sittings.ACTIVE:
        return _done_page(seat)
    entries = _entries(seat.sitting)
    return render_template(
        "theory/paper_submit.html",
        sitting=seat.sitting,
        entries=entries,
        unanswered=[e["n"] for e in entries if not e["answered"]],
        marked=[e["n"] for e in entries if e["marked"]],
        seconds_left=sittings.seconds_left(seat.sitting),
    )


trainee_only = staff_required(StaffRole.TRAINEE)


@bp.get("/practice")
@trainee_only
def practice():
    """A trainee's theory quizzes: pick a knowledge point and level; earlier quizzes with scores."""
    db = control_db()
    staff = db.get(Staff, session["who"]["id"])
    points, levels = paper.bank_choices(db)
    return render_template(
        "theory/quiz.html",
        points=points,
        levels=levels,
        history=sittings.quiz_history(db, staff),
        pct=sittings.percent,
        quiz_size=QUIZ_SIZE,
        quiz_minutes=QUIZ_MINUTES,
    )


@bp.post("/practice/start")
@trainee_only
def practice_start():
    """Start a quiz of up to ten questions on one knowledge point and level (20 minutes)."""
    db = control_db()
    staff = db.get(Staff, session["who"]["id"])
    point = (request.form.get("point") or "").strip()
    level = (request.form.get("level") or "").strip()
    if not point or not level:
        raise DomainError(N_("请选择知识点和等级"))
    rules = paper.quiz_rules(db, point, level, QUIZ_SIZE)
    quiz = sittings.start_sitting(
        db, staff=staff, rules=rules, minutes=QUIZ_MINUTES, title=f"{point} · {level}"
    )
    session[QUIZ_SESSION_KEY] = quiz.id
    return redirect(url_for("theory.paper_page"))


@bp.get("/practice/<int:sitting_id>")
@trainee_only
def practice_open(sitting_id: int):
    """Go back to one of my quizzes: continue it, or see its score and review."""
    db = control_db()
    quiz = db.get(TheorySitting, sitting_id)
    if quiz is None or quiz.staff_id != session["who"]["id"]:
        raise DomainError(N_("测验记录不存在"), status=404)
    sittings.enforce_deadline(db, quiz)
    if quiz.status == sittings.ACTIVE:
        session[QUIZ_SESSION_KEY] = quiz.id
        return redirect(url_for("theory.paper_page"))
    return _done_page(Seat(quiz, None))
