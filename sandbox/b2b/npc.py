"""The B2B platform's NPC actions (each part registers its own)."""

from sandbox.b2b import npc_deals, npc_docs, npc_market  # noqa: F401
