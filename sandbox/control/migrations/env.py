"""Alembic environment of the control database.

`sandbox.control.migrations.upgrade` passes an open connection (in a transaction, holding the migration
lock) through `config.attributes["connection"]`; the `alembic` command line (alembic.ini at the repository
root) has none, and connects to SANDBOX_CONTROL_DB itself.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from sandbox.control.db import ControlBase

# Autogenerate renders SQLite-safe batch operations (a table copy where SQLite has no ALTER); on
# PostgreSQL the same batch operations are plain ALTER TABLE statements.
OPTIONS = {"target_metadata": ControlBase.metadata, "render_as_batch": True, "compare_type": True}


def _control_url() -> str:
    """The control database URL the application would use."""
    from sandbox import config

    return config.from_env()["CONTROL_DB_URL"]


def run_on(connection: Connection) -> None:
    """Run the migrations on a connection (an outer transaction, if any, is the caller's to commit)."""
    context.configure(connection=connection, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Run on the connection given, or on the configured control database."""
    if context.config.config_file_name and "connection" not in context.config.attributes:
        fileConfig(context.config.config_file_name)  # the alembic command line: its logging settings
    if context.is_offline_mode():
        context.configure(url=_control_url(), literal_binds=True, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    from sandbox.control.db import make_engine
    from sandbox.control.migrations.upgrade import migration_connection

    engine = make_engine(_control_url())
    try:
        with migration_connection(engine) as conn:  # the same lock as the application takes
            run_on(conn)
    finally:
        engine.dispose()


run()
