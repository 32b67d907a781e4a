"""The action log is complete: every world event has exactly one log row, even across a crash.

A request that changes its world writes its log row (not completed) before the world commit, and
completes it with its events after; events a crash kept out of the log are appended from the world
on the next touch and before grading (sandbox.control.reconcile). Unit tests drive each path; the
last test kills a real server with `kill -9` in the middle of a burst of writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from sandbox import binding
from sandbox.control import attempts as attempt_service
from sandbox.control import reconcile as log_reconcile
from sandbox.control.models import Attempt, Staff
from sandbox.worlds.base import Event
from sandbox.worlds.store import open_world
from sandbox.worlds.world import World
from tests.conftest import GOOD_ADDRESS, SCENARIO, action_log_rows
from tests.platform_pay import pay
from tests.test_bad_input import buyer_identity, pick_skus, place_order, wrong_password
from tests.test_crash_grading import ControlReader, ServerProcess, WebClient


class Killed(BaseException):
    """Stands for the process dying: nothing after it runs (no error handler catches it)."""


log_rows = action_log_rows


def world_events(path: str) -> list[Event]:
    w = open_world(path, read_only=True)
    try:
        return w.events()
    finally:
        w.close()


def assert_each_event_logged_once(rt, attempt: Attempt) -> None:  # noqa: ANN001
    logged = [r.world_event_id for r in log_rows(rt, attempt.id) if r.world_event_id is not None]
    ids = [e.id for e in world_events(attempt.world_path)]
    assert sorted(logged) == ids, (sorted(logged), ids)


def test_requests_log_their_events_with_world_event_ids(candidates, shopper) -> None:  # noqa: ANN001
    attempt = candidates.attempt_of(shopper)
    rows = log_rows(candidates.rt, attempt.id)
    assert all(r.completed for r in rows if r.kind == "request")
    events = {e.id: e for e in world_events(attempt.world_path)}
    logged = {r.world_event_id: r for r in rows if r.world_event_id is not None}
    assert logged.keys() == events.keys() and events
    for event_id, row in logged.items():
        assert row.event_name == events[event_id].name and row.world_at == events[event_id].at
        assert row.payload["actor"] == events[event_id].actor
        # The candidate's events are logged by their requests; the world's set-up (no request made
        # it) is taken from the world's record on the first touch.
        assert row.payload.get("recovered") is (True if events[event_id].actor == "system" else None)
    assert {e.name for e in events.values() if e.actor == "candidate"} >= {
        "customer.registered",
        "address.added",
    }


def test_a_request_killed_after_its_world_commit_is_unanswered_and_its_events_recovered(
    app, candidates, shopper, monkeypatch
) -> None:  # noqa: ANN001
    rt = candidates.rt
    attempt = candidates.attempt_of(shopper)
    (sku,) = pick_skus(candidates, shopper)

    def die(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise Killed

    monkeypatch.setattr(binding, "_record", die)  # the process dies after the world commit
    with pytest.raises(Killed):
        shopper.post("/shop/cart/add", data={"sku": sku.code, "quantity": "2"})
    monkeypatch.undo()

    added = [e for e in world_events(attempt.world_path) if e.name == "cart.item_added"]
    assert len(added) == 1  # the world kept the change
    pending = log_rows(rt, attempt.id)[-1]
    assert (pending.kind, pending.path, pending.completed, pending.outcome) == (
        "request",
        "/shop/cart/add",
        False,
        binding.PENDING_OUTCOME,
    )
    assert pending.form == {"sku": sku.code, "quantity": "2"}
    assert added[0].id not in {r.world_event_id for r in log_rows(rt, attempt.id)}

    assert shopper.get("/shop/cart").status_code == 200  # the next touch reconciles
    recovered = [r for r in log_rows(rt, attempt.id) if r.world_event_id == added[0].id]
    assert len(recovered) == 1
    (row,) = recovered
    assert (row.kind, row.event_name, row.world_at) == ("event", "cart.item_added", added[0].at)
    assert row.payload == {"actor": "candidate", **added[0].payload, "recovered": True}
    assert_each_event_logged_once(rt, attempt)
    assert shopper.get("/shop/cart").status_code == 200
    assert_each_event_logged_once(rt, attempt)  # once, not on every touch

    # The examiner sees the request as not answered.
    examiner = app.test_client()
    assert (
        examiner.post("/staff/login", data={"username": "examiner", "password": "exam1234"}).status_code
        == 302
    )
    page = examiner.get(f"/examiner/attempts/{attempt.id}").get_data(as_text=True)
    assert page.count('data-role="unanswered"') == 1


def test_a_request_killed_before_its_world_commit_leaves_the_world_unchanged(
    candidates, shopper, monkeypatch
) -> None:  # noqa: ANN001
    rt = candidates.rt
    attempt = candidates.attempt_of(shopper)
    before = world_events(attempt.world_path)

    def die(self):  # noqa: ANN001, ANN202
        raise Killed

    monkeypatch.setattr(World, "commit", die)
    with pytest.raises(Killed):
        shopper.post("/shop/addresses", data={**GOOD_ADDRESS, "detail": "未提交的地址1号"})
    monkeypatch.undo()
    assert [e.id for e in world_events(attempt.world_path)] == [e.id for e in before]
    assert log_rows(rt, attempt.id)[-1].completed is False  # on record as not answered
    assert shopper.get("/shop/addresses").status_code == 200
    assert_each_event_logged_once(rt, attempt)


def test_a_failed_world_commit_is_logged_as_the_error_it_was(candidates, shopper, monkeypatch) -> None:  # noqa: ANN001
    rt = candidates.rt
    attempt = candidates.attempt_of(shopper)
    real_commit = World.commit

    def fail(self):  # noqa: ANN001, ANN202
        if self.emitted:
            raise RuntimeError("disk full")
        real_commit(self)

    monkeypatch.setattr(World, "commit", fail)
    candidates.app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = shopper.post("/shop/addresses", data={**GOOD_ADDRESS, "detail": "磁盘已满路2号"})
    assert resp.status_code == 500
    last = log_rows(rt, attempt.id)[-1]
    assert (last.path, last.status_code, last.completed) == ("/shop/addresses", 500, True)
    assert not [r for r in log_rows(rt, attempt.id) if r.completed is False]


def test_an_event_committed_by_the_view_is_logged_once_even_if_reconciled_meanwhile(
    candidates, shopper, monkeypatch
) -> None:  # noqa: ANN001
    """A wrong payment password at the cashier is counted in a commit of its own (bank.authorize_payment);
    a request of another tab may reconcile that event before this request logs it."""
    rt = candidates.rt
    attempt = candidates.attempt_of(shopper)
    (sku,) = pick_skus(candidates, shopper)
    number = place_order(candidates, shopper, sku.code, 1)
    ident = buyer_identity(candidates, shopper)
    real_commit = World.commit
    reconciled: list[int] = []

    def commit_then_reconcile(self):  # noqa: ANN001, ANN202
        real_commit(self)
        if any(e.name == "payment.password_failed" for e in self.committed):
            db = rt.control.session()
            try:
                reconciled.append(log_reconcile.reconcile(db, db.get(Attempt, attempt.id)))
            finally:
                db.close()

    monkeypatch.setattr(World, "commit", commit_then_reconcile)
    resp = pay(shopper, number, ident["account_no"], wrong_password(ident["payment_password"]))
    assert resp.status_code == 401
    assert reconciled == [1]
    assert_each_event_logged_once(rt, attempt)
    (failed,) = [r for r in log_rows(rt, attempt.id) if r.event_name == "payment.password_failed"]
    assert failed.payload.get("recovered") is True


def test_reconcile_appends_what_is_missing_once(rt, candidates, shopper) -> None:  # noqa: ANN001
    attempt = candidates.attempt_of(shopper)
    db = rt.control.session()
    attempt = db.get(Attempt, attempt.id)
    try:
        w = open_world(attempt.world_path)
        assert not log_reconcile.needs_reconcile(db, w.db, attempt)
        # Events that reached the world without a request (as the NPC rules run at submission do).
        w.actor = "npc"
        w.emit("merchant.note", text="第一")
        w.emit("merchant.note", text="第二")
        w.commit()
        assert log_reconcile.needs_reconcile(db, w.db, attempt)
        w.close()
        before = len(log_rows(rt, attempt.id))
        assert log_reconcile.reconcile(db, attempt) == 2
        rows = log_rows(rt, attempt.id)[before:]
        assert [(r.event_name, r.payload) for r in rows] == [
            ("merchant.note", {"actor": "npc", "text": "第一", "recovered": True}),
            ("merchant.note", {"actor": "npc", "text": "第二", "recovered": True}),
        ]
        assert log_reconcile.reconcile(db, attempt) == 0
        w = open_world(attempt.world_path, read_only=True)
        assert not log_reconcile.needs_reconcile(db, w.db, attempt)
        w.close()
    finally:
        db.close()
    assert_each_event_logged_once(rt, attempt)


def test_grading_worker_reconciles_before_grading(rt, candidates, shopper, monkeypatch) -> None:  # noqa: ANN001
    attempt = candidates.attempt_of(shopper)
    w = open_world(attempt.world_path)
    w.emit("merchant.note", actor="npc", text="交卷时的NPC事件")
    w.commit()
    w.close()
    seen: list[bool] = []

    def grade(rt, attempt_id, triggered_by, browser=None, use_current=False):  # noqa: ANN001, ANN202
        seen.append(any(r.event_name == "merchant.note" for r in log_rows(rt, attempt_id)))
        raise RuntimeError("no grading in this test")

    monkeypatch.setattr("graders.runner.grade_attempt", grade)
    job = rt.grading.grade_and_wait(attempt.id, "selfcheck", timeout=60)
    assert job.done.is_set() and seen == [True]
    assert_each_event_logged_once(rt, attempt)


def test_a_practice_reset_starts_the_count_again(rt, exam) -> None:  # noqa: ANN001
    """A reset replaces the world and its event ids start again: rows of the old world do not count."""
    db = rt.control.session()
    try:
        trainee = db.scalars(select(Staff).where(Staff.username == "trainee")).one()
        scenario = rt.scenarios.get(SCENARIO)
        attempt = attempt_service.start_attempt(rt, db, scenario, staff=trainee, mode="practice")
        setup = len(world_events(attempt.world_path))  # the world's set-up (bank accounts …)
        w = open_world(attempt.world_path)
        w.emit("merchant.note", actor="npc", text="old world")
        w.emit("merchant.note", actor="npc", text="old world")
        w.commit()
        w.close()
        assert log_reconcile.reconcile(db, attempt) == setup + 2
        attempt_service.reset_practice(rt, db, scenario, attempt)
        assert log_reconcile.reconcile(db, attempt) == setup  # ids 1.. again, logged for the new world
        w = open_world(attempt.world_path)
        assert not log_reconcile.needs_reconcile(db, w.db, attempt)
        w.emit("merchant.note", actor="npc", text="new world")
        w.commit()
        assert log_reconcile.needs_reconcile(db, w.db, attempt)
        w.close()
        assert log_reconcile.reconcile(db, attempt) == 1
        rows = [r for r in log_rows(rt, attempt.id) if r.event_name == "merchant.note"]
        assert [(r.world_event_id, r.payload["text"]) for r in rows] == [
            (setup + 1, "old world"),
            (setup + 2, "old world"),
            (setup + 1, "new world"),
        ]
    finally:
        db.close()


# -- a real server killed in the middle of a burst of writes ---------------------------------------

THREADS = 6
KILL_AFTER = 12  # successful replies (in this round) before the kill
ROUNDS = 3  # killed: before a world commit, after one, right after a reply


@pytest.fixture
def server(tmp_path: Path, templates_dir: Path, exam):  # noqa: ANN001, ANN201
    instance = tmp_path / "instance"
    instance.mkdir()
    srv = ServerProcess(instance, tmp_path / "data", templates_dir)
    yield srv
    srv.stop()


def burst(client: WebClient, sku: str, round_no: int) -> tuple[list[str], list[BaseException], list]:
    """THREADS clients write as fast as they can until the server dies. Returns once KILL_AFTER
    writes were answered: the probes of the answered requests and how each thread ended (both
    still growing), and the threads."""
    succeeded: list[str] = []
    ended: list[BaseException] = []
    enough = threading.Event()
    lock = threading.Lock()

    def writer(n: int) -> None:
        mine = client.copy()
        i = 0
        while True:
            i += 1
            probe = f"r{round_no}-t{n}-{i}"
            if i % 2:
                data, target = (
                    {**GOOD_ADDRESS, "detail": f"压测路{n}号{i}室", "probe": probe},
                    "/shop/addresses",
                )
                path = "/shop/addresses"
            else:
                data, target = {"sku": sku, "quantity": "1", "probe": probe}, "/shop/cart"
                path = "/shop/cart/add"
            try:
                status, body, location = mine.request(path, data, timeout=60)
            except (urllib.error.URLError, OSError) as exc:  # the server is gone
                with lock:
                    ended.append(exc)
                return
            if status == 302 and location.endswith(target):
                with lock:
                    succeeded.append(probe)
                    if len(succeeded) >= KILL_AFTER:
                        enough.set()
            elif status != 409:  # out of stock is a fair refusal; nothing else is
                with lock:
                    ended.append(AssertionError(f"{path}: {status} {body[:300]}"))
                enough.set()
                return

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(THREADS)]
    for t in threads:
        t.start()
    assert enough.wait(120), "the burst did not get going"
    return succeeded, ended, threads


def kill_when(server: ServerProcess, caught: Callable[[], bool], succeeded: list[str]) -> bool:
    """kill -9 the server as soon as `caught()` (polled as fast as it goes); True if it was, else
    the server is killed anyway once 100 more writes were answered (or a minute passed)."""
    target, deadline = len(succeeded) + 100, time.monotonic() + 60
    while len(succeeded) < target and time.monotonic() < deadline:
        if caught():
            server.kill()
            return True
    server.kill()
    return False


def before_world_commit(control: sqlite3.Connection, attempt_id: int) -> Callable[[], bool]:
    """A request has put its write-ahead row on record (its world commit is about to happen)."""
    last = control.execute("SELECT max(id) FROM action_log").fetchone()[0] or 0
    query = "SELECT 1 FROM action_log WHERE attempt_id = ? AND id > ? AND completed = 0"
    return lambda: control.execute(query, (attempt_id, last)).fetchone() is not None


def after_world_commit(
    control: sqlite3.Connection, world: sqlite3.Connection, attempt_id: int
) -> Callable[[], bool]:
    """The world has an event the log does not have yet (a request between its two commits)."""
    query = "SELECT max(world_event_id) FROM action_log WHERE attempt_id = ?"
    return lambda: (
        (world.execute("SELECT max(id) FROM events").fetchone()[0] or 0)
        > (control.execute(query, (attempt_id,)).fetchone()[0] or 0)
    )


def test_kill_during_a_burst_of_writes_loses_no_log_entry(server) -> None:  # noqa: ANN001
    control = ControlReader(server.data)
    server.start(grading=False)
    client = WebClient(server.base_url)
    client.login_candidate("T0001", "pass1234")
    client.get("/shop/register")
    client.post(
        "/shop/register",
        {
            "username": "burst_buyer",
            "phone": "13800138000",
            "password": "secret123",
            "password_confirm": "secret123",
        },
    )
    attempt = control.attempt()
    sku = json.loads(attempt["params"])["product"]["sku"]

    all_succeeded: list[str] = []
    caught = []
    control_conn = sqlite3.connect(server.data / "control.sqlite", timeout=30)
    world_conn = sqlite3.connect(f"file:{attempt['world_path']}?mode=ro", uri=True, timeout=30)
    for round_no in range(ROUNDS):
        succeeded, ended, threads = burst(client, sku, round_no)
        if round_no == 0:  # between a request's write-ahead row and its world commit
            caught.append(kill_when(server, before_world_commit(control_conn, attempt["id"]), succeeded))
        elif round_no == 1:  # between a request's world commit and its log rows
            caught.append(
                kill_when(server, after_world_commit(control_conn, world_conn, attempt["id"]), succeeded)
            )
        else:
            server.kill()  # right after a reply
        for t in threads:
            t.join(60)
        problems = [e for e in ended if isinstance(e, AssertionError)]
        assert not problems, problems
        assert len(ended) == THREADS  # every writer was cut off by the kill, in the middle of the burst
        all_succeeded.extend(succeeded)
        server.start(grading=False)
        client = WebClient(server.base_url, client.jar)  # the same login, on the new port
        client.get("/shop/cart")  # one touch of the world

    control_conn.close()
    event_ids = [row[0] for row in world_conn.execute("SELECT id FROM events ORDER BY id")]
    world_conn.close()
    logged = control.rows(
        "SELECT world_event_id, count(*) AS n FROM action_log WHERE attempt_id = ? AND world_event_id IS NOT NULL "
        "GROUP BY world_event_id ORDER BY world_event_id",
        attempt["id"],
    )
    assert [(r["world_event_id"], r["n"]) for r in logged] == [(i, 1) for i in event_ids]

    requests = control.rows(
        "SELECT form, completed, status_code FROM action_log WHERE attempt_id = ? AND kind = 'request' AND method = 'POST'",
        attempt["id"],
    )
    by_probe: dict[str, list[sqlite3.Row]] = {}
    for r in requests:
        form = json.loads(r["form"]) if r["form"] else {}
        if "probe" in form:
            by_probe.setdefault(form["probe"], []).append(r)
    for probe in all_succeeded:
        rows = by_probe.get(probe, [])
        assert len(rows) == 1 and rows[0]["completed"] == 1 and rows[0]["status_code"] == 302, (probe, rows)
    # Requests cut off by the kill are on record as not answered, or not at all.
    unanswered = [p for p, rows in by_probe.items() if any(r["completed"] == 0 for r in rows)]
    assert len(unanswered) <= THREADS * ROUNDS
    assert not set(unanswered) & set(all_succeeded)
    recovered = control.one(
        "SELECT count(*) AS n FROM action_log WHERE attempt_id = ? AND payload LIKE '%\"recovered\": true%'",
        attempt["id"],
    )["n"]
    print(
        f"kill inside a request: {caught}; {len(all_succeeded)} answered writes, {len(unanswered)} cut off, "
        f"{len(event_ids)} events, {recovered} of them taken from the world"
    )
