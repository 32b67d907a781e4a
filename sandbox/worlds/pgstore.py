"""Worlds on PostgreSQL: a template database per scenario version, a database per world.

A world is created with `CREATE DATABASE … TEMPLATE …` (PostgreSQL copies the template's files:
~0.1 s whatever the world holds, see benchmarks/world_store.py), a grading snapshot the same way from
the world, and an archived world is dropped. Why a database per world rather than a schema per
world in one database: copying a schema means re-creating every table, index and sequence and
copying the rows, which measured ten times slower; and a database per world keeps the isolation
structural (a world's connection cannot name another world's tables).

A world's locator is its SQLAlchemy URL. The writers' lock of SQLite (BEGIN IMMEDIATE) is a
transaction-scoped advisory lock here: a unit of work that reads then writes takes it first, so two
requests of one candidate run one after the other; readers are never blocked.

Spares: `prepare_spares(template, n)` copies the template ahead of time (before the hall opens:
`python -m sandbox worlds warm`); a new world then takes a spare by renaming it (`ALTER DATABASE …
RENAME`, milliseconds, and only one taker can succeed), and falls back to copying when none is left.

Database names carry a prefix (`sbx_` by default, SANDBOX_WORLD_PREFIX) so several sandboxes, or
parallel test runs, can share one server.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

from sandbox.worlds.world import WRITE_LOCK, World

# The advisory lock a world's writers take (advisory locks are per database: one key is enough).
WRITER_LOCK_KEY = 7_221_001
# How long to keep trying to copy a world that another connection is using at that instant.
BUSY_RETRY_SECONDS = 30.0
_MAX_NAME = 63  # PostgreSQL's identifier length


def _begin(conn: Connection) -> None:
    """A unit of work that will write takes the world's writers' lock before it reads anything."""
    if conn.get_execution_options().get(WRITE_LOCK):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")


def world_engine(url: str) -> Engine:
    """An engine for one world database (no pool: a hall has more worlds than the server has
    connections, and a connection is held only while a request works)."""
    engine = create_engine(_driver(url), poolclass=NullPool)
    sa_event.listen(engine, "begin", _begin)
    return engine


def _driver(url: str) -> str:
    """The URL with the psycopg (3) driver named, whatever the configuration wrote."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


_ADMIN: dict[str, Engine] = {}
_ADMIN_LOCK = threading.Lock()


def _admin_engine(url: Any) -> Engine:
    """One autocommit engine per server and process (CREATE/DROP DATABASE cannot run in a
    transaction), shared by every store of the process: apps come and go, connections do not pile up."""
    key = url.render_as_string(hide_password=False)
    with _ADMIN_LOCK:
        if key not in _ADMIN:
            _ADMIN[key] = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=8)
        return _ADMIN[key]


