"""GIFT and Excel: the documented mapping, round trips that give identical questions, and bad files
whose every bad row is reported with its row and field while nothing is imported."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from sandbox.errors import DomainError
from sandbox.theory import bank, excel, gift
from sandbox.theory.importing import export_bytes, import_file
from sandbox.theory.models import Question
from tests.test_theory_bank import SAMPLE, db, seed, snapshot  # noqa: F401

README_EXAMPLE = """\
$CATEGORY: 电子商务师/电子商务员/电子支付

// [id:T0001] [tag:difficulty-2]
::T0001::网上银行登录时使用的“U盾”主要用于（  ）。{
=存放数字证书和私钥以验证身份
~保存网页书签
####U盾内存数字证书和私钥……
}
"""


def rows(db) -> int:  # noqa: ANN001, F811
    return db.scalar(select(func.count(Question.id)))


def fresh(rt):  # noqa: ANN001, ANN201
    """Empty the bank (a new database for the re-import)."""
    session = rt.control.session()
    session.query(Question).delete()
    session.commit()
    return session


# --- GIFT -------------------------------------------------------------------------------------


def test_the_documented_example_reads_as_documented() -> None:
    (parsed,) = gift.parse(README_EXAMPLE)
    clean, errors = bank.validate(parsed.data)
    assert not parsed.errors and not errors
    assert clean == {
        "code": "T0001",
        "qtype": "single",
        "level": "电子商务员",
        "knowledge_point": "电子支付",
        "difficulty": 2,
        "stem": "网上银行登录时使用的“U盾”主要用于（  ）。",
        "options": ["存放数字证书和私钥以验证身份", "保存网页书签"],
        "answer": [0],
        "explanation": "U盾内存数字证书和私钥……",
    }


@pytest.mark.parametrize(
    ("answers", "qtype", "options", "answer"),
    [
        ("{T}", "judge", ["正确", "错误"], [0]),
        ("{TRUE####因为……}", "judge", ["正确", "错误"], [0]),
        ("{F}", "judge", ["正确", "错误"], [1]),
        ("{FALSE#错的反馈#对的反馈}", "judge", ["正确", "错误"], [1]),
        ("{~%50%甲 ~%50%乙 ~%-100%丙}", "multi", ["甲", "乙", "丙"], [0, 1]),
        (
            "{~%33.33333%甲 ~%33.33333%乙 ~%33.33333%丙 ~%-100%丁}",
            "multi",
            ["甲", "乙", "丙", "丁"],
            [0, 1, 2],
        ),
        ("{=甲#对 ~乙#不对 ~丙}", "single", ["甲", "乙", "丙"], [0]),
        ("{~乙 =甲}", "single", ["乙", "甲"], [1]),
    ],
)
def test_gift_answer_kinds(answers: str, qtype: str, options: list[str], answer: list[int]) -> None:
    text = (
        f"$CATEGORY: $course$/top/电子商务师/电子商务师/安全\n\n// [tag:difficulty-4]\n::Q1::题干{answers}\n"
    )
    (parsed,) = gift.parse(text)
    assert not parsed.errors
    assert (parsed.data["qtype"], parsed.data["options"], parsed.data["answer"]) == (qtype, options, answer)
    assert bank.validate(parsed.data)[0]["difficulty"] == 4


def test_writer_uses_moodle_weights_and_escapes() -> None:
    questions = [Question(**q) for q in SAMPLE]
    text = gift.dump(questions)
    assert "~%25%波浪号 \\~" in text and "~%-100%普通文字" in text
    assert "$CATEGORY: 电子商务师/电子商务师/网络基础//TCP//IP" in text
    assert "\\n第二行" in text and "反斜杠 \\\\ " in text
    assert "~%25%冒号 \\: 与 //注释" in text and "花括号 \\{\\}" in text and "等号 \\= 与井号 \\#" in text
    assert "::T0003::" in text and "\nTRUE\n" in text and "\nFALSE\n" in text
    assert "// [id:T0002] [tag:difficulty-4]" in text
    for block in text.strip().split("\n\n"):
        assert block.startswith(("$CATEGORY:", "// [id:"))


def test_gift_round_trip_gives_identical_questions(rt, db) -> None:  # noqa: ANN001, F811
    seed(db)
    before = snapshot(db)
    data = export_bytes(db, "gift")
    db.close()
    again = fresh(rt)
    report = import_file(again, data, "bank.gift")
    assert report.ok and report.added == 4, [e.line() for e in report.errors]
    assert snapshot(again) == before
    report = import_file(again, data, "bank.txt")  # the same file again updates, adds nothing
    assert (report.added, report.updated) == (0, 4) and snapshot(again) == before
    again.close()


BAD_GIFT = """\
$CATEGORY: 电子商务师/电子商务员/物流

