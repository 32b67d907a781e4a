"""The full world schema: importing this registers every domain's tables on WorldBase."""

from __future__ import annotations

from sqlalchemy import Engine

from sandbox.bank import models as _bank  # noqa: F401
from sandbox.orders import models as _orders  # noqa: F401
from sandbox.storefront import models as _storefront  # noqa: F401
from sandbox.worlds.base import WorldBase


def create_schema(engine: Engine) -> None:
    """Create every world table in an empty database."""
    WorldBase.metadata.create_all(engine)
