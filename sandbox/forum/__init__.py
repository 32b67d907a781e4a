"""The business forum (layer 4): boards with their posting rules, threads and replies, and the
platform's NPC moderation on the world clock."""

from sandbox.domains import DesktopApp, Domain
from sandbox.errors import N_

DOMAIN = Domain(
    name="forum",
    layer=4,
    models="sandbox.forum.models",
    views="sandbox.forum.views",
    npc_actions="sandbox.forum.npc",
    checks=("graders.checks.forum",),
    sources=("sandbox.forum.public_docs",),
    app=DesktopApp("forum", N_("商务论坛"), "论", "forum", "forum.home", ("forum",), position=60),
)
