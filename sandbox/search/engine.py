"""Answering a parsed query from the index: retrieval, the operators' checks, BM25 ranking.

Every word must be found (AND); when no document has them all, documents with some of them are
ranked instead and the page says so. The database does the work: one grouped query over the
postings of the query's terms scores (BM25, the title weighted) and filters the documents, the
literals, "phrases", intitle: and -exclude are conditions on the joined documents' text, and only
the page asked for leaves the database. Documents a read-only world has not indexed yet (indexer.
Pending) are matched and scored in Python the same way and merged in.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import and_, case, exists, func, literal, not_, or_, select

from sandbox.search.indexer import DOCS, POSTINGS, TERMS, Analysed, Pending, state
from sandbox.search.parser import ParsedQuery
from sandbox.search.segment import NameMatcher, Unit, fold, query_units

K1, B = 1.2, 0.75
TITLE_WEIGHT = 3  # a term in the title counts as three in the body
_SPACES = re.compile(r"\s+")


@dataclass
class Filters:
    """The result filters besides the query text."""

    kind: str = ""
    site: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class Plan:
    """What the query needs of a document."""

    terms: list[str]  # looked up in the index, all required (or any, when relaxed)
    literals: list[str]  # substrings of the text, all required
    phrases: list[str]  # substrings of the text (spaces normalised)
    intitle: list[str]  # substrings of the title
    intitle_terms: list[str]  # terms that must be in the title (an intitle: value of one term)
    exclude_terms: list[str]  # a document with one of these terms is left out
    exclude_text: list[str]  # a document with one of these substrings is left out

    @property
    def empty(self) -> bool:
        """Nothing to look for."""
        return not (self.terms or self.literals or self.phrases or self.intitle)

    def marks(self) -> list[str]:
        """The strings a snippet highlights."""
        return [*self.terms, *self.literals, *self.phrases, *self.intitle]


def plan(parsed: ParsedQuery, matcher: NameMatcher) -> Plan:
    """Turn the parsed query into terms and substring checks."""
    terms: list[str] = []
    literals: list[str] = []

    def take(units: list[Unit]) -> None:
        for u in units:
            (literals if u.literal else terms).append(u.text)

    take(query_units(" ".join(parsed.words), matcher))
    phrases = []
    for p in parsed.phrases:
        units = query_units(p, matcher)
        take(units)
        if len(units) > 1 or any(u.literal for u in units):
            phrases.append(_SPACES.sub(" ", p.strip()))
    intitle, intitle_terms = [], []
    for t in parsed.intitle:
        units = query_units(t, matcher)
        take(units)
        if len(units) == 1 and not units[0].literal and units[0].text == t:
            intitle_terms.append(t)
        elif units:
            intitle.append(t)
    ex_terms, ex_text = [], []
    for x in parsed.exclude:
        units = query_units(x, matcher)
        if len(units) == 1 and not units[0].literal:
            ex_terms.append(units[0].text)
        elif units:
            ex_text.append(_SPACES.sub(" ", x.strip()))
    return Plan(
        terms=list(dict.fromkeys(terms)),
        literals=list(dict.fromkeys(literals)),
        phrases=list(dict.fromkeys(phrases)),
        intitle=list(dict.fromkeys(intitle)),
        intitle_terms=list(dict.fromkeys(intitle_terms)),
        exclude_terms=ex_terms,
        exclude_text=ex_text,
    )


def _site_clause(host: str):  # noqa: ANN202
    """The host itself or any host under it (site:example.cn finds www.example.cn)."""
    return or_(DOCS.c.site == host, DOCS.c.site.endswith("." + host, autoescape=True))


def _filter_clauses(parsed: ParsedQuery, filters: Filters) -> list:
    c = DOCS.c
    out = []
    if filters.kind:
        out.append(c.kind == filters.kind)
    if filters.site:
        out.append(_site_clause(filters.site))
    if parsed.sites:
        out.append(or_(*(_site_clause(h) for h in parsed.sites)))
    if filters.date_from:
        out.append(c.published_at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        out.append(c.published_at <= datetime.combine(filters.date_to, time.max))
    return out


def _site_ok(site: str, host: str) -> bool:
    return site == host or site.endswith("." + host)


def _pending_passes(a: Analysed, parsed: ParsedQuery, filters: Filters) -> bool:
    d = a.doc
    site = d.site.lower()
    if filters.kind and d.kind != filters.kind:
        return False
    if filters.site and not _site_ok(site, filters.site):
        return False
    if parsed.sites and not any(_site_ok(site, h) for h in parsed.sites):
        return False
    if (filters.date_from or filters.date_to) and d.published_at is None:
        return False
    if filters.date_from and d.published_at < datetime.combine(filters.date_from, time.min):
        return False
    return not (filters.date_to and d.published_at > datetime.combine(filters.date_to, time.max))


@dataclass
class Ranked:
    """A document on the page asked for."""

    id: int  # negative: a pending document (-1 is pending.docs[0])
    score: float
    published_at: datetime | None


@dataclass
class Answer:
    """The page of ranked documents, how many there are in all, and how they were found."""

    total: int
    page: int
    pages: int
    ranked: list[Ranked]
    plan: Plan
    relaxed: bool = False  # not every word was found in any document: partial matches


@dataclass
class _Corpus:
    """What BM25 needs to know of the whole index."""

    n: int
    avgdl: float
    df: dict[str, tuple[int, int]]  # term -> (id, documents holding it); id 0: not in the stored index

    def idf(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


def answer(
    w,  # noqa: ANN001
    parsed: ParsedQuery,
    filters: Filters,
    pending: Pending,
    matcher: NameMatcher,
    *,
    page: int = 1,
    per_page: int = 10,
    max_page: int = 100,
) -> Answer:
    """The documents answering the query: how many, and the ranked page asked for."""
    p = plan(parsed, matcher)
    if not (p.terms or p.literals or p.phrases or p.intitle or parsed.sites):
        return Answer(0, 1, 1, [], p)
    extra = [(-(i + 1), a) for i, a in enumerate(pending.docs) if _pending_passes(a, parsed, filters)]
    corpus = _corpus(w, p.terms, pending, extra)
    where = _filter_clauses(parsed, filters)
    if pending.removed:
        where.append(DOCS.c.id.notin_(sorted(pending.removed)))
    text = _text_clauses(w, p)
    page = max(1, page)
    relaxed = False
    if p.terms:
        inner = _by_terms(p, corpus, where, every=True)
    else:
        inner = select(DOCS.c.id.label("doc_id"), DOCS.c.length.label("dl"), literal(0.0).label("score"))
        inner, text = inner.where(*where, *text), []  # one scan of the documents
    total, stored = _top(w, inner, p, corpus, text, page * per_page)
    mine = _pending_ranked(p, extra, corpus, every=True)
    if total + len(mine) == 0 and len(p.terms) > 1:
        relaxed = True
        total, stored = _top(w, _by_terms(p, corpus, where, every=False), p, corpus, text, page * per_page)
        mine = _pending_ranked(p, extra, corpus, every=False)
    total += len(mine)
    pages = min(max(1, -(-total // per_page)), max_page)
    if page > pages:  # asked beyond the last page: the last one
        page = pages
        inner = _by_terms(p, corpus, where, every=not relaxed) if p.terms else inner
        _, stored = _top(w, inner, p, corpus, text, page * per_page)
    merged = sorted([*stored, *mine], key=lambda r: (-round(r.score, 9), -_age(r.published_at), r.id))
    return Answer(total, page, pages, merged[(page - 1) * per_page : page * per_page], p, relaxed)


def _age(when: datetime | None) -> float:
    """Seconds since 1970 (0 for an undated document): newer first among equal scores."""
    return (when - datetime(1970, 1, 1)).total_seconds() if when else 0.0


def _corpus(w, terms: list[str], pending: Pending, extra: list[tuple[int, Analysed]]) -> _Corpus:  # noqa: ANN001
    st = state(w)
    n = max(1, (st.docs if st else 0) + len(pending.docs) - len(pending.removed))
    avgdl = max(1.0, ((st.total_length if st else 0) + sum(a.length for a in pending.docs)) / n)
    df = {t: (0, 0) for t in terms}
    if terms:
        q = select(TERMS.c.id, TERMS.c.term, TERMS.c.df).where(TERMS.c.term.in_(terms))
        for tid, term, count in w.db.execute(q).all():
            df[term] = (tid, count)
    for _, a in extra:
        for t in terms:
            if t in a.body or t in a.title:
                df[t] = (df[t][0], df[t][1] + 1)
    return _Corpus(n, avgdl, df)


def _text_clauses(w, p: Plan) -> list:  # noqa: ANN001
    """The conditions on a document's text: literals, phrases, intitle:, the exclusions."""
    c = DOCS.c
    out = [or_(c.body.contains(s, autoescape=True), c.title.contains(s, autoescape=True)) for s in p.literals]
    out += [
        or_(c.body.icontains(s, autoescape=True), c.title.icontains(s, autoescape=True)) for s in p.phrases
    ]
    out += [c.title.icontains(s, autoescape=True) for s in p.intitle]
    out += [
        not_(or_(c.body.icontains(s, autoescape=True), c.title.icontains(s, autoescape=True)))
        for s in p.exclude_text
    ]
    if p.exclude_terms:
        ids = w.db.scalars(select(TERMS.c.id).where(TERMS.c.term.in_(p.exclude_terms))).all()
        if ids:
            x = POSTINGS.alias("excluded")
            banned = exists().where(x.c.doc_id == c.id, x.c.term_id.in_(sorted(ids)))
            out.append(not_(banned))
    return out


