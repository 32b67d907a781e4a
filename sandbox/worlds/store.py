"""WorldStore: build a template once per scenario version, clone it per attempt, snapshot, drop.

SQLite is the embedded default: a template is a database file and a world is a copy of it,
which is what makes a new world cost milliseconds instead of a fresh generation. An exam centre
puts worlds on PostgreSQL instead (`sandbox.worlds.pgstore`: a database per world, cloned with
`CREATE DATABASE … TEMPLATE …`). Code outside this package names a world by its *locator*, a string:
a file path for SQLite, a SQLAlchemy URL for PostgreSQL; `open_world`, `engine_for` and
`canonical_hash` take either.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, select
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool, QueuePool

from sandbox.worlds.base import WorldMeta
from sandbox.worlds.clock import WorldClock
from sandbox.worlds.world import WRITE_LOCK, World

_ENGINES: OrderedDict[str, Engine] = OrderedDict()
_ENGINES_LOCK = threading.Lock()


def _engine_cache_size() -> int:
    """Worlds whose engine (and pooled connection) a process keeps: every candidate of a large hall,
    as far as the process's file-descriptor limit allows (a connection holds one or two)."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, ValueError, OSError):
        return 256
    if soft == resource.RLIM_INFINITY:
        return 1024
    return max(64, min(1024, soft // 4))


# With fewer, a hall's candidates take turns evicting each other (a process sees every candidate).
_ENGINE_CACHE_SIZE = _engine_cache_size()
# A cached world engine keeps this many SQLite connections open between requests (more are opened
# when a candidate's requests overlap, and closed after use): a new connection re-reads the world's
# schema, over a millisecond with its hundreds of tables and indexes, on every request.
_POOLED_CONNECTIONS = 1
_POOL_OVERFLOW = 8


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    """Wait for a busy world instead of failing, enforce foreign keys, let SQLAlchemy emit BEGIN."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 5000")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()
    dbapi_conn.isolation_level = None  # the driver's implicit BEGIN would come too late (see _begin)


def _begin(conn: Connection) -> None:
    """Start every world transaction explicitly; a writer takes the write lock before it reads.

    With BEGIN IMMEDIATE, two requests that both read-then-write (say, a double-clicked 付款) run
    one after the other: the second sees the first one's result instead of paying again.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_LOCK) else "BEGIN")
    # SQLite counts changed rows per connection, and a pooled connection outlives the transaction.
    conn.info[CHANGES_AT_BEGIN] = conn.connection.dbapi_connection.total_changes


CHANGES_AT_BEGIN = "sandbox_changes_at_begin"


def changed_rows(conn: Connection) -> int | None:
    """Rows the connection's open transaction has written so far (SQLite), None where unknown."""
    try:
        total = conn.connection.dbapi_connection.total_changes
    except AttributeError:
        return None
    return total - conn.info.get(CHANGES_AT_BEGIN, 0)


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _pool_follows_file(engine: Engine, path: str) -> None:
    """A pooled connection stays with its file: when the world at `path` was removed or replaced
    (dropped, reset, re-created from a template) since the connection opened, it is not used again."""

    @sa_event.listens_for(engine, "connect")
    def _opened(_dbapi_conn: sqlite3.Connection, record: Any) -> None:
        record.info["file"] = _file_id(path)

    @sa_event.listens_for(engine, "checkout")
    def _checked_out(_dbapi_conn: sqlite3.Connection, record: Any, _proxy: Any) -> None:
        if record.info.get("file") != _file_id(path):
            raise DisconnectionError("the world's file was replaced")  # the pool opens a new one


def is_postgres(locator: Path | str) -> bool:
    """Whether a world locator names a PostgreSQL database (else it is a SQLite file)."""
    return str(locator).startswith("postgresql")


def new_engine(locator: Path | str, *, pooled: bool = False) -> Engine:
    """A new engine for the world at `locator` (SQLite file or PostgreSQL URL), not cached.

    `pooled` (SQLite): keep a connection open between units of work (see engine_for)."""
    if is_postgres(locator):
        from sandbox.worlds.pgstore import world_engine

        return world_engine(str(locator))
    if pooled:
        engine = create_engine(
            f"sqlite:///{locator}",
            poolclass=QueuePool,
            pool_size=_POOLED_CONNECTIONS,
            max_overflow=_POOL_OVERFLOW,
        )
        _pool_follows_file(engine, str(locator))
    else:
        engine = create_engine(f"sqlite:///{locator}", poolclass=NullPool)
    sa_event.listen(engine, "connect", _sqlite_pragmas)
    sa_event.listen(engine, "begin", _begin)
    return engine


def engine_for(path: Path | str) -> Engine:
    """Return a cached engine for the world database at `path` (a file, or a PostgreSQL URL)."""
    key = str(path)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is not None:
            _ENGINES.move_to_end(key)
            return engine
        engine = new_engine(key, pooled=True)
        _ENGINES[key] = engine
        while len(_ENGINES) > _ENGINE_CACHE_SIZE:
            _ENGINES.popitem(last=False)[1].dispose()
        return engine


def world_exists(locator: Path | str) -> bool:
    """Whether the world at `locator` exists (a file, or a database that accepts a connection)."""
    if not is_postgres(locator):
        return Path(locator).exists()
    from sqlalchemy.exc import OperationalError

    try:
        with engine_for(locator).connect():
            return True
    except OperationalError:
        return False


def forget_engine(path: Path | str) -> None:
    """Drop the cached engine of a world that is being removed or replaced."""
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(str(path), None)
    if engine is not None:
        engine.dispose()


def open_world(
    path: Path | str,
    *,
    read_only: bool = False,
    frozen_real: float | None = None,
    actor: str = "candidate",
    real_now: Callable[[], float] = time.time,
    write_lock: bool = False,
) -> World:
    """Open a world database with its clock read from the world's metadata.

    `write_lock` takes the world's write lock at once (for a unit of work that reads, then writes).
    """
    db = Session(engine_for(path), expire_on_commit=False)
    if write_lock and not read_only:
        db.connection(execution_options={WRITE_LOCK: True})
    meta = db.get(WorldMeta, 1)
    if meta is None:
        db.close()
        raise FileNotFoundError(f"not a world database: {path}")
    clock = WorldClock(meta.epoch, meta.started_real, meta.clock_scale, frozen_real, real_now)
    return World(db, clock, read_only=read_only, actor=actor)


def _canonical(value: Any) -> Any:
    """A value as JSON can write it, the same whichever database it was read from."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical_rows(locator: Path | str) -> Iterator[str]:
    """Every row of every table, as canonical JSON lines, tables by name, rows by key.

    Tables are read through their declared models (WorldBase's metadata: types as the code knows
    them, the same on every store); a table no model declares is read as the database describes it."""
    from sqlalchemy import MetaData, Table, inspect

    from sandbox.worlds.base import WorldBase

    engine = new_engine(locator)
    try:
        with engine.connect() as conn:
            reflected = MetaData()
            for name in sorted(inspect(conn).get_table_names()):
                if name == "sqlite_sequence":
                    continue
                table = WorldBase.metadata.tables.get(name)
                if table is None:
                    table = Table(name, reflected, autoload_with=conn)
                order = list(table.primary_key.columns) or list(table.columns)
                yield json.dumps(name)
                for row in conn.execute(select(table).order_by(*order)):
                    values = {k: _canonical(v) for k, v in row._mapping.items()}
                    yield json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    finally:
        engine.dispose()


def canonical_hash(path: Path | str) -> str:
    """SHA-256 of the world's rows in canonical form: equal worlds hash equal whatever the file
    layout, and whichever store (SQLite or PostgreSQL) holds them."""
    digest = hashlib.sha256()
    for line in canonical_rows(path):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on a folder held by this process (other processes and workers wait); the
    folder itself is locked, so no lock file is left beside what it holds."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def make_store(config: dict[str, Any]) -> Any:
    """The world store the configuration names: PostgreSQL when WORLD_STORE is a postgresql:// URL,
    else SQLite files under DATA_DIR."""
    url = config.get("WORLD_STORE") or ""
    if is_postgres(url):
        from sandbox.worlds.pgstore import PostgresWorldStore

        return PostgresWorldStore(url, config.get("WORLD_STORE_PREFIX") or "sbx_", config["DATA_DIR"])
    return WorldStore(config["DATA_DIR"], config.get("TEMPLATES_DIR"))


class WorldStore:
    """Files for templates, worlds and snapshots under one root folder (SQLite)."""

    kind = "sqlite"

    def __init__(self, root: Path, templates: Path | None = None) -> None:
        self.root = Path(root)
        self.templates = Path(templates) if templates else self.root / "templates"
        self.worlds = self.root / "worlds"
        self.snapshots = self.root / "snapshots"
        for d in (self.templates, self.worlds, self.snapshots):
            d.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def template_path(self, key: str) -> Path:
        """Where the template with this key lives."""
        return self.templates / f"{key}.sqlite"

    def ensure_template(self, key: str, build: Callable[[Path], None]) -> tuple[Path, float | None]:
        """Build the template once; returns its path and the build time in seconds (None if cached)."""
        path = self.template_path(key)
        if path.exists():
            return path, None
        # One build per template: threads of this process, and other workers on the same folder, wait.
        with self._lock, folder_lock(self.templates):
            if path.exists():
                return path, None
            started = time.perf_counter()
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.unlink(missing_ok=True)
            build(tmp)
            forget_engine(tmp)
            os.replace(tmp, path)
            return path, time.perf_counter() - started

    def derive_template(
        self, key: str, source: Path, finish: Callable[[Path], None]
    ) -> tuple[Path, float | None]:
        """A template made once from a copy of another (`source`) and a finishing step; as ensure_template."""

        def build(tmp: Path) -> None:
            shutil.copyfile(source, tmp)
            finish(tmp)

        return self.ensure_template(key, build)

    def exists(self, locator: Path | str) -> bool:
        """Whether the world (or template, or snapshot) exists."""
        return Path(locator).exists()

    def world_path(self, name: str) -> Path:
        """Where the world called `name` lives."""
        return self.worlds / f"{name}.sqlite"

    def create(self, name: str, template: Path, overlay: Callable[[World], None]) -> Path:
        """Clone the template into a new world and apply the per-attempt overlay."""
        path = self.world_path(name)
        self.drop(path)
        shutil.copyfile(template, path)
        world = open_world(path, actor="system")
        try:
            overlay(world)
            world.commit()
        except BaseException:
            world.close()
            self.drop(path)
            raise
        world.close()
        return path

    def snapshot(self, path: Path, label: str) -> Path:
        """Copy a consistent image of the world (SQLite backup API) for grading and replay."""
        dest = self.snapshots / f"{label}.sqlite"
        dest.unlink(missing_ok=True)
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return dest

    def final_image(self, locator: Path | str) -> Path:
        """The submitted world as it was closed, copied once (a later call returns the same copy)."""
        world = Path(locator)
        final = self.snapshots / f"{world.stem}-final.sqlite"
        if not final.exists():
            made = self.snapshot(world, f"{world.stem}-final-partial")
            made.replace(final)  # whole or absent: a crash mid-copy leaves no half-made final image
        return final

    def retire(self, locator: Path | str) -> None:
        """Note that a world is no longer the attempt's (the file's last change dates it here)."""

    def drop_retired(self, prefix: str, keep: set[str], grace: float) -> None:
        """Remove worlds named `prefix*` (but not those in `keep`) untouched for `grace` seconds.

        A request may still be reading or writing a world that a reset retired; removing the file
        under it would make its writes fail. Requests last seconds, so a world left alone for `grace`
        seconds is no longer in use."""
        now = time.time()
        for world in self.worlds.glob(f"{prefix}*.sqlite"):
            if str(world) in keep:
                continue
            touched = max(
                (Path(f"{world}{s}").stat().st_mtime for s in ("", "-wal") if Path(f"{world}{s}").exists()),
                default=0.0,
            )
            if now - touched >= grace:
                self.drop(world)

    def drop(self, path: Path | str) -> None:
        """Remove a world or snapshot file."""
        forget_engine(path)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
