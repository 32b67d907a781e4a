"""Pages of the service domain (`/service/…`): the chat console (conversations, one chat with the reply
form, quick replies and order lookup), the quick replies and the response-time figures.

The pages use the seller centre's sign-in: a session signed in to the seller centre (its session key
`seller_account`, read here without importing the seller centre, a domain of the same layer) serves the
shop that account owns.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused, session_world
from sandbox.errors import DomainError
from sandbox.service import services
from sandbox.service.models import OUTCOME_LABELS, STATUS_LABELS, Conversation
from sandbox.storefront.models import Shop

bp = Blueprint("service", __name__, url_prefix="/service")

SELLER_SESSION_KEY = "seller_account"  # set by the seller centre's login (sandbox/merchant/views.py)


def signed_in_shop() -> Shop | None:
    """The shop whose seller-centre account is signed in (None before a world is bound)."""
    if "world" not in g:
        return None
    return services.shop_of_account(current_world(), session_world().get(SELLER_SESSION_KEY))


def shop_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the sign-in page; sets `g.shop`."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        shop = signed_in_shop()
        if shop is None:
            return redirect(url_for("service.login"))
        g.shop = shop
        return view(*args, **kwargs)

    return wrapper


@bp.context_processor
def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "outcome_labels": OUTCOME_LABELS, "shop": g.get("shop")}


@bp.get("/login")
def login():
    """Sign in with the seller centre's account (the form posts to the seller centre's login)."""
    seller_signed_in = "world" in g and session_world().get(SELLER_SESSION_KEY) is not None
    if signed_in_shop() is not None:
        return redirect(url_for("service.console"))
    return render_template("service/login.html", seller_signed_in=seller_signed_in)


def _console(conv: Conversation | None, status: int = 200, error: str | None = None, draft: str = ""):  # noqa: ANN202
    w = current_world()
    query = request.args.get("order", "").strip()[:24]
    rows = [(c, services.waiting_seconds(w, c)) for c in services.conversations(w, g.shop)]
    return render_template(
        "service/console.html",
        rows=rows,
        conv=conv,
        quick=services.quick_replies(w, g.shop),
        order_query=query,
        orders=services.find_orders(w, g.shop, query) if conv is not None else [],
        first=services.first_response_seconds(conv) if conv is not None else None,
        error=error,
        draft=draft,
    ), status


@bp.get("/")
@shop_required
def console():
    """The conversations, unanswered first, with how long each buyer has waited."""
    return _console(None)


@bp.get("/c/<int:conversation_id>")
@shop_required
def conversation(conversation_id: int):
    """One conversation: messages, the reply form with quick replies, order lookup beside it."""
    return _console(services.get_conversation(current_world(), g.shop, conversation_id))


@bp.post("/c/<int:conversation_id>/reply")
@shop_required
def reply(conversation_id: int):
    """Send the seller's reply (the text typed, else the quick reply chosen)."""
    w = current_world()
    conv = services.get_conversation(w, g.shop, conversation_id)
    text = request.form.get("text", "")
    quick = request.form.get("quick", "")
    if not text.strip() and quick.isdigit() and len(quick) < 10:
        text = services.get_quick_reply(w, g.shop, int(quick)).text
    try:
        msg = services.reply(w, conv, text)
    except DomainError as exc:
        return _console(conv, exc.status, refused(exc), text[: services.MAX_REPLY * 2])
    if msg.breach:
        done(gettext("已发送，但回复违反店铺规则：%(words)s", words=msg.breach), "warning")
    else:
        done(gettext("已发送"))
    return redirect(url_for("service.conversation", conversation_id=conv.id))


@bp.post("/c/<int:conversation_id>/resolve")
@shop_required
def resolve(conversation_id: int):
    """Mark the conversation resolved (标记已解决)."""
    w = current_world()
    conv = services.get_conversation(w, g.shop, conversation_id)
    try:
        services.resolve(w, conv)
    except DomainError as exc:
        return _console(conv, exc.status, refused(exc))
    done(gettext("会话已标记为已解决"))
    return redirect(url_for("service.conversation", conversation_id=conv.id))


@bp.post("/c/<int:conversation_id>/close")
@shop_required
def close(conversation_id: int):
    """Close the conversation without resolving it."""
    w = current_world()
    conv = services.get_conversation(w, g.shop, conversation_id)
    try:
        services.close(w, conv)
    except DomainError as exc:
        return _console(conv, exc.status, refused(exc))
    done(gettext("会话已关闭"))
    return redirect(url_for("service.conversation", conversation_id=conv.id))


@bp.post("/c/<int:conversation_id>/transfer")
@shop_required
def transfer(conversation_id: int):
    """Transfer the conversation to after-sales, linked to an order of the shop."""
    w = current_world()
    conv = services.get_conversation(w, g.shop, conversation_id)
    try:
        services.transfer(w, conv, g.shop, request.form.get("order", ""), request.form.get("note", ""))
    except DomainError as exc:
        return _console(conv, exc.status, refused(exc))
    done(gettext("已转售后处理"))
    return redirect(url_for("service.conversation", conversation_id=conv.id))


@bp.route("/quick-replies", methods=["GET", "POST"])
@shop_required
def quick_replies():
    """The shop's quick replies; the form adds one."""
    w = current_world()
    error, status, form = None, 200, {"title": "", "text": ""}
    if request.method == "POST":
        form = {"title": request.form.get("title", ""), "text": request.form.get("text", "")}
        try:
            services.save_quick_reply(w, g.shop, form["title"], form["text"])
        except DomainError as exc:
            error, status = refused(exc), exc.status
        else:
            done(gettext("快捷回复已保存"))
            return redirect(url_for("service.quick_replies"))
    page = render_template(
        "service/quick_replies.html", replies=services.quick_replies(w, g.shop), error=error, form=form
    )
    return page, status


@bp.post("/quick-replies/<int:reply_id>")
@shop_required
def edit_quick_reply(reply_id: int):
    """Change a quick reply."""
    w = current_world()
    found = services.get_quick_reply(w, g.shop, reply_id)
    try:
        services.save_quick_reply(
            w, g.shop, request.form.get("title", ""), request.form.get("text", ""), found
        )
    except DomainError as exc:
        page = render_template(
            "service/quick_replies.html",
            replies=services.quick_replies(w, g.shop),
            error=refused(exc),
            form={"title": "", "text": ""},
        )
        return page, exc.status
    done(gettext("快捷回复已保存"))
    return redirect(url_for("service.quick_replies"))


@bp.post("/quick-replies/<int:reply_id>/delete")
@shop_required
def delete_quick_reply(reply_id: int):
    """Remove a quick reply."""
    w = current_world()
    services.delete_quick_reply(w, services.get_quick_reply(w, g.shop, reply_id))
    done(gettext("快捷回复已删除"))
    return redirect(url_for("service.quick_replies"))


@bp.get("/stats")
@shop_required
def stats():
    """The shop's figures: conversations, outcomes, first and average response times (world seconds)."""
    w = current_world()
    rows = [
        (c, services.first_response_seconds(c), services.response_times(c))
        for c in services.conversations(w, g.shop)
    ]
    return render_template("service/stats.html", stats=services.stats(w, g.shop), rows=rows)
