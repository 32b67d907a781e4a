"""Theory sittings: autosave that survives a restart, refusals that change nothing, deadline, scoring, quizzes."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

import sandbox.theory.views_candidate  # noqa: F401  (its routes on the theory blueprint, until wired)
from sandbox.control import people
from sandbox.control.models import Candidate, Staff, StaffRole
from sandbox.theory import sitting as sittings
from sandbox.theory.models import Question, TheoryAnswer, TheorySitting
from tests.conftest import make_app
from tests.test_theory_paper import L1, P1, add_bank, theory_exam


@pytest.fixture
def hall(app, rt):  # noqa: ANN001, ANN201
    """A theory exam with two admitted candidates over the test bank (and exam.parts, if not there yet)."""
    if "exam.parts" not in app.view_functions:  # the lead's exam home page; a stand-in until it lands
        app.add_url_rule("/exam/parts", "exam.parts", lambda: "parts")
    db = rt.control.session()
    add_bank(db)
    exam = theory_exam(db)
    db.close()
    return exam


def login(app, ticket: str = "T0001"):  # noqa: ANN001, ANN201
    """A test client logged in as a candidate."""
    client = app.test_client()
    resp = client.post("/exam/login", data={"ticket_no": ticket, "password": "pass1234"})
    assert resp.status_code == 302, resp.data
    return client


def the_sitting(rt, ticket: str = "T0001") -> TheorySitting:  # noqa: ANN001
    """The candidate's sitting, loaded fresh."""
    db = rt.control.session()
    try:
        cand = db.scalars(select(Candidate).where(Candidate.ticket_no == ticket)).one()
        sitting = db.scalars(select(TheorySitting).where(TheorySitting.candidate_id == cand.id)).one()
        _ = sitting.answers, sitting.candidate
        return sitting
    finally:
        db.close()


def answer_count(rt) -> int:  # noqa: ANN001
    """How many answer rows are saved."""
    db = rt.control.session()
    try:
        return db.scalar(select(func.count(TheoryAnswer.id)))
    finally:
        db.close()


def questions(rt) -> dict[int, Question]:  # noqa: ANN001
    """The bank, by id."""
    db = rt.control.session()
    try:
        return {q.id: q for q in db.scalars(select(Question))}
    finally:
        db.close()


def set_sitting(rt, sitting_id: int, **values) -> None:  # noqa: ANN001, ANN003
    """Change a sitting's columns directly (e.g. move its deadline into the past)."""
    db = rt.control.session()
    s = db.get(TheorySitting, sitting_id)
    for key, value in values.items():
        setattr(s, key, value)
    db.commit()
    db.close()


def test_autosave_survives_a_server_restart(app, rt, hall, tmp_path: Path, templates_dir: Path) -> None:  # noqa: ANN001
    client = login(app)
    page = client.get("/theory/")
    assert page.status_code == 200
    assert 'name="csrf-token"' in page.get_data(as_text=True)
    sitting = the_sitting(rt)
    bank = questions(rt)
    right = {}
    for item in sitting.items[:5]:
        shown = sittings.shown_choices(item, bank[item["question_id"]].answer)
        right[item["question_id"]] = shown
        resp = client.post("/theory/answer", json={"question_id": item["question_id"], "choice": shown})
        assert resp.status_code == 200, resp.data
        assert resp.get_json()["ok"] is True
        assert re.fullmatch(r"\d\d:\d\d:\d\d", resp.get_json()["saved_at"])
    assert client.get("/theory/status").get_json() == {
        "status": "active",
        "paused": False,
        "seconds_left": pytest.approx(90 * 60, abs=5),
        "answered": 5,
        "total": 10,
    }

    # A new server on the same control database (the old one gone): everything is still there.
    app2 = make_app(tmp_path / "data", templates_dir)
    try:
        rt2 = app2.extensions["sandbox"]
        client2 = login(app2)
        html = client2.get("/theory/?view=list").get_data(as_text=True)
        for qid, shown in right.items():
            article = re.search(rf'<article[^>]*data-qid="{qid}".*?</article>', html, re.S).group(0)
            checked = [int(v) for v in re.findall(r'value="(\d+)" checked', article)]
            assert checked == shown
        assert html.count('<a class="cell answered') == 5
        resp = client2.post("/theory/submit", data={"confirm": "yes"})
        assert resp.status_code == 302
        done = client2.get("/theory/").get_data(as_text=True)
        assert "已交卷" in done and "成绩由考评员审核后统一公布" in done
        assert "分" not in re.sub(r"<[^>]+>", "", done).split("已交卷", 1)[1].replace(
            "成绩由考评员审核后统一公布", ""
        )
        final = the_sitting(rt2)
        assert final.status == "submitted" and final.submit_reason == "candidate"
        assert final.score == sum(i["points"] for i in final.items[:5])
    finally:
        app2.extensions["sandbox"].grading.stop()


