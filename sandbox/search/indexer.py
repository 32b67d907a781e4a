"""Keeps the world's inverted index in step with what the sources publish.

`build` indexes every public document (at template build); `sync` re-reads the documents that the
domain events recorded since the watermark touched, so what a candidate publishes is searchable in
the same request. A read-only world (a grader's, a submitted attempt) is not written: `pending` then
hands the fresh versions to the query in memory instead.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, or_, select, update

from sandbox.search.models import SearchDoc, SearchName, SearchPosting, SearchState, SearchTerm
from sandbox.search.segment import MAX_TERM, NameMatcher, clean_name, text_terms
from sandbox.worlds.base import Event
from sandbox.worlds.public import PublicDoc, Source, sources
from sandbox.worlds.world import World

MAX_BODY = 20_000  # characters of a document's text that are indexed and kept for snippets
CHUNK = 500  # ids per IN (...) list
# The index is written with Core statements on the tables (bulk, no ORM identity map to keep in step).
DOCS, TERMS, POSTINGS, NAMES = (m.__table__ for m in (SearchDoc, SearchTerm, SearchPosting, SearchName))


@dataclass
class Analysed:
    """A document cut into terms."""

    doc: PublicDoc
    title: Counter[str]
    body: Counter[str]

    @property
    def length(self) -> int:
        """Terms in title and body."""
        return sum(self.title.values()) + sum(self.body.values())

    def terms(self) -> set[str]:
        """Every distinct term."""
        return set(self.title) | set(self.body)


@dataclass
class Pending:
    """Changes a read-only world's index has not taken in yet (applied in memory by the query)."""

    removed: set[int] = field(default_factory=set)  # stored documents replaced or withdrawn
    docs: list[Analysed] = field(default_factory=list)  # their current versions
    names: list[str] = field(default_factory=list)  # the dictionary with new names (else empty)


def analyse(doc: PublicDoc, matcher: NameMatcher) -> Analysed:
    """Cut a document's title and body into terms."""
    return Analysed(doc, text_terms(doc.title, matcher), text_terms(doc.body[:MAX_BODY], matcher))


def doc_names(doc: PublicDoc) -> list[str]:
    """The user-dictionary entries a document brings."""
    return [part for name in doc.names for part in clean_name(name)]


def stored_names(w: World) -> list[str]:
    """The world's user dictionary."""
    return list(w.db.scalars(select(NAMES.c.name).order_by(NAMES.c.id)).all())


def names_hash(names: Iterable[str]) -> str:
    """A digest of a set of names."""
    return hashlib.sha1("\n".join(sorted(set(names))).encode()).hexdigest()


_MATCHERS: OrderedDict[str, NameMatcher] = OrderedDict()
_MATCHERS_LOCK = threading.Lock()


def matcher(w: World) -> NameMatcher:
    """The world's name matcher (built once per process for each distinct set of names)."""
    st = state(w)
    key = st.names_hash if st is not None and st.names_hash else ""
    with _MATCHERS_LOCK:
        found = _MATCHERS.get(key) if key else None
        if found is not None:
            _MATCHERS.move_to_end(key)
            return found
    names = stored_names(w)
    built = NameMatcher(names)
    with _MATCHERS_LOCK:
        _MATCHERS[key or names_hash(names)] = built
        while len(_MATCHERS) > 32:
            _MATCHERS.popitem(last=False)
    return built


def state(w: World) -> SearchState | None:
    """The index's bookkeeping row (None in a world whose index was never built)."""
    return w.db.get(SearchState, 1)


# --- building ------------------------------------------------------------------------------------


def build(w: World, watermark: int | None = None) -> int:
    """Index every public document of the world from scratch; the number indexed.

    The watermark is set to `watermark`, or to the last event recorded (what the build has seen).
    """
    db = w.db
    db.execute(delete(SearchState))
    for table in (POSTINGS, TERMS, DOCS, NAMES):
        db.execute(delete(table))
    docs = [d for source in sources() for d in _current(source, w)]
    names = sorted({n for d in docs for n in doc_names(d)})
    if names:
        db.execute(insert(NAMES), [{"id": i, "name": n} for i, n in enumerate(names, start=1)])
    names_matcher = NameMatcher(names)
    term_ids: dict[str, int] = {}
    df: Counter[int] = Counter()
    doc_rows, postings = [], []
    total = 0
    for doc_id, doc in enumerate(docs, start=1):
        a = analyse(doc, names_matcher)
        doc_rows.append(_doc_row(doc_id, a))
        total += a.length
        for term in sorted(a.terms()):
            tid = term_ids.setdefault(term, len(term_ids) + 1)
            df[tid] += 1
            postings.append({"term_id": tid, "doc_id": doc_id, "tf": a.body[term], "tft": a.title[term]})
        if len(postings) > 50_000:
            _flush(db, doc_rows, postings)
    _flush(db, doc_rows, postings)
    if term_ids:
        db.execute(insert(TERMS), [{"id": i, "term": t, "df": df[i]} for t, i in term_ids.items()])
    if watermark is None:
        watermark = db.scalar(select(func.max(Event.id))) or 0
    db.add(
        SearchState(
            id=1, watermark=watermark, docs=len(docs), total_length=total, names_hash=names_hash(names)
        )
    )
    db.flush()
    return len(docs)


