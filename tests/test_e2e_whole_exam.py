"""End to end in Chromium: a candidate sits both parts of an exam (the theory paper, then the practical
b2c-purchase), the examiner publishes the results, the candidate sees 合格 with a certificate, and anyone
can check that certificate at the public lookup, by number and name and by uploading its PDF."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from sandbox.control import people
from sandbox.control.models import Attempt, Candidate, StaffRole
from sandbox.secrets_hashing import hash_login_password
from sandbox.theory import sitting as sittings
from sandbox.theory.bank import load_starter
from sandbox.theory.models import Question, TheorySitting

ROOT = Path(__file__).resolve().parent.parent
TICKET, PASSWORD, PROCTOR = "E2EW0001", "ticket-pass", "jk-2026"


def _new_page(harness):  # noqa: ANN001, ANN202
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    return context, context.new_page()


def _setup(rt) -> int:  # noqa: ANN001
    db = rt.control.session()
    load_starter(db)
    exam = people.create_exam(db, "E2E-WHOLE", "电子商务员综合考试（端到端）", ["b2c-purchase"])
    exam.level, exam.kind = "电子商务员", "final"
    exam.theory_rules = {
        "levels": ["电子商务员"],
        "draw": [
            {"type": "single", "count": 4},
            {"type": "multi", "count": 2},
            {"type": "judge", "count": 2},
        ],
        "points": {"single": 10, "multi": 15, "judge": 15},
    }
    exam.theory_minutes = 90
    exam.scenario_weights = {"b2c-purchase": 100}
    exam.proctor_password_hash = hash_login_password(PROCTOR)
    people.add_candidate(db, exam, TICKET, "周九", PASSWORD)
    db.commit()
    exam_id = exam.id
    people.create_staff(db, "e2e-whole-examiner", "考评员", StaffRole.EXAMINER, "examiner-pass")
    db.close()
    return exam_id


def _right_choices(rt) -> dict[int, list[int]]:  # noqa: ANN001
    """The shown indexes of the right options of every question on the candidate's paper."""
    db = rt.control.session()
    try:
        cand = db.scalars(select(Candidate).where(Candidate.ticket_no == TICKET)).one()
        sitting = db.scalars(select(TheorySitting).where(TheorySitting.candidate_id == cand.id)).one()
        return {
            item["question_id"]: sittings.shown_choices(item, db.get(Question, item["question_id"]).answer)
            for item in sitting.items
        }
    finally:
        db.close()


