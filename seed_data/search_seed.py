"""Builds the search index of a freshly populated world, and brings it up to date after an overlay."""

from __future__ import annotations

from sandbox.worlds.world import World


def index(w: World) -> None:
    """Index every public document of a freshly built world."""


def refresh(w: World) -> None:
    """Index what the attempt's overlay added or changed."""
