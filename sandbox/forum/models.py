"""The forum's world tables: boards, members, threads, replies and their pictures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class PostStatus:
    """Where a post stands: the moderator reads every post before visitors see it (先审后发)."""

    PENDING = "pending"  # 待审核: seen by its author only
    APPROVED = "approved"  # 已发布
    HIDDEN = "hidden"  # 已屏蔽 by the moderator, with the reason (seen by its author only)


STATUS_LABELS = {
    PostStatus.PENDING: N_("待审核"),
    PostStatus.APPROVED: N_("已发布"),
    PostStatus.HIDDEN: N_("已屏蔽"),
}


class Board(WorldBase):
    """A board (版块) with its own posting rules."""

    __tablename__ = "forum_boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Board rules (see forum/rules.py): a required title tag, contact details allowed in the body,
    # promotion allowed, threads per author per world day (0: no limit).
    title_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_in_body: Mapped[bool] = mapped_column(default=False)
    promotion: Mapped[bool] = mapped_column(default=False)
    daily_limit: Mapped[int] = mapped_column(Integer, default=0)


class ForumUser(WorldBase):
    """A forum member: a candidate's identity (its e-mail and 云鹊通行证 password) or an NPC poster."""

    __tablename__ = "forum_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    nickname: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None: an NPC, never signs in
    role: Mapped[str] = mapped_column(String(20), default="npc")  # the identity's role, or npc
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Thread(WorldBase):
    """A thread: its first post's title and body, its status and the moderator's reason."""

    __tablename__ = "forum_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("forum_boards.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("forum_users.id"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PostStatus.PENDING, index=True)
    rule: Mapped[str] = mapped_column(String(20), default="")  # the rule a hidden thread broke
    reason: Mapped[str] = mapped_column(String(200), default="")  # its message key
    reason_detail: Mapped[str] = mapped_column(String(120), default="")  # what the moderator found
    names: Mapped[list[Any]] = mapped_column(JSON, default=list)  # products/companies it is about
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_post_at: Mapped[datetime] = mapped_column(DateTime, index=True)

    board: Mapped[Board] = relationship()
    author: Mapped[ForumUser] = relationship()
    replies: Mapped[list[Reply]] = relationship(back_populates="thread", order_by="Reply.id")
    images: Mapped[list[PostImage]] = relationship(
        primaryjoin="and_(PostImage.thread_id == Thread.id, PostImage.reply_id.is_(None))",
        order_by="PostImage.id",
        viewonly=True,
    )


class Reply(WorldBase):
    """A reply in a thread, moderated like a thread."""

    __tablename__ = "forum_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("forum_users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PostStatus.PENDING, index=True)
    rule: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    reason_detail: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    thread: Mapped[Thread] = relationship(back_populates="replies")
    author: Mapped[ForumUser] = relationship()
    images: Mapped[list[PostImage]] = relationship(order_by="PostImage.id", viewonly=True)


class PostImage(WorldBase):
    """A picture of a thread's first post (reply_id None) or of a reply, kept in the world."""

    __tablename__ = "forum_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("forum_replies.id"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)
