"""The search index, stored in the world: documents, terms, postings, names and the sync watermark."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.worlds.base import WorldBase


class SearchDoc(WorldBase):
    """One indexed public document (a copy of what its source handed over)."""

    __tablename__ = "search_docs"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(400))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    site: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    length: Mapped[int] = mapped_column(Integer)  # terms in title and body (BM25's document length)


class SearchTerm(WorldBase):
    """A term of the index with its document frequency."""

    __tablename__ = "search_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(60), unique=True)
    df: Mapped[int] = mapped_column(Integer, default=0)


class SearchPosting(WorldBase):
    """A term in a document: how often in the body and in the title."""

    __tablename__ = "search_postings"
    __table_args__ = (Index("ix_search_postings_doc", "doc_id"),)

    term_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tf: Mapped[int] = mapped_column(Integer)
    tft: Mapped[int] = mapped_column(Integer)


class SearchName(WorldBase):
    """A proper name of the world (company, brand, product): the segmenter's user dictionary."""

    __tablename__ = "search_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class SearchState(WorldBase):
    """One row: the last event the index has seen, and the corpus totals BM25 needs."""

    __tablename__ = "search_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    watermark: Mapped[int] = mapped_column(Integer, default=0)
    docs: Mapped[int] = mapped_column(Integer, default=0)
    total_length: Mapped[int] = mapped_column(Integer, default=0)
    # A digest of the names (the user dictionary): worlds with the same names share one matcher.
    names_hash: Mapped[str] = mapped_column(String(40), default="")
