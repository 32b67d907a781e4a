"""Fixtures: a fresh app per test on temporary databases, shared world templates, a browser harness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from playwright.sync_api import expect

# Control-plane logins in tests need no expensive hashing (set before sandbox is imported).
os.environ.setdefault("SANDBOX_LOGIN_HASH", "pbkdf2:sha256:1000")

from sandbox import create_app
from sandbox.control import attempts as attempt_service
from sandbox.control import people
from sandbox.control.models import Attempt, StaffRole
from sandbox.worlds.store import open_world

SCENARIO = "b2c-purchase"


# SANDBOX_TEST_WORLD_STORE=postgresql://… runs the suite's apps with their worlds on PostgreSQL
# (`make test-postgres`); each test process names its databases with its own prefix and drops them.
WORLD_STORE = os.environ.get("SANDBOX_TEST_WORLD_STORE", "")
WORLD_PREFIX = f"t{os.getpid()}_"


# The tests' assertions on pages wait up to 15 s (Playwright's default is 5 s): on a machine where every
# worker runs a Chromium the same page can take seconds longer, and a right page must not fail.
expect.set_options(timeout=15_000)

# Hypothesis's per-example deadline (200 ms) measures the machine, not the code: with every core busy one
# example of a fast function took 301 ms and failed the suite. Properties are checked, not timed.
settings.register_profile("sandbox", deadline=None)
settings.load_profile("sandbox")


def make_app(data: Path, templates: Path, **extra):  # noqa: ANN003, ANN201
    """An application on its own control database and world folder (or the PostgreSQL world store)."""
    store = {"WORLD_STORE": WORLD_STORE, "WORLD_STORE_PREFIX": WORLD_PREFIX} if WORLD_STORE else {}
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": data,
            "TEMPLATES_DIR": templates,
            "CONTROL_DB_URL": f"sqlite:///{data / 'control.sqlite'}",
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            **store,
            **extra,
        }
    )


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_worlds():  # noqa: ANN202
    """Drop this test process's PostgreSQL worlds at the end (when the suite runs on PostgreSQL)."""
    yield
    if WORLD_STORE:
        from sandbox.worlds.pgstore import PostgresWorldStore

        PostgresWorldStore(WORLD_STORE, WORLD_PREFIX).drop_all()


@pytest.fixture(scope="session")
def templates_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """World templates built once for the whole test session."""
    return tmp_path_factory.mktemp("templates")


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One world built by the default generator, for service tests that need no attempt."""
    from sandbox.worlds.store import WorldStore
    from seed_data.generate import build_world

    store = WorldStore(tmp_path_factory.mktemp("service-worlds"))
    path, _ = store.ensure_template("service-default", build_world)
    return path


@pytest.fixture
def w(template: Path, tmp_path: Path):  # noqa: ANN201
    """A writable world copied from the template (closed after the test)."""
    import shutil

    path = tmp_path / "world.sqlite"
    shutil.copy(template, path)
    world = open_world(path)
    yield world
    world.close()


@pytest.fixture
def app(tmp_path: Path, templates_dir: Path):  # noqa: ANN201
    """A fresh application (CSRF off; tests of CSRF turn it on)."""
    app = make_app(tmp_path / "data", templates_dir)
    yield app
    app.extensions["sandbox"].grading.stop()


@pytest.fixture
def rt(app):  # noqa: ANN001, ANN201
    """The app's runtime."""
    return app.extensions["sandbox"]


@pytest.fixture
def exam(rt):  # noqa: ANN001, ANN201
    """A demo exam with two candidates and an examiner."""
    db = rt.control.session()
    exam = people.create_exam(db, "T-1", "测试考试", [SCENARIO])
    people.add_candidate(db, exam, "T0001", "考生甲", "pass1234")
    people.add_candidate(db, exam, "T0002", "考生乙", "pass1234")
    db.commit()
    people.create_staff(db, "examiner", "考评员", StaffRole.EXAMINER, "exam1234")
    people.create_staff(db, "trainee", "学员", StaffRole.TRAINEE, "train1234")
    db.close()
    return exam


