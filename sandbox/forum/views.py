"""Pages of the forum domain: boards, threads, posting and replying, the member's own posts."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.forum import rules, services
from sandbox.forum.models import STATUS_LABELS, ForumUser
from sandbox.parsing import query_int
from sandbox.storefront import uploads

bp = Blueprint("forum", __name__, url_prefix="/forum")
SESSION_KEY = "forum_user"


def signed_in() -> ForumUser | None:
    """The member signed in to this world's forum; None too when no world is bound (a page refused
    before binding still renders the layout)."""
    if "world" not in g:
        return None
    return services.get_member(current_world(), session_world().get(SESSION_KEY))


def member_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the forum's login first, then back; sets `g.member`."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        user = signed_in()
        if user is None:
            done(gettext("请先登录论坛"), "warning")
            return redirect(url_for("forum.login", next=request.full_path))
        g.member = user
        return view(*args, **kwargs)

    return wrapper


@bp.context_processor
def _forum() -> dict:
    """What every forum page shows: who is signed in, the labels, the rules' names."""
    return {
        "forum_user": signed_in(),
        "status_labels": STATUS_LABELS,
        "rule_names": rules.RULE_NAMES,
        "max_images": rules.MAX_IMAGES,
    }


def _page_arg() -> int:
    return query_int("page", 1, low=1, high=100_000) or 1


@bp.get("/")
def home() -> str:
    """The forum's home: the boards with their counts and the latest threads."""
    w = current_world()
    return render_template(
        "forum/home.html",
        boards=services.boards(w),
        counts=services.board_counts(w),
        latest=services.latest_threads(w),
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with the identity's e-mail and its 云鹊通行证 password."""
    target = request.values.get("next", "")
    if request.method != "POST":
        return render_template("forum/login.html", next=target)
    login_name = request.form.get("login", "")
    try:
        user = services.sign_in(current_world(), login_name, request.form.get("password", ""))
    except DomainError as exc:
        page = render_template("forum/login.html", error=refused(exc), login=login_name[:120], next=target)
        return page, exc.status
    set_session_world(**{SESSION_KEY: user.id})
    done(gettext("登录成功"))
    if target.startswith("/forum/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("forum.home"))


@bp.post("/logout")
def logout():
    """Leave the forum."""
    set_session_world(**{SESSION_KEY: None})
    return redirect(url_for("forum.home"))


@bp.get("/board/<slug>")
def board(slug: str) -> str:
    """A board: its rules and its threads, page by page."""
    w = current_world()
    found = services.board_by_slug(w, slug)
    listing = services.board_threads(w, found, signed_in(), _page_arg())
    return render_template(
        "forum/board.html",
        board=found,
        board_rules=rules.board_rules(found),
        listing=listing,
        replies=services.reply_counts(w, [t.id for t in listing.items]),
    )


def _files() -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in request.files.getlist("images")]


def _refusal(exc: DomainError) -> tuple[str, str]:
    """The message of a refused post (the rule named, and what was found) and the rule's id."""
    broken = getattr(exc, "broken", None)
    message = refused(exc)
    if broken is None:
        return message, ""
    if broken.rule == "rate_limit":
        message = gettext(
            "发帖过于频繁（%(rule)s），请 %(seconds)s 秒后再试", rule=message, seconds=exc.retry_after
        )
        g.outcome = message
        return message, broken.rule
    message = gettext("发帖未成功，违反版规：%(rule)s", rule=message)
    if broken.detail and broken.rule not in ("title_length", "body_length", "reply_length", "daily_limit"):
        message += gettext("（发现：%(found)s）", found=broken.detail)
    g.outcome = message
    return message, broken.rule


@bp.route("/post", methods=["GET", "POST"])
@member_required
def new_thread():
    """Write a new thread in a board (chosen in the form) and send it to the moderator."""
    w = current_world()
    all_boards = services.boards(w)
    every_rule = {b.slug: rules.board_rules(b) for b in all_boards}
    if request.method != "POST":
        form = {"board": request.args.get("board", "")[:20]}
        return render_template(
            "forum/post.html", boards=all_boards, every_rule=every_rule, form=form, errors={}
        )
    form = {k: request.form.get(k, "") for k in ("board", "title", "body")}
    try:
        thread = services.post_thread(w, g.member, form["board"], form["title"], form["body"], _files())
    except DomainError as exc:
        message, rule = _refusal(exc)
        page = render_template(
            "forum/post.html",
            boards=all_boards,
            every_rule=every_rule,
            form=form,
            errors=getattr(exc, "errors", {}),
            error=message,
            rule=rule,
        )
        if getattr(exc, "retry_after", 0):
            return page, exc.status, {"Retry-After": str(exc.retry_after)}
        return page, exc.status
    done(gettext("帖子已提交，审核通过后公开显示"))
    return redirect(url_for("forum.thread", thread_id=thread.id))


@bp.get("/thread/<int:thread_id>")
def thread(thread_id: int) -> str:
    """A thread with its replies (a waiting or hidden one only for its author)."""
    w = current_world()
    viewer = signed_in()
    found = services.visible_thread(w, thread_id, viewer)
    return render_template(
        "forum/thread.html",
        thread=found,
        listing=services.thread_replies(w, found, viewer, _page_arg()),
        form={},
        errors={},
    )


@bp.post("/thread/<int:thread_id>/reply")
@member_required
def reply(thread_id: int):
    """Reply to a published thread."""
    w = current_world()
    found = services.visible_thread(w, thread_id, g.member)
    body = request.form.get("body", "")
    try:
        services.post_reply(w, g.member, found, body, _files())
    except DomainError as exc:
        message, rule = _refusal(exc)
        page = render_template(
            "forum/thread.html",
            thread=found,
            listing=services.thread_replies(w, found, g.member, 1),
            form={"body": body},
            errors=getattr(exc, "errors", {}),
            error=message,
            rule=rule,
        )
        if getattr(exc, "retry_after", 0):
            return page, exc.status, {"Retry-After": str(exc.retry_after)}
        return page, exc.status
    done(gettext("回复已提交，审核通过后公开显示"))
    return redirect(url_for("forum.thread", thread_id=found.id))


@bp.get("/image/<int:image_id>")
def image(image_id: int):
    """A post's picture (of a published post, or of the viewer's own)."""
    picture = services.visible_image(current_world(), image_id, signed_in())
    return uploads.image_response(picture)


@bp.get("/mine")
@member_required
def mine() -> str:
    """The member's own threads and replies, with their status and the moderator's reasons."""
    w = current_world()
    return render_template(
        "forum/mine.html",
        threads=services.threads_of(w, g.member),
        replies=services.replies_of(w, g.member),
    )
