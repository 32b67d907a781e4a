"""The forum's services: members and their login, posting threads and replies under the boards' rules,
the moderator's decisions, and what visitors and authors see.

A post that breaks an upfront rule is refused with the rule named; nothing of it is stored, but the
refusal is recorded (`forum.post_refused`, committed before the refusal is raised) so that examiners and
graders see it. A new thread or reply waits for the moderator (待审核, seen by its author only); the NPC
action `forum.moderate` approves it or hides it with the reason (see forum/rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.forum import rules
from sandbox.forum.models import Board, ForumUser, PostImage, PostStatus, Reply, Thread
from sandbox.mail import services as mail
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.storefront import uploads
from sandbox.worlds.world import World

MODERATOR_MAILBOX = "admin@bbs.mail.sim"
MODERATOR_NAME = "云商论坛管理员"
PAGE_SIZE = 20
FLOOD_WINDOW = timedelta(minutes=1)  # real time; the world clock runs `scale` times as fast


class RuleBroken(DomainError):
    """A post breaks one of the board's rules: `broken` names the rule and what was found."""

    def __init__(self, broken: rules.Broken, status: int = 400, retry_after: int = 0):
        super().__init__(broken.key, status=status, **(broken.params or {}))
        self.broken = broken
        self.retry_after = retry_after


