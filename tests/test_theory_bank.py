"""The theory question bank: the rules a question must meet, upsert by code, lists, counts, the
starter bank, and the staff pages (list, preview, import with its report, exports, who may open them)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from sandbox.control import people
from sandbox.control.models import StaffRole
from sandbox.errors import DomainError
from sandbox.theory import bank, gift
from sandbox.theory.models import Question

# One of each type, with the characters GIFT must escape and a slash in the knowledge point.
SAMPLE = [
    {
        "code": "T0001",
        "qtype": "single",
        "level": "电子商务员",
        "knowledge_point": "电子支付",
        "difficulty": 2,
        "stem": "网上银行登录时使用的“U盾”主要用于（  ）。",
        "options": ["存放数字证书和私钥以验证身份", "保存网页书签", "加快网速", "存放照片"],
        "answer": [0],
        "explanation": "U盾内存数字证书和私钥，用于网上银行的身份认证。",
    },
    {
        "code": "T0002",
        "qtype": "multi",
        "level": "电子商务师",
        "knowledge_point": "网络基础/TCP/IP",
        "difficulty": 4,
        "stem": "下列写法在 GIFT 中需要转义的有：~ = # { } : 和反斜杠 \\ 。\n第二行：50% 的情况",
        "options": ["波浪号 ~", "等号 = 与井号 #", "花括号 {}", "冒号 : 与 //注释", "普通文字"],
        "answer": [0, 1, 2, 3],
        "explanation": "####不是反馈\n见 Moodle 文档 {GIFT}。",
    },
    {
        "code": "T0003",
        "qtype": "judge",
        "level": "高级电子商务师",
        "knowledge_point": "法律与职业道德",
        "difficulty": 1,
        "stem": "电子签名与手写签名或者盖章具有同等的法律效力（符合法定条件时）。",
        "options": ["正确", "错误"],
        "answer": [0],
        "explanation": "",
    },
    {
        "code": "T0004",
        "qtype": "judge",
        "level": "助理电子商务师",
        "knowledge_point": "电子商务基础",
        "difficulty": 3,
        "stem": "=B2C 是企业与企业之间的电子商务。",
        "options": ["正确", "错误"],
        "answer": [1],
        "explanation": "B2C 是企业对消费者；企业之间是 B2B。",
    },
]

FIXTURE_YAML = """\
- code: Y0001
  type: single
  level: 电子商务员
  point: 电子商务基础
  difficulty: 1
  stem: B2C 指的是（  ）。
  options: [企业对消费者, 企业对企业, 消费者对消费者]
  answer: A
  explanation: Business to Consumer。
- code: Y0002
  type: multi
  level: 电子商务师
  point: 网络安全
  difficulty: 3
  stem: 下列属于对称加密算法的有（  ）。
  options: [AES, DES, RSA, SM4]
  answer: ABD
  explanation: RSA 是非对称算法。
- code: Y0003
  type: judge
  level: 助理电子商务师
  point: 物流
  difficulty: 2
  stem: 第三方物流是指由供方与需方以外的物流企业提供物流服务。
  options: [正确, 错误]
  answer: A
  explanation: 第三方物流的定义。
"""


def seed(db, questions: list[dict] | None = None) -> None:  # noqa: ANN001
    """Put questions into the bank."""
    clean, errors = bank.check_all(list(enumerate(questions or SAMPLE, start=1)))
    assert not errors, [e.line() for e in errors]
    bank.save_all(db, clean)
    db.commit()


def snapshot(db) -> list[dict]:  # noqa: ANN001
    """Every question's fields, in code order (for comparing banks)."""
    return [{k: getattr(q, k) for k in bank.FIELDS} for q in bank.all_questions(db)]


def count(rt) -> int:  # noqa: ANN001
    db = rt.control.session()
    try:
        return db.scalar(select(func.count(Question.id)))
    finally:
        db.close()


