"""A practice reset racing with the trainee's own requests: every request runs on a whole world."""

from __future__ import annotations

import threading
from pathlib import Path

from sandbox.control.models import Attempt


def _trainee(app):  # noqa: ANN001, ANN202
    client = app.test_client()
    assert (
        client.post("/staff/login", data={"username": "trainee", "password": "train1234"}).status_code == 302
    )
    assert client.post("/practice/start/b2c-purchase").status_code == 302
    return client


def _clone(app, client):  # noqa: ANN001, ANN202
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_resets_racing_with_requests_never_break_the_world(app, rt, exam, monkeypatch) -> None:  # noqa: ANN001
    trainee = _trainee(app)
    with trainee.session_transaction() as sess:
        attempt_id = sess["attempt_id"]
    failures: list[str] = []
    stop = threading.Event()

    def shopper(n: int) -> None:
        client = _clone(app, trainee)
        i = 0
        while not stop.is_set():
            i += 1
            for method, path, data in (
                ("GET", "/shop/", None),
                (
                    "POST",
                    "/shop/register",
                    {
                        "username": f"u{n}_{i}",
                        "phone": "13800138000",
                        "password": "secret123",
                        "password_confirm": "secret123",
                    },
                ),
                ("GET", "/shop/cart", None),
                ("GET", "/bank/", None),
            ):
                try:
                    status = client.open(path, method=method, data=data).status_code
                except Exception as exc:  # noqa: BLE001 - what we are looking for
                    status = f"{exc.__class__.__name__}: {exc}"
                if not isinstance(status, int) or status >= 500:
                    failures.append(f"{method} {path}: {status}")

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    resetter = _clone(app, trainee)
    try:
        for _ in range(6):
            resp = resetter.post("/practice/reset")
            assert resp.status_code == 302, resp.get_data(as_text=True)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert failures == []

    # The world after the last reset is whole and usable, and old worlds do not pile up.
    assert trainee.get("/shop/").status_code == 200
    db = rt.control.session()
    attempt = db.get(Attempt, attempt_id)
    db.close()
    assert rt.store.exists(attempt.world_path)
    # Once nobody can be using them (here: no grace at all, nothing else running), retired worlds go.
    from sandbox.control import attempts as attempt_service

    monkeypatch.setattr(attempt_service, "RETIRED_WORLD_GRACE", 0.0)
    assert trainee.post("/practice/reset").status_code == 302
    db = rt.control.session()
    attempt = db.get(Attempt, attempt_id)
    db.close()
    if rt.store.kind == "sqlite":
        worlds = [str(p) for p in Path(rt.store.worlds).glob(f"{attempt.key}*.sqlite")]
    else:
        like = rt.store.dbname(rt.store.world_path(attempt.key))
        worlds = [rt.store.locator(name) for name in rt.store.databases(like)]
    assert attempt.world_path in worlds and len(worlds) <= 2
    resp = trainee.post(
        "/shop/register",
        data={
            "username": "after_reset",
            "phone": "13800138000",
            "password": "secret123",
            "password_confirm": "secret123",
        },
    )
    assert resp.status_code == 302


def test_a_reset_records_the_scenario_version(app, rt, exam) -> None:  # noqa: ANN001
    trainee = _trainee(app)
    with trainee.session_transaction() as sess:
        attempt_id = sess["attempt_id"]
    trainee.post("/practice/reset")
    db = rt.control.session()
    attempt = db.get(Attempt, attempt_id)
    db.close()
    current = rt.scenarios.get("b2c-purchase")
    assert (attempt.scenario_version, attempt.scenario_digest) == (current.version, current.digest)
