"""The business forum (layer 4): boards with their posting rules, threads and replies, and the
platform's NPC moderation on the world clock."""

from sandbox.domains import Domain

DOMAIN = Domain(name="forum", layer=4, views="sandbox.forum.views")
