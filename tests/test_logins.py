"""Logins: throttled per account and per address, equal cost for unknown accounts, server-side logout."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from sandbox.control.models import LoginRecord
from tests.conftest import make_app


def _login(client, ticket: str, password: str):  # noqa: ANN001, ANN202
    return client.post("/exam/login", data={"ticket_no": ticket, "password": password})


def _staff_login(client, username: str, password: str):  # noqa: ANN001, ANN202
    return client.post("/staff/login", data={"username": username, "password": password})


def _records(rt) -> list[tuple[str, str, str]]:  # noqa: ANN001
    db = rt.control.session()
    try:
        return [
            (r.kind, r.account, r.outcome) for r in db.scalars(select(LoginRecord).order_by(LoginRecord.id))
        ]
    finally:
        db.close()


def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(app, rt, exam) -> None:  # noqa: ANN001
    client = app.test_client()
    for _ in range(5):
        assert _login(client, "T0001", "wrong-pass").status_code == 401
    resp = _login(client, "T0001", "pass1234")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 429
    assert "登录失败次数过多" in page and "分钟后再试" in page
    assert 0 < int(resp.headers["Retry-After"]) <= 600
    # Spacing or full-width digits do not make it another account.
    assert _login(client, " Ｔ0001 ", "pass1234").status_code == 429
    # The room is not locked out: a neighbour at the same address logs in.
    assert _login(app.test_client(), "T0002", "pass1234").status_code == 302
    outcomes = [o for _kind, account, o in _records(rt) if account.strip() in ("T0001", "Ｔ0001")]
    assert outcomes == ["wrong_password"] * 5 + ["locked", "locked"]


def test_successful_logins_do_not_count(app, exam) -> None:  # noqa: ANN001
    for _ in range(8):
        assert _login(app.test_client(), "T0001", "pass1234").status_code == 302


def test_staff_login_is_throttled_too_in_english(app, exam) -> None:  # noqa: ANN001
    client = app.test_client()
    client.get("/lang/en")
    for _ in range(5):
        assert _staff_login(client, "examiner", "nope").status_code == 401
    resp = _staff_login(client, "examiner", "exam1234")
    assert resp.status_code == 429 and "Too many failed logins" in resp.get_data(as_text=True)


def test_one_address_spraying_many_tickets_is_stopped(tmp_path: Path, templates_dir: Path) -> None:
    app = make_app(tmp_path / "data", templates_dir, LOGIN_LIMIT_ADDRESS="4 per 10 minutes")
    client = app.test_client()
    for n in range(4):
        assert _login(client, f"X{n:04d}", "guess").status_code == 401
    resp = _login(client, "X9999", "guess")
    assert resp.status_code == 429 and "本机登录失败次数过多" in resp.get_data(as_text=True)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert _login(other, "X9999", "guess").status_code == 401  # another machine is not affected
    app.extensions["sandbox"].grading.stop()


def test_unknown_and_known_accounts_cost_one_password_hash_each(app, exam, monkeypatch) -> None:  # noqa: ANN001
    from sandbox.control import people

    checked: list[str] = []
    real = people.check_secret

    def counting(stored, given):  # noqa: ANN001, ANN202
        checked.append(stored.split("$")[0])
        return real(stored, given)

    monkeypatch.setattr(people, "check_secret", counting)
    _login(app.test_client(), "T0001", "wrong-pass")
    _login(app.test_client(), "NOBODY", "wrong-pass")
    _staff_login(app.test_client(), "nobody", "wrong-pass")
    assert len(checked) == 3 and len(set(checked)) == 1  # the same method, so the same cost


@pytest.fixture
def csrf_app(tmp_path: Path, templates_dir: Path, exam):  # noqa: ANN001, ANN201
    app = make_app(tmp_path / "csrf-data", templates_dir, WTF_CSRF_ENABLED=True)
    from sandbox.control import people
    from sandbox.control.models import StaffRole

    rt = app.extensions["sandbox"]
    db = rt.control.session()
    ex = people.create_exam(db, "T-2", "测试考试", ["b2c-purchase"])
    people.add_candidate(db, ex, "C0001", "考生丙", "pass1234")
    db.commit()
    people.create_staff(db, "examiner", "考评员", StaffRole.EXAMINER, "exam1234")
    db.close()
    yield app
    rt.grading.stop()


def _token(client, path: str) -> str:  # noqa: ANN001
    return client.get(path).get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]


def _csrf_login(client, path: str, **form: str):  # noqa: ANN001, ANN003, ANN202
    return client.post(path, data={**form, "csrf_token": _token(client, path)})


def test_logout_ends_every_copy_of_the_cookie(csrf_app) -> None:  # noqa: ANN001
    client = csrf_app.test_client()
    assert _csrf_login(client, "/exam/login", ticket_no="C0001", password="pass1234").status_code == 302
    assert client.get("/exam/").status_code == 200
    copied = csrf_app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert copied.get("/exam/").status_code == 200  # the copy works while the login lives

    assert client.get("/logout").status_code == 405  # logout is a POST …
    assert client.post("/logout").status_code == 400  # … with a CSRF token
    assert copied.get("/exam/").status_code == 200
    desktop = client.get("/exam/").get_data(as_text=True)
    token = desktop.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    resp = copied.get("/exam/")
    assert resp.status_code == 302 and "/exam/login" in resp.location
    assert copied.get("/shop/").status_code == 302
    assert copied.get("/exam/status").status_code == 401


def test_a_login_elsewhere_ends_the_first_session(csrf_app) -> None:  # noqa: ANN001
    first, second = csrf_app.test_client(), csrf_app.test_client()
    _csrf_login(first, "/exam/login", ticket_no="C0001", password="pass1234")
    assert first.get("/exam/").status_code == 200
    _csrf_login(second, "/exam/login", ticket_no="C0001", password="pass1234")
    assert second.get("/exam/").status_code == 200
    resp = first.get("/exam/", follow_redirects=True)
    assert "已在其他地方登录" in resp.get_data(as_text=True)


def test_examiner_logout_ends_the_copied_cookie(csrf_app) -> None:  # noqa: ANN001
    client = csrf_app.test_client()
    _csrf_login(client, "/staff/login", username="examiner", password="exam1234")
    assert client.get("/examiner/").status_code == 200
    copied = csrf_app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    token = _token(client, "/examiner/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    resp = copied.get("/examiner/")
    assert resp.status_code == 302 and "/staff/login" in resp.location


def test_a_whole_hall_logging_in_at_once_gets_in(app, rt) -> None:  # noqa: ANN001
    """Forty simultaneous logins (more than the connection pool's base size): none fails or waits out."""
    import threading

    from sandbox.control import people

    db = rt.control.session()
    hall = people.create_exam(db, "H-1", "考场", ["b2c-purchase"])
    for n in range(40):
        people.add_candidate(db, hall, f"H{n:04d}", "考生", "pass1234")
    db.commit()
    db.close()
    statuses: list[object] = []

    def login(n: int) -> None:
        try:
            statuses.append(_login(app.test_client(), f"H{n:04d}", "pass1234").status_code)
        except Exception as exc:  # noqa: BLE001 - what we look for
            statuses.append(repr(exc))

    threads = [threading.Thread(target=login, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert statuses == [302] * 40
    assert len([r for r in _records(rt) if r[2] == "ok"]) == 40


def test_examiners_see_refused_logins(app, rt, exam) -> None:  # noqa: ANN001
    _login(app.test_client(), "T0001", "wrong-pass")
    _login(app.test_client(), "NOBODY", "guess")
    _login(app.test_client(), "T0002", "pass1234")
    examiner = app.test_client()
    _staff_login(examiner, "examiner", "exam1234")
    page = examiner.get("/examiner/logins").get_data(as_text=True)
    assert 'data-outcome="wrong_password"' in page and "T0001" in page
    assert 'data-outcome="unknown_account"' in page and "NOBODY" in page
    assert "T0002" not in page  # successful logins only when asked for
    everything = examiner.get("/examiner/logins?all=1").get_data(as_text=True)
    assert "T0002" in everything and 'data-outcome="ok"' in everything
    only = examiner.get("/examiner/logins?account=T0001&all=1").get_data(as_text=True)
    assert "T0001" in only and "NOBODY" not in only
    candidate = app.test_client()
    _login(candidate, "T0002", "pass1234")
    assert candidate.get("/examiner/logins").status_code == 302  # examiners only