::G0001::好的题目{T}

::G0002::没有闭合的花括号{=甲 ~乙

::G0003::没有正确答案{~甲 ~乙}

::G0004::问答题{}

::G0005::匹配题{=甲 -> 1 =乙 -> 2}

::G0006::数值题{#3.14:0.01}

::G0007::简答题{=甲 =乙}

::G0001::重复的编号{F}

$CATEGORY: 电子商务师/初级电子商务员/物流

::G0008::未知等级{T}

$CATEGORY: 物流

::G0009::分类不对{T}
"""


def test_bad_gift_reports_every_bad_question_and_imports_nothing(db) -> None:  # noqa: F811
    seed(db)
    before = snapshot(db)
    report = import_file(db, BAD_GIFT.encode(), "bad.gift")
    assert not report.ok
    found = [(e.row, e.field_name, e.message) for e in report.errors]
    expected = [
        (5, "answer", "答案部分的 { 没有对应的 }"),
        (7, "answer", "没有正确答案"),
        (9, "type", "问答题"),
        (11, "type", "匹配题"),
        (13, "type", "数值题"),
        (15, "type", "简答题"),
        (17, "code", "编号 G0001 在文件中重复（第 3 行已有）"),
        (21, "level", "等级必须是"),
        (25, "level", "分类应写成 电子商务师/等级/知识点"),
    ]
    assert len(found) == len(expected)
    for (row, field, message), want in zip(found, expected, strict=True):
        assert (row, field) == want[:2] and want[2] in message
    assert snapshot(db) == before


def test_a_gift_question_without_a_category_or_a_code_is_reported(db) -> None:  # noqa: F811
    report = import_file(
        db, "// no category\n::A1::题{T}\n\n$CATEGORY: 电子商务师/电子商务员/x\n\n题{T}\n".encode(), "a.gift"
    )
    assert [(e.row, e.field) for e in report.errors] == [(2, "level"), (6, "code")]
    assert rows(db) == 0


# --- Excel ------------------------------------------------------------------------------------


def test_excel_round_trip_gives_identical_questions(rt, db) -> None:  # noqa: ANN001, F811
    seed(db)
    before = snapshot(db)
    data = export_bytes(db, "xlsx")
    sheet = load_workbook(io.BytesIO(data))["题库"]
    assert [c.value for c in sheet[1]] == excel.HEADERS
    judge = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "T0004"][0]
    assert judge[1] == "判断" and judge[6] is None and judge[12] == "错误"  # options implicit
    assert judge[5] == "=B2C 是企业与企业之间的电子商务。"  # text, not a formula
    db.close()
    again = fresh(rt)
    report = import_file(again, data, "bank.xlsx")
    assert report.ok and report.added == 4, [e.line() for e in report.errors]
    assert snapshot(again) == before
    again.close()


def workbook(header: list[str], *data: list) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "题库"
    sheet.append(header)
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ROW = [
    "X0001",
    "单选",
    "电子商务员",
    "电子商务基础",
    2,
    "B2C 指的是（  ）。",
    "企业对消费者",
    "企业对企业",
]


def row(**changes) -> list:  # noqa: ANN003
    values = dict(
        zip(["code", "type", "level", "point", "difficulty", "stem", "A", "B"], GOOD_ROW, strict=True)
    )
    values.update({"C": "", "D": "", "E": "", "F": "", "answer": "A", "explanation": "解析"})
    values.update(changes)
    return [
        values[k] for k in ("code", "type", "level", "point", "difficulty", "stem", *"ABCDEF", "answer")
    ] + [values["explanation"]]


def test_excel_reads_aliases_letters_and_judge_words(db) -> None:  # noqa: F811
    header = ["code", "type", "level", "point", "difficulty", "stem", *"ABCDEF", "answer", "explanation"]
    data = workbook(
        header,
        row(),
        row(code="X0002", type="多选", A="甲", B="乙", C="丙", D="丁", answer="a、c,D"),
        row(code="X0003", type="判断", A="", B="", answer="错", difficulty=None),
        row(code="X0004", type="judge", A="正确", B="错误", answer="对"),
        [None] * 14,  # a blank row is skipped
    )
    report = import_file(db, data, "x.xlsx")
    assert report.ok and report.added == 4, [e.line() for e in report.errors]
    assert bank.get(db, "X0002").answer == [0, 2, 3]
    x3 = bank.get(db, "X0003")
    assert x3.options == ["正确", "错误"] and x3.answer == [1] and x3.difficulty == 2
    assert bank.get(db, "X0004").answer == [0]


def test_bad_excel_rows_are_each_reported_and_nothing_is_imported(db) -> None:  # noqa: F811
    seed(db)
    before = snapshot(db)
    data = workbook(
        excel.HEADERS,
        row(),  # 2: good
        row(code="X0002", type="填空"),  # 3: bad type
        row(code="X0003", answer="C"),  # 4: letter beyond the two options
        row(code="X0004", stem=""),  # 5: missing stem
        row(code="X0005", difficulty=9),  # 6
        row(code="X0001"),  # 7: the code of row 2 again
        row(code="X0007", A="甲", B="", C="丙"),  # 8: a gap in the options
        row(code="X0008", answer="正确"),  # 9: words are only for 判断
    )
    report = import_file(db, data, "bad.xlsx")
    found = [(e.row, e.field) for e in report.errors]
    assert found == [
        (3, "qtype"),
        (4, "answer"),
        (5, "stem"),
        (6, "difficulty"),
        (7, "code"),
        (8, "options"),
        (9, "answer"),
    ]
    messages = {e.row: e.message for e in report.errors}
    assert "题型必须是单选、多选或判断：填空" in messages[3]
    assert messages[4] == "答案 C 超出了选项范围（共 2 个选项）"
    assert messages[5] == "题干不能为空" and report.errors[2].line() == "row 5 stem: 题干不能为空"
    assert "难度必须是 1 到 5 的整数：9" in messages[6]
    assert "编号 X0001 在文件中重复（第 2 行已有）" in messages[7]
    assert "选项B 为空" in messages[8]
    assert snapshot(db) == before


def test_excel_without_required_columns_names_them(db) -> None:  # noqa: F811
    report = import_file(db, workbook(["编号", "题干"], ["X1", "题"]), "x.xlsx")
    assert [(e.row, e.message) for e in report.errors] == [
        (1, "缺少列：题型"),
        (1, "缺少列：等级"),
        (1, "缺少列：知识点"),
        (1, "缺少列：答案"),
    ]
    assert rows(db) == 0


def a_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "a zip, but not a workbook")
    return out.getvalue()


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip", b"plain text", a_zip()])
def test_a_file_that_is_not_a_workbook_is_refused_clearly(db, data: bytes) -> None:  # noqa: F811
    with pytest.raises(DomainError, match="文件不是有效的 Excel 工作簿"):
        import_file(db, data, "renamed.xlsx")
    assert rows(db) == 0


def test_template_has_the_columns_and_the_explanation_sheet() -> None:
    book = load_workbook(io.BytesIO(excel.template()))
    assert book.sheetnames == ["题库", "说明"]
    assert [c.value for c in book["题库"][1]] == [
        "编号",
        "题型(单选/多选/判断)",
        "等级",
        "知识点",
        "难度",
        "题干",
        "选项A",
        "选项B",
        "选项C",
        "选项D",
        "选项E",
        "选项F",
        "答案",
        "解析",
    ]
    explained = [r[0] for r in book["说明"].iter_rows(min_row=2, values_only=True)]
    assert {"编号", "答案", "解析", "难度"} <= set(explained)


def test_unknown_extension_is_refused(db) -> None:  # noqa: F811
    with pytest.raises(DomainError, match=r"只能导入 \.gift"):
        import_file(db, b"x", "bank.csv")


def test_a_file_with_too_many_questions_is_refused(db, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(excel, "MAX_ROWS", 2)
    many = workbook(excel.HEADERS, row(code="M1"), row(code="M2"), row(code="M3"))
    with pytest.raises(DomainError, match="一个文件最多 2 道题"):
        import_file(db, many, "many.xlsx")
    text = "$CATEGORY: 电子商务师/电子商务员/物流\n\n" + "\n\n".join(f"::M{i}::题{{T}}" for i in range(3))
    with pytest.raises(DomainError, match="一个文件最多 2 道题"):
        import_file(db, text.encode(), "many.gift")
    assert rows(db) == 0
