"""The registration authority's console: reviewers, and what they are shown about an application."""

from __future__ import annotations

from sandbox.pki.models import RaOfficer
from sandbox.secrets_hashing import hash_world_secret
from sandbox.worlds.world import World


def add_officer(w: World, login: str, password: str, name: str) -> RaOfficer:
    """Employ a reviewer at the RA."""
    officer = RaOfficer(login=login, name=name, password_hash=hash_world_secret(password))
    w.db.add(officer)
    w.db.flush()
    return officer