def test_answer_to_question_not_on_the_paper_is_refused(app, rt, hall) -> None:  # noqa: ANN001
    client = login(app)
    client.get("/theory/")
    sitting = the_sitting(rt)
    other = next(q for q in questions(rt) if q not in {i["question_id"] for i in sitting.items})
    resp = client.post("/theory/answer", json={"question_id": other, "choice": [0]})
    assert resp.status_code == 404
    assert resp.get_json() == {"error": "该题不在你的试卷上"}
    # The no-script form post is refused alike.
    resp = client.post("/theory/answer", data={"question_id": str(other), "choice": "0"})
    assert resp.status_code == 404 and "该题不在你的试卷上" in resp.get_data(as_text=True)
    assert answer_count(rt) == 0


@pytest.mark.parametrize(
    ("qtype", "choice", "status", "message"),
    [
        ("single", [9], 400, "选项不存在"),
        ("single", [0, 1], 400, "单选题和判断题只能选一个答案"),
        ("judge", [0, 1], 400, "单选题和判断题只能选一个答案"),
        ("multi", [-1], 400, "选项不存在"),
        ("multi", ["a"], 400, "答案格式不正确"),
        ("multi", [True], 400, "答案格式不正确"),
    ],
)
def test_bad_choices_are_refused(app, rt, hall, qtype: str, choice: list, status: int, message: str) -> None:  # noqa: ANN001
    client = login(app)
    client.get("/theory/")
    item = next(i for i in the_sitting(rt).items if i["qtype"] == qtype)
    resp = client.post("/theory/answer", json={"question_id": item["question_id"], "choice": choice})
    assert resp.status_code == status
    assert resp.get_json() == {"error": message}
    assert answer_count(rt) == 0


def test_answer_after_the_deadline_is_refused_and_submits(app, rt, hall) -> None:  # noqa: ANN001
    client = login(app)
    client.get("/theory/")
    sitting = the_sitting(rt)
    item = sitting.items[0]
    assert (
        client.post("/theory/answer", json={"question_id": item["question_id"], "choice": [0]}).status_code
        == 200
    )
    set_sitting(rt, sitting.id, deadline_real=time.time() - 1)
    db = rt.control.session()
    s = db.get(TheorySitting, sitting.id)
    from sandbox.errors import DomainError

    with pytest.raises(DomainError) as err:  # the service itself, without the view's deadline check first
        sittings.save_answer(db, s, item["question_id"], [1])
    assert err.value.status == 409 and str(err.value) == "考试时间已到，答案未保存"
    assert s.status == "submitted" and s.submit_reason == "deadline"
    db.close()
    assert the_sitting(rt).answers[0].choice != []
    saved_before = the_sitting(rt).answers[0].choice
    resp = client.post("/theory/answer", json={"question_id": item["question_id"], "choice": [1]})
    assert resp.status_code == 409
    assert resp.get_json() == {"error": "已交卷，不能再修改答案"}
    assert the_sitting(rt).answers[0].choice == saved_before
    assert answer_count(rt) == 1