class PostInvalid(DomainError):
    """A form field is missing or wrong (not a board rule): `errors` maps field -> message key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("帖子填写有误，请检查标红的项目"))
        self.errors = errors


# --- boards and members ------------------------------------------------------------------------


def boards(w: World) -> list[Board]:
    """Every board, in the order the forum shows them."""
    return list(w.db.scalars(select(Board).order_by(Board.position, Board.id)))


def board_by_slug(w: World, slug: str) -> Board:
    """A board by its slug, or NotFound."""
    board = w.db.scalars(select(Board).where(Board.slug == (slug or "")[:20])).first()
    if board is None:
        raise NotFound(N_("版块不存在"))
    return board


def open_member(
    w: World, *, login: str, nickname: str, password: str | None, role: str = "npc", salt: str | None = None
) -> ForumUser:
    """A forum member (password None: an NPC poster who never signs in; `salt` for a template's)."""
    user = ForumUser(
        login=login.strip().lower(),
        nickname=nickname,
        password_hash=hash_world_secret(password, salt) if password else None,
        role=role,
        created_at=w.now(),
    )
    w.db.add(user)
    w.db.flush()
    return user


def member_by_login(w: World, login: str) -> ForumUser | None:
    """The member with this login (an e-mail address), if any."""
    return w.db.scalars(select(ForumUser).where(ForumUser.login == (login or "").strip().lower())).first()


def get_member(w: World, user_pk: object) -> ForumUser | None:
    """The member remembered in the session, if any."""
    return w.db.get(ForumUser, user_pk) if isinstance(user_pk, int) else None


def sign_in(w: World, login: str, password: str) -> ForumUser:
    """Check a login (the identity's e-mail) and its 云鹊通行证 password; one message for either wrong."""
    user = member_by_login(w, login)
    if user is None or not check_secret(user.password_hash, password or ""):
        raise DomainError(N_("账号或密码错误"), status=401)
    w.emit("forum.signed_in", user=user.login)
    return user


# --- posting -----------------------------------------------------------------------------------


def _clean(text: str | None, limit: int) -> str:
    return (text or "").replace("\r\n", "\n").strip()[: limit + 1]


def _refuse(w: World, broken: rules.Broken, *, kind: str, user: ForumUser, board: Board, title: str) -> None:
    """Record the refusal (committed: the post is refused, its record stays) and raise it."""
    w.emit(
        "forum.post_refused",
        kind=kind,
        rule=broken.rule,
        board=board.slug,
        user=user.login,
        title=title[:80],
        found=broken.detail,
    )
    w.commit()
    raise RuleBroken(broken)


def _flood_check(w: World, user: ForumUser) -> None:
    """Refuse (429) a post beyond FLOOD_POSTS in the last real minute (measured on the world clock)."""
    window = FLOOD_WINDOW * max(w.clock.scale or 1.0, 1.0)
    since = w.now() - window
    times = [
        *w.db.scalars(
            select(Thread.created_at).where(Thread.author_id == user.id, Thread.created_at > since)
        ),
        *w.db.scalars(select(Reply.created_at).where(Reply.author_id == user.id, Reply.created_at > since)),
    ]
    if len(times) >= rules.FLOOD_POSTS:
        wait = (min(times) + window - w.now()).total_seconds() / max(w.clock.scale or 1.0, 1.0)
        broken = rules.Broken("rate_limit", params={"n": rules.FLOOD_POSTS})
        raise RuleBroken(broken, status=429, retry_after=max(1, int(wait) + 1))


def _check_images(files: list[tuple[str, bytes]] | None) -> list[uploads.CheckedImage]:
    chosen = [(name, data) for name, data in files or [] if name or data]
    if len(chosen) > rules.MAX_IMAGES:
        raise DomainError(N_("每帖最多%(n)s张图片"), n=rules.MAX_IMAGES)
    return [uploads.check_image(name, data) for name, data in chosen]


def _add_images(w: World, thread: Thread, reply: Reply | None, checked: list[uploads.CheckedImage]) -> None:
    for image in checked:
        w.db.add(
            PostImage(
                thread_id=thread.id,
                reply_id=reply.id if reply else None,
                **image.columns(w.now()),
            )
        )
    w.db.flush()


def post_thread(
    w: World, user: ForumUser, board_slug: str, title: str, body: str, files: list | None = None
) -> Thread:
    """Post a new thread: checked against the board's rules at once, then left for the moderator."""
    title = " ".join((title or "").split())[:200]
    body = _clean(body, rules.BODY_MAX)
    board = w.db.scalars(select(Board).where(Board.slug == (board_slug or "")[:20])).first()
    errors = {}
    if board is None:
        errors["board"] = N_("请选择版块")
    if not title:
        errors["title"] = N_("请填写标题")
    if not body:
        errors["body"] = N_("请填写正文")
    if errors:
        raise PostInvalid(errors)
    _flood_check(w, user)
    broken = rules.check_thread(board, title, body) or _repeat_check(w, user, board, title)
    if broken is not None:
        _refuse(w, broken, kind="thread", user=user, board=board, title=title)
    checked = _check_images(files)
    now = w.now()
    thread = Thread(
        board_id=board.id, author_id=user.id, title=title, body=body, created_at=now, last_post_at=now
    )
    w.db.add(thread)
    w.db.flush()
    _add_images(w, thread, None, checked)
    w.emit(
        "forum.thread_posted",
        thread_id=thread.id,
        board=board.slug,
        board_name=board.name,
        user=user.login,
        title=title,
        images=len(checked),
    )
    return thread


def _repeat_check(w: World, user: ForumUser, board: Board, title: str) -> rules.Broken | None:
    """The duplicate rule (same title, same board, within a world day) and the board's daily limit."""
    now = w.now()
    recent = w.db.scalars(
        select(Thread).where(
            Thread.author_id == user.id,
            Thread.board_id == board.id,
            Thread.created_at > now - timedelta(hours=rules.DUPLICATE_HOURS),
        )
    ).all()
    if any(rules.squeeze(t.title) == rules.squeeze(title) for t in recent):
        return rules.Broken("duplicate", title)
    if board.daily_limit:
        today = [t for t in recent if t.created_at.date() == now.date()]
        if len(today) >= board.daily_limit:
            return rules.Broken("daily_limit", f"{len(today)}", {"n": board.daily_limit})
    return None


def post_reply(w: World, user: ForumUser, thread: Thread, body: str, files: list | None = None) -> Reply:
    """Reply to a published thread: checked at once, then left for the moderator."""
    if thread.status != PostStatus.APPROVED:
        raise Conflict(N_("该帖子尚未公开，不能回复"))
    body = _clean(body, rules.REPLY_MAX)
    if not body:
        raise PostInvalid({"body": N_("请填写回复内容")})
    _flood_check(w, user)
    broken = rules.check_reply(body)
    if broken is not None:
        _refuse(w, broken, kind="reply", user=user, board=thread.board, title=thread.title)
    checked = _check_images(files)
    reply = Reply(thread_id=thread.id, author_id=user.id, body=body, created_at=w.now())
    w.db.add(reply)
    w.db.flush()
    _add_images(w, thread, reply, checked)
    w.emit(
        "forum.reply_posted",
        reply_id=reply.id,
        thread_id=thread.id,
        board=thread.board.slug,
        user=user.login,
        images=len(checked),
    )
    return reply


# --- moderation --------------------------------------------------------------------------------


def _verdict_thread(w: World, thread: Thread) -> rules.Broken | None:
    board = thread.board
    if not board.promotion:
        markers = rules.promotional(f"{thread.title}\n{thread.body}")
        if len(markers) >= rules.PROMOTION_THRESHOLD:
            return rules.Broken("no_promotion", "、".join(markers[:4]))
    body = rules.squeeze(thread.body)
    twins = w.db.scalars(
        select(Thread).where(
            Thread.author_id == thread.author_id,
            Thread.board_id != thread.board_id,
            Thread.id < thread.id,
            Thread.status != PostStatus.HIDDEN,
            Thread.created_at > thread.created_at - timedelta(hours=rules.DUPLICATE_HOURS),
        )
    )
    twin = next((t for t in twins if rules.squeeze(t.body) == body), None)
    if twin is not None:
        return rules.Broken("cross_post", twin.board.name)
    return None


def moderate_thread(w: World, thread: Thread, notify: bool = True) -> Thread:
    """The moderator's decision on a waiting thread: approve it, or hide it with the rule it breaks
    (and, with `notify`, tell the author by mail)."""
    if thread.status != PostStatus.PENDING:
        raise Conflict(N_("该帖子不在待审核状态"))
    broken = _verdict_thread(w, thread)
    thread.decided_at = w.now()
    common = {"thread_id": thread.id, "board": thread.board.slug, "user": thread.author.login}
    if broken is None:
        thread.status = PostStatus.APPROVED
        w.emit("forum.thread_approved", **common, title=thread.title)
        return thread
    thread.status = PostStatus.HIDDEN
    thread.rule, thread.reason, thread.reason_detail = broken.rule, broken.key, broken.detail[:120]
    w.emit(
        "forum.thread_hidden",
        **common,
        title=thread.title,
        rule=broken.rule,
        reason=broken.key,
        detail=broken.detail,
    )
    if notify:
        _mail_author(w, thread.author, thread.title, broken)
    return thread


def moderate_reply(w: World, reply: Reply, notify: bool = True) -> Reply:
    """The moderator's decision on a waiting reply (promotion outside 网店推广 is hidden)."""
    if reply.status != PostStatus.PENDING:
        raise Conflict(N_("该回复不在待审核状态"))
    thread = reply.thread
    broken = None
    if not thread.board.promotion:
        markers = rules.promotional(reply.body)
        if len(markers) >= rules.PROMOTION_THRESHOLD:
            broken = rules.Broken("no_promotion", "、".join(markers[:4]))
    reply.decided_at = w.now()
    common = {
        "reply_id": reply.id,
        "thread_id": thread.id,
        "board": thread.board.slug,
        "user": reply.author.login,
    }
    if broken is None:
        reply.status = PostStatus.APPROVED
        thread.last_post_at = max(thread.last_post_at, reply.created_at)
        w.emit("forum.reply_approved", **common)
        return reply
    reply.status = PostStatus.HIDDEN
    reply.rule, reply.reason, reply.reason_detail = broken.rule, broken.key, broken.detail[:120]
    w.emit("forum.reply_hidden", **common, rule=broken.rule, reason=broken.key, detail=broken.detail)
    if notify:
        _mail_author(w, reply.author, thread.title, broken, reply=True)
    return reply


def _mail_author(w: World, user: ForumUser, title: str, broken: rules.Broken, reply: bool = False) -> None:
    """The moderator's letter to the author (none if the world has no mailbox for them)."""
    if mail.mailbox_by_address(w, user.login) is None:
        return
    sender = mail.open_mailbox(w, MODERATOR_MAILBOX, MODERATOR_NAME)
    what = "回复" if reply else "帖子"
    name = broken.key % broken.params if broken.params else broken.key
    found = f"（{broken.detail}）" if broken.detail else ""
    mail.send(
        w,
        sender,
        [user.login],
        f"您在云商论坛的{what}未通过审核：{title[:40]}",
        f"{user.nickname}，您好：\n\n您在云商论坛发表的{what}「{title}」经管理员审核未予通过，已被屏蔽。\n"
        f"原因：{name}{found}\n\n请阅读版规后按规定重新发布。\n\n云商论坛管理员",
        actor="system",
    )


def pending_threads(w: World) -> list[Thread]:
    """Threads waiting for the moderator, oldest first."""
    return list(w.db.scalars(select(Thread).where(Thread.status == PostStatus.PENDING).order_by(Thread.id)))


def pending_replies(w: World) -> list[Reply]:
    """Replies waiting for the moderator, oldest first."""
    return list(w.db.scalars(select(Reply).where(Reply.status == PostStatus.PENDING).order_by(Reply.id)))


# --- what visitors and authors see ---------------------------------------------------------------


@dataclass
class Page:
    """A page of threads or replies."""

    items: list
    total: int
    page: int
    pages: int


def _page(stmt, count_stmt, w: World, page: int) -> Page:  # noqa: ANN001
    total = w.db.scalar(count_stmt) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    items = list(w.db.scalars(stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return Page(items, total, page, pages)


def _shown(model, viewer: ForumUser | None):  # noqa: ANN001, ANN202
    """Approved posts, and the viewer's own whatever their status."""
    if viewer is None:
        return model.status == PostStatus.APPROVED
    return (model.status == PostStatus.APPROVED) | (model.author_id == viewer.id)


def board_threads(w: World, board: Board, viewer: ForumUser | None, page: int = 1) -> Page:
    """A board's threads a viewer may see, the latest active first."""
    where = (Thread.board_id == board.id, _shown(Thread, viewer))
    stmt = select(Thread).where(*where).order_by(Thread.last_post_at.desc(), Thread.id.desc())
    return _page(stmt, select(func.count(Thread.id)).where(*where), w, page)


def latest_threads(w: World, limit: int = 10) -> list[Thread]:
    """The newest published threads of every board."""
    stmt = select(Thread).where(Thread.status == PostStatus.APPROVED)
    return list(w.db.scalars(stmt.order_by(Thread.created_at.desc(), Thread.id.desc()).limit(limit)))


def board_counts(w: World) -> dict[int, int]:
    """Published threads per board id."""
    q = select(Thread.board_id, func.count(Thread.id)).where(Thread.status == PostStatus.APPROVED)
    return dict(w.db.execute(q.group_by(Thread.board_id)).all())


def visible_thread(w: World, thread_id: int, viewer: ForumUser | None) -> Thread:
    """A published thread, or the viewer's own; NotFound otherwise."""
    thread = w.db.get(Thread, thread_id)
    if thread is None or (
        thread.status != PostStatus.APPROVED and (viewer is None or thread.author_id != viewer.id)
    ):
        raise NotFound(N_("帖子不存在或尚未公开"))
    return thread


def thread_replies(w: World, thread: Thread, viewer: ForumUser | None, page: int = 1) -> Page:
    """A thread's replies a viewer may see, oldest first."""
    where = (Reply.thread_id == thread.id, _shown(Reply, viewer))
    stmt = select(Reply).where(*where).order_by(Reply.id)
    return _page(stmt, select(func.count(Reply.id)).where(*where), w, page)


def reply_counts(w: World, thread_ids: list[int]) -> dict[int, int]:
    """Published replies per thread id."""
    if not thread_ids:
        return {}
    q = select(Reply.thread_id, func.count(Reply.id)).where(
        Reply.thread_id.in_(thread_ids), Reply.status == PostStatus.APPROVED
    )
    return dict(w.db.execute(q.group_by(Reply.thread_id)).all())


def threads_of(w: World, user: ForumUser) -> list[Thread]:
    """A member's threads, newest first."""
    q = select(Thread).where(Thread.author_id == user.id).order_by(Thread.id.desc())
    return list(w.db.scalars(q))


def replies_of(w: World, user: ForumUser) -> list[Reply]:
    """A member's replies, newest first."""
    q = select(Reply).where(Reply.author_id == user.id).order_by(Reply.id.desc())
    return list(w.db.scalars(q))


def visible_image(w: World, image_id: int, viewer: ForumUser | None) -> PostImage:
    """A picture of a post the viewer may see, or NotFound."""
    image = w.db.get(PostImage, image_id)
    if image is None:
        raise NotFound(N_("图片不存在"))
    post = w.db.get(Reply, image.reply_id) if image.reply_id else w.db.get(Thread, image.thread_id)
    mine = viewer is not None and post.author_id == viewer.id
    if post.status != PostStatus.APPROVED and not mine:
        raise NotFound(N_("图片不存在"))
    if image.reply_id and post.thread.status != PostStatus.APPROVED and not mine:
        raise NotFound(N_("图片不存在"))
    return image


def seed_thread(
    w: World,
    board: Board,
    author: ForumUser,
    *,
    title: str,
    body: str,
    at: datetime,
    names: list[str] | None = None,
) -> Thread:
    """A published thread put in the world directly (seeds; no rules, no event)."""
    thread = Thread(
        board_id=board.id,
        author_id=author.id,
        title=title,
        body=body,
        status=PostStatus.APPROVED,
        names=names or [],
        created_at=at,
        decided_at=at,
        last_post_at=at,
    )
    w.db.add(thread)
    w.db.flush()
    return thread


def seed_reply(w: World, thread: Thread, author: ForumUser, *, body: str, at: datetime) -> Reply:
    """A published reply put in the world directly (seeds)."""
    reply = Reply(
        thread_id=thread.id,
        author_id=author.id,
        body=body,
        status=PostStatus.APPROVED,
        created_at=at,
        decided_at=at,
    )
    w.db.add(reply)
    thread.last_post_at = max(thread.last_post_at, at)
    w.db.flush()
    return reply
