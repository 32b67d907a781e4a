"""Alembic migrations of the control database (run by `ControlDB.create_all`, see upgrade.py)."""