def _by_terms(p: Plan, corpus: _Corpus, where: list, *, every: bool):  # noqa: ANN202
    """Documents with every term (or any, relaxed), each with its BM25 score of the terms."""
    P, D = POSTINGS.c, DOCS.c  # noqa: N806
    ids = {corpus.df[t][0]: corpus.idf(corpus.df[t][1]) for t in p.terms if corpus.df[t][0]}
    if every and len(ids) < len(p.terms):
        ids = {}  # a word no stored document has: none has them all
    weighted = P.tf + TITLE_WEIGHT * P.tft
    norm = K1 * (1 - B) + (K1 * B / corpus.avgdl) * D.length
    idf = case(ids, value=P.term_id, else_=0.0) if ids else 0.0
    score = func.sum(idf * weighted * (K1 + 1) / (weighted + norm))
    query = (
        select(P.doc_id.label("doc_id"), D.length.label("dl"), score.label("score"))
        .select_from(POSTINGS.join(DOCS, D.id == P.doc_id))
        .where(P.term_id.in_(sorted(ids)), *where)
        .group_by(P.doc_id, D.length)
    )
    if every and ids:
        # Only the documents holding the rarest term can hold them all: read the others' postings
        # for those documents alone (index seeks on the postings' key).
        rarest = min(p.terms, key=lambda t: (corpus.df[t][1], t))
        holders = select(POSTINGS.c.doc_id).where(POSTINGS.c.term_id == corpus.df[rarest][0])
        query = query.where(P.doc_id.in_(holders)).having(func.count() == len(ids))
    for term in p.intitle_terms:
        tid = corpus.df[term][0]
        query = query.having(func.sum(case((and_(P.term_id == tid, P.tft > 0), 1), else_=0)) > 0)
    return query


