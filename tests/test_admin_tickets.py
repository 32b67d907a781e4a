"""Admission tickets (准考证): the HTML preview's content and the A4 PDF, four to a page."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from sandbox.admin import tickets
from sandbox.control.models import Candidate, Exam
from sandbox.secrets_hashing import hash_login_password
from tests.test_admin_exams import LEVEL, admin_login
from tests.test_admin_roster import id_number


@pytest.fixture
def ticketed(app, rt):  # noqa: ANN001, ANN201
    """An exam with both parts and five seated candidates, and an admin's client."""
    db = rt.control.session()
    exam = Exam(
        code="ZL-T",
        title="2026年6月助理电子商务师统考",
        scenario_ids=["b2c-purchase"],
        created_at=datetime.now(),
        level=LEVEL,
        kind="final",
        theory_rules={"draw": [{"type": "single", "count": 5}], "points": {"single": 1}},
        theory_minutes=90,
        theory_opens_at=datetime(2026, 6, 28, 8, 30),
        theory_closes_at=datetime(2026, 6, 28, 10, 0),
        practical_opens_at=datetime(2026, 6, 28, 10, 30),
        practical_closes_at=datetime(2026, 6, 28, 12, 30),
        late_entry_minutes=15,
    )
    db.add(exam)
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    for i, name in enumerate(names):
        number = id_number(seq=f"{i + 1:03d}")
        db.add(
            Candidate(
                exam=exam,
                ticket_no=f"ZLT{i + 1:04d}",
                name=name,
                id_number=number,
                id_card_tail=number[-4:],
                password_hash=hash_login_password("pass1234"),
                room="第一考场" if i < 3 else "第二考场",
                seat=f"{5 - i:02d}",
            )
        )
    db.commit()
    exam_id = exam.id
    db.close()
    return admin_login(app, rt), exam_id, names


def test_the_preview_shows_every_ticket_four_to_a_page(ticketed) -> None:  # noqa: ANN001
    client, exam_id, names = ticketed
    resp = client.get(f"/admin/exams/{exam_id}/tickets")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert page.count('data-role="ticket-page"') == 2
    assert page.count('<article class="ticket"') == 5
    for i, name in enumerate(names):
        assert f'data-role="name">{name}<' in page
        assert f"ZLT{i + 1:04d}" in page
    full = id_number(seq="001")
    assert full not in page and f"{full[:6]}********{full[-4:]}" in page
    assert page.count(">照片<") == 5
    assert "第一考场" in page and "第二考场" in page
    assert "理论知识考试" in page and "操作技能考试" in page and "2026-06-28 08:30 – 10:00" in page
    assert "2026年6月助理电子商务师统考" in page and "助理电子商务师" in page
    assert "请携带身份证" in page and "提前15分钟入场" in page and "开考后迟到15分钟不得入场" in page
    # Ordered by room and seat: 第一考场 seat 03 (孙三) comes first.
    assert (
        page.index("孙三") < page.index("钱二") < page.index("赵一") < page.index("周五") < page.index("李四")
    )


def test_no_late_rule_without_a_cut_off(ticketed, rt) -> None:  # noqa: ANN001
    client, exam_id, _ = ticketed
    db = rt.control.session()
    db.get(Exam, exam_id).late_entry_minutes = None
    db.commit()
    db.close()
    page = client.get(f"/admin/exams/{exam_id}/tickets").get_data(as_text=True)
    assert "不得入场" not in page and 'data-role="late-rule"' not in page


def test_the_pdf_is_a4_with_two_pages_for_five_candidates(ticketed) -> None:  # noqa: ANN001
    client, exam_id, _ = ticketed
    resp = client.get(f"/admin/exams/{exam_id}/tickets.pdf")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"] == "attachment; filename=ZL-T-tickets.pdf"
    assert resp.data.startswith(b"%PDF-") and b"%%EOF" in resp.data[-64:]
    assert len(re.findall(rb"/Type\s*/Page(?!s)", resp.data)) == 2
    # A4 portrait: 595 x 842 points.
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", resp.data)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)


def test_an_unprintable_pdf_is_a_clear_503(ticketed, monkeypatch) -> None:  # noqa: ANN001
    client, exam_id, _ = ticketed

    def broken(html: str, css: str, chromium: str = "") -> bytes:
        raise tickets.reports.PdfError("no chromium")

    monkeypatch.setattr(tickets.reports, "html_to_pdf", broken)
    resp = client.get(f"/admin/exams/{exam_id}/tickets.pdf")
    assert resp.status_code == 503 and "无法生成 PDF" in resp.get_data(as_text=True)


def test_an_exam_without_candidates_has_no_pdf(app, rt, exam) -> None:  # noqa: ANN001
    client = admin_login(app, rt)
    db = rt.control.session()
    empty = Exam(code="EMPTY", title="空考试", scenario_ids=["b2c-purchase"], created_at=datetime.now())
    db.add(empty)
    db.commit()
    empty_id = empty.id
    db.close()
    assert client.get(f"/admin/exams/{empty_id}/tickets.pdf").status_code == 404
    assert 'data-role="no-candidates"' in client.get(f"/admin/exams/{empty_id}/tickets").get_data(
        as_text=True
    )
    assert client.get("/admin/exams/999/tickets.pdf").status_code == 404


def test_ticket_helpers() -> None:
    rows = [tickets.Ticket(i, f"n{i}", f"t{i}", "", "", "") for i in range(9)]
    assert [len(p) for p in tickets.pages(rows)] == [4, 4, 1]