@pytest.fixture
def db(rt):  # noqa: ANN001, ANN201
    session = rt.control.session()
    yield session
    session.close()


# --- rules ------------------------------------------------------------------------------------


def good(**changes) -> dict:  # noqa: ANN003
    return {**SAMPLE[0], **changes}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"stem": "  "}, "stem", "题干不能为空"),
        ({"stem": "长" * 1001}, "stem", "题干不能超过 1000 个字"),
        ({"knowledge_point": ""}, "knowledge_point", "知识点不能为空"),
        ({"knowledge_point": "点" * 41}, "knowledge_point", "知识点不能超过 40 个字"),
        ({"level": "初级"}, "level", "等级必须是"),
        ({"qtype": "essay"}, "qtype", "题型必须是单选、多选或判断"),
        ({"difficulty": 9}, "difficulty", "难度必须是 1 到 5 的整数"),
        ({"difficulty": "2.5"}, "difficulty", "难度必须是 1 到 5 的整数"),
        ({"code": ""}, "code", "编号不能为空"),
        ({"code": "T 1"}, "code", "编号只能由字母"),
        ({"options": ["甲", "甲", "乙"]}, "options", "选项不能重复"),
        ({"options": ["甲"]}, "options", "单选题需要 2 到 6 个选项"),
        ({"options": list("ABCDEFG")}, "options", "单选题需要 2 到 6 个选项"),
        ({"answer": [0, 1]}, "answer", "单选题必须恰有 1 个正确答案"),
        ({"answer": []}, "answer", "单选题必须恰有 1 个正确答案"),
        ({"answer": [7]}, "answer", "答案超出了选项范围"),
        ({"qtype": "multi", "answer": [1]}, "answer", "多选题至少要有 2 个正确答案"),
        (
            {"qtype": "multi", "options": ["甲", "乙"], "answer": [0, 1]},
            "options",
            "多选题需要 3 到 6 个选项",
        ),
        ({"qtype": "judge", "options": ["对", "错"]}, "options", "判断题的选项必须是"),
        ({"qtype": "judge", "options": ["正确", "错误"], "answer": [0, 1]}, "answer", "判断题必须恰有 1 个"),
    ],
)
def test_validate_names_the_field_of_each_broken_rule(changes: dict, field: str, message: str) -> None:
    _, errors = bank.validate(good(**changes), row=7)
    assert [(e.row, e.field) for e in errors] == [(7, field)]
    assert message in errors[0].message


def test_validate_accepts_every_sample_and_trims_text() -> None:
    for question in SAMPLE:
        assert bank.validate(question)[1] == []
    clean, errors = bank.validate(good(stem="  题干  ", options=[" 甲 ", "乙"], difficulty=None))
    assert (
        not errors
        and clean["stem"] == "题干"
        and clean["options"] == ["甲", "乙"]
        and clean["difficulty"] == 2
    )


def test_upsert_adds_then_updates_by_code(db) -> None:  # noqa: ANN001
    bank.upsert(db, good())
    bank.upsert(db, good(stem="改过的题干", difficulty=5))
    rows = list(db.scalars(select(Question)))
    assert len(rows) == 1 and rows[0].stem == "改过的题干" and rows[0].difficulty == 5
    with pytest.raises(DomainError, match="题干不能为空"):
        bank.upsert(db, good(stem=""))
    assert db.scalar(select(Question.stem)) == "改过的题干"


