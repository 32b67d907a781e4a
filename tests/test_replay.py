"""Visual replay: candidate pages record themselves (secrets masked in the browser), batches are stored
once and acknowledged, refused after the grace period; the examiner's player seeks to a log entry."""

from __future__ import annotations

import gzip
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from graders.harness import SolveContext
from sandbox.control import people
from sandbox.control.models import ActionLog, Attempt, Candidate, StaffRole
from sandbox.replay import services
from sandbox.replay.models import ReplayBatch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scenarios" / "b2c-purchase"))
import steps  # noqa: E402

_NEVER = threading.Event()
ORIGIN = {"Origin": "http://localhost"}


def wait_for(what: str, condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Check `condition` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        _NEVER.wait(0.05)


def batch(page: str = "page-0001", seq: int = 0, events: list | None = None, **extra: Any) -> dict:
    """A batch as recorder.js sends it (two events: meta and a full snapshot)."""
    now = int(time.time() * 1000)
    events = events or [
        {
            "type": 4,
            "timestamp": now - 20,
            "data": {"href": "http://localhost/exam/", "width": 1, "height": 1},
        },
        {"type": 2, "timestamp": now - 10, "data": {"node": {}}},
    ]
    return {"page": page, "seq": seq, "now": now, "events": events, **extra}


def post(client, doc: Any, headers: dict | None = None, gzipped: bool = False):  # noqa: ANN001, ANN201
    body = doc if isinstance(doc, (bytes, str)) else json.dumps(doc)
    if gzipped:
        body = gzip.compress(body.encode() if isinstance(body, str) else body)
        headers = {**(headers or ORIGIN), "X-Replay-Encoding": "gzip"}
    return client.post("/replay/batch", data=body, headers=ORIGIN if headers is None else headers)


def stored(rt, attempt_id: int) -> list[ReplayBatch]:  # noqa: ANN001
    db = rt.control.session()
    try:
        return list(db.scalars(select(ReplayBatch).where(ReplayBatch.attempt_id == attempt_id)))
    finally:
        db.close()


def recorded_events(rt, attempt_id: int) -> list[dict]:  # noqa: ANN001
    db = rt.control.session()
    try:
        return services.events(db, attempt_id)
    finally:
        db.close()


def custom_tags(events: list[dict]) -> set[str]:
    return {ev["data"]["tag"] for ev in events if ev["type"] == services.CUSTOM_EVENT}


def move_submit_back(rt, attempt_id: int, seconds: float) -> None:  # noqa: ANN001
    """Pretend the attempt was submitted `seconds` earlier than it was."""
    db = rt.control.session()
    db.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id)
        .values(submitted_real=Attempt.submitted_real - seconds)
    )
    db.commit()
    db.close()


# --- The ingestion endpoint, through the test client -------------------------------------------------