def _literal_df(p: Plan, corpus: _Corpus) -> int:
    """How many documents a literal is taken to be in (every document found holds it: about as many
    as hold the rarest term, or half the index when the query has no term)."""
    return min((corpus.df[t][1] for t in p.terms), default=corpus.n // 2) or 1


def _literal_counts(p: Plan) -> list:
    """Per literal, its occurrences in the body and in the title (expressions on DOCS)."""
    c = DOCS.c
    out = []
    for i, s in enumerate(p.literals):
        for name, col in (("b", c.body), ("t", c.title)):
            count = (func.length(col) - func.length(func.replace(col, s, ""))) / float(len(s))
            out.append(count.label(f"lit{i}{name}"))
    return out


def _top(w, inner, p: Plan, corpus: _Corpus, text: list, limit: int) -> tuple[int, list[Ranked]]:  # noqa: ANN001
    """How many documents a scored query finds (after the text conditions), and the best `limit`.

    The literals are counted once per document in a middle query, then scored (BM25, as terms)."""
    sub = inner.subquery()
    c = DOCS.c
    mid = (
        select(sub.c.doc_id, sub.c.dl, sub.c.score, c.published_at, *_literal_counts(p))
        .join(DOCS, c.id == sub.c.doc_id)
        .where(*text)
        .subquery()
    )
    idf = corpus.idf(_literal_df(p, corpus))
    norm = K1 * (1 - B) + (K1 * B / corpus.avgdl) * mid.c.dl
    score = mid.c.score
    for i in range(len(p.literals)):
        weighted = mid.c[f"lit{i}b"] + TITLE_WEIGHT * mid.c[f"lit{i}t"]
        score = score + idf * weighted * (K1 + 1) / (weighted + norm)
    score = score.label("s")
    q = (
        select(mid.c.doc_id, score, mid.c.published_at, func.count().over().label("total"))
        .order_by(score.desc(), mid.c.published_at.desc().nulls_last(), mid.c.doc_id)
        .limit(limit)
    )
    rows = w.db.execute(q).all()
    return (rows[0][3] if rows else 0), [Ranked(doc_id, float(s or 0.0), when) for doc_id, s, when, _ in rows]


# --- documents not yet in the index (a read-only world) --------------------------------------


def _pending_matches(
    p: Plan, extra: list[tuple[int, Analysed]], *, every: bool
) -> list[tuple[int, Analysed]]:
    """The pending documents answering the plan."""
    out = []
    for pid, a in extra:
        has = [t for t in p.terms if t in a.body or t in a.title]
        if p.terms and not ((every and len(has) == len(p.terms)) or (not every and has)):
            continue
        if any(a.title[t] == 0 for t in p.intitle_terms):
            continue
        if any(t in a.body or t in a.title for t in p.exclude_terms):
            continue
        title, body = fold(a.doc.title), fold(a.doc.body)
        text = title + "\n" + body
        if not all(s in text for s in [*p.literals, *p.phrases]) or not all(s in title for s in p.intitle):
            continue
        if any(s in text for s in p.exclude_text):
            continue
        out.append((pid, a))
    return out


def _pending_ranked(
    p: Plan, extra: list[tuple[int, Analysed]], corpus: _Corpus, *, every: bool
) -> list[Ranked]:
    """The pending documents answering the plan, scored as the database scores the others."""
    out = []
    literal_df = _literal_df(p, corpus)
    for pid, a in _pending_matches(p, extra, every=every):
        norm = K1 * (1 - B) + (K1 * B / corpus.avgdl) * a.length
        counts = [(corpus.df[t][1], a.body[t] + TITLE_WEIGHT * a.title[t]) for t in p.terms]
        title, body = fold(a.doc.title), fold(a.doc.body)
        counts += [(literal_df, body.count(s) + TITLE_WEIGHT * title.count(s)) for s in p.literals]
        score = sum(corpus.idf(df) * x * (K1 + 1) / (x + norm) for df, x in counts if x)
        out.append(Ranked(pid, score, a.doc.published_at))
    return out
