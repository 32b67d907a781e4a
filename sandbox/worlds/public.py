"""The registry of searchable content: each domain hands its public documents to search here.

A domain (any layer) registers a `Source` from the module its `Domain.sources` names; the search
engine (layer 3) reads `sources()` and so imports no domain. A source lists every public document
of a world, gives one by its key, and names the domain events after which a document may have been
published, changed or withdrawn (search re-reads those keys before it answers a query, so new
content is searchable at once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.worlds.base import Event
    from sandbox.worlds.world import World


@dataclass(frozen=True)
class PublicDoc:
    """One public page of the world, as the search engine indexes it."""

    source: str  # the registering source's name
    key: str  # stable within the source (e.g. a row id)
    url: str  # where a visitor opens it inside the world (a path, e.g. /web/site/page)
    title: str
    body: str  # plain text (no markup)
    site: str  # a host-like name for `site:` (e.g. www.hengda-pack.cn)
    kind: str  # the result-type filter: page, news, notice, price, forum, goods, shop, listing, company …
    published_at: datetime | None = None  # world time, for the date filter and "outdated" judgements
    names: tuple[str, ...] = ()  # proper names it is about (companies, products): the segmenter's user words


@dataclass(frozen=True)
class Source:
    """A domain's public documents."""

    name: str
    documents: Callable[[World], Iterable[PublicDoc]]  # every public document now
    document: Callable[[World, str], PublicDoc | None]  # one by key; None when no longer public
    events: tuple[str, ...] = ()  # event names after which `changed` keys are re-read
    changed: Callable[[World, Event], Iterable[str]] | None = None  # the keys an event touched


_SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> Source:
    """Register (or replace, on a module reload) a source of public documents."""
    _SOURCES[source.name] = source
    return source


def sources() -> list[Source]:
    """Every registered source, by name."""
    return [_SOURCES[name] for name in sorted(_SOURCES)]
