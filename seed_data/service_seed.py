"""Seed data of the service domain (see sandbox/service/)."""

from __future__ import annotations

from typing import Any

from sandbox.worlds.world import World


def populate(w: World, seed: int) -> None:
    """Fill the base world (the same seed gives the same content)."""


def identity_fields(seed: int, spec: dict[str, Any], ident: dict[str, Any]) -> None:
    """Add this domain's fields to a candidate identity drawn from the attempt seed."""


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None,
    params: dict[str, Any] | None,
) -> None:
    """The attempt's own, parameter-dependent content."""
