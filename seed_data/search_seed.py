"""Builds the search index of a freshly populated world, and brings it up to date after an overlay."""

from __future__ import annotations

from sandbox import domains
from sandbox.search import indexer
from sandbox.worlds.world import World


def index(w: World) -> None:
    """Index every public document of a freshly built world.

    The builder deletes the build's events afterwards, so the index has seen "no event yet"
    (watermark 0): the attempt's first events are read on the first query.
    """
    domains.load_search_sources()
    indexer.build(w, watermark=0)


def refresh(w: World) -> None:
    """Index what the attempt's overlay added or changed (the overlay's events)."""
    domains.load_search_sources()
    indexer.sync(w)