def test_candidate_sits_theory_and_practical_and_gets_a_verifiable_certificate(harness, browser_app) -> None:  # noqa: ANN001
    rt = browser_app.extensions["sandbox"]
    exam_id = _setup(rt)
    base = harness.browser.server.base_url

    context, page = _new_page(harness)
    page.goto(base + "/exam/login")
    page.fill("#ticket_no", TICKET)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    # The exam home: two parts, each entered with the proctor's password.
    theory = page.locator('[data-part="theory"]')
    expect(theory).to_contain_text("理论知识")
    expect(page.locator('[data-part="practical"]')).to_contain_text("操作技能")
    theory.get_by_label("监考密码").fill("wrong")
    theory.get_by_role("button", name="进入考试").click()
    expect(page.get_by_role("status")).to_contain_text("监考密码错误")
    page.locator('[data-part="theory"]').get_by_label("监考密码").fill(PROCTOR)
    page.locator('[data-part="theory"]').get_by_role("button", name="进入考试").click()

    # The theory paper, in the list view: answer every question right; each answer saves itself.
    page.get_by_role("link", name="列表").click()
    right = _right_choices(rt)
    for qid, shown in right.items():
        question = page.locator(f'article.question[data-qid="{qid}"]')
        for index in shown:
            question.locator(f'input[name="choice"][value="{index}"]').check()
    expect(page.locator('[data-role="answered"]')).to_have_text(str(len(right)))
    page.reload()  # nothing is lost on a reload
    expect(page.locator('[data-role="answered"]')).to_have_text(str(len(right)))
    page.get_by_role("link", name="交卷").first.click()
    page.get_by_label("我已完成作答，确认交卷").check()
    page.locator("#confirm-submit").click()
    expect(page.get_by_text("已交卷").first).to_be_visible()

    # The practical part: entered with the password again (it is admitted per part).
    page.goto(base + "/exam/parts")
    expect(page.locator('[data-part="theory"] [data-role="part-status"]')).to_have_text("已交卷")
    practical = page.locator('[data-part="practical"]')
    practical.get_by_label("监考密码").fill(PROCTOR)
    practical.get_by_role("button", name="进入考试").click()
    expect(page.locator(".taskpanel")).to_contain_text("购买")
    db = rt.control.session()
    cand = db.scalars(select(Candidate).where(Candidate.ticket_no == TICKET)).one()
    attempt = db.scalars(select(Attempt).where(Attempt.candidate_id == cand.id)).one()
    db.close()
    harness.solve(attempt, ROOT / "scenarios" / "b2c-purchase" / "solution.py")
    page.get_by_role("link", name="交卷").click()
    page.get_by_label("我已完成作答，确认交卷").check()
    page.locator("#confirm-submit").click()
    expect(page.get_by_text("已交卷，祝你取得好成绩！")).to_be_visible()
    rt.grading.join()

    # The examiner publishes; certificates are issued to those who passed both parts.
    examiner, epage = _new_page(harness)
    epage.goto(base + "/staff/login")
    epage.fill("#username", "e2e-whole-examiner")
    epage.fill("#password", "examiner-pass")
    epage.get_by_role("button", name="登录").click()
    expect(epage).to_have_url(re.compile("/examiner/"))
    epage.goto(base + f"/examiner/?exam={exam_id}")
    epage.get_by_role("button", name="公布成绩").click()
    expect(epage.get_by_text("已为 1 名合格考生签发证书")).to_be_visible()
    epage.goto(base + f"/examiner/exams/{exam_id}/results")
    row = epage.locator(f'[data-candidate="{TICKET}"]')
    expect(row).to_have_attribute("data-state", "passed")
    expect(row.locator('[data-part="theory"]')).to_contain_text("100.0")
    examiner.close()

    # The candidate sees both parts, 合格, and downloads the signed certificate.
    page.goto(base + "/exam/results")
    result = page.locator('[data-role="exam-result"]')
    expect(result.locator('[data-role="overall"]')).to_have_attribute("data-state", "passed")
    expect(result.locator('[data-part="theory"] [data-role="score"]')).to_have_text("100.0")
    expect(result.locator('[data-part="practical"] [data-role="score"]')).to_have_text("100.0")
    number = re.search(r"EC\d+", result.locator('[data-role="certificate"]').inner_text()).group(0)
    with page.expect_download() as info:
        result.locator('[data-role="certificate-download"]').click()
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    context.close()

    # Anyone (no login) checks it: by number and name, and by the PDF; a changed byte fails.
    public, ppage = _new_page(harness)
    ppage.goto(base + "/certificates/verify")
    ppage.get_by_label("证书编号").fill(number)
    ppage.get_by_label("持证人姓名").fill("周九")
    ppage.get_by_role("button", name="查询").click()
    expect(ppage.locator('[data-role="lookup-result"]')).to_have_attribute("data-state", "valid")
    ppage.locator('input[type="file"]').set_input_files(
        files=[{"name": "cert.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    ppage.get_by_role("button", name="验证签名").click()
    expect(ppage.locator('[data-role="pdf-result"]')).to_have_attribute("data-state", "valid")
    # Change the certificate number where the signed document information holds it.
    at = pdf.find(number.encode())
    assert at > 0
    tampered = pdf[:at] + b"X" + pdf[at + 1 :]
    ppage.locator('input[type="file"]').set_input_files(
        files=[{"name": "cert.pdf", "mimeType": "application/pdf", "buffer": tampered}]
    )
    ppage.get_by_role("button", name="验证签名").click()
    expect(ppage.locator('[data-role="pdf-result"]')).to_have_attribute("data-state", "invalid")
    public.close()
