"""Exam administration: creating and editing exams through the web form, every refusal, the staff gate."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from sandbox.control import people
from sandbox.control.models import Exam, StaffRole
from sandbox.secrets_hashing import check_secret
from sandbox.theory.models import Question

LEVEL = "助理电子商务师"


def add_questions(rt, n: int = 20, level: str = LEVEL, point: str = "电子支付") -> None:  # noqa: ANN001
    """Put active questions of every type into the bank (the exam form checks a paper can be drawn)."""
    db = rt.control.session()
    start = db.scalar(select(func.count(Question.id))) or 0
    for i in range(n):
        for qtype, options, answer in (
            ("single", ["甲", "乙", "丙", "丁"], [0]),
            ("multi", ["甲", "乙", "丙", "丁"], [0, 1]),
            ("judge", ["正确", "错误"], [0]),
        ):
            db.add(
                Question(
                    code=f"Q{qtype[0]}{start + i:04d}",
                    qtype=qtype,
                    stem=f"题 {i}",
                    options=options,
                    answer=answer,
                    knowledge_point=point,
                    level=level,
                    created_at=datetime.now(),
                )
            )
    db.commit()
    db.close()


def admin_login(app, rt):  # noqa: ANN001, ANN201
    """A test client logged in as a 考务管理员."""
    db = rt.control.session()
    people.create_staff(db, "admin", "考务管理员", StaffRole.ADMIN, "admin1234")
    db.close()
    client = app.test_client()
    assert client.post("/staff/login", data={"username": "admin", "password": "admin1234"}).status_code == 302
    return client


@pytest.fixture
def admin(app, rt):  # noqa: ANN001, ANN201
    """An admin's client, with a small question bank."""
    add_questions(rt)
    return admin_login(app, rt)


def good_form(**changes: object) -> dict[str, object]:
    """A valid final exam: both parts, weights summing to 100."""
    form: dict[str, object] = {
        "code": "2026-06-ZL",
        "title": "2026年6月助理电子商务师统考",
        "level": LEVEL,
        "kind": "final",
        "theory_on": "1",
        "theory_minutes": "90",
        "theory_opens_at": "2026-06-28T08:30",
        "theory_closes_at": "2026-06-28T10:00",
        "draw_point": ["电子支付", "", ""],
        "draw_type": ["single", "judge", ""],
        "draw_count": ["5", "4", ""],
        "points_single": "1",
        "points_multi": "2",
        "points_judge": "0.5",
        "shuffle_options": "1",
        "scenario_id": ["b2c-purchase", "shop-setup", ""],
        "scenario_weight": ["60", "40", ""],
        "practical_opens_at": "2026-06-28T10:30",
        "practical_closes_at": "2026-06-28T12:30",
        "theory_pass": "60",
        "practical_pass": "65",
        "proctor_password_action": "set",
        "proctor_password": "jk2026",
        "allowed_networks": "10.1.2.0/24\n192.168.0.0/16",
        "late_entry_minutes": "15",
        "review_days": "5",
    }
    form.update(changes)
    return form


def exams_in(rt) -> list[Exam]:  # noqa: ANN001
    db = rt.control.session()
    rows = list(db.scalars(select(Exam).order_by(Exam.id)))
    db.close()
    return rows


def test_an_admin_creates_a_final_exam_with_both_parts(admin, rt) -> None:  # noqa: ANN001
    resp = admin.post("/admin/exams/new", data=good_form())
    assert resp.status_code == 302, resp.get_data(as_text=True)
    [exam] = exams_in(rt)
    assert (exam.code, exam.level, exam.kind) == ("2026-06-ZL", LEVEL, "final")
    assert exam.theory_minutes == 90
    assert exam.theory_opens_at == datetime(2026, 6, 28, 8, 30)
    assert exam.practical_closes_at == datetime(2026, 6, 28, 12, 30)
    assert exam.theory_rules["levels"] == [LEVEL]  # the exam's level by default
    assert [(r.get("point"), r["type"], r["count"]) for r in exam.theory_rules["draw"]] == [
        ("电子支付", "single", 5),
        (None, "judge", 4),
    ]
    assert exam.theory_rules["points"]["judge"] == 0.5
    assert exam.theory_rules["multi_partial"] is False
    assert exam.scenario_ids == ["b2c-purchase", "shop-setup"]
    assert exam.scenario_weights == {"b2c-purchase": 60, "shop-setup": 40}
    assert (exam.theory_pass, exam.practical_pass) == (60, 65)
    assert check_secret(exam.proctor_password_hash, "jk2026")
    assert exam.allowed_networks == ["10.1.2.0/24", "192.168.0.0/16"]
    assert (exam.late_entry_minutes, exam.review_days) == (15, 5)
    page = admin.get("/admin/").get_data(as_text=True)
    assert "2026-06-ZL" in page and "2026-06-28 08:30" in page and "理论知识考试" in page


