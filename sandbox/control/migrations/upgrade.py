"""Bring a control database to the newest schema with Alembic, one process at a time.

Three cases, decided under the migration lock:
- an empty database gets today's tables (`metadata.create_all`, as Alembic's docs recommend for a new
  database) and is stamped with the head revision;
- a database made by `create_all` before Alembic (no alembic_version table) is brought up to the baseline
  revision the way the old stop-gap did (missing tables, nullable columns and indexes), checked against
  it, stamped with it, then upgraded;
- a versioned database is upgraded to the head revision (nothing is run when it is there already).

The lock: PostgreSQL's `pg_advisory_xact_lock`, SQLite's `BEGIN IMMEDIATE` (the database's write lock),
both held until the migration's transaction ends, so gunicorn workers starting together never migrate at
once; the second one finds the work done.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, create_engine, event, inspect, text
from sqlalchemy.pool import NullPool

from sandbox.control.db import ControlBase

MIGRATIONS = Path(__file__).resolve().parent
BASELINE = "0001"
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock key: any constant shared by every process of the sandbox ("ECSB" in ASCII).
PG_LOCK_KEY = 0x45435342
# How long a process waits for another one's SQLite migration (seconds).
SQLITE_LOCK_WAIT = 600


class SchemaMismatch(RuntimeError):
    """A control database made before Alembic differs from the baseline in ways no migration can guess."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code: the migrations folder of this package, and the connection
    the commands run on (passed through, so no URL is parsed again)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # New revision files are formatted and lint-clean like the rest of the code (tests/test_style.py).
    cfg.set_section_option("post_write_hooks", "hooks", "ruff_fix, ruff_format")
    cfg.set_section_option("post_write_hooks", "ruff_fix.type", "module")
    cfg.set_section_option("post_write_hooks", "ruff_fix.module", "ruff")
    cfg.set_section_option("post_write_hooks", "ruff_fix.options", "check --fix REVISION_SCRIPT_FILENAME")
    cfg.set_section_option("post_write_hooks", "ruff_format.type", "module")
    cfg.set_section_option("post_write_hooks", "ruff_format.module", "ruff")
    cfg.set_section_option("post_write_hooks", "ruff_format.options", "format REVISION_SCRIPT_FILENAME")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def script_directory() -> ScriptDirectory:
    """The revisions (read once per process)."""
    return ScriptDirectory(str(MIGRATIONS))


def head_revisions() -> tuple[str, ...]:
    """The head revision(s) of the migrations."""
    return tuple(script_directory().get_heads())


def current_revisions(connection: Connection) -> tuple[str, ...]:
    """The revision(s) a database is stamped with (empty: not versioned)."""
    return MigrationContext.configure(connection).get_current_heads()


def baseline_schema() -> MetaData:
    """The tables of the baseline revision, as `create_all` made them before Alembic."""
    return script_directory().get_revision(BASELINE).module.baseline_schema()


def _is_memory_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def _sqlite_migration_engine(engine: Engine) -> Engine:
    """A one-connection engine on the same SQLite file whose transactions start with BEGIN IMMEDIATE
    (the write lock, taken before anything is read) and whose DDL is transactional; foreign keys stay
    off, as batch migrations (copy, drop, rename a table) need."""
    migration = create_engine(engine.url, connect_args={"timeout": SQLITE_LOCK_WAIT}, poolclass=NullPool)

    @event.listens_for(migration, "connect")
    def _autocommit_driver(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # the driver opens no transaction of its own
        dbapi_conn.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(migration, "begin")
    def _write_lock(conn):  # noqa: ANN001
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return migration


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the migration lock; committed when the block ends."""
    if engine.dialect.name == "sqlite" and not _is_memory_sqlite(engine):
        migration = _sqlite_migration_engine(engine)
        try:
            with migration.begin() as conn:
                yield conn
        finally:
            migration.dispose()
        return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        yield conn


def upgrade(engine: Engine) -> str:
    """Bring the control database to the head revision; say which case it was (new, pre-Alembic,
    upgraded, current)."""
    with migration_connection(engine) as conn:
        tables = set(inspect(conn).get_table_names())
        if VERSION_TABLE in tables:
            if set(current_revisions(conn)) == set(head_revisions()):
                return "current"
            command.upgrade(alembic_config(conn), "head")
            return "upgraded"
        if not tables & set(baseline_schema().tables):
            ControlBase.metadata.create_all(conn)
            MigrationContext.configure(conn).stamp(script_directory(), "head")
            return "new"
        bring_to_baseline(conn)
        cfg = alembic_config(conn)
        command.stamp(cfg, BASELINE)
        command.upgrade(cfg, "head")
        return "pre-alembic"


def migrate_from_scratch(connection: Connection, revision: str = "head") -> None:
    """Run every migration from an empty database (no create_all shortcut): what the models must agree
    with (tests, and `python -m sandbox db revision`)."""
    command.upgrade(alembic_config(connection), revision)


def bring_to_baseline(conn: Connection) -> None:
    """Do to a pre-Alembic database what the old `_add_missing_columns` stop-gap did, against the
    baseline's tables: create missing tables, add missing nullable columns and indexes. Then check it
    equals the baseline; anything else (a missing NOT NULL column, another type) is refused."""
    schema = baseline_schema()
    schema.create_all(conn)
    inspector = inspect(conn)
    ops = Operations(MigrationContext.configure(conn))
    for table in schema.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present and column.nullable:
                ops.add_column(table.name, column._copy())
        for index in table.indexes:
            index.create(conn, checkfirst=True)
    problems = [diff for diff in baseline_differences(conn, schema) if not _is_extra(diff)]
    if problems:
        raise SchemaMismatch(
            "The control database was made before migrations and differs from the baseline revision "
            f"{BASELINE}; fix these by hand, then start again: {problems}"
        )


def baseline_differences(conn: Connection, schema: MetaData) -> list:
    """What Alembic's autogenerate sees between the database and a schema (empty: they agree)."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return compare_metadata(context, schema)


def _is_extra(diff: object) -> bool:
    """A table or index the database has and the baseline does not: left alone, as create_all did."""
    kind = diff[0] if isinstance(diff, tuple) else None
    return kind in {"remove_table", "remove_index"}
