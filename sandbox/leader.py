"""One process at a time: who runs the deadline sweeper and the in-process grading worker.

Several gunicorn workers (and several machines) serve one exam; jobs that must run once — sweeping
deadlines, grading with the one Chromium when no Celery worker does — go to whichever process holds
the leadership. With the control database on PostgreSQL that is a session advisory lock (it works
across machines and is released when the holder dies); on SQLite it is a lock on a file of the data
folder (one machine: SQLite is not shared across machines). Leadership is taken without waiting, so
a follower simply tries again later; when the leader dies its lock goes with it.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class Leadership:
    """A named leadership for this process; `try_acquire()` is True while this process holds it."""

    def __init__(self, config: dict[str, Any], name: str) -> None:
        self.name = name
        self.url = str(config.get("CONTROL_DB_URL", ""))
        self.folder = Path(config["DATA_DIR"])
        self._held: Any = None  # the open file, or the PostgreSQL connection, that holds the lock
        self._lock = threading.Lock()

    @property
    def held(self) -> bool:
        """Whether this process is the leader now."""
        return self._held is not None

    def try_acquire(self) -> bool:
        """Become the leader if nobody is (never waits); True if this process leads."""
        with self._lock:
            if self._held is not None:
                if self.url.startswith("postgresql") and not self._alive():
                    self._held = None  # the connection (and with it the lock) was lost
                else:
                    return True
            self._held = self._pg() if self.url.startswith("postgresql") else self._file()
            if self._held is not None:
                log.info("process %s now leads %s", os.getpid(), self.name)
            return self._held is not None

    def release(self) -> None:
        """Give the leadership up (closing what held it)."""
        with self._lock:
            held, self._held = self._held, None
        if held is not None:
            held.close()

    def _file(self) -> Any:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.folder / f".{self.name}.leader", "a")  # noqa: SIM115 - held while leading
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return None
        return handle

    def _key(self) -> int:
        return int.from_bytes(
            hashlib.sha256(f"sandbox-leader:{self.name}".encode()).digest()[:8], "big", signed=True
        )

    def _pg(self) -> Any:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.url).set(drivername="postgresql")
        conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        if conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key(),)).fetchone()[0]:
            return conn
        conn.close()
        return None

    def _alive(self) -> bool:
        try:
            self._held.execute("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - a lost connection: the lock is gone with it
            try:
                self._held.close()
            except Exception:  # noqa: BLE001
                log.debug("closing a lost leader connection failed", exc_info=True)
            return False