def test_overdue_answer_through_the_page_is_refused(app, rt, hall) -> None:  # noqa: ANN001
    client = login(app)
    client.get("/theory/")
    sitting = the_sitting(rt)
    set_sitting(rt, sitting.id, deadline_real=time.time() - 1)
    resp = client.post("/theory/answer", json={"question_id": sitting.items[0]["question_id"], "choice": [0]})
    assert resp.status_code == 409
    assert answer_count(rt) == 0
    assert the_sitting(rt).submit_reason == "deadline"
    assert client.get("/theory/status").get_json()["status"] == "submitted"


def test_late_submit_is_refused(app, rt, hall) -> None:  # noqa: ANN001
    client = login(app)
    client.get("/theory/")
    sitting = the_sitting(rt)
    set_sitting(rt, sitting.id, deadline_real=time.time() - 1)
    resp = client.post("/theory/submit", data={"confirm": "yes"})
    assert resp.status_code == 409
    assert "考试时间已到，系统已自动交卷" in resp.get_data(as_text=True)
    after = the_sitting(rt)
    assert after.submit_reason == "deadline" and after.score == 0
    assert after.submitted_at.timestamp() == pytest.approx(after.deadline_real, abs=1)
    # Submitting twice: refused the second time.
    client2 = login(app, "T0002")
    client2.get("/theory/")
    assert client2.post("/theory/submit", data={"confirm": "yes"}).status_code == 302
    resp = client2.post("/theory/submit", data={"confirm": "yes"})
    assert resp.status_code == 409 and "已交卷，不能再修改答案" in resp.get_data(as_text=True)


def test_submit_needs_the_confirmation(app, rt, hall) -> None:  # noqa: ANN001
    client = login(app)
    client.get("/theory/")
    page = client.get("/theory/submit").get_data(as_text=True)
    assert "未答题号" in page and 'id="confirm-submit"' in page
    resp = client.post("/theory/submit", data={})
    assert resp.status_code == 400 and "请勾选确认后再交卷" in resp.get_data(as_text=True)
    assert the_sitting(rt).status == "active"


def test_paused_candidate_saves_nothing(app, rt, hall) -> None:  # noqa: ANN001
    from datetime import datetime

    client = login(app)
    client.get("/theory/")
    sitting = the_sitting(rt)
    db = rt.control.session()
    cand = db.get(Candidate, sitting.candidate_id)
    cand.paused_at = datetime.now()
    db.commit()
    db.close()
    qid = sitting.items[0]["question_id"]
    resp = client.post("/theory/answer", json={"question_id": qid, "choice": [0]})
    assert resp.status_code == 423
    assert resp.get_json()["error"] == "考试已被监考员暂停，请听从监考员安排"
    assert client.post("/theory/mark", json={"question_id": qid, "marked": True}).status_code == 423
    resp = client.post("/theory/submit", data={"confirm": "yes"})
    assert resp.status_code == 423
    after = the_sitting(rt)
    assert answer_count(rt) == 0 and after.marked == [] and after.status == "active"


def test_form_post_without_script_saves_and_returns(app, rt, hall) -> None:  # noqa: ANN001
    client = login(app)
    client.get("/theory/")
    item = next(i for i in the_sitting(rt).items if i["qtype"] == "multi")
    resp = client.post(
        "/theory/answer",
        data={"question_id": str(item["question_id"]), "choice": ["0", "2"], "view": "one", "q": "7"},
    )
    assert resp.status_code == 302 and resp.location.endswith("/theory/?view=one&q=7")
    saved = the_sitting(rt).answers[0]
    assert saved.choice == sorted([item["order"][0], item["order"][2]])
    page = client.get(resp.location).get_data(as_text=True)
    assert "已保存" in page
    # Marking and unmarking by form.
    assert (
        client.post("/theory/mark", data={"question_id": str(item["question_id"]), "marked": "1"}).status_code
        == 302
    )
    assert the_sitting(rt).marked == [item["question_id"]]
    page = client.get("/theory/?view=one&q=7").get_data(as_text=True)
    assert "取消标记" in page and "cell answered marked current" in page
    client.post("/theory/mark", json={"question_id": item["question_id"], "marked": False})
    assert the_sitting(rt).marked == []


