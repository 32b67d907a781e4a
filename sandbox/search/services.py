"""The search engine's service: bring the index up to date, answer a query, record it.

Every results page is a `search.query` domain event (what was asked, how it was read, the filters,
the page, the total and the addresses shown), so graders and examiners see how the candidate searched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup
from sqlalchemy import func, select

from sandbox.errors import N_, DomainError
from sandbox.search import engine, indexer
from sandbox.search.engine import Filters
from sandbox.search.indexer import DOCS
from sandbox.search.parser import MAX_QUERY, ParsedQuery, clean_host, parse
from sandbox.search.segment import NameMatcher
from sandbox.search.snippets import highlight, snippet
from sandbox.worlds.world import World

PAGE_SIZE = 10
MAX_PAGE = 100
# The result types (PublicDoc.kind) with their labels; a kind not listed shows as it is.
KIND_LABELS = {
    "page": N_("网页"),
    "news": N_("新闻"),
    "notice": N_("展会通知"),
    "price": N_("行情报价"),
    "forum": N_("论坛"),
    "goods": N_("商品"),
    "shop": N_("店铺"),
    "listing": N_("供求信息"),
    "company": N_("企业"),
}


@dataclass
class Hit:
    """One result as the page shows it."""

    url: str
    title: Markup
    display_url: str
    site: str
    kind: str
    date: str
    snippet: Markup


@dataclass
class Results:
    """A page of results."""

    parsed: ParsedQuery
    filters: Filters
    hits: list[Hit]
    total: int
    page: int
    pages: int
    notices: list[tuple[str, dict]] = field(default_factory=list)  # message keys and their values
    relaxed: bool = False
    terms: list[str] = field(default_factory=list)  # the words as segmented (index terms and literals)


def parse_day(raw: str | None, name: str) -> date | None:
    """A YYYY-MM-DD date from a filter, None when blank; DomainError (400) when not a date."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(N_("日期 %(name)s 格式应为 年-月-日，例如 2026-03-15"), name=name) from None


def display_url(url: str, site: str) -> str:
    """What the result shows as its address: the site, then the page's path on it."""
    path = url
    prefix = f"/web/{site}"
    if path.startswith(prefix):
        path = path[len(prefix) :] or "/"
    return f"{site}{path}"


def kinds(w: World) -> list[str]:
    """The result types the index holds (for the type filter)."""
    return list(w.db.scalars(select(DOCS.c.kind).group_by(DOCS.c.kind).order_by(DOCS.c.kind)))


def doc_count(w: World) -> int:
    """How many documents the index holds."""
    return w.db.scalar(select(func.count()).select_from(DOCS)) or 0


def run(
    w: World,
    q: str | None,
    *,
    kind: str = "",
    site: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    record: bool = True,
) -> Results:
    """Answer a query (syncing the index first); record it as a `search.query` event when `record`
    and the world may be written."""
    pending = indexer.sync(w)
    parsed = parse(q)
    filters = Filters(
        kind=(kind or "").strip()[:20], site=clean_host(site or ""), date_from=date_from, date_to=date_to
    )
    if date_from and date_to and date_from > date_to:
        filters.date_from, filters.date_to = date_to, date_from
    matcher = NameMatcher(pending.names) if pending.names else indexer.matcher(w)
    answer = engine.answer(
        w, parsed, filters, pending, matcher, page=page, per_page=PAGE_SIZE, max_page=MAX_PAGE
    )
    notices = []
    if parsed.truncated:
        notices.append((N_("查询词过长，只按前 %(n)s 个字符搜索"), {"n": MAX_QUERY}))
    if answer.plan.empty and not parsed.sites:
        notices.append((N_("请输入要搜索的关键词（符号和常用虚词不能单独搜索）"), {}))
    if answer.relaxed and answer.total:
        notices.append((N_("没有同时包含全部关键词的结果，以下结果只包含部分关键词"), {}))
    hits = _hits(w, answer.ranked, answer.plan.marks(), pending)
    terms = [*answer.plan.terms, *answer.plan.literals]
    results = Results(
        parsed, filters, hits, answer.total, answer.page, answer.pages, notices, answer.relaxed, terms
    )
    if record and not w.read_only:
        _record(w, results)
    return results


def _hits(w: World, shown: list[engine.Ranked], marks: list[str], pending: indexer.Pending) -> list[Hit]:
    """The page's results with their highlighted titles and snippets."""
    extra = {-(i + 1): a for i, a in enumerate(pending.docs)}
    rows = {}
    stored = [x.id for x in shown if x.id > 0]
    if stored:
        for row in w.db.execute(select(DOCS).where(DOCS.c.id.in_(stored))).mappings():
            rows[row["id"]] = row
    hits = []
    for x in shown:
        if x.id > 0:
            row = rows[x.id]
            url, title, body, site, kind, when = (
                row["url"],
                row["title"],
                row["body"],
                row["site"],
                row["kind"],
                row["published_at"],
            )
        else:
            d = extra[x.id].doc
            url, title, body, site, kind, when = (
                d.url,
                d.title,
                d.body,
                d.site.lower(),
                d.kind,
                d.published_at,
            )
        hits.append(
            Hit(
                url=url,
                title=highlight(title, marks),
                display_url=display_url(url, site),
                site=site,
                kind=kind,
                date=f"{when:%Y-%m-%d}" if isinstance(when, datetime) else "",
                snippet=snippet(body, marks),
            )
        )
    return hits


def _record(w: World, results: Results) -> None:
    """The query as a domain event, for graders and examiners."""
    f = results.filters
    w.emit(
        "search.query",
        q=results.parsed.q,
        terms=results.terms,
        **results.parsed.as_payload(),
        filters={
            "type": f.kind,
            "site": f.site,
            "from": f.date_from.isoformat() if f.date_from else "",
            "to": f.date_to.isoformat() if f.date_to else "",
        },
        page=results.page,
        total=results.total,
        relaxed=results.relaxed,
        urls=[h.url for h in results.hits],
    )
