"""The forum's public documents for the search engine: every published thread (with its published
replies), re-read after the moderator's decisions."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from sandbox.forum.models import PostStatus, Reply, Thread
from sandbox.worlds.base import Event
from sandbox.worlds.public import PublicDoc, Source, register_source
from sandbox.worlds.world import World

SITE = "bbs.yunshang.cn"
EVENTS = ("forum.thread_approved", "forum.thread_hidden", "forum.reply_approved", "forum.reply_hidden")


def _doc(thread: Thread, replies: list[str]) -> PublicDoc:
    body = "\n".join([thread.body, *replies])
    return PublicDoc(
        source="forum",
        key=str(thread.id),
        url=f"/forum/thread/{thread.id}",
        title=thread.title,
        body=body,
        site=SITE,
        kind="forum",
        published_at=thread.decided_at or thread.created_at,
        names=tuple(str(n) for n in thread.names or ()),
    )


def _replies(w: World, thread_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not thread_ids:
        return out
    q = (
        select(Reply.thread_id, Reply.body)
        .where(Reply.thread_id.in_(thread_ids), Reply.status == PostStatus.APPROVED)
        .order_by(Reply.id)
    )
    for thread_id, body in w.db.execute(q):
        out.setdefault(thread_id, []).append(body)
    return out


def documents(w: World) -> Iterable[PublicDoc]:
    """Every published thread."""
    threads = list(
        w.db.scalars(select(Thread).where(Thread.status == PostStatus.APPROVED).order_by(Thread.id))
    )
    replies = _replies(w, [t.id for t in threads])
    return [_doc(t, replies.get(t.id, [])) for t in threads]


def document(w: World, key: str) -> PublicDoc | None:
    """One published thread by its id; None when it is not (or no longer) public."""
    if not key.isascii() or not key.isdigit() or len(key) > 18:
        return None
    thread = w.db.get(Thread, int(key))
    if thread is None or thread.status != PostStatus.APPROVED:
        return None
    return _doc(thread, _replies(w, [thread.id]).get(thread.id, []))


def changed(w: World, event: Event) -> Iterable[str]:
    """The thread a moderator's decision touched."""
    thread_id = (event.payload or {}).get("thread_id")
    return [str(thread_id)] if thread_id is not None else []


SOURCE = register_source(Source("forum", documents, document, EVENTS, changed))