def test_defaults_and_a_module_test_with_one_part(admin, rt) -> None:  # noqa: ANN001
    form = good_form(
        kind="module",
        theory_on="",
        scenario_id=["b2c-purchase"],
        scenario_weight=[""],
        theory_pass="",
        practical_pass="",
        proctor_password_action="keep",
        late_entry_minutes="",
        review_days="",
    )
    assert admin.post("/admin/exams/new", data=form).status_code == 302
    [exam] = exams_in(rt)
    assert exam.theory_rules is None and exam.theory_opens_at is None
    assert exam.scenario_weights == {"b2c-purchase": 100}
    assert (exam.theory_pass, exam.practical_pass, exam.review_days) == (60, 60, 7)
    assert exam.proctor_password_hash is None and exam.late_entry_minutes is None


def test_the_new_form_has_blank_rows_for_use_without_javascript(admin) -> None:  # noqa: ANN001
    page = admin.get("/admin/exams/new").get_data(as_text=True)
    assert page.count('name="draw_count"') >= 4 and page.count('name="scenario_weight"') >= 4
    assert 'value="90"' in page  # theory minutes default
    assert "js/admin.js" in page and "<script>" not in page and "style=" not in page


def test_edit_keeps_the_proctor_password_then_clears_it(admin, rt) -> None:  # noqa: ANN001
    assert admin.post("/admin/exams/new", data=good_form()).status_code == 302
    exam_id = exams_in(rt)[0].id
    page = admin.get(f"/admin/exams/{exam_id}/edit").get_data(as_text=True)
    assert 'value="2026-06-28T08:30"' in page and "已设置" in page and 'value="电子支付"' in page
    resp = admin.post(
        f"/admin/exams/{exam_id}/edit",
        data=good_form(title="改名后的考试", proctor_password_action="keep", proctor_password=""),
    )
    assert resp.status_code == 302
    [exam] = exams_in(rt)
    assert exam.title == "改名后的考试" and check_secret(exam.proctor_password_hash, "jk2026")
    assert (
        admin.post(
            f"/admin/exams/{exam_id}/edit", data=good_form(proctor_password_action="clear")
        ).status_code
        == 302
    )
    assert exams_in(rt)[0].proctor_password_hash is None


