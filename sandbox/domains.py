"""The one list of the simulated market's domains.

Each entry of PACKAGES names a domain package; the package declares, in its `__init__.py`, a
`DOMAIN` saying what it brings: its world tables (models), its pages (a blueprint), its desktop app,
the NPC actions scenarios may use and the grader checks about it. The application factory, the
world schema, the candidate's desktop and the grader registry all read this list, so adding a
module means adding its package here and nothing else.

Packages are listed from the lowest layer up (see ARCHITECTURE.md); the desktop orders apps by
their own `position`.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy import Engine

PACKAGES = (
    "sandbox.pki",
    "sandbox.bank",
    "sandbox.mail",
    "sandbox.web",
    "sandbox.gateway",
    "sandbox.logistics",
    "sandbox.storefront",
    "sandbox.orders",
    "sandbox.merchant",
    "sandbox.search",
    "sandbox.b2b",
    "sandbox.forum",
    "sandbox.marketing",
    "sandbox.auction",
    "sandbox.service",
    "sandbox.analytics",
)


@dataclass(frozen=True)
class DesktopApp:
    """An app on the candidate's desktop and dock."""

    id: str  # what a scenario's world.apps lists
    label: str  # a Chinese msgid (marked with N_ where it is declared)
    icon: str  # one character on the coloured tile
    css: str  # the tile's colour class
    endpoint: str  # where the app opens
    blueprints: tuple[str, ...]  # pages that belong to the app (its dock entry is lit on them)
    position: int = 100  # place on the desktop, smallest first (the shop, then the bank, …)


@dataclass(frozen=True)
class Domain:
    """What one domain package brings to the sandbox (module paths, imported on demand)."""

    name: str
    layer: int
    models: str | None = None  # registers the domain's world tables on WorldBase
    views: str | None = None  # a module with `bp`, the domain's blueprint (pages in the world)
    npc_actions: str | None = None  # registers @npc_action functions
    checks: tuple[str, ...] = ()  # grader modules registering @check functions about the domain
    sources: tuple[str, ...] = ()  # modules registering the domain's public documents (worlds.public)
    app: DesktopApp | None = None
    more_apps: tuple[DesktopApp, ...] = ()  # a domain with two apps (the CA's site and the certificate store)

    @property
    def apps(self) -> tuple[DesktopApp, ...]:
        """Every desktop app of the domain."""
        return ((self.app,) if self.app else ()) + self.more_apps


@functools.cache
def all_domains() -> tuple[Domain, ...]:
    """Every domain, in the order of PACKAGES."""
    return tuple(importlib.import_module(package).DOMAIN for package in PACKAGES)


def load_models() -> None:
    """Import every domain's models, so WorldBase knows the whole world schema."""
    for domain in all_domains():
        if domain.models:
            importlib.import_module(domain.models)


def create_world_schema(engine: Engine) -> None:
    """Create every world table of every domain in an empty database."""
    from sandbox.worlds.base import WorldBase

    load_models()
    WorldBase.metadata.create_all(engine)


def blueprints() -> list[Blueprint]:
    """The blueprints of the domains' pages (a views module lists several in `bps`, else has one `bp`)."""
    found = []
    for domain in all_domains():
        if domain.views:
            module = importlib.import_module(domain.views)
            found.extend(getattr(module, "bps", None) or [module.bp])
    return found


@functools.cache
def world_blueprint_names() -> frozenset[str]:
    """Names of blueprints whose every page lives inside an attempt's world."""
    return frozenset(bp.name for bp in blueprints())


def load_npc_actions() -> None:
    """Import the NPC actions of the worlds layer and of every domain (they register themselves)."""
    importlib.import_module("sandbox.worlds.npc")
    for domain in all_domains():
        if domain.npc_actions:
            importlib.import_module(domain.npc_actions)


def load_search_sources() -> None:
    """Import every domain's modules that hand public documents to search (they register themselves)."""
    for domain in all_domains():
        for module in domain.sources:
            importlib.import_module(module)


def check_modules() -> list[str]:
    """The grader modules with checks about the domains."""
    return [module for domain in all_domains() for module in domain.checks]


def desktop_apps(shown: list[str] | None = None) -> list[DesktopApp]:
    """The domains' desktop apps, or only those a scenario lists in `world.apps`."""
    apps = sorted((a for d in all_domains() for a in d.apps), key=lambda a: a.position)
    return apps if shown is None else [a for a in apps if a.id in shown]
