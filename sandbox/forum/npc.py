"""The forum's NPC: the moderator (版主) reads new threads and replies on the world clock.

`forum.moderate` on `forum.thread_posted` (or `forum.reply_posted`) decides that post, at once or
`after` a delay such as +1m counted from the posting (the scheduled decision is `forum.moderate_step`);
as an `at:` rule it decides every post waiting. `mail: false` hides without telling the author by mail.
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import N_, DomainError
from sandbox.forum import services
from sandbox.forum.models import PostStatus, Reply, Thread
from sandbox.worlds.base import Event
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.npc import npc_action, schedule
from sandbox.worlds.world import World

STEP = "forum.moderate_step"


def _delay(args: dict[str, Any]):  # noqa: ANN202
    raw = args.get("after")
    try:
        return parse_offset(str(raw)) if raw else None
    except ValueError:
        raise DomainError(N_("after 必须形如 +30m、+2h 或 +1d")) from None


def _decide(w: World, kind: str, pk: object, notify: bool) -> None:
    if kind == "reply":
        reply = w.db.get(Reply, pk) if isinstance(pk, int) else None
        if reply is not None and reply.status == PostStatus.PENDING:
            services.moderate_reply(w, reply, notify)
        return
    thread = w.db.get(Thread, pk) if isinstance(pk, int) else None
    if thread is not None and thread.status == PostStatus.PENDING:
        services.moderate_thread(w, thread, notify)


@npc_action("forum.moderate")
def moderate(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The forum's moderator decides a new thread or reply (the triggering one, or every one waiting),
    at once or `after` a delay such as +1m: approves it, or hides it with the rule it breaks and, unless
    `mail: false`, tells the author by mail."""
    delay = _delay(args)
    notify = args.get("mail", True) is not False
    if trigger is not None and "reply_id" in trigger.payload:
        targets, since = [("reply", trigger.payload["reply_id"])], trigger.at
    elif trigger is not None and "thread_id" in trigger.payload:
        targets, since = [("thread", trigger.payload["thread_id"])], trigger.at
    else:
        waiting = [("thread", t.id) for t in services.pending_threads(w)]
        targets, since = waiting + [("reply", r.id) for r in services.pending_replies(w)], w.now()
    for kind, pk in targets:
        if delay:
            schedule(w, since + delay, STEP, kind=kind, id=pk, mail=notify)
        else:
            _decide(w, kind, pk, notify)


@npc_action(STEP, for_rules=False)
def moderate_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The moderator's scheduled decision on one post (if it still waits)."""
    _decide(w, str(args.get("kind")), args.get("id"), args.get("mail", True) is not False)