def _safe(name: str) -> str:
    """A database name from any label: lower case letters, digits and _, at most 63 characters."""
    clean = re.sub(r"[^a-z0-9_]", "_", name.lower())
    if len(clean) <= _MAX_NAME:
        return clean
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{clean[: _MAX_NAME - 11]}_{digest}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgresWorldStore:
    """Templates, worlds and snapshots as databases on one PostgreSQL server."""

    kind = "postgresql"

    def __init__(self, server_url: str, prefix: str = "sbx_", data_dir: Path | str | None = None) -> None:
        url = make_url(_driver(server_url))
        self.url = url.set(database=None)
        self.prefix = _safe(prefix)
        self.root = Path(data_dir) if data_dir else Path(".")
        admin_url = self.url.set(database=url.database or "postgres")
        self.admin = _admin_engine(admin_url)
        self._lock = threading.Lock()

    # -- names -----------------------------------------------------------------------------------

    def locator(self, dbname: str) -> str:
        """The world locator (SQLAlchemy URL) of a database of this store."""
        return self.url.set(database=dbname).render_as_string(hide_password=False)

    @staticmethod
    def dbname(locator: Path | str) -> str:
        """The database a locator names."""
        name = make_url(str(locator)).database
        if not name:
            raise ValueError(f"not a world database: {locator}")
        return name

    def template_path(self, key: str) -> str:
        """Where the template with this key lives."""
        return self.locator(_safe(f"{self.prefix}t_{key}"))

    def world_path(self, name: str) -> str:
        """Where the world called `name` lives."""
        return self.locator(_safe(f"{self.prefix}w_{name}"))

    def snapshot_path(self, label: str) -> str:
        """Where the snapshot called `label` lives."""
        return self.locator(_safe(f"{self.prefix}s_{label}"))

    # -- the server --------------------------------------------------------------------------------

    def exists(self, locator: Path | str) -> bool:
        """Whether the database exists."""
        with self.admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self.dbname(locator)}
            ).first()
        return found is not None

    def databases(self, like: str) -> list[str]:
        """Names of this store's databases starting with `like` (already prefixed)."""
        with self.admin.connect() as conn:
            rows = conn.execute(
                text("SELECT datname FROM pg_database WHERE starts_with(datname, :p) ORDER BY datname"),
                {"p": like},
            )
            return [r[0] for r in rows]

    @contextmanager
    def _server_lock(self, label: str) -> Iterator[None]:
        """A lock across every process using this server (a session advisory lock on `label`)."""
        key = int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "big", signed=True)
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})

    def _copy(self, source: str, dest: str) -> None:
        """CREATE DATABASE dest TEMPLATE source, waiting while a connection is using the source."""
        deadline = time.monotonic() + BUSY_RETRY_SECONDS
        statement = f"CREATE DATABASE {_quote(dest)} TEMPLATE {_quote(source)}"
        while True:
            try:
                with self.admin.connect() as conn:
                    conn.exec_driver_sql(statement)
                return
            except OperationalError as exc:
                # "source database … is being accessed by other users": a request of the candidate's
                # holds a connection for milliseconds. PostgreSQL itself waited (5 s) before saying
                # so; try again until the deadline.
                if "being accessed by other users" not in str(exc) or time.monotonic() > deadline:
                    raise

    def _drop_db(self, dbname: str, force: bool = True) -> bool:
        from sandbox.worlds.store import forget_engine

        forget_engine(self.locator(dbname))
        with self.admin.connect() as conn:
            try:
                conn.exec_driver_sql(
                    f"DROP DATABASE IF EXISTS {_quote(dbname)}" + (" WITH (FORCE)" if force else "")
                )
            except OperationalError:
                if force:
                    raise
                return False  # in use: left for later
        return True

    # -- the store's operations (as WorldStore) -----------------------------------------------------

    def ensure_template(self, key: str, build: Callable[[str], None]) -> tuple[str, float | None]:
        """Build the template once (one builder across processes); returns its locator and the build
        time in seconds (None if it existed)."""
        return self._make_template(key, None, build)

    def derive_template(
        self, key: str, source: str, finish: Callable[[str], None]
    ) -> tuple[str, float | None]:
        """A template made once from a copy of another (`source`) and a finishing step; as ensure_template."""
        return self._make_template(key, source, finish)

    def _make_template(
        self, key: str, source: str | None, build: Callable[[str], None]
    ) -> tuple[str, float | None]:
        from sandbox.worlds.store import forget_engine

        loc = self.template_path(key)
        if self.exists(loc):
            return loc, None
        name = self.dbname(loc)
        with self._lock, self._server_lock(f"sandbox-template:{name}"):
            if self.exists(loc):
                return loc, None
            started = time.perf_counter()
            tmp = _safe(f"{name[:50]}_build")
            self._drop_db(tmp)
            if source is None:
                with self.admin.connect() as conn:
                    conn.exec_driver_sql(f"CREATE DATABASE {_quote(tmp)}")
            else:
                self._copy(self.dbname(source), tmp)
            try:
                build(self.locator(tmp))
            except BaseException:
                self._drop_db(tmp)
                raise
            forget_engine(self.locator(tmp))
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f"ALTER DATABASE {_quote(tmp)} RENAME TO {_quote(name)}")
            return loc, time.perf_counter() - started

    def _spare_prefix(self, template: str) -> str:
        digest = hashlib.sha256(self.dbname(template).encode()).hexdigest()[:12]
        return f"{self.prefix}p_{digest}_"

    def spares(self, template: str) -> list[str]:
        """The ready copies of a template (their database names)."""
        return self.databases(self._spare_prefix(template))

    def prepare_spares(self, template: str, count: int) -> int:
        """Copy the template until `count` spares are ready; returns how many were made."""
        made = 0
        while len(self.spares(template)) < count:
            self._copy(self.dbname(template), _safe(f"{self._spare_prefix(template)}{uuid.uuid4().hex[:12]}"))
            made += 1
        return made

    def _take_spare(self, template: str, dest: str) -> bool:
        """Rename a spare of the template to `dest`; False when none could be taken."""
        for spare in self.spares(template):
            try:
                with self.admin.connect() as conn:
                    conn.exec_driver_sql(f"ALTER DATABASE {_quote(spare)} RENAME TO {_quote(dest)}")
                return True
            except (OperationalError, ProgrammingError):
                continue  # another process took it first
        return False

    def create(self, name: str, template: str, overlay: Callable[[World], None]) -> str:
        """A new world from the template (a spare if one is ready, else a copy), with the overlay."""
        from sandbox.worlds.store import open_world

        loc = self.world_path(name)
        self._drop_db(self.dbname(loc))
        if not self._take_spare(template, self.dbname(loc)):
            self._copy(self.dbname(template), self.dbname(loc))
        world = open_world(loc, actor="system")
        try:
            overlay(world)
            world.commit()
        except BaseException:
            world.close()
            self.drop(loc)
            raise
        world.close()
        return loc

    def snapshot(self, locator: str, label: str) -> str:
        """A consistent copy of the world for grading and replay (the copy waits for writers: a
        database being written to cannot be a template, so a snapshot never holds half a unit of work)."""
        dest = self.snapshot_path(label)
        self._drop_db(self.dbname(dest))
        self._copy(self.dbname(locator), self.dbname(dest))
        return dest

    def final_image(self, locator: str) -> str:
        """The submitted world as it was closed, copied once (a later call returns the same copy)."""
        name = self.dbname(locator)
        final = self.snapshot_path(f"{name}_final")
        if self.exists(final):
            return final
        with self._server_lock(f"sandbox-final:{name}"):
            if not self.exists(final):
                partial = self.snapshot(locator, f"{name}_partial")
                with self.admin.connect() as conn:  # whole or absent, as on SQLite
                    conn.exec_driver_sql(
                        f"ALTER DATABASE {_quote(self.dbname(partial))} RENAME TO {_quote(self.dbname(final))}"
                    )
        return final

    def retire(self, locator: str) -> None:
        """Note when a world stopped being the attempt's (in the database's comment)."""
        with self.admin.connect() as conn:
            name = _quote(self.dbname(locator))
            conn.exec_driver_sql(f"COMMENT ON DATABASE {name} IS 'retired:{time.time():.3f}'")

    def drop_retired(self, prefix: str, keep: set[str], grace: float) -> None:
        """Drop the attempt's worlds retired at least `grace` seconds ago and not in use."""
        kept = {self.dbname(k) for k in keep}
        like = self.dbname(self.world_path(prefix))
        with self.admin.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT d.datname, shobj_description(d.oid, 'pg_database') FROM pg_database d "
                    "WHERE starts_with(d.datname, :p)"
                ),
                {"p": like},
            ).all()
        now = time.time()
        for dbname, note in rows:
            if dbname in kept or not (note or "").startswith("retired:"):
                continue
            if now - float(note.split(":", 1)[1]) >= grace:
                self._drop_db(dbname, force=False)

    def drop(self, locator: str) -> None:
        """Remove a world or snapshot database (closing whatever connections it still has)."""
        self._drop_db(self.dbname(locator))

    def drop_all(self) -> int:
        """Remove every database of this store (its prefix); returns how many. For tests and resets."""
        names = self.databases(self.prefix)
        for name in names:
            self._drop_db(name)
        return len(names)

    def describe(self) -> dict[str, Any]:
        """What the health page says about the store."""
        return {"kind": self.kind, "server": self.url.render_as_string(hide_password=True)}
