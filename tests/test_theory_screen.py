"""The theory screen in Chromium: answer in 逐题 view, mark one, reload, switch to 列表, submit."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

import sandbox.theory.views_candidate  # noqa: F401  (its routes on the theory blueprint, until wired)
from sandbox.control.models import Candidate
from sandbox.theory import sitting as sittings
from sandbox.theory.models import Question, TheorySitting
from tests.test_theory_paper import add_bank, theory_exam

TICKET = "THE2E0001"


def _sitting(rt) -> TheorySitting:  # noqa: ANN001
    db = rt.control.session()
    try:
        cand = db.scalars(select(Candidate).where(Candidate.ticket_no == TICKET)).one()
        s = db.scalars(select(TheorySitting).where(TheorySitting.candidate_id == cand.id)).one()
        _ = s.answers
        return s
    finally:
        db.close()


def _right(rt, item: dict) -> list[int]:  # noqa: ANN001
    db = rt.control.session()
    try:
        return sittings.shown_choices(item, db.get(Question, item["question_id"]).answer)
    finally:
        db.close()


def test_candidate_answers_marks_reloads_and_submits(harness, browser_app) -> None:  # noqa: ANN001
    if "exam.parts" not in browser_app.view_functions:  # the lead's exam home page; a stand-in until it lands
        browser_app.add_url_rule("/exam/parts", "exam.parts", lambda: "parts")
    rt = browser_app.extensions["sandbox"]
    db = rt.control.session()
    add_bank(db)
    theory_exam(db, code="TH-E2E", tickets=(TICKET,))
    db.close()
    base = harness.browser.server.base_url

    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    # The ticket login (its real form and CSRF token); the exam home page that follows is not this test's.
    page.goto(base + "/exam/login")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    resp = page.request.post(
        base + "/exam/login",
        form={"csrf_token": token, "ticket_no": TICKET, "password": "pass1234"},
        max_redirects=0,
    )
    assert resp.status == 302
    page.goto(base + "/theory/")
    expect(page.locator("#theory-timer")).to_have_text(re.compile(r"^1:29:\d\d$|^1:30:00$"))
    items = _sitting(rt).items
    status = page.locator('[data-role="save-status"]')

    def choose(n: int, shown: list[int]) -> None:
        for value in shown:
            with page.expect_response(lambda r: r.url.endswith("/theory/answer")) as answer:
                page.locator(f'article[data-q="{n}"] input[name="choice"][value="{value}"]').check()
            assert answer.value.status == 200
        expect(status).to_have_text(re.compile(r"^已保存 \d\d:\d\d:\d\d$"))
        expect(page.locator(f'.answer-grid [data-cell="{n}"]')).to_have_class(re.compile(r"\banswered\b"))

    # 逐题: question 1 right, question 2 wrong and marked for review, question 7 (多选) right.
    right1 = _right(rt, items[0])
    choose(1, right1)
    page.get_by_role("link", name="下一题").click()
    page.wait_for_load_state()  # the autosave script is attached
    expect(page.locator("article.question")).to_have_attribute("data-q", "2")
    wrong2 = [v for v in range(4) if v not in _right(rt, items[1])][:1]
    choose(2, wrong2)
    with page.expect_response(lambda r: r.url.endswith("/theory/mark")):
        page.get_by_role("button", name="标记待查").click()
    expect(page.get_by_role("button", name="取消标记")).to_be_visible()
    expect(page.locator('.answer-grid [data-cell="2"]')).to_have_class(re.compile(r"\bmarked\b"))
    page.locator('.answer-grid [data-cell="7"]').click()
    page.wait_for_load_state()  # the autosave script is attached
    expect(page.locator("article.question")).to_have_attribute("data-qtype", "multi")
    right7 = _right(rt, items[6])
    choose(7, right7)

    # A reload shows what the server has.
    page.reload()
    for value in range(4):
        box = page.locator(f'article[data-q="7"] input[name="choice"][value="{value}"]')
        expect(box).to_be_checked(checked=value in right7)
    expect(page.locator(".answer-grid .cell.answered")).to_have_count(3)
    expect(page.locator(".answer-grid .cell.marked")).to_have_text(["2"])
    expect(page.locator(".answer-grid .cell.current")).to_have_text("7")

    # 列表: every question on one page, with the saved answers.
    page.get_by_role("link", name="列表").click()
    expect(page.locator("article.question")).to_have_count(10)
    expect(page.locator(f'article[data-q="1"] input[name="choice"][value="{right1[0]}"]')).to_be_checked()
    expect(page.locator(f'article[data-q="2"] input[name="choice"][value="{wrong2[0]}"]')).to_be_checked()
    expect(page.locator('article[data-q="2"] [data-role="mark"]')).to_have_text("取消标记")

    page.get_by_role("link", name="交卷").first.click()
    expect(page.locator('[data-role="unanswered"]')).to_contain_text("3、4、5、6、8、9、10")
    expect(page.locator('[data-role="marked"]')).to_contain_text("2")
    page.get_by_label("我已完成作答，确认交卷").check()
    page.locator("#confirm-submit").click()
    done = page.locator('[data-role="theory-done"]')
    expect(done).to_contain_text("已交卷")
    expect(done).not_to_contain_text("得分")
    context.close()

    final = _sitting(rt)
    assert final.status == "submitted" and final.submit_reason == "candidate"
    assert final.score == items[0]["points"] + items[6]["points"]
    assert final.marked == [items[1]["question_id"]]