def _flush(db, doc_rows: list[dict], postings: list[dict]) -> None:  # noqa: ANN001
    if doc_rows:
        db.execute(insert(DOCS), doc_rows)
        doc_rows.clear()
    if postings:
        db.execute(insert(POSTINGS), postings)
        postings.clear()


def _current(source: Source, w: World) -> list[PublicDoc]:
    """A source's documents now, in a stable order."""
    return sorted(source.documents(w), key=lambda d: d.key)


def _doc_row(doc_id: int, a: Analysed) -> dict:
    d = a.doc
    return {
        "id": doc_id,
        "source": d.source[:40],
        "key": d.key[:120],
        "url": d.url[:400],
        "title": d.title[:300],
        "body": d.body[:MAX_BODY],
        "site": d.site[:120].lower(),
        "kind": d.kind[:20],
        "published_at": d.published_at,
        "length": a.length,
    }


# --- keeping up with events ----------------------------------------------------------------------


def touched(w: World, since: int) -> tuple[list[tuple[Source, str]], list[Source], int]:
    """What the events after `since` touched: (source, key) pairs in order, the sources to re-read
    whole (they give no `changed`), and the last event id."""
    by_event: dict[str, list[Source]] = {}
    for source in sources():
        for name in source.events:
            by_event.setdefault(name, []).append(source)
    last = w.db.scalar(select(func.max(Event.id)).where(Event.id > since)) or since
    keys: dict[tuple[str, str], tuple[Source, str]] = {}
    whole: dict[str, Source] = {}
    if by_event and last > since:
        q = select(Event).where(Event.id > since, Event.name.in_(sorted(by_event))).order_by(Event.id)
        for ev in w.db.scalars(q):
            for source in by_event[ev.name]:
                if source.changed is None:
                    whole[source.name] = source
                    continue
                for key in source.changed(w, ev) or ():
                    keys[(source.name, str(key))] = (source, str(key))
    return list(keys.values()), list(whole.values()), last


def _stored_id(w: World, source: str, key: str) -> int | None:
    return w.db.scalar(select(DOCS.c.id).where(DOCS.c.source == source, DOCS.c.key == key))


def _fresh(
    w: World, pairs: list[tuple[Source, str]], whole: list[Source]
) -> list[tuple[str, str, PublicDoc | None]]:
    """The current version (or None: withdrawn) of every touched document."""
    out: dict[tuple[str, str], tuple[str, str, PublicDoc | None]] = {}
    for source, key in pairs:
        out[(source.name, key)] = (source.name, key, source.document(w, key))
    for source in whole:
        now = {d.key: d for d in _current(source, w)}
        gone = w.db.scalars(select(DOCS.c.key).where(DOCS.c.source == source.name)).all()
        for key in gone:
            out.setdefault((source.name, key), (source.name, key, None))
        for key, doc in now.items():
            out[(source.name, key)] = (source.name, key, doc)
    return list(out.values())


def sync(w: World) -> Pending:
    """Bring the index up to date with the events since the watermark (in memory when read-only)."""
    st = state(w)
    if st is None:
        if not w.read_only:
            build(w)
        return Pending()
    pairs, whole, last = touched(w, st.watermark)
    if last == st.watermark:
        return Pending()
    if not pairs and not whole:  # nothing public changed (e.g. only the last query's own event)
        if not w.read_only:
            st.watermark = last
        return Pending()
    fresh = _fresh(w, pairs, whole)
    if w.read_only:
        return _pending(w, fresh)
    known = set(stored_names(w))
    new_names = sorted({n for _, _, d in fresh if d is not None for n in doc_names(d)} - known)
    if new_names:
        _add_names(w, new_names)
        st.names_hash = names_hash(known | set(new_names))
    names = NameMatcher(known | set(new_names))
    for source, key, doc in fresh:
        _remove(w, st, _stored_id(w, source, key))
        if doc is not None:
            _add(w, st, analyse(doc, names))
    if new_names:
        _reindex_mentioning(w, st, new_names, names)
    st.watermark = last
    w.db.flush()
    return Pending()


