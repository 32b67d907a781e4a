"""PostgreSQL for tests: the server's URL, and whether it answers (tests skip, saying so, when not)."""

from __future__ import annotations

import os
import uuid

import pytest

SERVER = os.environ.get("SANDBOX_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/")


def answers() -> bool:
    """Whether the PostgreSQL server answers."""
    try:
        import psycopg

        with psycopg.connect(SERVER.replace("postgresql+psycopg", "postgresql"), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means: not available here
        return False


needs_postgres = pytest.mark.skipif(
    not answers(), reason=f"PostgreSQL does not answer at {SERVER}: its part of the suite is skipped"
)


def prefix() -> str:
    """A database-name prefix of one test's own."""
    return f"t{uuid.uuid4().hex[:8]}_"
