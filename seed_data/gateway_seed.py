"""The payment platform's part of a world: merchant apps for the shops, platform accounts for identities."""

from __future__ import annotations

from typing import Any

from sandbox.worlds.world import World


def overlay(w: World, identities: list[dict[str, Any]]) -> None:
    """Give the candidate's identities their platform accounts (filled in with the platform)."""