def _pending(w: World, fresh: list[tuple[str, str, PublicDoc | None]]) -> Pending:
    known = stored_names(w)
    new = sorted({n for _, _, d in fresh if d is not None for n in doc_names(d)} - set(known))
    names = NameMatcher([*known, *new]) if new else matcher(w)
    pending = Pending(names=[*known, *new] if new else [])
    for source, key, doc in fresh:
        stored = _stored_id(w, source, key)
        if stored is not None:
            pending.removed.add(stored)
        if doc is not None:
            pending.docs.append(analyse(doc, names))
    return pending


def _add_names(w: World, names: Iterable[str]) -> None:
    top = w.db.scalar(select(func.max(NAMES.c.id))) or 0
    w.db.execute(insert(NAMES), [{"id": top + i, "name": n} for i, n in enumerate(names, start=1)])


def _remove(w: World, st: SearchState, doc_id: int | None) -> None:
    """Take a stored document out of the index."""
    if doc_id is None:
        return
    db = w.db
    terms = db.scalars(select(POSTINGS.c.term_id).where(POSTINGS.c.doc_id == doc_id)).all()
    for chunk in _chunks(list(terms)):
        db.execute(update(TERMS).where(TERMS.c.id.in_(chunk)).values(df=TERMS.c.df - 1))
    db.execute(delete(POSTINGS).where(POSTINGS.c.doc_id == doc_id))
    st.total_length -= db.scalar(select(DOCS.c.length).where(DOCS.c.id == doc_id)) or 0
    st.docs -= 1
    db.execute(delete(DOCS).where(DOCS.c.id == doc_id))


def _add(w: World, st: SearchState, a: Analysed) -> int:
    """Put an analysed document into the index; its id."""
    db = w.db
    doc_id = (db.scalar(select(func.max(DOCS.c.id))) or 0) + 1
    db.execute(insert(DOCS), [_doc_row(doc_id, a)])
    terms = sorted(t for t in a.terms() if len(t) <= MAX_TERM)
    ids = _term_ids(w, terms)
    for chunk in _chunks(list(ids.values())):
        db.execute(update(TERMS).where(TERMS.c.id.in_(chunk)).values(df=TERMS.c.df + 1))
    if terms:
        db.execute(
            insert(POSTINGS),
            [{"term_id": ids[t], "doc_id": doc_id, "tf": a.body[t], "tft": a.title[t]} for t in terms],
        )
    st.docs += 1
    st.total_length += a.length
    return doc_id


def _term_ids(w: World, terms: list[str]) -> dict[str, int]:
    """Ids of the terms, adding those the index does not have yet (df 0)."""
    ids: dict[str, int] = {}
    for chunk in _chunks(terms):
        ids.update(w.db.execute(select(TERMS.c.term, TERMS.c.id).where(TERMS.c.term.in_(chunk))).all())
    missing = [t for t in terms if t not in ids]
    if missing:
        top = w.db.scalar(select(func.max(TERMS.c.id))) or 0
        rows = [{"id": top + i, "term": t, "df": 0} for i, t in enumerate(missing, start=1)]
        w.db.execute(insert(TERMS), rows)
        ids.update({r["term"]: r["id"] for r in rows})
    return ids


def _reindex_mentioning(w: World, st: SearchState, names: list[str], matcher: NameMatcher) -> None:
    """Re-cut the stored documents whose text holds a name new to the dictionary."""
    c = DOCS.c
    cond = or_(*(f.icontains(n, autoescape=True) for n in names for f in (c.title, c.body)))
    rows = w.db.execute(select(DOCS).where(cond).order_by(c.id)).mappings().all()
    for row in rows:
        doc = PublicDoc(
            source=row["source"],
            key=row["key"],
            url=row["url"],
            title=row["title"],
            body=row["body"],
            site=row["site"],
            kind=row["kind"],
            published_at=row["published_at"],
        )
        _remove(w, st, row["id"])
        _add(w, st, analyse(doc, matcher))


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
