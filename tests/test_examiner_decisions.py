"""Examiners' decisions about results: regrade of a whole exam after a rubric version bump (with the
policies latest and never lower, every run kept), overrides with their audit trail that a regrade
keeps, voided items, manual items marked in a queue, publication and review requests (复核申请).

A copy of b2c-purchase without UI items (no Chromium needed) plus a marker item of its own checks.py
(its fraction set per version) and a manual item; three candidates register and add the address."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from sandbox.control import people
from sandbox.control.models import Attempt, Exam, GradeRun, ReviewRequest, ScoreOverride, StaffRole
from sandbox.examiner import scoring
from tests.conftest import make_app, shop_member, without_ui_items

ID = "b2c-purchase"
REAL = Path(__file__).resolve().parent.parent / "scenarios" / ID
CHECKS_PY = '''
from graders.checks import CheckResult, check


@check("state", "decisions.marker")
def marker(ctx):
    """Passes with the fraction this version of the file says."""
    return CheckResult({fraction}, "marker {fraction}")
'''
TICKETS = ("D0001", "D0002", "D0003")


def _yaml(folder: Path) -> dict:
    return yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))


def _write(folder: Path, data: dict, fraction: float) -> None:
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    (folder / "checks.py").write_text(CHECKS_PY.format(fraction=fraction), encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dest = tmp_path / "scenarios" / ID
    shutil.copytree(REAL, dest, ignore=shutil.ignore_patterns("__pycache__"))
    data = _yaml(dest)
    kept = without_ui_items(data["rubric"])
    data["rubric"] = [
        *kept,
        {
            "id": "marker",
            "points": 10,
            "text": {"zh": "标记", "en": "Marker"},
            "check": {"kind": "state", "name": "decisions.marker"},
        },
        {
            "id": "description",
            "points": 8,
            "text": {"zh": "收货地址备注的质量", "en": "Quality of the note"},
            "check": {
                "kind": "manual",
                "name": "manual.judge",
                "args": {"guide": {"zh": "备注清楚完整得满分", "en": "Clear and complete: full marks"}},
            },
        },
    ]
    data["version"] = 2
    _write(dest, data, 1.0)
    return dest


@pytest.fixture
def app(tmp_path: Path, templates_dir: Path, folder: Path):  # noqa: ANN201
    app = make_app(tmp_path / "data", templates_dir, SCENARIOS_DIR=folder.parent)
    db = app.extensions["sandbox"].control.session()
    exam = people.create_exam(db, "D-1", "复核测试", [ID])
    for ticket in TICKETS:
        people.add_candidate(db, exam, ticket, f"考生{ticket[-1]}", "pass1234")
    db.commit()
    people.create_staff(db, "examiner", "考评员甲", StaffRole.EXAMINER, "exam1234")
    db.close()
    yield app
    app.extensions["sandbox"].grading.stop()


@pytest.fixture
def rt(app):  # noqa: ANN001, ANN201
    return app.extensions["sandbox"]


def _candidate(app, ticket: str):  # noqa: ANN001, ANN202
    client = app.test_client()
    assert client.post("/exam/login", data={"ticket_no": ticket, "password": "pass1234"}).status_code == 302
    assert client.get("/exam/").status_code == 200
    return client


def _examiner(app):  # noqa: ANN001, ANN202
    client = app.test_client()
    assert (
        client.post("/staff/login", data={"username": "examiner", "password": "exam1234"}).status_code == 302
    )
    return client


def _load(rt, attempt_id: int) -> Attempt:  # noqa: ANN001
    db = rt.control.session()
    a = db.get(Attempt, attempt_id)
    _ = [r.items for r in a.grade_runs]
    a.final = scoring.final_items(a)  # read while the session is open
    db.close()
    return a


@pytest.fixture
def graded(app, rt) -> list[int]:  # noqa: ANN001
    """Three submitted, graded attempts: the first added the address, the others only registered."""
    ids = []
    for n, ticket in enumerate(TICKETS):
        client = _candidate(app, ticket)
        with client.session_transaction() as sess:
            attempt_id = sess["attempt_id"]
        attempt = _load(rt, attempt_id)
        shop_member(client, username=f"buyer_{n}", phone=attempt.params["address"]["phone"])
        if n == 0:
            assert client.post("/shop/addresses", data=attempt.params["address"]).status_code == 302
            assert client.post("/exam/answers", data={"order_no": "D-NOT-AN-ORDER"}).status_code == 302
        assert client.post("/exam/submit", data={"confirm": "yes"}).status_code == 302
        ids.append(attempt_id)
    rt.grading.join()
    return ids


def _items(a: Attempt) -> dict:
    return {i.item_id: i for i in a.final}


def test_manual_item_waits_for_the_examiner_then_counts(app, rt, graded) -> None:  # noqa: ANN001
    first = _load(rt, graded[0])
    items = _items(first)
    assert items["description"].source == "pending" and items["description"].points == 0
    assert items["marker"].points == 10
    before = first.score
    examiner = _examiner(app)
    queue = examiner.get(f"/examiner/manual/{ID}/description").get_data(as_text=True)
    assert "备注清楚完整得满分" in queue and "待评 3 份，共 3 份" in queue
    # Not full marks without a note: refused, nothing stored.
    resp = examiner.post(
        f"/examiner/attempts/{first.id}/items/description/mark", data={"points": "5", "note": ""}
    )
    assert resp.status_code == 400 and "未给满分时请填写评语" in resp.get_data(as_text=True)
    for bad in ("9", "-1", "abc", "1.234"):
        assert (
            examiner.post(
                f"/examiner/attempts/{first.id}/items/description/mark", data={"points": bad, "note": "x"}
            ).status_code
            == 400
        )
    assert _load(rt, first.id).score == before
    resp = examiner.post(
        f"/examiner/attempts/{first.id}/items/description/mark",
        data={"points": "6.5", "note": "缺少门牌号", "queue": "1"},
    )
    assert resp.status_code == 302 and f"/examiner/manual/{ID}/description" in resp.headers["Location"]
    after = _load(rt, first.id)
    assert after.score == before + 6.5 and _items(after)["description"].source == "manual"
    assert "待评 2 份" in examiner.get(f"/examiner/manual/{ID}/description").get_data(as_text=True)
    # The mark survives a regrade (it belongs to the attempt and item, not to a run).
    assert examiner.post(f"/examiner/attempts/{first.id}/regrade", data={"reason": "检查"}).status_code == 302
    rt.grading.join()
    again = _load(rt, first.id)
    assert len(again.grade_runs) == 2 and again.score == after.score
    assert _items(again)["description"].points == 6.5


def test_override_needs_a_reason_is_audited_and_survives_a_regrade(app, rt, graded, folder) -> None:  # noqa: ANN001
    a = _load(rt, graded[1])
    assert _items(a)["marker"].points == 10
    examiner = _examiner(app)
    url = f"/examiner/attempts/{a.id}/items/marker/override"
    resp = examiner.post(url, data={"points": "4", "reason": "  "})
    assert resp.status_code == 400 and "请填写原因" in resp.get_data(as_text=True)
    assert examiner.post(url, data={"points": "11", "reason": "超过满分"}).status_code == 400
    assert (
        examiner.post(
            f"/examiner/attempts/{a.id}/items/nosuch/override", data={"points": "1", "reason": "x"}
        ).status_code
        == 404
    )
    db = rt.control.session()
    assert db.scalars(select(ScoreOverride)).first() is None
    db.close()
    assert examiner.post(url, data={"points": "4", "reason": "截图显示标记不完整"}).status_code == 302
    exported = examiner.get("/examiner/export.csv?exam=1").get_data(as_text=True)
    assert "override marker 10->4: 截图显示标记不完整" in exported and "考评员甲" in exported
    overridden = _load(rt, a.id)
    assert overridden.score == a.score - 6 and _items(overridden)["marker"].source == "override"

    # The rubric changes (v3: the marker check now gives half); the exam is regraded with the current
    # version: the override stays in force, and the page says the grader now gives 5.
    data = _yaml(folder)
    data["version"] = 3
    _write(folder, data, 0.5)
    resp = examiner.post(
        "/examiner/regrade",
        data={"exam": "1", "version": "current", "policy": "latest", "reason": "标记项修正"},
    )
    assert resp.status_code == 302
    rt.grading.join()
    again = _load(rt, a.id)
    marker = _items(again)["marker"]
    assert (marker.points, marker.graded_points, marker.source) == (4, 5, "override")
    page = examiner.get(f"/examiner/attempts/{a.id}").get_data(as_text=True)
    assert 'data-role="override-drift"' in page and "人工改分仍然有效" in page
    assert "截图显示标记不完整" in page and 'data-kind="override"' in page and "考评员甲" in page
    # Withdrawn (with a reason): the grader's points count again; both rows stay in the audit trail.
    assert examiner.post(url, data={"withdraw": "1", "reason": "复核后恢复"}).status_code == 302
    assert _items(_load(rt, a.id))["marker"].points == 5
    page = examiner.get(f"/examiner/attempts/{a.id}").get_data(as_text=True)
    assert 'data-kind="withdraw"' in page and "复核后恢复" in page


def test_exam_regrade_after_a_version_bump_with_policies_and_history(app, rt, graded, folder) -> None:  # noqa: ANN001
    before = {i: _load(rt, i).score for i in graded}
    data = _yaml(folder)
    data["version"] = 3
    _write(folder, data, 0.0)  # the marker now fails: 10 points fewer for everyone
    examiner = _examiner(app)
    # Never lower: the runs are kept but do not count; scores stay.
    resp = examiner.post(
        "/examiner/regrade",
        data={"exam": "1", "version": "current", "policy": "keep_higher", "reason": "新版本试评"},
    )
    assert resp.status_code == 302 and "/examiner/regrades/" in resp.headers["Location"]
    rt.grading.join()
    batch_page = examiner.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已完成 3 / 3" in batch_page and "未计入（不降分）" in batch_page
    for i in graded:
        a = _load(rt, i)
        assert a.score == before[i] and len(a.grade_runs) == 2
        last = a.grade_runs[-1]
        assert (last.counted, last.policy, last.requested_by, last.reason) == (
            False,
            "keep_higher",
            "考评员甲",
            "新版本试评",
        )
        assert last.scenario_version == 3 and last.score == before[i] - 10
        assert scoring.counted_run(a).id == a.grade_runs[0].id
    # Latest: the new runs count.
    resp = examiner.post(
        "/examiner/regrade",
        data={"exam": "1", "version": "current", "policy": "latest", "reason": "采用新版本"},
    )
    rt.grading.join()
    for i in graded:
        a = _load(rt, i)
        assert a.score == before[i] - 10 and len(a.grade_runs) == 3 and a.grade_runs[-1].counted
    page = examiner.get(f"/examiner/attempts/{graded[0]}").get_data(as_text=True)
    assert page.count("data-run=") == 3 and "不降分" in page and "采用新版本" in page
    second = _load(rt, graded[0]).grade_runs[1].id
    page = examiner.get(f"/examiner/attempts/{graded[0]}?run={second}").get_data(as_text=True)
    assert 'data-item-change="marker"' in page  # the difference from the run before, item by item
    assert 'data-role="not-counted"' in page
    # Nothing to regrade, a bad policy, no reason: refused, nothing queued.
    db = rt.control.session()
    runs = db.scalar(select(GradeRun.id).order_by(GradeRun.id.desc()))
    db.close()
    assert (
        examiner.post(
            "/examiner/regrade", data={"exam": "1", "policy": "sometimes", "reason": "x"}
        ).status_code
        == 400
    )
    assert (
        examiner.post("/examiner/regrade", data={"exam": "1", "policy": "latest", "reason": ""}).status_code
        == 400
    )
    assert (
        examiner.post("/examiner/regrade", data={"exam": "99", "policy": "latest", "reason": "x"}).status_code
        == 404
    )
    rt.grading.join()
    db = rt.control.session()
    assert db.scalar(select(GradeRun.id).order_by(GradeRun.id.desc())) == runs
    db.close()


def test_regrade_reads_the_final_snapshot_not_the_live_world(app, rt, graded) -> None:  # noqa: ANN001
    from sandbox.worlds.store import open_world

    a = _load(rt, graded[0])
    # Someone changes the live world file after the submission: a regrade must not see it.
    w = open_world(a.world_path)
    from sandbox.storefront.models import Address

    for addr in w.db.scalars(select(Address)):
        w.db.delete(addr)
    w.db.commit()
    w.close()
    _examiner(app).post(f"/examiner/attempts/{a.id}/regrade", data={"reason": "快照"})
    rt.grading.join()
    again = _load(rt, a.id)
    assert again.grade_runs[-1].score == again.grade_runs[0].score


def test_void_gives_everyone_full_marks_and_can_be_lifted(app, rt, graded) -> None:  # noqa: ANN001
    before = {i: _load(rt, i).score for i in graded}
    examiner = _examiner(app)
    assert examiner.post("/examiner/voids", data={"target": f"{ID}/address", "reason": ""}).status_code == 400
    assert examiner.post("/examiner/voids", data={"target": f"{ID}/nosuch", "reason": "x"}).status_code == 404
    resp = examiner.post(
        "/examiner/voids", data={"target": f"{ID}/address", "exam": "1", "reason": "地址项检查有误"}
    )
    assert resp.status_code == 302
    full = {i: _items(_load(rt, i))["address"] for i in graded}
    assert all(it.points == it.max_points and it.source == "void" for it in full.values())
    gained = {i: _load(rt, i).score - before[i] for i in graded}
    assert gained[graded[0]] == 0 and gained[graded[1]] == full[graded[1]].max_points
    db = rt.control.session()
    from sandbox.control.models import ItemVoid

    void_id = db.scalars(select(ItemVoid)).one().id
    db.close()
    assert examiner.post(f"/examiner/voids/{void_id}/lift", data={"reason": "误操作"}).status_code == 302
    assert {i: _load(rt, i).score for i in graded} == before
    assert "误操作" in examiner.get("/examiner/voids").get_data(as_text=True)


def test_review_request_window_answer_and_isolation(app, rt, graded) -> None:  # noqa: ANN001
    mine, other = graded[0], graded[1]
    candidate = _candidate(app, TICKETS[0])
    # Before publication: no results, no review.
    assert "成绩尚未公布" in candidate.get("/exam/results").get_data(as_text=True)
    resp = candidate.post(f"/exam/results/{mine}/review", data={"reason": "我认为地址项应得分"})
    assert resp.status_code == 403
    examiner = _examiner(app)
    assert examiner.post("/examiner/exams/1/publish", data={"review_days": "abc"}).status_code in (302, 303)
    db = rt.control.session()
    assert db.get(Exam, 1).results_published_at is None
    db.close()
    assert examiner.post("/examiner/exams/1/publish", data={"review_days": "3"}).status_code == 302
    page = candidate.get("/exam/results").get_data(as_text=True)
    assert 'data-role="review-form"' in page and "申请复核" in page
    # Another candidate's attempt: not found, nothing filed.
    assert candidate.post(f"/exam/results/{other}/review", data={"reason": "别人的答卷"}).status_code == 404
    assert candidate.post(f"/exam/results/{mine}/review", data={"reason": "短"}).status_code == 400
    assert (
        candidate.post(
            f"/exam/results/{mine}/review", data={"reason": "我认为地址项应得分", "item": "address"}
        ).status_code
        == 302
    )
    assert (
        candidate.post(f"/exam/results/{mine}/review", data={"reason": "再申请一次可以吗"}).status_code == 409
    )
    # The examiner changes the score, then answers; the candidate sees the answer and the change.
    assert (
        examiner.post(
            f"/examiner/attempts/{mine}/items/marker/override", data={"points": "9", "reason": "复核改分"}
        ).status_code
        == 302
    )
    db = rt.control.session()
    rq = db.scalars(select(ReviewRequest)).one()
    db.close()
    assert examiner.post(f"/examiner/reviews/{rq.id}/answer", data={"answer": ""}).status_code == 400
    assert (
        examiner.post(
            f"/examiner/reviews/{rq.id}/answer", data={"answer": "已复核，标记项扣 1 分"}
        ).status_code
        == 302
    )
    assert examiner.post(f"/examiner/reviews/{rq.id}/answer", data={"answer": "again"}).status_code == 409
    page = candidate.get("/exam/results").get_data(as_text=True)
    assert "已复核，标记项扣 1 分" in page and "成绩由" in page
    audit = examiner.get(f"/examiner/attempts/{mine}").get_data(as_text=True)
    assert 'data-kind="review"' in audit and 'data-kind="answer"' in audit
    # After the window: refused.
    db = rt.control.session()
    exam = db.get(Exam, 1)
    exam.results_published_at = datetime.now() - timedelta(days=4)
    db.commit()
    db.close()
    resp = _candidate(app, TICKETS[2]).post(
        f"/exam/results/{graded[2]}/review", data={"reason": "期限已过的申请"}
    )
    assert resp.status_code == 403 and "复核申请期限已过" in resp.get_data(as_text=True)


def test_examiner_pages_need_an_examiner(app, graded) -> None:  # noqa: ANN001
    candidate = _candidate(app, TICKETS[0])
    for path in ("/examiner/regrade", "/examiner/voids", "/examiner/manual", "/examiner/reviews"):
        assert candidate.get(path).status_code == 302
    resp = candidate.post(
        f"/examiner/attempts/{graded[0]}/items/marker/override", data={"points": "0", "reason": "x"}
    )
    assert resp.status_code == 302
    examiner = _examiner(app)
    for path in (
        "/examiner/regrade",
        "/examiner/voids",
        "/examiner/manual",
        "/examiner/reviews",
        "/examiner/?exam=1",
    ):
        assert examiner.get(path).status_code == 200, path


def test_evidence_links_to_its_moment_in_the_replay(app, rt, graded) -> None:  # noqa: ANN001
    from sandbox.control.models import ActionLog

    page = _examiner(app).get(f"/examiner/attempts/{graded[0]}").get_data(as_text=True)
    db = rt.control.session()
    save = db.scalars(
        select(ActionLog).where(
            ActionLog.attempt_id == graded[0], ActionLog.method == "POST", ActionLog.path == "/exam/answers"
        )
    ).one()
    db.close()
    # The answer item's "考生填写" evidence links to the answer-sheet save.
    assert f'href="/examiner/attempts/{graded[0]}/replay?log={save.id}"' in page
    assert 'data-role="evidence-moment"' in page
