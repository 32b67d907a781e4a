"""End to end in Chromium: a candidate sits the exam through the UI only; the examiner sees the score."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect

from graders.harness import SolveContext
from sandbox.control import people
from sandbox.control.models import StaffRole

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scenarios" / "b2c-purchase"))
import steps  # noqa: E402


def _new_page(harness):  # noqa: ANN001, ANN202
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_candidate_sits_exam_and_examiner_sees_score(harness, browser_app) -> None:  # noqa: ANN001
    rt = browser_app.extensions["sandbox"]
    db = rt.control.session()
    exam = people.create_exam(db, "E2E-1", "端到端测试考试", ["b2c-purchase"])
    people.add_candidate(db, exam, "E2E0001", "赵六", "ticket-pass")
    db.commit()
    people.create_staff(db, "e2e-examiner", "考评员 E2E", StaffRole.EXAMINER, "examiner-pass")
    db.close()
    base = harness.browser.server.base_url

    context, page = _new_page(harness)
    page.goto(base + "/")
    page.get_by_role("link", name="考生登录").click()
    page.fill("#ticket_no", "E2E0001")
    page.fill("#password", "ticket-pass")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".taskpanel")).to_contain_text("购买")
    expect(page.locator("#timer")).not_to_have_text("--:--")

    # What the candidate reads in the task panel is what the attempt's parameters say.
    from sqlalchemy import select

    from sandbox.control.models import Attempt, Candidate

    db = rt.control.session()
    cand = db.scalars(select(Candidate).where(Candidate.ticket_no == "E2E0001")).one()
    attempt = db.scalars(select(Attempt).where(Attempt.candidate_id == cand.id)).one()
    db.close()
    panel = page.locator(".taskpanel")
    expect(panel).to_contain_text(attempt.params["product"]["name"])
    expect(panel).to_contain_text(f"购买 {attempt.params['quantity']} 件")
    expect(panel.locator('[data-id="account_no"]')).to_have_text(attempt.identities[0]["account_no"])

    ctx = SolveContext(attempt.params, attempt.identities, base)
    page.locator(".dock").get_by_text("商城").click()
    expect(page.locator(".shophead")).to_be_visible()
    steps.register(page, ctx, "zhaoliu")
    steps.add_address(page, ctx)
    order_no = steps.buy(page, ctx, attempt.params["quantity"])
    steps.pay(page, ctx, order_no)
    page.locator(".dock").get_by_text("网上银行").click()
    page.fill("#account_no", ctx.buyer["account_no"])
    page.fill("#password", ctx.buyer["login_password"])
    page.get_by_role("button", name="登录").click()
    expect(page.locator('[data-role="balance"]')).not_to_have_text("¥5,000.00")
    page.locator(".dock").get_by_text("答题卡").click()
    page.fill("#ans-order_no", order_no)
    page.get_by_role("button", name="保存答案").click()
    expect(page.get_by_text("答案已保存")).to_be_visible()

    page.get_by_role("link", name="交卷").click()
    expect(page.locator("table")).to_contain_text(order_no)
    page.get_by_label("我已完成作答，确认交卷").check()
    page.locator("#confirm-submit").click()
    expect(page.get_by_text("已交卷，祝你取得好成绩！")).to_be_visible()

    # The world is closed: a write is refused with a clear message.
    page.goto(base + "/shop/addresses")
    page.get_by_role("button", name="保存地址").click()
    expect(page.locator('[data-role="error"]')).to_have_text("已交卷或考试已结束，不能再修改")
    context.close()

    rt.grading.join()  # grading runs on the in-process worker; wait for the queue to drain

    context, page = _new_page(harness)
    page.goto(base + "/staff/login")
    page.fill("#username", "e2e-examiner")
    page.fill("#password", "examiner-pass")
    page.get_by_role("button", name="登录").click()
    row = page.locator(f'[data-attempt="{attempt.id}"]')
    expect(row.locator('[data-role="score"]')).to_have_text("100 / 100")
    row.get_by_role("link", name="查看").click()
    expect(page.locator('[data-role="total"]')).to_contain_text("100")
    expect(page.locator('[data-item="visible"] img')).to_be_visible()
    expect(page.locator('[data-item="order-number"]')).to_contain_text(order_no)
    expect(page.locator(".timeline")).to_contain_text("gateway.trade_paid")  # paid at the platform's cashier
    expect(page.locator(".timeline")).to_contain_text("payment.succeeded")  # and the shop was notified
    expect(page.locator(".timeline")).to_contain_text('"pay_password": "***"')  # the platform account's
    assert page.get_by_role("link", name="下载 Playwright 评分轨迹").count() == 1
    context.close()