def test_entry_rules(app, rt, hall) -> None:  # noqa: ANN001
    db = rt.control.session()
    cand = db.scalars(select(Candidate).where(Candidate.ticket_no == "T0001")).one()
    cand.entered = None
    db.commit()
    client = login(app)
    resp = client.get("/theory/")
    assert resp.status_code == 302 and resp.location.endswith("/exam/parts")
    cand.entered = {"theory": "2026-01-01T09:00:00"}
    cand.exam.allowed_networks = ["10.8.0.0/16"]
    db.commit()
    resp = client.get("/theory/")
    assert resp.status_code == 403 and "允许的网络范围" in resp.get_data(as_text=True)
    assert client.get("/theory/", environ_base={"REMOTE_ADDR": "10.8.3.4"}).status_code == 200
    cand.exam.theory_rules = None
    db.commit()
    db.close()
    assert client.get("/theory/", environ_base={"REMOTE_ADDR": "10.8.3.4"}).status_code == 404
    # Not a candidate: to the login page.
    resp = app.test_client().get("/theory/")
    assert resp.status_code == 302 and "/exam/login" in resp.location
    assert app.test_client().get("/theory/status").status_code == 403


def test_multi_all_or_nothing_unless_partial(rt) -> None:  # noqa: ANN001
    db = rt.control.session()
    add_bank(db, {(L1, P1, "multi"): 3})
    results = {}
    for partial in (False, True):
        rules = {"levels": [L1], "draw": [{"type": "multi", "count": 3}], "multi_partial": partial}
        s = sittings.start_sitting(db, rules=rules, minutes=20, seed=7)
        bank = {q.id: q for q in db.scalars(select(Question))}
        a, b, c = s.items
        sittings.save_answer(db, s, a["question_id"], sittings.shown_choices(a, [0]))  # one of two right
        # One right and one wrong chosen:
        sittings.save_answer(db, s, b["question_id"], sittings.shown_choices(b, [0, 1]))
        sittings.save_answer(
            db, s, c["question_id"], sittings.shown_choices(c, bank[c["question_id"]].answer)
        )
        sittings.submit(db, s)
        results[partial] = s
    strict, partial = results[False], results[True]
    assert strict.score == 2 and strict.max_score == 6
    assert [r["outcome"] for r in strict.results.values()] == ["wrong", "wrong", "right"]
    assert partial.score == 3  # 2 * 1/2 + 0 + 2
    assert [r["outcome"] for r in partial.results.values()] == ["partial", "wrong", "right"]
    assert sittings.percent(partial) == 50.0
    db.close()


def test_sweep_extend_and_seconds_left(rt) -> None:  # noqa: ANN001
    db = rt.control.session()
    add_bank(db, {(L1, P1, "single"): 4})
    rules = {"levels": [L1], "draw": [{"type": "single", "count": 2}]}
    now = time.time()
    due = sittings.start_sitting(db, rules=rules, minutes=20, now=now - 1300)
    later = sittings.start_sitting(db, rules=rules, minutes=20, now=now)
    assert sittings.seconds_left(later, now) == 1200
    sittings.extend(db, later, 300)
    assert sittings.seconds_left(later, now) == 1500
    assert sittings.sweep_due(db, now) == 1
    assert sittings.sweep_due(db, now) == 0
    db.refresh(due)
    assert due.status == "submitted" and due.submit_reason == "deadline" and due.score == 0
    assert sittings.seconds_left(due, now) == 0 and later.status == "active"
    assert sittings.submit(db, due) is False  # idempotent
    assert sittings.extend(db, due, 600) is False and sittings.seconds_left(due, now) == 0
    db.close()


