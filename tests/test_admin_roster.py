"""Roster import (CSV and Excel): per-row errors with nothing imported, eligibility, one-time passwords."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from sandbox.admin import eligibility, roster
from sandbox.control import people
from sandbox.control.models import Candidate, Exam
from tests.test_admin_exams import LEVEL, admin_login

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(birth: str = "19900307", seq: str = "123", region: str = "110105") -> str:
    """A valid GB 11643-1999 number for the birth date and sequence."""
    body = region + birth + seq
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def bad_check(number: str) -> str:
    """The same number with a wrong check character."""
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


@pytest.fixture
def setup(app, rt, exam):  # noqa: ANN001, ANN201
    """An admin's client and an exam at the 助理电子商务师 level (the `exam` fixture's T-1 is another one)."""
    db = rt.control.session()
    target = Exam(code="ZL-1", title="助理统考", scenario_ids=["b2c-purchase"], level=LEVEL, kind="final")
    target.created_at = __import__("datetime").datetime.now()
    db.add(target)
    db.commit()
    exam_id = target.id
    db.close()
    return admin_login(app, rt), exam_id


def to_csv(rows: list[list[str]], bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, exam_id: int, data: bytes, name: str = "roster.csv"):  # noqa: ANN001, ANN201
    return client.post(
        f"/admin/exams/{exam_id}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(rt, exam_id: int | None = None) -> int:  # noqa: ANN001
    db = rt.control.session()
    q = select(func.count(Candidate.id))
    if exam_id is not None:
        q = q.where(Candidate.exam_id == exam_id)
    n = db.scalar(q)
    db.close()
    return n


def roster_of(rt, exam_id: int) -> list[Candidate]:  # noqa: ANN001
    db = rt.control.session()
    rows = list(db.scalars(select(Candidate).where(Candidate.exam_id == exam_id).order_by(Candidate.id)))
    db.close()
    return rows


HEADER = ["准考证号", "姓名", "身份证号", "密码", "考场", "座位", "延时(分钟)"]


def test_id_number_check_follows_gb_11643() -> None:
    good = id_number()
    assert roster.id_number_error(good) is None
    assert roster.id_number_error("11010519491231002X") is None  # the standard's own example
    assert roster.id_number_error(bad_check(good)) == "身份证号校验码不正确"
    assert roster.id_number_error(good[:17]) is not None
    assert roster.id_number_error(id_number(birth="19900230")) == "身份证号中的出生日期无效"
    assert roster.id_number_error(id_number(birth="20990101")) == "身份证号中的出生日期无效"
    assert roster.mask_id_number(good) == good[:6] + "********" + good[-4:]


@pytest.mark.parametrize(
    ("level", "education", "years", "certificate", "trained", "eligible"),
    [
        ("电子商务员", None, 1, None, True, True),
        ("电子商务员", None, 0.5, None, True, False),
        ("电子商务员", None, 3, None, False, False),  # work alone needs the training
        ("电子商务员", "中专", 0, None, True, True),
        ("电子商务员", "高中", 0, None, True, False),
        ("助理电子商务师", "大专", 0, None, True, True),
        ("助理电子商务师", "高职", 0, None, True, True),
        ("助理电子商务师", "中专", 0, "电子商务员", True, False),  # under a year since the certificate
        ("助理电子商务师", "中专", 1, "电子商务员", True, True),
        ("助理电子商务师", "高中", 5, None, True, False),
        ("电子商务师", "本科", 10, None, True, False),  # the 助理 certificate is needed
        ("电子商务师", None, 2, "助理电子商务师", True, True),
        ("电子商务师", None, 2, "助理电子商务师", False, False),
        ("电子商务师", None, 5, "助理电子商务师", False, True),
        ("高级电子商务师", None, 3, "电子商务师", True, True),
        ("高级电子商务师", None, 5, "电子商务师", False, False),
        ("高级电子商务师", None, 6, "电子商务师", False, True),
        ("高级电子商务师", None, 9, "助理电子商务师", True, False),
    ],
)
def test_entry_conditions_per_level(level, education, years, certificate, trained, eligible) -> None:  # noqa: ANN001
    reason = eligibility.refusal(level, education, years, certificate, trained)
    assert (reason is None) is eligible
    if reason:
        assert reason.startswith(f"申报{level}需")


def test_a_good_csv_is_imported_with_generated_passwords_shown_once(app, rt, setup) -> None:  # noqa: ANN001
    client, exam_id = setup
    rows = [
        ["ticket_no", "Name", "ID_NUMBER", "room", "seat", "extra_minutes"],  # English headers, any case
        ["ZL0001", "王一", id_number(seq="011"), "第一考场", "01", "0"],
        ["ZL0002", "李二", id_number(seq="012").lower(), "第一考场", "02", "20"],
    ]
    resp = upload(client, exam_id, to_csv(rows, bom=True))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page
    assert "已导入 2 名考生" in page and 'data-role="passwords-note"' in page
    imported = roster_of(rt, exam_id)
    assert [(c.ticket_no, c.room, c.seat, c.extra_minutes) for c in imported] == [
        ("ZL0001", "第一考场", "01", 0),
        ("ZL0002", "第一考场", "02", 20),
    ]
    assert imported[1].id_number.endswith("X") or imported[1].id_number.isdigit()
    assert [c.id_card_tail for c in imported] == [c.id_number[-4:] for c in imported]
    link = page.split('data-role="result-csv"')[0].rsplit('href="', 1)[1].split('"')[0]
    result = client.get(link)
    assert result.status_code == 200 and result.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(result.get_data(as_text=True).lstrip("\ufeff"))))
    passwords = {r[1]: r[4] for r in table[1:]}
    assert set(passwords) == {"ZL0001", "ZL0002"}
    assert all(len(p) == 8 and p.isdigit() for p in passwords.values())
    db = rt.control.session()
    assert people.authenticate_candidate(db, "ZL0001", passwords["ZL0001"]).name == "王一"
    db.close()
    again = client.get(link)
    assert again.status_code == 410 and "初始密码只提供一次" in again.get_data(as_text=True)


def test_given_passwords_are_kept_and_not_written_to_the_result(app, rt, setup) -> None:  # noqa: ANN001
    client, exam_id = setup
    rows = [HEADER, ["ZL0101", "赵三", id_number(seq="021"), "secret99", "", "", ""]]
    page = upload(client, exam_id, to_csv(rows)).get_data(as_text=True)
    assert "已导入 1 名考生" in page and 'data-role="passwords-note"' not in page
    db = rt.control.session()
    assert people.authenticate_candidate(db, "ZL0101", "secret99").ticket_no == "ZL0101"
    db.close()


def test_an_excel_roster_with_numeric_cells_is_imported(app, rt, setup) -> None:  # noqa: ANN001
    client, exam_id = setup
    rows = [
        [
            "准考证号",
            "姓名",
            "身份证号",
            "密码",
            "学历",
            "工作年限",
            "已有证书",
            "考场",
            "座位",
            "延时(分钟)",
        ],
        [2026060001, "钱四", id_number(seq="031"), "abc123", "大专", 0, "无", "第二考场", 3, None],
        [2026060002, "孙五", id_number(seq="041"), "abc123", "本科", 2.5, "电子商务员", "第二考场", 4, 15],
    ]
    resp = upload(client, exam_id, to_xlsx(rows), "名单.xlsx")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    imported = roster_of(rt, exam_id)
    assert [
        (c.ticket_no, c.education, c.work_years, c.lower_certificate, c.seat, c.extra_minutes)
        for c in imported
    ] == [
        ("2026060001", "大专", 0.0, None, "3", 0),
        ("2026060002", "本科", 2.5, "电子商务员", "4", 15),
    ]
    assert "符合" in client.get(f"/admin/exams/{exam_id}/candidates").get_data(as_text=True)


def test_malformed_rows_are_each_reported_and_nothing_is_imported(app, rt, setup) -> None:  # noqa: ANN001
    client, exam_id = setup
    good = id_number(seq="051")
    rows = [
        HEADER + ["学历", "工作年限"],
        ["ZL0201", "周六", good, "pass1234", "", "", "", "本科", "1"],  # fine
        ["", "吴七", id_number(seq="052"), "pass1234", "", "", "", "", ""],  # no ticket
        ["ZL0203", "", id_number(seq="053"), "pass1234", "", "", "", "", ""],  # no name
        ["ZL0204", "郑八", bad_check(id_number(seq="054")), "pass1234", "", "", "", "", ""],  # checksum
        ["ZL0205", "王九", id_number(seq="055"), "123", "", "", "", "", ""],  # short password
        ["ZL0206", "冯十", id_number(seq="056"), "pass1234", "", "", "abc", "", ""],  # extra minutes
        ["ZL0207", "陈一", id_number(seq="057"), "pass1234", "", "", "", "小学", "x"],  # education, years
        ["ZL0201", "", good, "pass1234", "", "", "", "", ""],  # no name, and row 2's ticket and ID again
    ]
    before = count(rt)
    resp = upload(client, exam_id, to_csv(rows))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "未导入任何考生" in page
    expected = [
        (3, "准考证号", "准考证号不能为空"),
        (4, "姓名", "姓名不能为空"),
        (5, "身份证号", "身份证号校验码不正确"),
        (6, "密码", "密码至少 6 位"),
        (7, "延时(分钟)", "延时必须是 0 到 240 之间的整数"),
        (8, "学历", "学历无法识别：小学"),
        (8, "工作年限", "工作年限必须是 0 到 60 之间的数"),
        (9, "准考证号", "准考证号在文件中重复（与第 2 行）"),
        (9, "姓名", "姓名不能为空"),
        (9, "身份证号", "身份证号在文件中重复（与第 2 行）"),
    ]
    for row, field, message in expected:
        assert f'<tr data-row="{row}"><td class="right">{row}</td><td>{field}</td><td>{message}' in page, (
            row,
            field,
        )
    assert page.count("<tr data-row=") == len(expected)
    assert count(rt) == before


def test_a_bad_checksum_alone_stops_the_whole_file(app, rt, setup) -> None:  # noqa: ANN001
    client, exam_id = setup
    rows = [HEADER, ["ZL0301", "甲", id_number(seq="061"), "", "", "", ""]]
    rows.append(["ZL0302", "乙", bad_check(id_number(seq="062")), "", "", "", ""])
    resp = upload(client, exam_id, to_csv(rows))
    assert resp.status_code == 400 and "身份证号校验码不正确" in resp.get_data(as_text=True)
    assert count(rt, exam_id) == 0


def test_duplicate_tickets_in_the_file_in_this_exam_and_in_another_exam(app, rt, setup) -> None:  # noqa: ANN001
    client, exam_id = setup
    first = [HEADER, ["ZL0401", "甲", id_number(seq="071"), "", "", "", ""]]
    assert upload(client, exam_id, to_csv(first)).status_code == 200
    rows = [
        HEADER,
        ["ZL0402", "乙", id_number(seq="072"), "", "", "", ""],
        ["ZL0402", "丙", id_number(seq="073"), "", "", "", ""],  # twice in the file
        ["ZL0401", "丁", id_number(seq="074"), "", "", "", ""],  # already in this exam
        ["T0001", "戊", id_number(seq="075"), "", "", "", ""],  # the other exam's ticket
        ["ZL0406", "己", id_number(seq="071"), "", "", "", ""],  # the same person again
    ]
    before = count(rt)
    resp = upload(client, exam_id, to_csv(rows))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "准考证号在文件中重复（与第 2 行）" in page
    assert "准考证号 ZL0401 重复" in page
    assert "准考证号已用于考试 T-1" in page
    assert "该身份证号已在本场考试报名" in page
    assert count(rt) == before


def test_ineligible_rows_are_refused_with_the_reason_and_the_rest_imported(app, rt, setup) -> None:  # noqa: ANN001
    client, exam_id = setup
    rows = [
        ["准考证号", "姓名", "身份证号", "学历", "工作年限", "已有证书"],
        ["ZL0501", "大专生", id_number(seq="081"), "大专", "0", "无"],
        ["ZL0502", "高中生", id_number(seq="082"), "高中", "3", ""],
        ["ZL0503", "持证者", id_number(seq="083"), "高中", "1.5", "电子商务员"],
        ["ZL0504", "新持证", id_number(seq="084"), "高中", "0.5", "电子商务员"],
    ]
    resp = upload(client, exam_id, to_csv(rows))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "已导入 2 名考生" in page and "2 名不符合申报条件未导入" in page
    assert page.count("申报助理电子商务师需取得电子商务员证书后连续从事本职业工作1年以上") == 2
    assert '<td class="mono nowrap">ZL0502</td>' in page and '<td class="mono nowrap">ZL0504</td>' in page
    assert [c.ticket_no for c in roster_of(rt, exam_id)] == ["ZL0501", "ZL0503"]


def test_eligibility_is_not_checked_without_its_columns(app, rt, setup) -> None:  # noqa: ANN001
    client, exam_id = setup
    rows = [["准考证号", "姓名", "身份证号", "学历"], ["ZL0601", "甲", id_number(seq="091"), "高中"]]
    page = upload(client, exam_id, to_csv(rows)).get_data(as_text=True)
    assert "已导入 1 名考生" in page and "未审核申报条件：文件缺少列 工作年限、已有证书" in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (to_csv([["姓名", "身份证号"], ["甲", id_number()]]), "r.csv", "缺少必需的列：准考证号"),
        ("准考证号,姓名,身份证号\nA1,张三,x\n".encode("gb18030"), "r.csv", "不是 UTF-8 编码"),
        (b"not a workbook", "r.xlsx", "无法读取 Excel 文件"),
        (b"a,b", "r.pdf", "请上传 CSV（UTF-8）或 Excel（.xlsx）文件"),
        (to_csv([HEADER]), "r.csv", "文件中没有考生"),
    ],
)
def test_unreadable_files_are_refused_whole(app, rt, setup, data: bytes, name: str, message: str) -> None:  # noqa: ANN001
    client, exam_id = setup
    resp = upload(client, exam_id, data, name)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert count(rt, exam_id) == 0


def test_the_template_has_the_headers_and_its_copy_imports(app, rt, setup) -> None:  # noqa: ANN001
    from openpyxl import load_workbook

    client, exam_id = setup
    resp = client.get(f"/admin/exams/{exam_id}/import-template.xlsx")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(roster.TEMPLATE_HEADERS)
    sheet.append(["ZL0701", "模板", id_number(seq="101"), "pw123456", "大专", "0", "无", "一", "1", "0"])
    out = io.BytesIO()
    book.save(out)
    assert upload(client, exam_id, out.getvalue(), "t.xlsx").status_code == 200
    assert [c.ticket_no for c in roster_of(rt, exam_id)] == ["ZL0701"]


def test_seats_are_edited_and_another_exams_candidate_is_404(app, rt, setup, exam) -> None:  # noqa: ANN001
    client, exam_id = setup
    upload(client, exam_id, to_csv([HEADER, ["ZL0801", "甲", id_number(seq="111"), "", "", "", ""]]))
    [mine] = roster_of(rt, exam_id)
    resp = client.post(
        f"/admin/exams/{exam_id}/candidates/{mine.id}", data={"room": "第三考场", "seat": "12"}
    )
    assert resp.status_code == 302
    assert (roster_of(rt, exam_id)[0].room, roster_of(rt, exam_id)[0].seat) == ("第三考场", "12")
    resp = client.post(f"/admin/exams/{exam_id}/candidates/{mine.id}", data={"room": "x" * 31, "seat": "1"})
    assert resp.status_code == 400 and "考场名称过长" in resp.get_data(as_text=True)
    assert roster_of(rt, exam_id)[0].room == "第三考场"
    other = roster_of(rt, exam.id)[0]
    assert client.post(f"/admin/exams/{exam_id}/candidates/{other.id}", data={"room": "x"}).status_code == 404
    assert roster_of(rt, exam.id)[0].room is None


def test_the_command_line_import_still_works(rt, exam, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "c.csv"
    path.write_text("ticket_no,name,password\nC0001,命令行,pass1234\n", encoding="utf-8")
    db = rt.control.session()
    target = db.get(Exam, exam.id)
    assert people.import_candidates(db, target, path) == 1
    assert people.authenticate_candidate(db, "C0001", "pass1234").exam_id == exam.id
    db.close()