def test_batches_are_stored_once_acknowledged_and_read_on_the_server_clock(app, rt, candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    attempt = candidates.attempt_of(client)
    first = batch(seq=0)
    first["now"] -= 7_000  # the browser's clock is 7 s behind the server's
    assert post(client, first).get_json() == {"ack": 0}
    assert post(client, first).get_json() == {"ack": 0}  # a retry: acknowledged again, stored once
    assert post(client, batch(page="page-0002", seq=1), gzipped=True).get_json() == {"ack": 1}
    rows = stored(rt, attempt.id)
    assert sorted(r.seq for r in rows) == [0, 1]
    assert 6_900 <= next(r for r in rows if r.seq == 0).client_offset_ms <= 8_000
    events = recorded_events(rt, attempt.id)
    assert [ev["timestamp"] for ev in events] == sorted(ev["timestamp"] for ev in events)
    # The page's offset (the smallest measured) moves its events onto the server's clock.
    metas = sorted(ev["timestamp"] for ev in events if ev["type"] == 4)
    assert abs(metas[-1] - (first["events"][0]["timestamp"] + 7_000)) < 1_000
    db = rt.control.session()
    assert services.stored_bytes(db, attempt.id) == sum(len(r.data) for r in rows)
    # Batches are not requests worth a line in the candidate's timeline.
    logged = db.scalars(select(ActionLog.path).where(ActionLog.attempt_id == attempt.id)).all()
    db.close()
    assert not [p for p in logged if p and p.startswith("/replay")]


def test_bad_batches_are_refused_with_a_clear_message(app, rt, candidates) -> None:  # noqa: ANN001
    assert post(app.test_client(), batch()).status_code == 401  # no attempt in the session
    client = candidates.login()
    attempt = candidates.attempt_of(client)
    resp = post(client, batch(), headers={})
    assert resp.status_code == 403  # neither Origin nor Referer: not from a page of this site
    assert post(client, batch(), headers={"Origin": "http://evil.example"}).status_code == 403
    resp = post(client, "{not json")
    assert resp.status_code == 400 and resp.get_json()["error"] == "录像数据格式错误"
    for bad in (
        {**batch(), "page": "x"},
        {**batch(), "seq": -1},
        {**batch(), "seq": True},
        {**batch(), "events": []},
        {**batch(), "events": [{"type": 2}]},
        {**batch(), "now": "soon"},
        [1, 2],
    ):
        assert post(client, bad).status_code == 400, bad
    assert (
        post(
            client, b"\x1f\x8b not gzip", gzipped=False, headers={**ORIGIN, "X-Replay-Encoding": "gzip"}
        ).status_code
        == 400
    )
    # Another attempt's id in the body is refused: the attempt comes from the session only.
    resp = post(client, batch(attempt=attempt.id + 1000))
    assert resp.status_code == 409 and "不属于" in resp.get_json()["error"]
    app.config["REPLAY_MAX_BATCH_BYTES"] = 4_000
    big = batch(events=[{"type": 3, "timestamp": 1, "data": {"text": "x" * 5_000}}])
    resp = post(client, big)
    assert resp.status_code == 413 and resp.get_json()["error"] == "录像数据过大，未保存"
    assert post(client, big, gzipped=True).status_code == 200  # compressed, it is within the limit
    app.config["REPLAY_MAX_ATTEMPT_BYTES"] = services.stored_bytes(rt.control.session(), attempt.id) + 10
    resp = post(client, batch(page="page-0002"))
    assert resp.status_code == 413 and "上限" in resp.get_json()["error"]
    assert {r.page_id for r in stored(rt, attempt.id)} == {"page-0001"}


def test_batches_after_submit_are_accepted_within_the_grace_period_only(app, rt, candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    attempt = candidates.attempt_of(client)
    client.get("/exam/submit")
    assert client.post("/exam/submit", data={"confirm": "yes"}).status_code == 302
    app.config["REPLAY_GRACE_SECONDS"] = 30
    assert post(client, batch(seq=0)).get_json() == {"ack": 0}
    move_submit_back(rt, attempt.id, 29)
    assert post(client, batch(seq=1)).get_json() == {"ack": 1}
    move_submit_back(rt, attempt.id, 2)  # now 31 s after submit
    resp = post(client, batch(seq=2))
    assert resp.status_code == 409 and resp.get_json()["error"] == "已交卷，录像不再接收"
    assert sorted(r.seq for r in stored(rt, attempt.id)) == [0, 1]


def test_examiner_player_without_recording_lists_the_timeline(app, rt, candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    attempt = candidates.attempt_of(client)
    client.get("/shop/")
    # Candidates do not read recordings, their own or others'.
    resp = client.get(f"/examiner/attempts/{attempt.id}/replay/events.json")
    assert resp.status_code == 302 and "/staff/login" in resp.location
    examiner = app.test_client()
    examiner.post("/staff/login", data={"username": "examiner", "password": "exam1234"})
    resp = examiner.get(f"/examiner/attempts/{attempt.id}/replay")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-role="no-recording"' in page and "没有录像" in page
    assert 'data-role="replay-entry"' in page and "GET /shop/" in page
    assert "style-src 'self' 'unsafe-inline'" in resp.headers["Content-Security-Policy"]
    assert examiner.get(f"/examiner/attempts/{attempt.id}/replay?log=999999").status_code == 404
    assert examiner.get(f"/examiner/attempts/{attempt.id}/replay?at=abc").status_code == 400
    assert examiner.get(f"/examiner/attempts/{attempt.id}/replay/events.json").get_json()["events"] == []
    assert examiner.get("/examiner/attempts/999999/replay").status_code == 404


def test_recording_is_off_when_configured(app, candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    assert "/replay/recorder.js" in client.get("/exam/").get_data(as_text=True)
    app.config["REPLAY_RECORDING"] = False
    assert "/replay/recorder.js" not in client.get("/exam/").get_data(as_text=True)


# --- End to end in Chromium ----------------------------------------------------------------------------


PROBE_JS = """() => {
  const pre = document.createElement("pre");
  pre.setAttribute("data-secret-lines", "");
  pre.textContent = "参考号：100200\\n授权码：K7P2Q9XZ\\n验证码：482913，5 分钟内有效";
  const input = document.createElement("input");
  input.name = "auth_code";
  input.id = "probe-code";
  document.querySelector(".workspace").append(pre, input);
}"""


def _context(harness):  # noqa: ANN001, ANN202
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context


def _login(page, base: str, ticket: str, password: str) -> None:  # noqa: ANN001
    page.goto(base + "/exam/login")
    page.fill("#ticket_no", ticket)
    page.fill("#password", password)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".taskpanel")).to_contain_text("购买")


@pytest.fixture
def recording(browser_app):  # noqa: ANN001, ANN201
    """The shared browser app with recording on for one test (it is off for the scenario proofs)."""
    browser_app.config["REPLAY_RECORDING"] = True
    yield browser_app
    browser_app.config["REPLAY_RECORDING"] = False


def test_candidate_recording_masks_secrets_and_examiner_seeks(harness, recording) -> None:  # noqa: ANN001
    browser_app = recording
    rt = browser_app.extensions["sandbox"]
    db = rt.control.session()
    exam = people.create_exam(db, "RP-1", "录像测试考试", ["b2c-purchase"])
    people.add_candidate(db, exam, "RP0001", "钱七", "ticket-pass")
    people.add_candidate(db, exam, "RP0002", "孙八", "ticket-pass")
    db.commit()
    people.create_staff(db, "rp-examiner", "考评员 RP", StaffRole.EXAMINER, "examiner-pass")
    db.close()
    base = harness.browser.server.base_url
    origin = {"Origin": base}

    context = _context(harness)
    page = context.new_page()
    answers = []
    page.on("response", lambda r: answers.append(r) if r.url.endswith("/replay/batch") else None)
    _login(page, base, "RP0001", "ticket-pass")
    db = rt.control.session()
    cand = db.scalars(select(Candidate).where(Candidate.ticket_no == "RP0001")).one()
    attempt = db.scalars(select(Attempt).where(Attempt.candidate_id == cand.id)).one()
    db.close()
    ctx = SolveContext(attempt.params, attempt.identities, base)
    buyer = ctx.buyer

    # Once recording runs, a mail-like text with an authorisation code and an SMS code appears, and a
    # code is typed into an auth_code field: the values never leave the browser, the rest does.
    page.wait_for_function("() => window.sandboxReplay && window.sandboxReplay.snapshotAt !== undefined")
    page.evaluate(PROBE_JS)
    page.fill("#probe-code", "ZX81QW")

    # The candidate types the bank password from the task panel, shops, pays with the platform's
    # passwords, saves the answer sheet and submits.
    page.locator(".dock").get_by_text("网上银行").click()
    page.fill("#account_no", buyer["account_no"])
    page.fill("#password", buyer["login_password"])
    page.get_by_role("button", name="登录").click()
    expect(page.locator('[data-role="balance"]')).to_be_visible()
    steps.register(page, ctx, "qianqi")
    steps.add_address(page, ctx)
    order_no = steps.buy(page, ctx, attempt.params["quantity"])
    steps.pay(page, ctx, order_no)
    steps.write_answer(page, ctx, order_no)
    page.get_by_role("link", name="交卷").click()
    page.get_by_label("我已完成作答，确认交卷").check()
    page.locator("#confirm-submit").click()
    expect(page.get_by_text("已交卷，祝你取得好成绩！")).to_be_visible()

    events = wait_for(
        "the submit mark to be stored",
        lambda: (evs := recorded_events(rt, attempt.id)) and "submit" in custom_tags(evs) and evs,
    )
    assert {"page", "task-panel", "answer-save", "submit"} <= custom_tags(events)
    assert answers and all(r.status == 200 for r in answers)
    # This page's batches are all acknowledged (the recorder keeps none back for retrying).
    page.wait_for_function("() => window.sandboxReplay.acked > 0 && window.sandboxReplay.pending() === 0")
    rows = stored(rt, attempt.id)
    assert len({(r.page_id, r.seq) for r in rows}) == len(rows)
    text = "\n".join(gzip.decompress(r.data).decode() for r in rows)
    assert order_no in text  # what the candidate typed is recorded (the order number on the answer sheet)
    assert buyer["account_no"] in text
    secrets = {"secret123"}  # the storefront password typed at registration
    for ident in attempt.identities:
        secrets |= {
            str(ident[k])
            for k in (
                "login_password",
                "payment_password",
                "platform_password",
                "shop_password",
                "cert_password",
            )
            if ident.get(k)
        }
    for secret in secrets:
        assert f'"{secret}"' not in text and f">{secret}<" not in text
        if len(secret) >= 8:
            assert secret not in text
    assert '"textContent":"' + "*" * len(buyer["login_password"]) + '"' in text  # the task panel, masked
    assert "参考号：100200" in text and "授权码：********" in text and "验证码：******，5 分钟内有效" in text
    assert "K7P2Q9XZ" not in text and "482913" not in text and "ZX81QW" not in text

    # Within the grace period after submit a batch is still taken; after it, refused.
    token = page.locator("script[data-csrf]").get_attribute("data-csrf")
    headers = {**origin, "X-CSRFToken": token}
    resp = page.request.post(
        base + "/replay/batch", data=json.dumps(batch(page="late-page-1")), headers=headers
    )
    assert resp.status == 200 and resp.json() == {"ack": 0}
    resp = page.request.post(base + "/replay/batch", data=json.dumps(batch(page="late-page-2")))
    assert resp.status == 403  # Playwright's own request: no Origin, no CSRF token
    move_submit_back(rt, attempt.id, 3600)
    resp = page.request.post(
        base + "/replay/batch", data=json.dumps(batch(page="late-page-3")), headers=headers
    )
    assert resp.status == 409 and resp.json()["error"] == "已交卷，录像不再接收"
    context.close()

    # Another candidate can neither post into this attempt nor read it.
    other = _context(harness)
    page = other.new_page()
    _login(page, base, "RP0002", "ticket-pass")
    token = page.locator("script[data-csrf]").get_attribute("data-csrf")
    headers = {**origin, "X-CSRFToken": token}
    resp = page.request.post(
        base + "/replay/batch",
        data=json.dumps(batch(page="intruder-01", attempt=attempt.id)),
        headers=headers,
    )
    assert resp.status == 409
    before = len(stored(rt, attempt.id))
    resp = page.request.post(
        base + "/replay/batch", data=json.dumps(batch(page="intruder-02")), headers=headers
    )
    assert resp.status == 200 and len(stored(rt, attempt.id)) == before  # stored in its own attempt
    page.goto(base + f"/examiner/attempts/{attempt.id}/replay/events.json")
    expect(page).to_have_url(re.compile(r"/staff/login\?next="))
    expect(page.get_by_text("请使用有权限的账号登录")).to_be_visible()
    other.close()

    # The examiner plays the recording; ?log= opens it at the answer-sheet save.
    db = rt.control.session()
    save = db.scalars(
        select(ActionLog).where(
            ActionLog.attempt_id == attempt.id, ActionLog.method == "POST", ActionLog.path == "/exam/answers"
        )
    ).one()
    db.close()
    save_at = services.epoch_ms(save.real_at)
    context = _context(harness)
    page = context.new_page()
    page.goto(base + "/staff/login")
    page.fill("#username", "rp-examiner")
    page.fill("#password", "examiner-pass")
    page.get_by_role("button", name="登录").click()
    page.goto(base + f"/examiner/attempts/{attempt.id}/replay?log={save.id}")
    player = page.locator('[data-role="player"]')
    expect(player).to_have_attribute("data-state", "ready")
    expect(page.locator(".rr-player")).to_be_visible()
    expect(page.locator('[data-role="replay-entry"][data-custom="submit"]')).to_have_count(1)
    clock = page.locator('[data-role="current-time"]')
    start, end = int(player.get_attribute("data-start")), int(player.get_attribute("data-end"))
    assert start <= save_at <= end
    assert abs(int(clock.get_attribute("data-at")) - save_at) <= 50
    current = page.locator('[data-role="replay-entry"].current')
    expect(current).to_have_count(1)
    assert abs(int(current.get_attribute("data-at")) - save_at) <= 1_000
    # Clicking an entry seeks there.
    submit_mark = page.locator('[data-role="replay-entry"][data-custom="submit"]')
    submit_at = int(submit_mark.get_attribute("data-at"))
    submit_mark.click()
    expect(clock).to_have_attribute("data-at", str(min(max(submit_at, start), end)))
    context.close()


def test_an_idle_page_sends_nothing_while_the_countdown_ticks(harness, recording) -> None:  # noqa: ANN001
    rt = recording.extensions["sandbox"]
    db = rt.control.session()
    exam = people.create_exam(db, "RP-2", "录像测试考试二", ["b2c-purchase"])
    people.add_candidate(db, exam, "RP0101", "周九", "ticket-pass")
    db.commit()
    db.close()
    context = _context(harness)
    page = context.new_page()
    _login(page, harness.browser.server.base_url, "RP0101", "ticket-pass")
    page.wait_for_function("() => window.sandboxReplay && window.sandboxReplay.acked > 0")
    page.wait_for_function("() => window.sandboxReplay.pending() === 0")
    db = rt.control.session()
    cand = db.scalars(select(Candidate).where(Candidate.ticket_no == "RP0101")).one()
    attempt = db.scalars(select(Attempt).where(Attempt.candidate_id == cand.id)).one()
    db.close()
    before = len(stored(rt, attempt.id))

    # The countdown ticks; whatever the recorder holds is cut and sent, and there is nothing.
    timer = page.locator("#timer")
    shown = timer.text_content()
    expect(timer).not_to_have_text(shown or "")
    page.evaluate("() => window.sandboxReplay.flush()")
    assert page.evaluate("() => window.sandboxReplay.pending()") == 0
    assert len(stored(rt, attempt.id)) == before
    # The first snapshot keeps the countdown as an empty box of its size.
    text = "\n".join(gzip.decompress(r.data).decode() for r in stored(rt, attempt.id))
    assert '"class":"timer","rr_width"' in text
    context.close()