def test_list_filters_and_pages(db) -> None:  # noqa: ANN001
    many = [good(code=f"P{i:03}", knowledge_point="物流" if i % 2 else "营销") for i in range(1, 121)]
    seed(db, SAMPLE + many)
    assert bank.list_questions(db, bank.BankFilters()).total == 124
    page = bank.list_questions(db, bank.BankFilters(point="物流", page=2))
    assert page.total == 60 and page.pages == 2 and len(page.rows) == 10 and page.rows[0].code == "P101"
    assert [q.code for q in bank.list_questions(db, bank.BankFilters(qtype="judge")).rows] == [
        "T0003",
        "T0004",
    ]
    assert [q.code for q in bank.list_questions(db, bank.BankFilters(level="电子商务师")).rows] == ["T0002"]
    assert [q.code for q in bank.list_questions(db, bank.BankFilters(q="B2B")).rows] == [
        "T0004"
    ]  # explanation
    assert [q.code for q in bank.list_questions(db, bank.BankFilters(q="50%")).rows] == ["T0002"]  # literal %
    assert bank.list_questions(db, bank.BankFilters(q="_")).total == 0
    assert bank.list_questions(db, bank.BankFilters(page=99)).page == 3  # past the end: the last page


def test_stats_count_levels_types_and_points(db) -> None:  # noqa: ANN001
    seed(db)
    s = bank.stats(db)
    assert s.total == 4
    assert s.by_level == {"电子商务员": 1, "助理电子商务师": 1, "电子商务师": 1, "高级电子商务师": 1}
    assert s.by_type == {"single": 1, "multi": 1, "judge": 2}
    assert s.lines()[:2] == ["questions 4", "level 电子商务员 1"]
    assert "point 网络基础/TCP/IP 1" in s.lines()


# --- starter bank -----------------------------------------------------------------------------


