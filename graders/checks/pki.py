"""Checks about certificates: applications, issued certificates, the candidate's store, secure mail."""

from __future__ import annotations
