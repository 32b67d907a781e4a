"""Reports: item analysis on a synthetic exam with hand-computed figures, the score sheet as Excel and
CSV, the exam's report page with its chart data, an attempt's print view and PDF."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sandbox.control import people
from sandbox.control.models import Attempt, GradeRun, ItemResult, StaffRole
from sandbox.examiner import analysis, reports
from sandbox.examiner.scoring import FinalItem

# A synthetic paper whose answers we know: five items, four candidates.
#   q1 (10)  q2 (10)  q3 (5)  q4 (5)  q5 (5)   total of 35
#   c1: 10      10       0       5       0  = 25
#   c2: 10       5       0       5       0  = 20
#   c3:  5       5       0       5       5  = 20
#   c4:  0       0       0       5       5  = 10
ITEMS = ["q1", "q2", "q3", "q4", "q5"]
MAXES = [10.0, 10.0, 5.0, 5.0, 5.0]
MATRIX = [
    [10.0, 10.0, 0.0, 5.0, 0.0],
    [10.0, 5.0, 0.0, 5.0, 0.0],
    [5.0, 5.0, 0.0, 5.0, 5.0],
    [0.0, 0.0, 0.0, 5.0, 5.0],
]
# By hand (corrected item-total correlation: the item against the total of the other items):
# q1 = [10,10,5,0] (mean 6.25), rest = [15,10,15,10] (mean 12.5): Sxy = 12.5, Sxx = 68.75, Syy = 25,
#    r = 12.5 / sqrt(68.75 * 25) = 1/sqrt(11).
# q2 = [10,5,5,0] (mean 5), rest = [15,15,15,10] (mean 13.75): Sxy = 25, Sxx = 50, Syy = 18.75,
#    r = 25 / sqrt(937.5) = sqrt(2/3).
# q3 never varies (nobody scores), q4 never varies (everybody scores): no correlation.
# q5 = [0,0,5,5] (mean 2.5), rest = [25,20,15,5] (mean 16.25): Sxy = -62.5, Sxx = 25, Syy = 218.75,
#    r = -62.5 / sqrt(5468.75) = -sqrt(5/7).
DIFFICULTY = [0.625, 0.5, 0.0, 1.0, 0.5]  # mean points / max: 6.25/10, 5/10, 0/5, 5/5, 2.5/5
DISCRIMINATION = [1 / math.sqrt(11), math.sqrt(2 / 3), None, None, -math.sqrt(5 / 7)]
FLAGS = [[], [], ["nobody"], ["everybody"], ["negative"]]
# Totals 25, 20, 20, 10 of 35: shares .714, .571, .571, .286 -> bins 7, 5, 5, 2; pass mark 21 -> c1 only.
BINS = [0, 0, 1, 0, 0, 2, 0, 1, 0, 0]
STD = math.sqrt((6.25**2 + 1.25**2 + 1.25**2 + 8.75**2) / 4)  # population std around 18.75


def test_item_analysis_on_a_synthetic_exam() -> None:
    stats = analysis.item_analysis(MATRIX, MAXES, ITEMS)
    assert [s.item_id for s in stats] == ITEMS
    assert [s.difficulty for s in stats] == pytest.approx(DIFFICULTY)
    for s, expected in zip(stats, DISCRIMINATION, strict=True):
        assert s.discrimination == (None if expected is None else pytest.approx(expected))
    assert [s.flags for s in stats] == FLAGS
    assert [s.mean_points for s in stats] == pytest.approx([6.25, 5.0, 0.0, 5.0, 2.5])


def test_flags_thresholds_and_edge_cases() -> None:
    assert analysis.item_flags(0.5, 0.1) == ["low"]
    assert analysis.item_flags(0.5, 0.2) == []
    assert analysis.item_flags(1.0, None) == ["everybody"]
    assert analysis.item_flags(None, None) == []
    assert analysis.pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert analysis.pearson([1, 1, 1], [1, 2, 3]) is None and analysis.pearson([1], [1]) is None
    # One item only: the rest of the score is empty, so there is no discrimination.
    assert analysis.item_analysis([[1.0], [0.0]], [1.0])[0].discrimination is None
    empty = analysis.item_analysis([], [10.0], ["q"])
    assert empty[0].difficulty is None and empty[0].flags == []
    with pytest.raises(ValueError):
        analysis.item_analysis([[1.0, 2.0]], [10.0])


def test_distribution_bins_figures_and_pass_mark() -> None:
    d = analysis.distribution([(sum(row), 35.0) for row in MATRIX])
    assert d.count == 4 and d.bins == BINS
    assert d.mean == pytest.approx(18.75) and d.median == pytest.approx(20) and d.std == pytest.approx(STD)
    assert d.passed == 1 and d.pass_rate == pytest.approx(0.25)
    assert d.bin_labels[0] == "0–10%" and d.bin_labels[-1] == "90–100%"
    # Exactly the pass mark passes (and is in the 60–70% bin), just below it is not; full marks are in the last bin.
    edge = analysis.distribution([(21, 35), (35, 35), (20.99, 35)])
    assert edge.passed == 2 and edge.bins == [0, 0, 0, 0, 0, 1, 1, 0, 0, 1]
    assert analysis.distribution([(3, 4)], pass_share=0.8).passed == 0
    none = analysis.distribution([])
    assert none.count == 0 and none.mean is None and none.pass_rate is None and sum(none.bins) == 0


# --- an exam in the control database -----------------------------------------------------------------

SCENARIO = "b2c-purchase"
TICKETS = ["R0001", "R0002", "R0003", "R0004"]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
    b"\xaeB`\x82"
)


def _graded_attempt(db, exam, cand, points: list[float], folder: Path) -> Attempt:  # noqa: ANN001
    """An exam attempt with one finished grading run holding these item points (no world needed)."""
    started = datetime(2026, 3, 15, 9, 0)
    attempt = Attempt(
        key=f"key-{cand.ticket_no}",
        mode="exam",
        exam_id=exam.id,
        candidate_id=cand.id,
        scenario_id=SCENARIO,
        scenario_version=1,
        seed=1,
        params={},
        identities=[],
        world_path=str(folder / "none.sqlite"),
        status="graded",
        started_at=started,
        started_real=0.0,
        deadline_real=0.0,
        submitted_at=datetime(2026, 3, 15, 9, 40),
        submit_reason="candidate",
        answers={},
        score=sum(points),
        max_score=sum(MAXES),
    )
    run_dir = folder / cand.ticket_no
    (run_dir / "evidence").mkdir(parents=True)
    (run_dir / "evidence" / "q1.png").write_bytes(PNG)
    (run_dir / "results.json").write_text("{}")
    run = GradeRun(
        attempt=attempt,
        started_at=started,
        finished_at=started,
        status="done",
        triggered_by="test",
        score=sum(points),
        max_score=sum(MAXES),
        grader_version="test",
        result_path=str(run_dir / "results.json"),
    )
    for position, (item_id, p, m) in enumerate(zip(ITEMS, points, MAXES, strict=True)):
        evidence = [{"label": "订单号", "value": f"ORD-{cand.ticket_no}"}]
        if item_id == "q1":
            evidence.append({"type": "screenshot", "label": "我的订单", "path": "q1.png"})
        run.items.append(
            ItemResult(
                position=position,
                item_id=item_id,
                title=f"第{position + 1}项",
                points=p,
                max_points=m,
                status="passed" if p == m else "failed" if p == 0 else "partial",
                feedback=f"反馈{item_id}",
                evidence=evidence,
            )
        )
    db.add(attempt)
    return attempt


@pytest.fixture
def graded_exam(rt, tmp_path: Path):  # noqa: ANN001, ANN201
    """An exam of one paper: four candidates graded as in MATRIX, one absent (R0005), an examiner."""
    db = rt.control.session()
    exam = people.create_exam(db, "REP-1", "报告考试", [SCENARIO])
    ids = []
    for ticket, points in zip(TICKETS, MATRIX, strict=True):
        cand = people.add_candidate(db, exam, ticket, f"考生{ticket[-1]}", "pass1234")
        db.flush()
        ids.append(_graded_attempt(db, exam, cand, points, tmp_path / "runs"))
    people.add_candidate(db, exam, "R0005", "缺考者", "pass1234")
    db.commit()
    people.create_staff(db, "rep-examiner", "考评员 报告", StaffRole.EXAMINER, "examiner-pass")
    people.create_staff(db, "rep-trainee", "学员 报告", StaffRole.TRAINEE, "trainee-pass")
    result = {"exam_id": exam.id, "attempts": [a.id for a in ids]}
    db.close()
    return result


def _login(app, username: str = "rep-examiner", password: str = "examiner-pass"):  # noqa: ANN001, ANN202
    client = app.test_client()
    assert client.post("/staff/login", data={"username": username, "password": password}).status_code == 302
    return client


def test_score_sheet_as_excel_holds_the_figures(app, graded_exam) -> None:  # noqa: ANN001
    client = _login(app)
    resp = client.get(f"/examiner/exams/{graded_exam['exam_id']}/scores.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == [SCENARIO, "分析"]
    ws = wb[SCENARIO]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["准考证号", "姓名", "场景"]
    assert header[3:8] == [f"{i} 第{n}项" for n, i in enumerate(ITEMS, start=1)]
    assert header[8:] == ["总分", "满分", "是否通过", "状态", "调整说明"]
    assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "C2"
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == [*TICKETS, "R0005"]
    for ticket, points in zip(TICKETS, MATRIX, strict=True):
        assert list(rows[ticket][3:8]) == points and rows[ticket][8] == sum(points) and rows[ticket][9] == 35
        assert rows[ticket][11] == "已评分"
    assert [rows[t][10] for t in TICKETS] == ["通过", "不通过", "不通过", "不通过"]
    assert rows["R0005"][1] == "缺考者" and rows["R0005"][11] == "缺考" and rows["R0005"][8] is None
    assert ws.cell(2, 4).number_format == "0.0"

    figures = {}
    items = {}
    for row in wb["分析"].iter_rows(values_only=True):
        if row and row[0] == SCENARIO and row[1]:
            figures[row[1]] = row[2]
        if row and row[0] in ITEMS:
            items[row[0]] = row
    assert figures["已评分人数"] == 4 and figures["缺考人数"] == 1 and figures["通过人数"] == 1
    assert figures["平均分"] == pytest.approx(18.75) and figures["中位数"] == pytest.approx(20)
    assert figures["标准差"] == pytest.approx(STD) and figures["通过率"] == pytest.approx(0.25)
    assert figures["分数段 50–60%"] == 2 and figures["分数段 70–80%"] == 1
    for item_id, difficulty, discrimination in zip(ITEMS, DIFFICULTY, DISCRIMINATION, strict=True):
        assert items[item_id][4] == pytest.approx(difficulty)
        assert items[item_id][5] == (None if discrimination is None else pytest.approx(discrimination))
    assert items["q3"][6] == "无人得分" and items["q4"][6] == "全员满分" and items["q5"][6] == "负区分度"
    assert items["q1"][6] in (None, "")


def test_score_sheet_as_csv(app, graded_exam) -> None:  # noqa: ANN001
    client = _login(app)
    resp = client.get(f"/examiner/exams/{graded_exam['exam_id']}/scores.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["准考证号"] for r in rows] == [*TICKETS, "R0005"]
    first = rows[0]
    assert first["q1 第1项"] == "10" and first["q5 第5项"] == "0" and first["总分"] == "25"
    assert first["满分"] == "35" and first["是否通过"] == "通过" and first["状态"] == "已评分"
    assert rows[-1]["状态"] == "缺考" and rows[-1]["总分"] == "" and rows[-1]["是否通过"] == ""
    one = client.get(f"/examiner/exams/{graded_exam['exam_id']}/scores.csv?scenario={SCENARIO}")
    assert one.status_code == 200 and one.get_data(as_text=True) == text
    assert client.get(f"/examiner/exams/{graded_exam['exam_id']}/scores.csv?scenario=nope").status_code == 404


def test_a_paper_nobody_sat_lists_everyone_absent(app, rt, graded_exam) -> None:  # noqa: ANN001
    from sandbox.control.models import Exam

    db = rt.control.session()
    db.get(Exam, graded_exam["exam_id"]).scenario_ids = [SCENARIO, "shop-setup"]
    db.commit()
    db.close()
    client = _login(app)
    wb = load_workbook(io.BytesIO(client.get(f"/examiner/exams/{graded_exam['exam_id']}/scores.xlsx").data))
    assert wb.sheetnames == [SCENARIO, "shop-setup", "分析"]
    rubric = rt.scenarios.get("shop-setup").rubric
    header = [c.value for c in wb["shop-setup"][1]]
    assert header[3 : 3 + len(rubric)] == [f"{r['id']} {r['text']['zh']}" for r in rubric]
    statuses = [row[3 + len(rubric) + 3] for row in wb["shop-setup"].iter_rows(min_row=2, values_only=True)]
    assert statuses == ["缺考"] * 5
    page = client.get(f"/examiner/exams/{graded_exam['exam_id']}/report").get_data(as_text=True)
    chart = re.search(r'<script type="application/json" id="chart-2">(.*?)</script>', page, re.S)
    assert json.loads(chart.group(1))["counts"] == [0] * 10 and 'data-paper="shop-setup"' in page


def test_text_that_looks_like_a_formula_stays_text(app, rt, graded_exam) -> None:  # noqa: ANN001
    from sandbox.control.models import Exam

    db = rt.control.session()
    people.add_candidate(db, db.get(Exam, graded_exam["exam_id"]), "R0006", "=HYPERLINK(1)", "pass1234")
    db.commit()
    db.close()
    client = _login(app)
    text = client.get(f"/examiner/exams/{graded_exam['exam_id']}/scores.csv").get_data(as_text=True)
    rows = {r["准考证号"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert rows["R0006"]["姓名"] == "'=HYPERLINK(1)"
    wb = load_workbook(io.BytesIO(client.get(f"/examiner/exams/{graded_exam['exam_id']}/scores.xlsx").data))
    cell = next(row[1] for row in wb[SCENARIO].iter_rows(min_row=2) if row[0].value == "R0006")
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_overrides_and_voids_count_and_are_marked_in_the_sheet_and_the_report(app, rt, graded_exam) -> None:  # noqa: ANN001
    """Items count as scoring.final_items says; those whose source is not the run are marked, with old
    and new points, why and who."""
    from sandbox.control.models import ItemVoid, ScoreOverride

    db = rt.control.session()
    at = datetime(2026, 3, 16, 10, 0)
    db.add(
        ScoreOverride(
            attempt_id=graded_exam["attempts"][3],
            item_id="q5",
            points=0.0,
            old_points=5.0,
            graded_points=5.0,
            reason="截图显示为他人账号",
            by="examiner-x",
            at=at,
        )
    )
    db.add(
        ItemVoid(
            scenario_id=SCENARIO,
            item_id="q3",
            exam_id=graded_exam["exam_id"],
            reason="题目有误",
            by="chief",
            at=at,
        )
    )
    db.commit()
    db.close()
    client = _login(app)
    text = client.get(f"/examiner/exams/{graded_exam['exam_id']}/scores.csv").get_data(as_text=True)
    rows = {r["准考证号"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    r4 = rows["R0004"]
    assert r4["q5 第5项"] == "0" and r4["q3 第3项"] == "5" and r4["总分"] == "10"
    assert r4["调整说明"] == (
        "q3: 0→5 评分项作废（全员满分）（题目有误） chief; q5: 5→0 考评员改分（截图显示为他人账号） examiner-x"
    )
    assert rows["R0001"]["总分"] == "30" and rows["R0001"]["调整说明"].startswith("q3: 0→5")
    wb = load_workbook(io.BytesIO(client.get(f"/examiner/exams/{graded_exam['exam_id']}/scores.xlsx").data))
    ws = wb[SCENARIO]
    r = next(row[0].row for row in ws.iter_rows(min_row=2) if row[0].value == "R0004")
    cell = ws.cell(r, 3 + ITEMS.index("q5") + 1)
    assert (
        cell.value == 0 and "截图显示为他人账号" in cell.comment.text and cell.comment.author == "examiner-x"
    )
    assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    assert ws.cell(r, 3 + ITEMS.index("q1") + 1).comment is None
    # The voided item now counts full marks for everybody, and the analysis says so.
    flags = {row[0]: row[6] for row in wb["分析"].iter_rows(values_only=True) if row and row[0] in ITEMS}
    assert flags["q3"] == "全员满分"
    page = client.get(f"/examiner/attempts/{graded_exam['attempts'][3]}/report").get_data(as_text=True)
    assert 'data-audit="q5"' in page and "截图显示为他人账号" in page and "考评员改分" in page
    assert 'data-audit="q3"' in page and "examiner-x" in page and "2026-03-16 10:00:00" in page
    assert re.search(r'data-item="q5">.*?data-role="points">0<.*?data-role="source">考评员改分<', page, re.S)
    assert reports.overrides(
        None,
        [FinalItem("a", "A", 1, 1, "passed", ""), FinalItem("b", "B", 0, 1, "failed", "", source="void")],
    ) == [FinalItem("b", "B", 0, 1, "failed", "", source="void")]


def test_exam_report_page_shows_analysis_and_chart_data(app, graded_exam) -> None:  # noqa: ANN001
    client = _login(app)
    resp = client.get(f"/examiner/exams/{graded_exam['exam_id']}/report")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="chart-1">(.*?)</script>', page, re.S)
    chart = json.loads(block.group(1))
    assert chart["counts"] == BINS and chart["labels"][5] == "50–60%" and chart["passBin"] == 6
    assert (
        'data-chart="chart-1"' in page and "/vendor/echarts.min.js" in page and "js/report_chart.js" in page
    )
    assert re.search(r'data-figure="count">4<', page) and re.search(r'data-figure="absent">1<', page)
    assert re.search(r'data-figure="mean">18.75<', page) and re.search(
        r'data-figure="pass-rate">25.0%<', page
    )
    for flag, item in (("nobody", "q3"), ("everybody", "q4"), ("negative", "q5")):
        assert re.search(rf'<tr data-item="{item}" class="flagged flag-{flag}', page)
        assert f'data-flag="{flag}"' in page
    assert re.search(r'data-item="q2" class=" ">.*?data-role="discrimination">0.82<', page, re.S)
    assert 'data-ticket="R0005"' in page and "缺考" in page
    assert f"/examiner/exams/{graded_exam['exam_id']}/scores.xlsx" in page
    assert f"/examiner/exams/{graded_exam['exam_id']}/scores.csv" in page
    # The English UI translates the labels.
    client.get("/lang/en")
    english = client.get(f"/examiner/exams/{graded_exam['exam_id']}/report").get_data(as_text=True)
    assert "Item analysis" in english and "Nobody scores" in english and "区分度" not in english


def test_reports_are_for_examiners_only(app, graded_exam) -> None:  # noqa: ANN001
    exam_id, attempt_id = graded_exam["exam_id"], graded_exam["attempts"][0]
    paths = [
        f"/examiner/exams/{exam_id}/report",
        f"/examiner/exams/{exam_id}/scores.xlsx",
        f"/examiner/exams/{exam_id}/scores.csv",
        f"/examiner/attempts/{attempt_id}/report",
        f"/examiner/attempts/{attempt_id}/report.pdf",
    ]
    anonymous = app.test_client()
    trainee = _login(app, "rep-trainee", "trainee-pass")
    for client in (anonymous, trainee):
        for path in paths:
            resp = client.get(path)
            assert resp.status_code == 302 and "/staff/login" in resp.location, path
    examiner = _login(app)
    for path in (
        "/examiner/exams/999/report",
        "/examiner/exams/999/scores.xlsx",
        "/examiner/exams/999/scores.csv",
        "/examiner/attempts/999/report",
        "/examiner/attempts/999/report.pdf",
        "/examiner/exams/abc/report",
    ):
        assert examiner.get(path).status_code == 404, path


def test_attempt_report_print_view(app, graded_exam) -> None:  # noqa: ANN001
    client = _login(app)
    attempt_id = graded_exam["attempts"][0]
    page = client.get(f"/examiner/attempts/{attempt_id}/report").get_data(as_text=True)
    assert 'data-role="name">考生1<' in page and 'data-role="ticket">R0001<' in page and "报告考试" in page
    assert re.search(r'data-role="total">25<span class="muted fs-18"> / 35<', page)
    assert 'data-role="verdict">通过<' in page
    for item_id, points in zip(ITEMS, MATRIX[0], strict=True):
        assert re.search(rf'data-item="{item_id}">.*?data-role="points">{points:g}<', page, re.S)
    assert "反馈q1" in page and "ORD-R0001" in page
    assert re.search(r'<img src="/examiner/runs/\d+/evidence/q1.png" alt="我的订单">', page)
    assert "data-print" in page and "js/print.js" in page and "css/reports.css" in page
    assert 'data-role="pdf"' in page and 'data-role="audit"' not in page
    css = (Path(__file__).resolve().parent.parent / "sandbox/static/css/reports.css").read_text()
    assert "@media print" in css


def test_attempt_report_without_a_grading_run(app, rt, graded_exam) -> None:  # noqa: ANN001
    db = rt.control.session()
    attempt = db.get(Attempt, graded_exam["attempts"][1])
    for run in attempt.grade_runs:
        run.status = "error"
    db.commit()
    db.close()
    page = _login(app).get(f"/examiner/attempts/{graded_exam['attempts'][1]}/report").get_data(as_text=True)
    assert 'data-role="total">—<' in page and "尚未评分" in page and "data-item=" not in page


def test_attempt_report_as_pdf(app, graded_exam, monkeypatch) -> None:  # noqa: ANN001
    printed: list[str] = []
    real = reports.html_to_pdf

    def spy(html: str, css: str, chromium: str = "") -> bytes:
        printed.append(html)
        assert "@media print" in css and ".score-big" in css  # the site's and the report's CSS
        return real(html, css, chromium)

    monkeypatch.setattr(reports, "html_to_pdf", spy)
    client = _login(app)
    resp = client.get(f"/examiner/attempts/{graded_exam['attempts'][0]}/report.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"] == f"attachment; filename=report-R0001-{SCENARIO}.pdf"
    assert resp.data.startswith(b"%PDF-") and b"%%EOF" in resp.data[-64:] and len(resp.data) > 5_000
    html = printed[0]
    # What was printed: the total, the items, the screenshot inlined, no link to fetch and no buttons.
    assert re.search(r'data-role="total">25<span class="muted fs-18"> / 35<', html)
    assert 'src="data:image/png;base64,' in html and "/evidence/" not in html
    assert "data-print" not in html and 'class="topbar"' not in html


def test_pdf_text_holds_the_candidate_and_total(app, graded_exam) -> None:  # noqa: ANN001
    pypdf = pytest.importorskip("pypdf")
    resp = _login(app).get(f"/examiner/attempts/{graded_exam['attempts'][0]}/report.pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(resp.data)).pages)
    # The CJK font maps some glyphs to Kangxi radicals (⽣ for 生): compare in NFKC.
    text = unicodedata.normalize("NFKC", text)
    assert "实操考试成绩报告" in text and "考生1" in text and "R0001" in text and "合计 25 / 35" in text


def test_pdf_failure_is_a_clear_503(app, graded_exam, monkeypatch) -> None:  # noqa: ANN001
    def broken(html: str, css: str, chromium: str = "") -> bytes:
        raise reports.PdfError("no browser")

    monkeypatch.setattr(reports, "html_to_pdf", broken)
    resp = _login(app).get(f"/examiner/attempts/{graded_exam['attempts'][0]}/report.pdf")
    assert resp.status_code == 503 and "无法生成 PDF" in resp.get_data(as_text=True)


def test_exam_report_chart_draws_in_chromium_under_the_policy(harness, browser_app, tmp_path: Path) -> None:  # noqa: ANN001
    """ECharts (from /vendor) draws the distribution from the data block, with nothing refused by CSP."""
    from playwright.sync_api import expect

    rt = browser_app.extensions["sandbox"]
    db = rt.control.session()
    exam = people.create_exam(db, "REP-B", "报告考试（浏览器）", [SCENARIO])
    for ticket, points in zip(TICKETS, MATRIX, strict=True):
        cand = people.add_candidate(db, exam, f"B{ticket}", f"考生{ticket[-1]}", "pass1234")
        db.flush()
        _graded_attempt(db, exam, cand, points, tmp_path / "runs")
    db.commit()
    people.create_staff(db, "rep-examiner-b", "考评员 B", StaffRole.EXAMINER, "examiner-pass")
    exam_id = exam.id
    db.close()
    context = harness.browser.browser.new_context(locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    base = harness.browser.server.base_url
    page.goto(base + "/staff/login")
    page.fill("#username", "rep-examiner-b")
    page.fill("#password", "examiner-pass")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{base}/examiner/exams/{exam_id}/report")
    chart = page.locator('[data-chart="chart-1"]')
    expect(chart).to_have_attribute("data-drawn", "1")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(page.locator('tr[data-item="q5"] [data-flag="negative"]')).to_be_visible()
    context.close()
    assert violations == []
