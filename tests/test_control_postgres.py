"""The control database on PostgreSQL: the migrations make what the models declare, a database made
before Alembic is stamped and upgraded, workers starting together migrate once, and the control plane
works end to end (exam, candidates, theory paper, practical attempt, grading, the examiner's and the
administrator's pages, publication, a review request) with the worlds still on SQLite.

Each test has its own database (sandbox_test_control_<random>), dropped afterwards; the tests skip when
PostgreSQL does not answer on 127.0.0.1:5432."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from sandbox.control import people
from sandbox.control.db import ControlBase, ControlDB
from sandbox.control.migrations import upgrade as migrations
from sandbox.control.models import ActionLog, Attempt, Candidate, LoginRecord, ReviewRequest, StaffRole
from sandbox.theory import sitting as sittings
from sandbox.theory.bank import load_starter
from sandbox.theory.models import Question, TheorySitting
from tests.conftest import make_app, shop_member, without_ui_items

SERVER = "postgresql+psycopg://{user}@127.0.0.1:5432/{db}"
SCENARIO = "b2c-purchase"
REAL = Path(__file__).resolve().parent.parent / "scenarios" / SCENARIO


def _server_user() -> str | None:
    """The user PostgreSQL lets in without a password (trust auth), or None if it does not answer."""
    for user in ("postgres", "root"):
        engine = create_engine(
            SERVER.format(user=user, db="postgres"), poolclass=NullPool, connect_args={"connect_timeout": 3}
        )
        try:
            with engine.connect():
                return user
        except OperationalError:
            continue
        finally:
            engine.dispose()
    return None


@pytest.fixture(scope="module")
def pg_user() -> str:
    user = _server_user()
    if user is None:
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432 (trust auth, user postgres or root)")
    return user


@pytest.fixture
def pg_url(pg_user: str) -> Iterator[str]:
    """A new, empty database of this test's own, dropped afterwards (with any connection left)."""
    name = f"sandbox_test_control_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER.format(user=pg_user, db="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield SERVER.format(user=pg_user, db=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _differences(engine: Engine) -> list:
    with engine.connect() as conn:
        return migrations.baseline_differences(conn, ControlBase.metadata)


def test_the_migrations_make_what_the_models_declare_on_postgresql(pg_url: str) -> None:
    engine = create_engine(pg_url, poolclass=NullPool)
    with migrations.migration_connection(engine) as conn:
        migrations.migrate_from_scratch(conn)  # every revision, no create_all shortcut
    assert _differences(engine) == []
    assert migrations.upgrade(engine) == "current"
    engine.dispose()


def test_a_new_database_on_postgresql_is_created_at_the_head_revision(pg_url: str) -> None:
    control = ControlDB(pg_url)
    control.create_all()
    with control.engine.connect() as conn:
        assert migrations.current_revisions(conn) == migrations.head_revisions()
    assert _differences(control.engine) == []
    control.engine.dispose()


def test_a_postgresql_database_made_before_alembic_is_stamped_then_upgraded(pg_url: str) -> None:
    old = create_engine(pg_url, poolclass=NullPool)
    ControlBase.metadata.create_all(old)
    with old.begin() as conn:
        conn.execute(text("DROP TABLE proctor_actions"))
        conn.execute(text("ALTER TABLE exams DROP COLUMN late_entry_minutes"))
    assert "alembic_version" not in inspect(old).get_table_names()
    old.dispose()
    control = ControlDB(pg_url)
    assert migrations.upgrade(control.engine) == "pre-alembic"
    assert _differences(control.engine) == []
    control.engine.dispose()


def test_workers_starting_together_on_postgresql_migrate_once(pg_url: str) -> None:
    from tests.test_migrations import assert_migrated_once

    assert_migrated_once(pg_url)


@pytest.fixture
def scenarios_dir(tmp_path: Path) -> Path:
    """b2c-purchase without its UI items: graded with no Chromium."""
    dest = tmp_path / "scenarios" / SCENARIO
    shutil.copytree(REAL, dest, ignore=shutil.ignore_patterns("__pycache__"))
    data = yaml.safe_load((dest / "scenario.yaml").read_text(encoding="utf-8"))
    data["rubric"] = without_ui_items(data["rubric"])
    (dest / "scenario.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return dest.parent


@pytest.fixture
def pg_app(tmp_path: Path, templates_dir: Path, scenarios_dir: Path, pg_url: str):  # noqa: ANN201
    """An application whose control database is on PostgreSQL (its worlds stay on SQLite)."""
    app = make_app(tmp_path / "data", templates_dir, CONTROL_DB_URL=pg_url, SCENARIOS_DIR=scenarios_dir)
    yield app
    rt = app.extensions["sandbox"]
    rt.grading.stop()
    rt.control.engine.dispose()


def _whole_exam(rt) -> int:  # noqa: ANN001
    """A theory and practical exam with two candidates, an examiner and an administrator."""
    db = rt.control.session()
    assert load_starter(db) > 0
    exam = people.create_exam(db, "PG-1", "PostgreSQL 控制库考试", [SCENARIO])
    exam.level, exam.kind = "电子商务员", "final"
    exam.theory_rules = {
        "levels": ["电子商务员"],
        "draw": [
            {"type": "single", "count": 3},
            {"type": "multi", "count": 1},
            {"type": "judge", "count": 1},
        ],
        "points": {"single": 20, "multi": 20, "judge": 20},
    }
    exam.theory_minutes = 90
    exam.scenario_weights = {SCENARIO: 100}
    people.add_candidate(db, exam, "PG0001", "考生甲", "pass1234")
    people.add_candidate(db, exam, "PG0002", "考生乙", "pass1234")
    db.commit()
    exam_id = exam.id
    people.create_staff(db, "examiner", "考评员", StaffRole.EXAMINER, "exam1234")
    people.create_staff(db, "admin", "考务", StaffRole.ADMIN, "admin1234")
    db.close()
    return exam_id


def _staff(app, username: str, password: str):  # noqa: ANN001, ANN202
    client = app.test_client()
    resp = client.post("/staff/login", data={"username": username, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client


def _sit_theory(rt, client) -> None:  # noqa: ANN001
    """Enter the theory part, answer every question right through the page's form, hand it in."""
    assert client.post("/exam/enter/theory").status_code == 302
    assert client.get("/theory/").status_code == 200
    db = rt.control.session()
    cand = db.scalars(select(Candidate).where(Candidate.ticket_no == "PG0001")).one()
    sitting = db.scalars(select(TheorySitting).where(TheorySitting.candidate_id == cand.id)).one()
    right = {
        item["question_id"]: sittings.shown_choices(item, db.get(Question, item["question_id"]).answer)
        for item in sitting.items
    }
    db.close()
    for question_id, shown in right.items():
        resp = client.post("/theory/answer", data={"question_id": question_id, "choice": shown})
        assert resp.status_code == 302, resp.get_data(as_text=True)
    assert (
        client.post("/theory/mark", json={"question_id": next(iter(right)), "marked": True}).status_code
        == 200
    )
    assert client.get("/theory/submit").status_code == 200
    assert client.post("/theory/submit", data={"confirm": "yes"}).status_code == 302


def _sit_practical(rt, client) -> int:  # noqa: ANN001
    """Enter the practical part, work a little in the world, answer, submit; the attempt's id."""
    assert client.post("/exam/enter/practical").status_code == 302
    assert client.get("/exam/").status_code == 200
    with client.session_transaction() as sess:
        attempt_id = sess["attempt_id"]
    db = rt.control.session()
    address = db.get(Attempt, attempt_id).params["address"]
    db.close()
    shop_member(client, phone=address["phone"])
    assert client.post("/shop/addresses", data=address).status_code == 302
    assert client.post("/exam/answers", data={"order_no": "PG-NO-ORDER"}).status_code == 302
    assert client.get("/exam/status").get_json()["status"] == "active"
    assert client.post("/exam/submit", data={"confirm": "yes"}).status_code == 302
    return attempt_id


def test_the_control_plane_works_on_postgresql(pg_app) -> None:  # noqa: ANN001
    rt = pg_app.extensions["sandbox"]
    assert rt.control.engine.dialect.name == "postgresql"
    exam_id = _whole_exam(rt)

    bad = pg_app.test_client().post("/exam/login", data={"ticket_no": "PG0001", "password": "wrong"})
    assert bad.status_code != 302
    candidate = pg_app.test_client()
    assert (
        candidate.post("/exam/login", data={"ticket_no": "PG0001", "password": "pass1234"}).status_code == 302
    )
    assert candidate.get("/exam/parts").status_code == 200
    _sit_theory(rt, candidate)
    attempt_id = _sit_practical(rt, candidate)
    rt.grading.join()

    db = rt.control.session()
    attempt = db.get(Attempt, attempt_id)
    assert attempt.status == "graded" and attempt.score is not None and attempt.grade_runs[-1].items
    sitting = db.scalars(select(TheorySitting).where(TheorySitting.exam_id == exam_id)).one()
    assert sitting.status == "submitted" and sitting.score == sitting.max_score == 100
    assert db.scalars(select(ActionLog).where(ActionLog.attempt_id == attempt_id)).first() is not None
    outcomes = set(db.scalars(select(LoginRecord.outcome)))
    assert {"ok", "wrong_password"} <= outcomes
    db.close()

    admin = _staff(pg_app, "admin", "admin1234")
    for page in ("/admin/", f"/admin/exams/{exam_id}/candidates", f"/admin/exams/{exam_id}/proctor"):
        assert admin.get(page).status_code == 200, page
    assert admin.get(f"/admin/exams/{exam_id}/proctor.json").get_json()

    examiner = _staff(pg_app, "examiner", "exam1234")
    for page in (
        "/examiner/",
        f"/examiner/?exam={exam_id}",
        f"/examiner/attempts/{attempt_id}",
        "/examiner/logins",
        f"/examiner/exams/{exam_id}/report",
        f"/examiner/exams/{exam_id}/scores.csv",
        f"/examiner/exams/{exam_id}/results",
        "/examiner/export.csv",
        "/examiner/reviews",
    ):
        assert examiner.get(page).status_code == 200, page
    assert examiner.post(f"/examiner/exams/{exam_id}/publish").status_code == 302

    assert candidate.get("/exam/results").status_code == 200
    resp = candidate.post(f"/exam/results/{attempt_id}/review", data={"reason": "地址已填写，请复核"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db = rt.control.session()
    assert db.scalars(select(ReviewRequest.reason)).all() == ["地址已填写，请复核"]
    db.close()
    assert "地址已填写，请复核" in examiner.get("/examiner/reviews").get_data(as_text=True)


HOSTILE = [
    ("NUL in a login form", "POST", "/exam/login", {"ticket_no": "PG\x000001", "password": "x"}),
    ("NUL in a recorded query", "GET", "/shop/?q=a%00b", None),
    ("a recorded path longer than ActionLog.path", "GET", "/shop/?q=" + "x" * 450, None),
    ("a recorded method longer than ActionLog.method", "VERYLONGMETHOD", "/exam/", None),
]


@pytest.mark.parametrize(("case", "method", "path", "form"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_is_refused_not_a_server_error_on_postgresql(pg_app, case, method, path, form) -> None:  # noqa: ANN001
    rt = pg_app.extensions["sandbox"]
    _whole_exam(rt)
    client = pg_app.test_client()
    if not path.startswith("/exam/login"):
        assert (
            client.post("/exam/login", data={"ticket_no": "PG0001", "password": "pass1234"}).status_code
            == 302
        )
        assert client.post("/exam/enter/practical").status_code == 302
        assert client.get("/exam/").status_code == 200  # the attempt starts: requests are recorded
    assert client.open(path, method=method, data=form).status_code < 500, case
    assert client.get("/").status_code == 200  # and the next request is served as usual