class CandidateActions:
    """Log a test client in as a candidate (through the real ticket login) and start the attempt."""

    def __init__(self, app, rt):  # noqa: ANN001
        self.app, self.rt = app, rt

    def login(self, ticket: str = "T0001", password: str = "pass1234"):  # noqa: ANN201
        client = self.app.test_client()
        resp = client.post("/exam/login", data={"ticket_no": ticket, "password": password})
        assert resp.status_code == 302, resp.data
        assert client.get("/exam/").status_code == 200
        return client

    def attempt_of(self, client) -> Attempt:  # noqa: ANN001
        with client.session_transaction() as sess:
            attempt_id = sess["attempt_id"]
        db = self.rt.control.session()
        attempt = db.get(Attempt, attempt_id)
        db.close()
        return attempt

    def world(self, client, read_only: bool = True):  # noqa: ANN001, ANN201
        return open_world(self.attempt_of(client).world_path, read_only=read_only)


@pytest.fixture
def candidates(app, rt, exam):  # noqa: ANN001, ANN201
    """Helper to log candidates in."""
    return CandidateActions(app, rt)


def shop_member(client, username: str = "buyer_01", phone: str = "13800138000") -> None:  # noqa: ANN001
    """Register a storefront member in the client's world (logs it in)."""
    resp = client.post(
        "/shop/register",
        data={"username": username, "password": "secret123", "password_confirm": "secret123", "phone": phone},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)


GOOD_ADDRESS = {
    "recipient": "王小明",
    "phone": "13912345678",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路100号5栋201室",
    "postcode": "310012",
}


@pytest.fixture
def shopper(candidates):  # noqa: ANN001, ANN201
    """A candidate client with a storefront member and one address."""
    client = candidates.login()
    shop_member(client)
    assert client.post("/shop/addresses", data=GOOD_ADDRESS).status_code == 302
    return client


def first_address_id(candidates, client) -> int:  # noqa: ANN001
    """Id of the client's first address."""
    from sqlalchemy import select

    from sandbox.storefront.models import Address

    w = candidates.world(client)
    try:
        return w.db.scalars(select(Address.id)).first()
    finally:
        w.close()


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory: pytest.TempPathFactory, templates_dir: Path):  # noqa: ANN201
    """One application for the browser tests (served on loopback by the harness). Pages do not
    record themselves for the replay here (the scenario proofs need no recording); tests/test_replay.py
    turns recording on for its own test."""
    data = tmp_path_factory.mktemp("browser-data")
    app = make_app(data, templates_dir, WTF_CSRF_ENABLED=True, REPLAY_RECORDING=False)
    yield app
    app.extensions["sandbox"].grading.stop()


@pytest.fixture(scope="session")
def harness(browser_app):  # noqa: ANN001, ANN201
    """One Chromium and loopback server for every browser test."""
    from graders.harness import Harness

    h = Harness(browser_app)
    yield h
    h.close()


def start_attempt(rt, candidate_ticket: str = "T0001") -> Attempt:  # noqa: ANN001
    """Start an exam attempt for a candidate without the web UI."""
    from sqlalchemy import select

    from sandbox.control.models import Candidate

    db = rt.control.session()
    try:
        cand = db.scalars(select(Candidate).where(Candidate.ticket_no == candidate_ticket)).one()
        return attempt_service.start_attempt(rt, db, rt.scenarios.get(SCENARIO), candidate=cand)
    finally:
        db.close()


def action_log_rows(rt, attempt_id: int) -> list:  # noqa: ANN001
    """An attempt's action-log rows, oldest first."""
    from sqlalchemy import select

    from sandbox.control.models import ActionLog

    db = rt.control.session()
    try:
        return list(
            db.scalars(select(ActionLog).where(ActionLog.attempt_id == attempt_id).order_by(ActionLog.id))
        )
    finally:
        db.close()


def without_ui_items(rubric: list[dict]) -> list[dict]:
    """A rubric without its UI items and the items requiring them (graded with no Chromium)."""
    dropped: set[str] = set()
    kept = []
    for item in rubric:
        if item["check"]["kind"] == "ui" or dropped & set(item.get("requires", [])):
            dropped.add(item["id"])
        else:
            kept.append(item)
    return kept
