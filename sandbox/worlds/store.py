"""WorldStore: build a template once per scenario version, clone it per attempt, snapshot, drop.

SQLite is the embedded default: a template is a database file and a world is a copy of it,
which is what makes a new world cost milliseconds instead of a fresh generation.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from sandbox.worlds.base import WorldMeta
from sandbox.worlds.clock import WorldClock
from sandbox.worlds.world import WRITE_LOCK, World

_ENGINES: OrderedDict[str, Engine] = OrderedDict()
_ENGINES_LOCK = threading.Lock()
_ENGINE_CACHE_SIZE = 256


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


def engine_for(path: Path | str) -> Engine:
    """Return a cached engine for the world database at `path`."""
    key = str(path)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is not None:
            _ENGINES.move_to_end(key)
            return engine
        engine = create_engine(f"sqlite:///{key}", poolclass=NullPool)
        sa_event.listen(engine, "connect", _sqlite_pragmas)
        sa_event.listen(engine, "begin", _begin)
        _ENGINES[key] = engine
        while len(_ENGINES) > _ENGINE_CACHE_SIZE:
            _ENGINES.popitem(last=False)[1].dispose()
        return engine


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


def canonical_hash(path: Path | str) -> str:
    """SHA-256 of the world's SQL dump: equal worlds hash equal whatever the file layout."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        for line in conn.iterdump():
            digest.update(line.encode())
            digest.update(b"\n")
        return digest.hexdigest()
    finally:
        conn.close()


class WorldStore:
    """Files for templates, worlds and snapshots under one root folder."""

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
        with self._lock:
            if path.exists():
                return path, None
            started = time.perf_counter()
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.unlink(missing_ok=True)
            build(tmp)
            forget_engine(tmp)
            os.replace(tmp, path)
            return path, time.perf_counter() - started

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

    def drop(self, path: Path) -> None:
        """Remove a world or snapshot file."""
        forget_engine(path)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
