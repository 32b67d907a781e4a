"""Exam sessions' access rules (window, proctor password, networks, late entry, extra time) and live
proctoring (pause and resume of a candidate or a room, with the deadlines moved on)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from sandbox.control import people
from sandbox.control.models import Attempt, Candidate, Exam, ProctorAction, StaffRole
from sandbox.secrets_hashing import hash_login_password


def _set(rt, **columns) -> None:  # noqa: ANN001, ANN003
    db = rt.control.session()
    exam = db.scalars(select(Exam).where(Exam.code == "T-1")).one()
    for key, value in columns.items():
        setattr(exam, key, value)
    db.commit()
    db.close()


def _candidate(rt, ticket: str = "T0001", **columns) -> Candidate:  # noqa: ANN001, ANN003
    db = rt.control.session()
    cand = db.scalars(select(Candidate).where(Candidate.ticket_no == ticket)).one()
    for key, value in columns.items():
        setattr(cand, key, value)
    db.commit()
    db.refresh(cand)
    db.close()
    return cand


def _login(app, ticket: str = "T0001", address: str = "127.0.0.1"):  # noqa: ANN001, ANN201
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    resp = client.post("/exam/login", data={"ticket_no": ticket, "password": "pass1234"})
    assert resp.status_code == 302, resp.data.decode()
    return client


def _attempts(rt, ticket: str = "T0001") -> list[Attempt]:  # noqa: ANN001
    db = rt.control.session()
    cand = db.scalars(select(Candidate).where(Candidate.ticket_no == ticket)).one()
    rows = list(db.scalars(select(Attempt).where(Attempt.candidate_id == cand.id)))
    db.close()
    return rows


@pytest.fixture
def admin(app, rt, exam):  # noqa: ANN001, ANN201
    """A logged-in exam administrator."""
    db = rt.control.session()
    people.create_staff(db, "admin", "考务", StaffRole.ADMIN, "admin1234")
    db.close()
    client = app.test_client()
    assert client.post("/staff/login", data={"username": "admin", "password": "admin1234"}).status_code == 302
    return client


def test_an_exam_without_rules_goes_straight_to_the_desktop(app, rt, exam):  # noqa: ANN001
    client = _login(app)
    assert client.get("/exam/").status_code == 200
    assert len(_attempts(rt)) == 1


def test_a_part_opens_only_within_its_window(app, rt, exam):  # noqa: ANN001
    _set(rt, practical_opens_at=datetime.now() + timedelta(hours=1))
    client = _login(app)
    resp = client.get("/exam/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/exam/parts")
    page = client.get("/exam/parts").data.decode()
    assert 'data-state="not_open"' in page
    refused = client.post("/exam/enter/practical")
    assert refused.status_code == 403
    assert "未到开考时间" in refused.data.decode()
    assert client.get("/exam/").status_code == 302 and not _attempts(rt)
    _set(
        rt,
        practical_opens_at=datetime.now() - timedelta(minutes=1),
        practical_closes_at=datetime.now() - timedelta(seconds=1),
    )
    closed = client.post("/exam/enter/practical")
    assert closed.status_code == 403 and "已结束" in closed.data.decode()
    assert not _attempts(rt)


def test_the_proctor_password_admits_once(app, rt, exam):  # noqa: ANN001
    _set(rt, proctor_password_hash=hash_login_password("jk2026"))
    client = _login(app)
    assert client.get("/exam/").status_code == 302
    wrong = client.post("/exam/enter/practical", data={"proctor_password": "nope"})
    assert wrong.status_code == 403 and "监考密码错误" in wrong.data.decode()
    assert not _attempts(rt)
    ok = client.post("/exam/enter/practical", data={"proctor_password": "jk2026"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/exam/")
    assert client.get("/exam/").status_code == 200
    assert len(_attempts(rt)) == 1
    # A new login (another browser) goes back in without the password.
    again = _login(app)
    assert again.post("/exam/enter/practical").status_code == 302


def test_only_allowed_networks_may_sit(app, rt, exam):  # noqa: ANN001
    _set(rt, allowed_networks=["10.8.0.0/16"])
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.168.1.9"
    resp = client.post("/exam/login", data={"ticket_no": "T0001", "password": "pass1234"})
    assert resp.status_code == 403 and "网络范围" in resp.data.decode()
    inside = _login(app, address="10.8.3.4")
    assert inside.get("/exam/").status_code == 200
    # The same session moved outside the hall is refused on every page.
    inside.environ_base["REMOTE_ADDR"] = "192.168.1.9"
    assert inside.get("/exam/").status_code == 403


def test_late_entry_is_cut_off_but_an_entered_candidate_may_come_back(app, rt, exam):  # noqa: ANN001
    _set(rt, practical_opens_at=datetime.now() - timedelta(minutes=30), late_entry_minutes=15)
    _candidate(rt, "T0002", entered={"practical": (datetime.now() - timedelta(minutes=25)).isoformat()})
    late = _login(app)
    resp = late.post("/exam/enter/practical")
    assert resp.status_code == 403 and "迟到" in resp.data.decode()
    assert not _attempts(rt)
    early = _login(app, "T0002")
    assert early.post("/exam/enter/practical").status_code == 302
    assert early.get("/exam/").status_code == 200


def test_extra_time_lengthens_the_deadline(app, rt, exam):  # noqa: ANN001
    _candidate(rt, extra_minutes=15)
    before = time.time()
    client = _login(app)
    assert client.get("/exam/").status_code == 200
    attempt = _attempts(rt)[0]
    minutes = rt.scenarios.get(attempt.scenario_id).minutes
    assert attempt.deadline_real - attempt.started_real == pytest.approx((minutes + 15) * 60)
    assert attempt.started_real >= before - 1


def test_the_window_close_caps_the_deadline(app, rt, exam):  # noqa: ANN001
    closes = datetime.now() + timedelta(minutes=5)
    _set(rt, practical_closes_at=closes)
    client = _login(app)
    assert client.post("/exam/enter/practical").status_code == 302
    assert client.get("/exam/").status_code == 200
    attempt = _attempts(rt)[0]
    assert attempt.deadline_real == pytest.approx(closes.timestamp(), abs=1)


def test_pause_holds_every_page_and_resume_gives_the_time_back(app, rt, exam, admin):  # noqa: ANN001
    client = _login(app)
    assert client.get("/exam/").status_code == 200
    attempt = _attempts(rt)[0]
    cand = _candidate(rt)
    # Pausing needs a reason.
    resp = admin.post(f"/admin/exams/{exam.id}/proctor/pause", data={"candidate_id": cand.id, "reason": ""})
    assert resp.status_code == 400 and "原因" in resp.data.decode()
    assert _candidate(rt).paused_at is None
    resp = admin.post(
        f"/admin/exams/{exam.id}/proctor/pause", data={"candidate_id": cand.id, "reason": "机器故障"}
    )
    assert resp.status_code == 302
    held = client.get("/exam/")
    assert held.status_code == 423 and "暂停" in held.data.decode() and "机器故障" in held.data.decode()
    saved = client.post("/exam/answers", data={"order_no": "X1"})
    assert saved.status_code == 423
    assert not _attempts(rt)[0].answers
    status = client.get("/exam/status").get_json()
    assert status["paused"] is True
    # Two minutes of pause are given back on resume.
    _candidate(rt, paused_at=datetime.now() - timedelta(minutes=2))
    resp = admin.post(
        f"/admin/exams/{exam.id}/proctor/resume", data={"candidate_id": cand.id, "reason": "已更换机器"}
    )
    assert resp.status_code == 302
    assert client.get("/exam/").status_code == 200
    moved = _attempts(rt)[0].deadline_real - attempt.deadline_real
    assert moved == pytest.approx(120, abs=3)
    db = rt.control.session()
    log = [(a.action, a.reason) for a in db.scalars(select(ProctorAction).order_by(ProctorAction.id))]
    db.close()
    assert log == [("pause", "机器故障"), ("resume", "已更换机器")]


def test_a_room_is_paused_together(app, rt, exam, admin):  # noqa: ANN001
    _candidate(rt, "T0001", room="301")
    _candidate(rt, "T0002", room="301")
    resp = admin.post(f"/admin/exams/{exam.id}/proctor/pause", data={"room": "301", "reason": "停电"})
    assert resp.status_code == 302
    assert _candidate(rt, "T0001").paused_at and _candidate(rt, "T0002").paused_at
    assert _login(app, "T0002").get("/exam/").status_code == 423
    missing = admin.post(f"/admin/exams/{exam.id}/proctor/pause", data={"room": "999", "reason": "停电"})
    assert missing.status_code == 404


def test_proctor_extra_time_moves_a_running_deadline(app, rt, exam, admin):  # noqa: ANN001
    client = _login(app)
    assert client.get("/exam/").status_code == 200
    before = _attempts(rt)[0].deadline_real
    cand = _candidate(rt)
    bad = admin.post(
        f"/admin/exams/{exam.id}/proctor/extra-time",
        data={"candidate_id": cand.id, "minutes": "abc", "reason": "残疾考生"},
    )
    assert bad.status_code == 400 and _candidate(rt).extra_minutes in (0, None)
    ok = admin.post(
        f"/admin/exams/{exam.id}/proctor/extra-time",
        data={"candidate_id": cand.id, "minutes": "20", "reason": "残疾考生"},
    )
    assert ok.status_code == 302
    assert _attempts(rt)[0].deadline_real - before == pytest.approx(1200)


def test_the_live_view_shows_where_candidates_are(app, rt, exam, admin):  # noqa: ANN001
    client = _login(app)
    assert client.get("/exam/").status_code == 200
    data = admin.get(f"/admin/exams/{exam.id}/proctor.json").get_json()
    rows = {r["ticket_no"]: r for r in data["rows"]}
    assert rows["T0001"]["where"] == "practical" and rows["T0001"]["online"]
    assert rows["T0001"]["seconds_left"] > 0 and rows["T0001"]["practical_total"] == 1
    assert rows["T0002"]["where"] == "absent" and not rows["T0002"]["online"]
    assert data["summary"]["online"] == 1 and data["summary"]["absent"] == 1
    page = admin.get(f"/admin/exams/{exam.id}/proctor").data.decode()
    assert "考生甲" in page and "proctor.js" in page


def test_proctoring_is_for_administrators_only_and_per_exam(app, rt, exam, admin):  # noqa: ANN001
    client = _login(app)
    assert client.get(f"/admin/exams/{exam.id}/proctor").status_code == 302
    examiner = app.test_client()
    examiner.post("/staff/login", data={"username": "examiner", "password": "exam1234"})
    assert examiner.get(f"/admin/exams/{exam.id}/proctor.json").status_code == 302
    db = rt.control.session()
    other = people.create_exam(db, "T-2", "另一场", ["b2c-purchase"])
    stranger = people.add_candidate(db, other, "X0001", "外场考生", "pass1234")
    db.commit()
    other_id, stranger_id = other.id, stranger.id
    db.close()
    resp = admin.post(
        f"/admin/exams/{exam.id}/proctor/pause", data={"candidate_id": stranger_id, "reason": "测试"}
    )
    assert resp.status_code == 404
    assert _candidate(rt, "X0001").paused_at is None
    assert admin.get(f"/admin/exams/{other_id + 99}/proctor").status_code == 404


def test_a_deadline_does_not_pass_while_paused(app, rt, exam, admin):  # noqa: ANN001
    client = _login(app)
    assert client.get("/exam/").status_code == 200
    cand = _candidate(rt, paused_at=datetime.now() - timedelta(minutes=5), pause_reason="停电")
    db = rt.control.session()
    attempt = db.get(Attempt, _attempts(rt)[0].id)
    attempt.deadline_real = time.time() - 60  # the time ran out during the pause
    db.commit()
    db.close()
    # The countdown's poll (allowed while paused) does not submit the paused attempt.
    assert client.get("/exam/status").get_json()["paused"] is True
    assert _attempts(rt)[0].status == "active"
    resp = admin.post(
        f"/admin/exams/{exam.id}/proctor/resume", data={"candidate_id": cand.id, "reason": "来电"}
    )
    assert resp.status_code == 302
    after = _attempts(rt)[0]
    assert after.status == "active" and after.deadline_real > time.time() + 200  # five minutes given back
