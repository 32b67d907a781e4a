"""Practice mode (self-check, reset) and examiner pages (list, detail, regrade, exports)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from playwright.sync_api import expect

from sandbox.control import people
from sandbox.control.models import StaffRole


def test_trainee_practises_self_checks_and_resets(harness, browser_app) -> None:  # noqa: ANN001
    rt = browser_app.extensions["sandbox"]
    db = rt.control.session()
    people.create_staff(db, "practice-1", "学员 甲", StaffRole.TRAINEE, "trainee-pass")
    db.close()
    base = harness.browser.server.base_url
    context = harness.browser.browser.new_context(locale="zh-CN")
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(base + "/staff/login")
    page.fill("#username", "practice-1")
    page.fill("#password", "trainee-pass")
    page.get_by_role("button", name="登录").click()
    page.locator('[data-scenario="b2c-purchase"]').get_by_role("button", name="开始练习").click()
    expect(page.locator(".taskpanel")).to_contain_text("购买")

    # Register a member, then self-check: partial credit shows at once.
    page.goto(base + "/shop/register")
    page.fill("#username", "practice_user")
    page.fill("#phone", "13800000000")
    page.fill("#password", "secret123")
    page.fill("#confirm", "secret123")
    page.get_by_role("button", name="注册").click()
    page.get_by_role("button", name="自测评分").click()
    expect(page.locator('[data-role="total"]')).to_contain_text("10")
    expect(page.locator('[data-item="registered"]')).to_contain_text("practice_user")

    # Self-check does not close the world: the trainee can keep working.
    page.goto(base + "/shop/")
    expect(page.locator('[data-role="member"]')).to_have_text("practice_user")

    # Reset gives a fresh world: the member is gone, self-check scores 0.
    page.on("dialog", lambda d: d.accept())
    page.get_by_role("button", name="重置").first.click()
    expect(page.get_by_text("已重置练习环境")).to_be_visible()
    page.goto(base + "/shop/")
    expect(page.get_by_role("link", name="免费注册")).to_be_visible()
    page.get_by_role("button", name="自测评分").click()
    expect(page.locator('[data-role="total"]')).to_contain_text("0")
    context.close()


def test_examiner_pages_regrade_and_exports(harness, browser_app) -> None:  # noqa: ANN001
    rt = browser_app.extensions["sandbox"]
    db = rt.control.session()
    people.create_staff(db, "examiner-2", "考评员 乙", StaffRole.EXAMINER, "examiner-pass")
    db.close()
    attempt = harness.new_attempt("b2c-purchase", 11)
    harness.submit(attempt)
    harness.grade(attempt)

    client = browser_app.test_client()
    assert client.get("/examiner/").status_code == 302  # not logged in
    token = (
        client.get("/staff/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    )
    client.post(
        "/staff/login", data={"username": "examiner-2", "password": "examiner-pass", "csrf_token": token}
    )
    # Practice attempts are not listed with exam attempts unless asked for.
    assert f'data-attempt="{attempt.id}"' not in client.get("/examiner/").get_data(as_text=True)
    listing = client.get("/examiner/?mode=practice").get_data(as_text=True)
    assert f'data-attempt="{attempt.id}"' in listing
    detail = client.get(f"/examiner/attempts/{attempt.id}")
    assert detail.status_code == 200 and "不计分：前置评分项" in detail.get_data(as_text=True)

    runs_before = len(rt.control.session().get(type(attempt), attempt.id).grade_runs)
    page = detail.get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert (
        client.post(f"/examiner/attempts/{attempt.id}/regrade", data={"csrf_token": token}).status_code == 302
    )
    rt.grading.join()
    runs = rt.control.session().get(type(attempt), attempt.id).grade_runs
    assert len(runs) == runs_before + 1 and runs[-1].triggered_by == "regrade" and runs[-1].score == 0

    exported = client.get("/examiner/export.csv?mode=practice").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert any(r["attempt"] == attempt.key and r["score"] == "0.0" for r in rows)
    junit = ET.fromstring(client.get(f"/examiner/runs/{runs[-1].id}/junit.xml").data)
    assert junit.tag == "testsuite" and len(junit.findall("testcase")) == 7 and junit.get("failures") == "7"
    assert client.get(f"/examiner/runs/{runs[-1].id}/evidence/../../control.sqlite").status_code == 404


def test_examiner_list_filters_searches_pages_and_shows_absent_candidates(app, rt) -> None:  # noqa: ANN001
    import csv as csv_module

    from sandbox.control import attempts as attempt_service
    from sandbox.examiner import listing

    db = rt.control.session()
    exam = people.create_exam(db, "LIST-1", "列表考试", ["b2c-purchase"])
    other = people.create_exam(db, "LIST-2", "另一场", ["b2c-purchase"])
    scenario = rt.scenarios.get("b2c-purchase")
    started = []
    for n in range(3):
        cand = people.add_candidate(db, exam, f"L000{n}", f"考生{n}", "pass1234")
        if n < 2:
            started.append(attempt_service.start_attempt(rt, db, scenario, candidate=cand))
    people.add_candidate(db, other, "M0001", "别场考生", "pass1234")
    people.create_staff(db, "examiner-3", "考评员 丙", StaffRole.EXAMINER, "examiner-pass")
    db.commit()
    db.close()
    client = app.test_client()
    client.post("/staff/login", data={"username": "examiner-3", "password": "examiner-pass"})
    page = client.get(f"/examiner/?exam={exam.id}").get_data(as_text=True)
    assert all(f'data-attempt="{a.id}"' in page for a in started)
    assert 'data-absent="L0002"' in page and "缺考" in page and "M0001" not in page
    found = client.get(f"/examiner/?exam={exam.id}&q=L0001").get_data(as_text=True)
    assert f'data-attempt="{started[1].id}"' in found and f'data-attempt="{started[0].id}"' not in found
    rows = list(
        csv_module.DictReader(
            io.StringIO(
                client.get(f"/examiner/export.csv?exam={exam.id}").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert sorted(r["ticket"] for r in rows) == ["L0000", "L0001", "L0002"]
    assert {r["ticket"]: r["status_label"] for r in rows}["L0002"] == "缺考"
    assert all(r["name"] and r["started_at"] for r in rows if r["ticket"] != "L0002")
    assert listing.PAGE_SIZE >= 2 and client.get("/examiner/?page=999&sort=bogus").status_code == 200


def test_attempt_page_shows_run_history_with_changes_and_timeline_views(harness, browser_app) -> None:  # noqa: ANN001
    rt = browser_app.extensions["sandbox"]
    db = rt.control.session()
    people.create_staff(db, "examiner-4", "考评员 丁", StaffRole.EXAMINER, "examiner-pass")
    db.close()
    attempt = harness.new_attempt("b2c-purchase", 12)
    harness.submit(attempt)
    first = harness.grade(attempt)
    second = harness.grade(attempt)
    client = browser_app.test_client()
    token = (
        client.get("/staff/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    )
    client.post(
        "/staff/login", data={"username": "examiner-4", "password": "examiner-pass", "csrf_token": token}
    )
    page = client.get(f"/examiner/attempts/{attempt.id}").get_data(as_text=True)
    assert (
        f'data-run="{first.id}"' in page
        and f'data-run="{second.id}"' in page
        and 'data-role="run-changes"' in page
    )
    older = client.get(f"/examiner/attempts/{attempt.id}?run={first.id}").get_data(as_text=True)
    assert f"#{first.id}" in older and 'data-role="run-changes"' not in older  # the first run has no previous
    events_only = client.get(f"/examiner/attempts/{attempt.id}?timeline=events").get_data(as_text=True)
    assert 'class="request"' not in events_only
    assert client.get(f"/examiner/attempts/{attempt.id}?timeline=bogus").status_code == 200
    assert client.get(f"/examiner/attempts/{attempt.id}?run=x").status_code == 400