def test_load_starter_from_a_tiny_yaml_is_idempotent(db, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "starter.yaml"
    path.write_text(FIXTURE_YAML, encoding="utf-8")
    assert bank.load_starter(db, path) == 3
    assert bank.load_starter(db, path) == 0
    multi = bank.get(db, "Y0002")
    assert multi.qtype == "multi" and multi.answer == [0, 1, 3] and multi.knowledge_point == "网络安全"
    assert bank.get(db, "Y0003").answer == [0] and bank.get(db, "Y0003").options == ["正确", "错误"]
    assert db.scalar(select(func.count(Question.id))) == 3


def test_load_starter_with_a_bad_entry_loads_nothing(db, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "starter.yaml"
    path.write_text(FIXTURE_YAML.replace("answer: ABD", "answer: ABZ"), encoding="utf-8")
    with pytest.raises(DomainError, match="row 2 answer"):
        bank.load_starter(db, path)
    assert db.scalar(select(func.count(Question.id))) == 0


def test_the_real_starter_bank_loads(db) -> None:  # noqa: ANN001
    if not bank.STARTER_PATH.exists():
        pytest.skip("seed_data/theory/starter_bank.yaml is not written yet")
    clean, errors = bank.read_starter(bank.STARTER_PATH)
    assert not errors, [e.line() for e in errors[:20]]
    loaded = bank.load_starter(db)
    assert loaded == len(clean) >= 200
    s = bank.stats(db)
    assert all(n > 0 for n in s.by_level.values()) and all(n > 0 for n in s.by_type.values())
    assert all(q.explanation for q in bank.all_questions(db))
    # GIFT round trip of the whole real bank.
    text = gift.dump(bank.all_questions(db))
    parsed = gift.parse(text)
    assert not [e for p in parsed for e in p.errors]
    assert len(parsed) == loaded


# --- staff pages ------------------------------------------------------------------------------


def login_staff(app, rt, role: str = StaffRole.EXAMINER):  # noqa: ANN001, ANN201
    """A test client logged in as a new staff member of `role`."""
    db = rt.control.session()
    people.create_staff(db, f"u-{role}", f"{role} 用户", role, "secret123")
    db.close()
    client = app.test_client()
    resp = client.post("/staff/login", data={"username": f"u-{role}", "password": "secret123"})
    assert resp.status_code == 302, resp.data
    return client


@pytest.fixture
def staff(app, rt):  # noqa: ANN001, ANN201
    """An examiner's client, with the sample bank."""
    db = rt.control.session()
    seed(db)
    db.close()
    return login_staff(app, rt)


@pytest.mark.parametrize("role", [StaffRole.EXAMINER, StaffRole.ADMIN])
def test_examiner_and_admin_see_the_bank(app, rt, role: str) -> None:  # noqa: ANN001
    db = rt.control.session()
    seed(db)
    db.close()
    client = login_staff(app, rt, role)
    page = client.get("/theory/bank")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(f'data-code="{q["code"]}"' in html for q in SAMPLE)
    assert "共 4 题" in html


@pytest.mark.parametrize(
    "path",
    [
        "/theory/bank",
        "/theory/bank/T0001",
        "/theory/bank/import",
        "/theory/bank/export.gift",
        "/theory/bank/export.xlsx",
        "/theory/bank/template.xlsx",
    ],
)
def test_trainees_and_visitors_are_sent_to_the_staff_login(app, rt, path: str) -> None:  # noqa: ANN001
    for client in (app.test_client(), login_staff(app, rt, StaffRole.TRAINEE)):
        resp = client.get(path)
        assert resp.status_code == 302 and "/staff/login" in resp.headers["Location"]


def test_a_candidate_session_is_sent_to_the_login(candidates, rt) -> None:  # noqa: ANN001
    client = candidates.login()
    before = count(rt)
    for path in ("/theory/bank", "/theory/bank/export.gift"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/staff/login" in resp.headers["Location"]
    upload = {"file": (io.BytesIO(gift.dump([]).encode() + b"::X1::q{T}"), "a.gift")}
    resp = client.post("/theory/bank/import", data=upload, content_type="multipart/form-data")
    assert resp.status_code == 302 and "/staff/login" in resp.headers["Location"]
    assert count(rt) == before


def test_list_filters_on_the_page(staff) -> None:  # noqa: ANN001
    html = staff.get("/theory/bank?type=judge").get_data(as_text=True)
    assert 'data-code="T0003"' in html and 'data-code="T0004"' in html and 'data-code="T0001"' not in html
    html = staff.get("/theory/bank?level=电子商务师&point=网络基础/TCP/IP&q=GIFT").get_data(as_text=True)
    assert 'data-code="T0002"' in html and 'data-code="T0001"' not in html
    assert staff.get("/theory/bank?page=abc").status_code == 400


def test_preview_shows_the_question_then_answer_and_explanation(staff) -> None:  # noqa: ANN001
    html = staff.get("/theory/bank/T0002").get_data(as_text=True)
    assert "下列写法在 GIFT 中需要转义的有" in html and 'type="checkbox"' in html
    assert html.index('data-role="candidate-view"') < html.index('data-role="answer"')
    assert '<span class="mono" data-role="right">ABCD</span>' in html
    assert "见 Moodle 文档 {GIFT}" in html
    judge = staff.get("/theory/bank/T0004").get_data(as_text=True)
    assert 'type="radio"' in judge and "正确" in judge and 'data-role="right">B<' in judge
    missing = staff.get("/theory/bank/NOPE1")
    assert missing.status_code == 404 and "NOPE1" in missing.get_data(as_text=True)


def test_exports_and_template_download(staff, rt) -> None:  # noqa: ANN001
    resp = staff.get("/theory/bank/export.gift")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    parsed = gift.parse(resp.get_data(as_text=True))
    assert [p.data["code"] for p in parsed] == ["T0001", "T0004", "T0002", "T0003"]  # by level, then code
    book = load_workbook(io.BytesIO(staff.get("/theory/bank/export.xlsx").data))
    assert book["题库"].max_row == 5
    template = load_workbook(io.BytesIO(staff.get("/theory/bank/template.xlsx").data))
    assert template.sheetnames == ["题库", "说明"] and template["题库"].max_row == 1


def test_import_page_reports_counts(staff, rt) -> None:  # noqa: ANN001
    text = "$CATEGORY: 电子商务师/电子商务员/物流\n\n::N0001::快递单号用于查询物流信息。{T}\n"
    resp = staff.post(
        "/theory/bank/import",
        data={"file": (io.BytesIO(text.encode()), "new.gift")},
        content_type="multipart/form-data",
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-role="import-ok"' in html and "已导入 1 题" in html
    assert count(rt) == 5


def test_import_page_lists_every_bad_row_and_imports_nothing(staff, rt) -> None:  # noqa: ANN001
    text = (
        "$CATEGORY: 电子商务师/电子商务员/物流\n\n"
        "::N0001::好的题目{T}\n\n"
        "::N0002::{=甲 ~乙}\n\n"
        "::N0003::没有正确答案{~甲 ~乙}\n"
    )
    resp = staff.post(
        "/theory/bank/import",
        data={"file": (io.BytesIO(text.encode()), "bad.gift")},
        content_type="multipart/form-data",
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'data-role="import-errors"' in html
    assert 'data-row="5" data-field="stem"' in html and "题干不能为空" in html
    assert 'data-row="7" data-field="answer"' in html and "没有正确答案" in html
    assert "有 2 处错误，没有导入任何题目" in html
    assert count(rt) == 4


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bank.xlsx", b"this is not a workbook", "文件不是有效的 Excel 工作簿"),
        ("bank.pdf", b"%PDF-1.4", "只能导入 .gift、.txt"),
        ("bank.gift", "::A1::题{T}".encode("gbk"), "必须是 UTF-8"),
        ("bank.gift", b"// only a comment\n", "文件里没有找到题目"),
    ],
)
def test_import_refuses_files_it_cannot_read(staff, rt, name: str, data: bytes, message: str) -> None:  # noqa: ANN001
    resp = staff.post(
        "/theory/bank/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert count(rt) == 4


def test_import_without_a_file_is_refused(staff, rt) -> None:  # noqa: ANN001
    resp = staff.post("/theory/bank/import", data={}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "请选择要导入的" in resp.get_data(as_text=True)


def test_import_needs_the_csrf_token(tmp_path: Path, templates_dir: Path) -> None:
    from tests.conftest import make_app

    app = make_app(tmp_path / "csrf", templates_dir, WTF_CSRF_ENABLED=True)
    rt = app.extensions["sandbox"]
    try:
        db = rt.control.session()
        people.create_staff(db, "ex", "考评员", StaffRole.EXAMINER, "secret123")
        db.close()
        client = app.test_client()
        login_page = client.get("/staff/login").get_data(as_text=True)
        token = login_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert (
            client.post(
                "/staff/login", data={"username": "ex", "password": "secret123", "csrf_token": token}
            ).status_code
            == 302
        )
        text = b"$CATEGORY: \xe7\x94\xb5\xe5\xad\x90\xe5\x95\x86\xe5\x8a\xa1\xe5\xb8\x88/x/y\n\n::A1::q{T}\n"
        resp = client.post(
            "/theory/bank/import",
            data={"file": (io.BytesIO(text), "a.gift")},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 400 and "页面已过期" in resp.get_data(as_text=True)
        assert count(rt) == 0
        form = client.get("/theory/bank/import").get_data(as_text=True)
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        good_text = "$CATEGORY: 电子商务师/电子商务员/物流\n\n::A1::快递单号用于查询物流信息。{T}\n".encode()
        resp = client.post(
            "/theory/bank/import",
            data={"file": (io.BytesIO(good_text), "a.gift"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 200 and count(rt) == 1
    finally:
        rt.grading.stop()


def test_an_upload_over_the_size_limit_is_refused(app, staff, rt) -> None:  # noqa: ANN001
    app.config["MAX_CONTENT_LENGTH"] = 2048
    big = ("$CATEGORY: 电子商务师/电子商务员/物流\n\n" + "// padding\n" * 400 + "::B1::q{T}\n").encode()
    resp = staff.post(
        "/theory/bank/import",
        data={"file": (io.BytesIO(big), "big.gift")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413 and "提交的内容过大" in resp.get_data(as_text=True)
    assert count(rt) == 4