def test_trainee_quiz_scores_and_explains(app, rt) -> None:  # noqa: ANN001
    db = rt.control.session()
    add_bank(
        db, {(L1, P1, "single"): 8, (L1, P1, "multi"): 2, (L1, P1, "judge"): 3, (L1, "网络营销", "single"): 2}
    )
    staff = people.create_staff(db, "trainee", "学员", StaffRole.TRAINEE, "train1234")
    db.close()
    client = app.test_client()
    assert (
        client.post("/staff/login", data={"username": "trainee", "password": "train1234"}).status_code == 302
    )
    assert client.get("/theory/").location.endswith("/theory/practice")  # no quiz yet
    page = client.get("/theory/practice").get_data(as_text=True)
    assert "电子支付" in page and "网络营销" in page
    resp = client.post("/theory/practice/start", data={"point": P1, "level": L1})
    assert resp.status_code == 302 and resp.location.endswith("/theory/")
    assert "模块测验" in client.get("/theory/").get_data(as_text=True)
    db = rt.control.session()
    quiz = db.scalars(select(TheorySitting).where(TheorySitting.staff_id == staff.id)).one()
    bank = {q.id: q for q in db.scalars(select(Question))}
    assert quiz.mode == "practice" and len(quiz.items) == 10
    assert quiz.deadline_real - quiz.started_real == 20 * 60
    assert {bank[i["question_id"]].knowledge_point for i in quiz.items} == {P1}
    first = quiz.items[0]
    right = sittings.shown_choices(first, bank[first["question_id"]].answer)
    db.close()
    assert (
        client.post("/theory/answer", json={"question_id": first["question_id"], "choice": right}).status_code
        == 200
    )
    assert client.post("/theory/submit", data={"confirm": "yes"}).status_code == 302
    result = client.get("/theory/").get_data(as_text=True)
    # 5 single (1 point), 2 multi (2 points), 3 judge (1 point); the first one right.
    assert re.search(r'data-role="quiz-score">1<span class="muted fs-18"> / 12（8.3%）', result)
    assert result.count('data-role="explanation"') == 10 and bank[first["question_id"]].explanation in result
    assert result.count('data-role="right"') == 12  # one right option per question, two in the multi ones
    assert result.count('data-role="chosen"') == 1
    # The history lists it with the score; best per point for the progress page.
    page = client.get("/theory/practice").get_data(as_text=True)
    assert f'data-quiz="{quiz.id}"' in page and "1 / 12（8.3%）" in page
    db = rt.control.session()
    me = db.get(Staff, staff.id)
    assert [s.id for s in sittings.quiz_history(db, me)] == [quiz.id]
    assert sittings.best_by_point(db, me) == {P1: 8.3}
    db.close()
    # A point the bank has only two of: a two-question quiz; an unknown one: refused.
    client.post("/theory/practice/start", data={"point": "网络营销", "level": L1})
    assert client.get("/theory/status").get_json()["total"] == 2
    resp = client.post("/theory/practice/start", data={"point": "不存在", "level": L1})
    assert resp.status_code == 404 and "题库中没有知识点“不存在”" in resp.get_data(as_text=True)
    # Someone else's quiz: not found.
    assert client.get("/theory/practice/99999").status_code == 404


def test_time_stands_still_while_paused(rt) -> None:  # noqa: ANN001
    from datetime import datetime

    db = rt.control.session()
    add_bank(db)
    exam = theory_exam(db)
    cand = exam.candidates[0]
    now = time.time()
    s = sittings.start_sitting(
        db, exam=exam, candidate=cand, rules=exam.theory_rules, minutes=20, now=now - 100
    )
    cand.paused_at = datetime.fromtimestamp(now - 50)
    db.commit()
    left = sittings.seconds_left(s, now)
    assert left in (1200 - 50 - 1, 1200 - 50)  # whole seconds, float rounding
    # The clock stands at the pause: ten minutes later the same seconds are left.
    assert sittings.seconds_left(s, now + 600) == left
    # The deadline passing while paused submits nothing; resuming moves it (the proctor's extend).
    sittings.extend(db, s, -1200)
    assert sittings.sweep_due(db, now) == 0
    sittings.enforce_deadline(db, s, now)
    assert s.status == "active"
    cand.paused_at = None
    db.commit()
    sittings.extend(db, s, 50)
    assert sittings.seconds_left(s, now) == 0 and sittings.sweep_due(db, now) == 1
    db.close()
