"""The control database's schema is kept by Alembic (SQLite here; tests/test_control_postgres.py runs the
same on PostgreSQL): a new database is created at the head revision, one made by create_all before
Alembic is brought to the baseline, stamped and upgraded, processes starting together migrate once, and
the migrations make exactly what the models declare."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from sandbox.control.db import ControlBase, ControlDB
from sandbox.control.db_cli import db as db_cli
from sandbox.control.migrations import upgrade as migrations


def _url(tmp_path: Path, name: str = "control.sqlite") -> str:
    return f"sqlite:///{tmp_path / name}"


def _differences(engine: Engine) -> list:
    with engine.connect() as conn:
        return migrations.baseline_differences(conn, ControlBase.metadata)


def _revisions(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as conn:
        return migrations.current_revisions(conn)


def test_a_new_database_is_created_at_the_head_revision(tmp_path: Path) -> None:
    control = ControlDB(_url(tmp_path))
    control.create_all()
    assert _revisions(control.engine) == migrations.head_revisions()
    assert _differences(control.engine) == []
    assert migrations.upgrade(control.engine) == "current"  # every later start: nothing to do


def test_the_migrations_make_what_the_models_declare(tmp_path: Path) -> None:
    engine = create_engine(_url(tmp_path), poolclass=NullPool)
    with migrations.migration_connection(engine) as conn:
        migrations.migrate_from_scratch(conn)  # every revision, no create_all shortcut
    assert _revisions(engine) == migrations.head_revisions()
    assert _differences(engine) == []


def _pre_alembic(url: str) -> Engine:
    """A control database as an older release left it: create_all's tables without alembic_version,
    lacking a table, a nullable column and an index added since, with an exam in it."""
    engine = create_engine(url, poolclass=NullPool)
    ControlBase.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE proctor_actions"))
        conn.execute(text("DROP INDEX ix_grade_jobs_status"))
        conn.execute(text("ALTER TABLE exams DROP COLUMN late_entry_minutes"))
        conn.execute(
            text(
                "INSERT INTO exams (code, title, scenario_ids, created_at) "
                "VALUES ('OLD-1', '旧考试', '[\"b2c-purchase\"]', '2026-01-05 09:00:00')"
            )
        )
    return engine


def test_a_database_made_before_alembic_is_stamped_then_upgraded(tmp_path: Path) -> None:
    old = _pre_alembic(_url(tmp_path))
    assert "alembic_version" not in inspect(old).get_table_names()
    control = ControlDB(_url(tmp_path))
    control.create_all()
    assert _revisions(control.engine) == migrations.head_revisions()
    assert _differences(control.engine) == []
    with control.engine.connect() as conn:
        rows = conn.execute(text("SELECT code, late_entry_minutes FROM exams")).all()
    assert rows == [("OLD-1", None)]


def test_a_database_that_differs_from_the_baseline_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    old = _pre_alembic(_url(tmp_path))
    with old.begin() as conn:  # a required column no stop-gap could have added
        conn.execute(text("ALTER TABLE staff DROP COLUMN display_name"))
    with pytest.raises(migrations.SchemaMismatch, match="display_name"):
        ControlDB(_url(tmp_path)).create_all()
    tables = set(inspect(old).get_table_names())
    # One transaction: the tables the catch-up had created are rolled back with it.
    assert "alembic_version" not in tables and "proctor_actions" not in tables and "exams" in tables


def test_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    """Gunicorn workers starting at once: each has its own engine and connection; the write lock
    lets one create the schema and the others find it done."""
    assert_migrated_once(_url(tmp_path))
    engine = create_engine(_url(tmp_path), poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_db_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("SANDBOX_CONTROL_DB", _url(tmp_path))
    runner = CliRunner()
    assert "empty database" in runner.invoke(db_cli, ["current"]).output
    _pre_alembic(_url(tmp_path))
    assert "made before migrations" in runner.invoke(db_cli, ["current"]).output
    result = runner.invoke(db_cli, ["upgrade"])
    assert result.exit_code == 0 and "stamped with the baseline" in result.output, result.output
    head = migrations.head_revisions()[0]
    assert runner.invoke(db_cli, ["current"]).output.strip() == f"{head} (head)"
    result = runner.invoke(db_cli, ["check"])
    assert result.exit_code == 0, result.output


def assert_migrated_once(url: str, starters: int = 4) -> None:
    """`starters` processes' worth of engines upgrade one database at the same moment: exactly one
    migrates it ("new"), the others find it current, and none fails."""
    barrier = threading.Barrier(starters)
    cases: list[str] = []
    errors: list[BaseException] = []

    def start() -> None:
        engine = ControlDB(url).engine
        try:
            barrier.wait(timeout=60)
            cases.append(migrations.upgrade(engine))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(cases) == ["current"] * (starters - 1) + ["new"]
