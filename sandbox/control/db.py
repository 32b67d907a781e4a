"""Control database engine and sessions (one per request; one per grading job)."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from sandbox.certificates import models as _certificate_models  # noqa: F401  (control tables too)
from sandbox.control.models import ControlBase  # noqa: F401  (with every control table registered)
from sandbox.replay import models as _replay_models  # noqa: F401  (its table is a control table too)
from sandbox.theory import models as _theory_models  # noqa: F401  (control tables too)


def make_engine(url: str) -> Engine:
    """Create the control engine; SQLite gets WAL so graders read while candidates write."""
    if url.startswith("sqlite"):
        # A request may hold two connections at once (its own, and one to queue grading): a pool no
        # larger than the concurrent requests would let a full exam hall wait on itself. SQLite
        # connections are cheap file handles, so allow many.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=200,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit costs 0.1 ms
            # instead of 2 ms here, and every request of the hall commits its action-log row while
            # holding the database's one write lock. A crash of the process loses nothing; a power
            # cut may lose the last commits (never corrupts), and the action log is then completed
            # from the worlds' own events (control.log_reconcile).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class ControlDB:
    """The control database of one application."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        """Bring the control database to the newest schema: Alembic migrations, under a lock (see
        sandbox/control/migrations/upgrade.py); a new database gets today's tables at once."""
        from sandbox.control.migrations.upgrade import upgrade

        upgrade(self.engine)

    def session(self) -> Session:
        """A new session."""
        return self.sessions()
