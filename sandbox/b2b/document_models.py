"""Business documents (单证) exchanged between companies: drafts, sent versions and their history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.b2b.company_models import Company
from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class DocStatus:
    """Where a document stands. Only a draft's content changes; a sent one is frozen."""

    DRAFT = "draft"  # 草稿
    SENT = "sent"  # 已发送 (awaiting the receiver)
    WITHDRAWN = "withdrawn"  # 已撤回 (by the sender, before the receiver acted)
    ACCEPTED = "accepted"  # 已接受
    REJECTED = "rejected"  # 已拒绝 (with the receiver's reason)
    SUPERSEDED = "superseded"  # 已被新版本取代


STATUS_LABELS = {
    DocStatus.DRAFT: N_("草稿"),
    DocStatus.SENT: N_("已发送"),
    DocStatus.WITHDRAWN: N_("已撤回"),
    DocStatus.ACCEPTED: N_("已接受"),
    DocStatus.REJECTED: N_("已拒绝"),
    DocStatus.SUPERSEDED: N_("已被新版本取代"),
}
# What a sent document cannot change any more (the content, its parties and its number).
FROZEN_COLUMNS = (
    "doc_type",
    "number",
    "sender_id",
    "receiver_id",
    "deal_id",
    "fields",
    "total_fen",
    "tax_fen",
    "grand_total_fen",
)


class Document(WorldBase):
    """One version of a business document. A revision is a new row pointing at its previous version."""

    __tablename__ = "b2b_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # CG20261201-0003 (a revision: CG20261201-0003-V2); None while a draft.
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    doc_type: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(12), default=DocStatus.DRAFT, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    root_id: Mapped[int | None] = mapped_column(ForeignKey("b2b_documents.id"), index=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("b2b_documents.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("b2b_companies.id"), index=True)
    receiver_id: Mapped[int | None] = mapped_column(ForeignKey("b2b_companies.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the deal's id (no FK: a later table)
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # as typed (refills the form)
    # The clean content once sent: {"fields": {...}, "lines": [...]} with money in fen.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total_fen: Mapped[int | None] = mapped_column(Integer)
    tax_fen: Mapped[int | None] = mapped_column(Integer)
    grand_total_fen: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(40), default="")
    decision_note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    sender: Mapped[Company] = relationship(foreign_keys=[sender_id])
    receiver: Mapped[Company | None] = relationship(foreign_keys=[receiver_id])
    events: Mapped[list[DocumentEvent]] = relationship(
        back_populates="document", order_by="DocumentEvent.id", cascade="all, delete-orphan"
    )

    @property
    def lines(self) -> list[dict[str, Any]]:
        """The clean line items (empty while a draft)."""
        return list((self.fields or {}).get("lines") or [])

    @property
    def values(self) -> dict[str, Any]:
        """The clean field values (empty while a draft)."""
        return dict((self.fields or {}).get("fields") or {})

    @property
    def root(self) -> int:
        """The id of the document's first version."""
        return self.root_id or self.id


class DocumentEvent(WorldBase):
    """One line of a document's history: created, edited, sent, withdrawn, accepted, rejected, revised."""

    __tablename__ = "b2b_document_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("b2b_documents.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("b2b_companies.id"))  # None: the system
    actor: Mapped[str] = mapped_column(String(60), default="")  # the company's name, or 系统
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[Document] = relationship(back_populates="events")


class FrozenDocument(RuntimeError):
    """A sent document's content was about to change (a bug: no service does this)."""


@event.listens_for(Document, "before_update")
def _refuse_changes_to_sent(mapper, connection, target: Document) -> None:  # noqa: ANN001
    """Make sent documents immutable at the ORM level: only status and decision columns may change."""
    state = inspect(target)
    status_history = state.attrs.status.history
    was = status_history.deleted[0] if status_history.deleted else target.status
    if was == DocStatus.DRAFT:
        return
    for name in FROZEN_COLUMNS:
        if state.attrs[name].history.has_changes():
            raise FrozenDocument(f"document {target.number}: {name} cannot change once sent")