BAD_FORMS = [
    ({"code": "bad code!"}, 400, "考试代码必填，只能用字母、数字、- 和 _"),
    ({"code": "x" * 41}, 400, "最多 40 个字符"),
    ({"title": ""}, 400, "考试名称必填"),
    ({"level": "总裁"}, 400, "请选择职业等级"),
    ({"kind": "quiz"}, 400, "请选择考试类型"),
    ({"theory_on": ""}, 400, "终结式综合考试必须同时有理论知识和操作技能两部分"),
    ({"scenario_id": [""], "scenario_weight": [""]}, 400, "终结式综合考试必须同时有理论知识和操作技能两部分"),
    (
        {"kind": "module", "theory_on": "", "scenario_id": [""], "scenario_weight": [""]},
        400,
        "过程式模块测验至少要有理论知识或操作技能中的一部分",
    ),
    ({"theory_minutes": "0"}, 400, "理论考试时长（分钟） 必须是 1 到 600 之间的整数"),
    ({"theory_closes_at": "2026-06-28T08:00"}, 400, "理论知识考试：结束时间必须晚于开始时间"),
    ({"practical_opens_at": "2026-06-28T12:30"}, 400, "操作技能考试：结束时间必须晚于开始时间"),
    ({"theory_opens_at": "28/06/2026"}, 400, "理论考试开始时间 不是有效的日期时间"),
    ({"draw_count": ["0", "4", ""]}, 400, "抽题规则第 1 行：题数必须是 1 到 500 之间的整数"),
    ({"draw_type": ["", "judge", ""]}, 400, "抽题规则第 1 行：请选择题型"),
    ({"draw_point": ["", "", ""], "draw_count": ["", "", ""]}, 400, "理论考试至少需要一行抽题规则"),
    ({"points_multi": "0"}, 400, "多选题 必须是 0.01 到 100 之间的数"),
    ({"theory_levels": ["董事"]}, 400, "题库等级不正确：董事"),
    ({"scenario_weight": ["60", "30", ""]}, 400, "终结式综合考试各场景权重之和必须为 100"),
    ({"scenario_weight": ["0", "100", ""]}, 400, "场景 b2c-purchase 的权重必须是大于 0、不超过 100 的数"),
    ({"scenario_id": ["b2c-purchase", "no-such", ""]}, 400, "没有这个场景：no-such"),
    ({"scenario_id": ["b2c-purchase", "b2c-purchase", ""]}, 400, "场景 b2c-purchase 重复"),
    ({"theory_pass": "101"}, 400, "理论合格分 必须是 0 到 100 之间的数"),
    ({"practical_pass": "abc"}, 400, "实操合格分 必须是 0 到 100 之间的数"),
    ({"proctor_password": "12"}, 400, "监考密码长度须为 4 到 64 位"),
    ({"proctor_password_action": "steal"}, 400, "监考密码的操作不正确"),
    ({"allowed_networks": "10.1.2.0/24\n10.300.0.0/16"}, 400, "IP 地址段格式不正确：10.300.0.0/16"),
    ({"late_entry_minutes": "121"}, 400, "迟到入场时限（分钟） 必须是 0 到 120 之间的整数"),
    ({"review_days": "-1"}, 400, "复核申请期限（天） 必须是 0 到 365 之间的整数"),
]


@pytest.mark.parametrize(("changes", "status", "message"), BAD_FORMS)
def test_every_bad_field_is_refused_with_its_message_and_nothing_saved(
    admin,
    rt,
    changes: dict,
    status: int,
    message: str,  # noqa: ANN001
) -> None:
    resp = admin.post("/admin/exams/new", data=good_form(**changes))
    page = resp.get_data(as_text=True)
    assert resp.status_code == status
    assert message in page
    assert 'data-role="form-errors"' in page
    assert exams_in(rt) == []


def test_a_taken_code_is_409_and_a_bad_edit_changes_nothing(admin, rt) -> None:  # noqa: ANN001
    assert admin.post("/admin/exams/new", data=good_form()).status_code == 302
    resp = admin.post("/admin/exams/new", data=good_form(title="另一场"))
    assert resp.status_code == 409 and "考试代码已存在" in resp.get_data(as_text=True)
    assert len(exams_in(rt)) == 1
    exam_id = exams_in(rt)[0].id
    resp = admin.post(
        f"/admin/exams/{exam_id}/edit", data=good_form(title="不应保存", scenario_weight=["50", "10", ""])
    )
    assert (
        resp.status_code == 400
        and "权重之和必须为 100" in resp.get_data(as_text=True)
        and "现为 60" in resp.get_data(as_text=True)
    )
    assert exams_in(rt)[0].title == "2026年6月助理电子商务师统考"


