"""The search engine's pages: the home with its big box, and the results (one page, GET /search/)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from sandbox.binding import current_world, refused
from sandbox.errors import DomainError
from sandbox.parsing import query_int
from sandbox.search import services
from sandbox.search.parser import MAX_QUERY
from sandbox.worlds.world import WRITE_LOCK

bp = Blueprint("search", __name__, url_prefix="/search")


def _lock_for_writing(w) -> None:  # noqa: ANN001
    """Take the world's write lock before the query reads (it syncs the index and records itself),
    unless the request already holds it or has changes of its own."""
    if w.read_only:
        return
    db = w.db
    if db.new or db.dirty or db.deleted or w.emitted:
        return
    if not db.connection().get_execution_options().get(WRITE_LOCK):
        w.restart_locked()


@bp.get("/")
def home():
    """The home (no query) or a page of results: ?q=&type=&site=&from=&to=&page=."""
    w = current_world()
    args = request.args
    q = args.get("q", "")
    form = {
        "q": q[: MAX_QUERY * 2],
        "type": args.get("type", "")[:20],
        "site": args.get("site", "")[:120],
        "from": args.get("from", "")[:10],
        "to": args.get("to", "")[:10],
    }
    if not q.strip():
        return render_template(
            "search/home.html", form=form, kinds=services.KIND_LABELS, docs=services.doc_count(w)
        )
    try:
        page = query_int("page", 1, low=1, high=services.MAX_PAGE)
        date_from = services.parse_day(args.get("from"), "from")
        date_to = services.parse_day(args.get("to"), "to")
    except DomainError as exc:
        page = render_template(
            "search/results.html", form=form, results=None, error=refused(exc), kinds=services.KIND_LABELS
        )
        return page, exc.status
    _lock_for_writing(w)
    results = services.run(
        w,
        q,
        kind=form["type"],
        site=form["site"],
        date_from=date_from,
        date_to=date_to,
        page=page or 1,
    )
    return render_template(
        "search/results.html",
        form=form,
        results=results,
        error=None,
        kinds=services.KIND_LABELS,
        base={k: v for k, v in {**form, "q": results.parsed.q}.items() if v},
    )
