"""Grader checks about the forum (云商论坛): the candidate's threads, where they are, whether the
moderator approved them, and the posts the boards' rules refused.

The member graded is the identity's forum account (its e-mail); threads are judged by their status when
the attempt ended (pending: the moderator had not decided yet, so not published).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.checks.ui import screenshot
from graders.context import GradeContext
from graders.normalise import text
from sandbox.content_rules import find_contact
from sandbox.forum.models import STATUS_LABELS, Board, ForumUser, PostStatus, Reply, Thread
from sandbox.worlds.base import Event


def _member(ctx: GradeContext, role: str) -> ForumUser | None:
    ident = next((i for i in ctx.identities if i["role"] == role), None)
    if ident is None or not ident.get("email"):
        return None
    login = ident["email"].strip().lower()
    return ctx.world.db.scalars(select(ForumUser).where(ForumUser.login == login)).first()


def _board(ctx: GradeContext, board: str) -> Board | None:
    q = select(Board).where((Board.slug == board) | (Board.name == board))
    return ctx.world.db.scalars(q).first()


def _words(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [w for w in value.replace("，", " ").replace(",", " ").split() if w]
    return [str(w) for w in value if str(w).strip()]


def _line(thread: Thread) -> str:
    state = str(STATUS_LABELS.get(thread.status, thread.status))
    why = (
        f"：{thread.reason}" + (f"（{thread.reason_detail}）" if thread.reason_detail else "")
        if thread.reason
        else ""
    )
    return f"#{thread.id} [{thread.board.name}] {thread.title}（{state}{why}）"


def _refusals(ctx: GradeContext, user: ForumUser, rule: str | None = None) -> list[Event]:
    q = select(Event).where(Event.name == "forum.post_refused").order_by(Event.id)
    return [
        e
        for e in ctx.world.db.scalars(q)
        if e.payload.get("user") == user.login and (rule is None or e.payload.get("rule") == rule)
    ]


def _refusal_lines(events: list[Event]) -> list[str]:
    return [
        f"#{e.id} {e.at:%H:%M:%S} [{e.payload.get('board')}] {e.payload.get('title')}："
        f"{e.payload.get('rule')}" + (f"（{e.payload['found']}）" if e.payload.get("found") else "")
        for e in events
    ]


@check("state", "forum.thread_in_board", sets=("forum_thread_id",))
def thread_in_board(
    ctx: GradeContext,
    board: str,
    role: str = "merchant",
    words: list[str] | str | None = None,
    title_words: list[str] | str | None = None,
    no_contact: bool = True,
) -> CheckResult:
    """A thread of the identity's forum account is published (approved by the moderator) in `board`
    (slug or name). The best such thread earns the share of criteria met: each of `words` in its title
    or body, each of `title_words` in its title, and (with `no_contact`) no contact details in it.
    Nothing without a published thread in that board; the evidence lists every thread and why."""
    user = _member(ctx, role)
    target = _board(ctx, board)
    if user is None:
        return CheckResult.failed("该身份没有论坛账号")
    if target is None:
        return CheckResult.failed(f"论坛没有版块「{board}」")
    mine = list(ctx.world.db.scalars(select(Thread).where(Thread.author_id == user.id).order_by(Thread.id)))
    history = text_evidence("该账号的帖子", [_line(t) for t in mine] or "（无）")
    published = [t for t in mine if t.board_id == target.id and t.status == PostStatus.APPROVED]
    if not published:
        if not mine:
            return CheckResult.failed("没有在论坛发帖", history)
        elsewhere = [t for t in mine if t.board_id != target.id and t.status == PostStatus.APPROVED]
        waiting = [t for t in mine if t.board_id == target.id and t.status == PostStatus.PENDING]
        hidden = [t for t in mine if t.board_id == target.id and t.status == PostStatus.HIDDEN]
        if hidden:
            why = f"「{target.name}」版的帖子被版主屏蔽：{hidden[-1].reason}"
        elif waiting:
            why = f"「{target.name}」版的帖子还在待审核，没有公开"
        elif elsewhere:
            why = f"帖子发在了「{elsewhere[-1].board.name}」版，应发在「{target.name}」版"
        else:
            why = f"没有在「{target.name}」版发布帖子"
        return CheckResult.failed(why, history)
    need_words, need_title = _words(words), _words(title_words)
    scored = []
    for thread in published:
        whole = text(f"{thread.title} {thread.body}").lower()
        title = text(thread.title).lower()
        checks = [(f"包含“{w}”", text(w).lower() in whole) for w in need_words]
        checks += [(f"标题包含“{w}”", text(w).lower() in title) for w in need_title]
        if no_contact:
            found = find_contact(thread.title) or find_contact(thread.body)
            checks.append((f"不含联系方式{'（发现 ' + found + '）' if found else ''}", not found))
        met = sum(1 for _, ok in checks if ok)
        share = met / len(checks) if checks else 1.0
        scored.append((share, -thread.id, thread, checks))
    share, _, best, checks = max(scored, key=lambda s: (s[0], s[1]))
    ctx.facts["forum_thread_id"] = best.id
    evidence = [
        text_evidence("评分的帖子", _line(best)),
        *(text_evidence(label, "符合" if ok else "不符合") for label, ok in checks),
        history,
    ]
    if share == 1.0:
        return CheckResult(
            1.0, f"帖子「{best.title}」已在「{target.name}」版审核通过并公开，内容符合要求", evidence
        )
    wrong = "、".join(label for label, ok in checks if not ok)
    return CheckResult(share, f"帖子已在「{target.name}」版公开，但不符合：{wrong}", evidence)


@check("state", "forum.no_refused_posts")
def no_refused_posts(ctx: GradeContext, role: str = "merchant") -> CheckResult:
    """The identity posted at least one thread, and no post of it was refused by the boards' rules or
    hidden by the moderator (every refusal and hidden post is listed as evidence)."""
    user = _member(ctx, role)
    if user is None:
        return CheckResult.failed("该身份没有论坛账号")
    threads = list(
        ctx.world.db.scalars(select(Thread).where(Thread.author_id == user.id).order_by(Thread.id))
    )
    if not threads:
        return CheckResult.failed("没有在论坛发帖")
    refusals = _refusals(ctx, user)
    hidden = [t for t in threads if t.status == PostStatus.HIDDEN]
    hidden_replies = list(
        ctx.world.db.scalars(
            select(Reply).where(Reply.author_id == user.id, Reply.status == PostStatus.HIDDEN)
        )
    )
    evidence = [
        text_evidence("被拒绝的发帖", _refusal_lines(refusals) or "（无）"),
        text_evidence("被屏蔽的帖子", [_line(t) for t in hidden] or "（无）"),
    ]
    if not refusals and not hidden and not hidden_replies:
        return CheckResult.passed("发帖一次符合版规，没有被拒绝或屏蔽", *evidence)
    parts = []
    if refusals:
        parts.append(f"发帖被版规拒绝 {len(refusals)} 次（首次：{refusals[0].payload.get('rule')}）")
    if hidden or hidden_replies:
        parts.append(f"{len(hidden) + len(hidden_replies)} 个帖子或回复被版主屏蔽")
    return CheckResult.failed("；".join(parts), *evidence)


@check("state", "forum.post_refusals")
def post_refusals(
    ctx: GradeContext, role: str = "merchant", at_least: int = 1, rule: str | None = None
) -> CheckResult:
    """At least `at_least` posts of the identity were refused by the boards' rules (of `rule` only, if
    given). With `must_not: true`: the identity was not refused that often."""
    user = _member(ctx, role)
    if user is None:
        return CheckResult.failed("该身份没有论坛账号")
    refusals = _refusals(ctx, user, rule)
    evidence = [text_evidence("被拒绝的发帖", _refusal_lines(refusals) or "（无）")]
    if len(refusals) >= int(at_least):
        return CheckResult(1.0, f"发帖被版规拒绝 {len(refusals)} 次", evidence)
    return CheckResult(0.0, f"发帖被版规拒绝 {len(refusals)} 次（少于 {at_least} 次）", evidence)


@check("ui", "forum.visitor_sees_thread", needs=("forum_thread_id",))
def visitor_sees_thread(ctx: GradeContext) -> CheckResult:
    """A visitor opens the thread's board and finds the thread in its list (half), then opens it and
    sees its title and body (half); screenshots kept."""
    thread_id = ctx.facts.get("forum_thread_id")
    thread = ctx.world.db.get(Thread, thread_id) if thread_id else None
    if thread is None:
        return CheckResult.failed("没有可查看的帖子")
    page = ctx.ui.open(f"/forum/board/{thread.board.slug}")
    row = page.locator(f'tr.thread-row[data-thread-id="{thread.id}"]')
    page.locator("table.thread-list").wait_for()
    evidence = [screenshot(ctx, "forum-board")]
    if row.count() == 0:
        return CheckResult.failed(f"访客在「{thread.board.name}」版的第一页看不到该帖子", *evidence)
    row.locator("a.thread-title").click()
    page.locator('[data-role="thread-title"]').wait_for()
    evidence.append(screenshot(ctx, "forum-thread"))
    shown = page.locator('[data-role="thread-title"]').inner_text().strip()
    if shown != thread.title:
        return CheckResult(0.5, f"帖子页标题显示为「{shown}」", evidence)
    return CheckResult.passed(f"访客能在「{thread.board.name}」版看到并打开帖子「{thread.title}」", *evidence)