def test_several_errors_are_all_listed(admin, rt) -> None:  # noqa: ANN001
    resp = admin.post("/admin/exams/new", data=good_form(title="", theory_pass="900", late_entry_minutes="x"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "考试名称必填" in page and "理论合格分" in page and "迟到入场时限" in page
    assert exams_in(rt) == []


def test_a_bank_too_small_for_the_draw_is_refused(admin, rt) -> None:  # noqa: ANN001
    resp = admin.post("/admin/exams/new", data=good_form(draw_count=["500", "4", ""]))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'data-error="draw"' in page and "500" in page
    assert exams_in(rt) == []


def test_the_scenarios_are_locked_once_an_attempt_exists(app, rt, exam) -> None:  # noqa: ANN001
    from tests.conftest import start_attempt

    add_questions(rt)
    client = admin_login(app, rt)
    form = good_form(code="T-1", scenario_id=["b2c-purchase", "shop-setup"], scenario_weight=["50", "50"])
    start_attempt(rt)
    resp = client.post(f"/admin/exams/{exam.id}/edit", data=form)
    assert resp.status_code == 409
    assert "已有考生开始实操作答，不能再修改场景列表" in resp.get_data(as_text=True)
    [stored] = exams_in(rt)
    assert stored.scenario_ids == ["b2c-purchase"] and stored.level is None
    # The same scenario with its weight (and the rest of the form) may still change.
    ok = good_form(code="T-1", scenario_id=["b2c-purchase"], scenario_weight=["100"])
    assert client.post(f"/admin/exams/{exam.id}/edit", data=ok).status_code == 302
    assert exams_in(rt)[0].level == LEVEL


ADMIN_URLS = [
    ("GET", "/admin/"),
    ("GET", "/admin/exams/new"),
    ("POST", "/admin/exams/new"),
    ("GET", "/admin/exams/{id}/edit"),
    ("POST", "/admin/exams/{id}/edit"),
    ("GET", "/admin/exams/{id}/candidates"),
    ("POST", "/admin/exams/{id}/candidates/1"),
    ("GET", "/admin/exams/{id}/import"),
    ("POST", "/admin/exams/{id}/import"),
    ("GET", "/admin/exams/{id}/import-template.xlsx"),
    ("GET", "/admin/exams/{id}/tickets"),
    ("GET", "/admin/exams/{id}/tickets.pdf"),
]


@pytest.mark.parametrize("who", ["examiner", "trainee", "candidate", "anonymous"])
def test_only_an_admin_reaches_the_admin_pages(app, rt, candidates, exam, who: str) -> None:  # noqa: ANN001
    client = app.test_client()
    if who == "candidate":
        client = candidates.login()
    elif who in ("examiner", "trainee"):
        password = {"examiner": "exam1234", "trainee": "train1234"}[who]
        assert client.post("/staff/login", data={"username": who, "password": password}).status_code == 302
    for method, url in ADMIN_URLS:
        resp = client.open(url.format(id=exam.id), method=method, data=good_form(code="HACK"))
        assert resp.status_code == 302, (method, url)
        assert "/staff/login" in resp.headers["Location"]
    assert [e.code for e in exams_in(rt)] == ["T-1"]
    assert exams_in(rt)[0].title == "测试考试"


def test_an_unknown_exam_is_404(admin) -> None:  # noqa: ANN001
    for url in ("/admin/exams/999/edit", "/admin/exams/999/candidates", "/admin/exams/999/tickets"):
        assert admin.get(url).status_code == 404


def test_the_nav_links_the_proctor_view_bank_and_certificate_lookup(admin, rt) -> None:  # noqa: ANN001
    assert admin.post("/admin/exams/new", data=good_form()).status_code == 302
    exam_id = exams_in(rt)[0].id
    page = admin.get(f"/admin/exams/{exam_id}/candidates").get_data(as_text=True)
    assert 'data-role="proctor-link"' in page and "监考" in page
    assert 'href="/certificates/verify"' in page and "题库" in page
    assert 'data-role="proctor-link"' not in admin.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "x" * 300, "../../etc/passwd", "\x00"])
def test_hostile_path_values_never_5xx(admin, value: str) -> None:  # noqa: ANN001
    for rule in ("/admin/exams/{v}/edit", "/admin/exams/1/candidates/{v}", "/admin/exams/1/import/{v}.csv"):
        url = rule.format(v=quote(value, safe=""))
        for method in ("GET", "POST"):
            assert admin.open(url, method=method, data={"x": value}).status_code < 500
