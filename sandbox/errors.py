"""Errors a user can cause: a message key (a Chinese msgid) with parameters and an HTTP status."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message key for translation extraction without translating it here."""
    return message


class DomainError(Exception):
    """A rule of the simulated market was broken; the view shows the message with `status`."""

    status = 400

    def __init__(self, key: str, status: int | None = None, **params: object) -> None:
        super().__init__(key % params if params else key)
        self.key = key
        self.params = params
        if status is not None:
            self.status = status


class NotFound(DomainError):
    """The thing asked for does not exist in this world."""

    status = 404


class Forbidden(DomainError):
    """The action is not allowed now (for example the attempt is submitted)."""

    status = 403


class Conflict(DomainError):
    """The action clashes with the current state (an illegal status transition)."""

    status = 409
