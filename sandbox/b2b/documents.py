"""The document engine: every business document between companies (网上单证 and the deal's steps).

API (every function takes the World first and the acting company's id; all state changes are here):

- `create_draft(w, company_id, doc_type, raw=None, *, receiver_id=None, deal_id=None, author="")`
  a draft of a registered type (`forms.REGISTRY`); `raw` is a RawForm (see `forms`), kept as typed.
- `update_draft(w, company_id, doc_id, raw, *, receiver_id=None)` changes a draft (only the sender's).
- `send(w, company_id, doc_id, *, receiver_id=None, allowed_receivers=None)` validates completely
  (`forms.FormInvalid` with per-field errors), numbers it (`<prefix><world date>-<seq>`, a revision
  `<root number>-V<n>`), stores the clean content and totals (fen) and freezes it. The receiver must be
  an approved member other than the sender and, when `allowed_receivers` (company ids, e.g. a deal's
  parties) is given, one of them.
- `submit(w, company_id, doc_type, raw, receiver_id, *, allowed_receivers=None, deal_id=None)`:
  create_draft + send in one call (NPCs and the deal's steps).
- `withdraw(w, company_id, doc_id, note="")`: the sender takes back a sent document the receiver has
  not acted on.
- `act(w, company_id, doc_id, action, note="")`: the receiver's action, one the type declares
  (`DocType.actions`, e.g. accept / reject; a reject needs a reason); `accept` and `reject` wrap it.
- `revise(w, company_id, doc_id)`: a new draft version of a sent, rejected or withdrawn document (its
  form copied); sending it supersedes the previous version. A document the receiver accepted is final.
- `get(w, company_id, doc_id)` / `get_by_number(...)`: only the sender or the receiver can read a
  document (a draft only its sender); anyone else gets NotFound.
- `inbox(w, company_id, doc_type=None, status=None)`, `outbox(...)`: received (never drafts) and sent
  documents, newest first; `versions(...)`, `history(...)`: every version and every event of a document.

Each change emits `b2b.document_<action>` (created, updated, sent, withdrawn, accepted, rejected,
revised, or the type's own action) with number, doc_type, sender, receiver, deal_id, version and id,
and appends a line to the document's history. Sent documents are immutable: no function here changes
their content, and `document_models` refuses such a flush.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import or_, select

from sandbox.b2b import forms
from sandbox.b2b.company_models import Company, MembershipStatus
from sandbox.b2b.document_models import STATUS_LABELS, DocStatus, Document, DocumentEvent
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.worlds.world import World

SYSTEM = "系统"
MAX_NOTE = 300
REVISABLE = (DocStatus.SENT, DocStatus.REJECTED, DocStatus.WITHDRAWN)


def _company(w: World, company_id: int | None) -> Company | None:
    return w.db.get(Company, company_id) if isinstance(company_id, int) else None


def _log(w: World, doc: Document, company_id: int | None, action: str, note: str = "") -> None:
    company = _company(w, company_id)
    w.db.add(
        DocumentEvent(
            document=doc,
            at=w.now(),
            company_id=company.id if company else None,
            actor=company.name if company else SYSTEM,
            action=action,
            note=note[:MAX_NOTE],
        )
    )
    w.db.flush()
    w.emit(
        f"b2b.document_{action}",
        id=doc.id,
        number=doc.number,
        doc_type=doc.doc_type,
        sender=doc.sender_id,
        receiver=doc.receiver_id,
        deal_id=doc.deal_id,
        version=doc.version,
    )


def _raw(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """A RawForm trimmed to strings (what a draft keeps)."""
    raw = raw or {}
    fields = {str(k)[:40]: str(v or "")[:2000] for k, v in dict(raw.get("fields") or {}).items()}
    lines = [
        {str(k)[:40]: str(v or "")[:200] for k, v in dict(row).items()}
        for row in list(raw.get("lines") or [])[: forms.MAX_LINES + 5]
        if isinstance(row, Mapping)
    ]
    return {"fields": fields, "lines": lines}


def _status_conflict(doc: Document, message: str) -> Conflict:
    return Conflict(message, number=doc.number or "—", current=STATUS_LABELS.get(doc.status, doc.status))


def _check_receiver(
    w: World, sender_id: int, receiver_id: int | None, allowed: Iterable[int] | None
) -> Company:
    receiver = _company(w, receiver_id)
    if receiver is None:
        raise DomainError(N_("请选择接收单证的企业"))
    if receiver.id == sender_id:
        raise DomainError(N_("单证不能发送给本公司"))
    if receiver.status != MembershipStatus.APPROVED:
        raise DomainError(N_("%(name)s 不是审核通过的企业会员，不能接收单证"), name=receiver.name)
    if allowed is not None and receiver.id not in set(allowed):
        raise _not_a_party(receiver)
    return receiver


def _not_a_party(receiver: Company) -> DomainError:
    """The refusal of a receiver outside the parties allowed for the document (e.g. not in the deal)."""
    return DomainError(
        N_("%(name)s 不是本笔交易的当事方，不能向其发送该单证"), status=403, name=receiver.name
    )


def create_draft(
    w: World,
    company_id: int,
    doc_type: str,
    raw: Mapping[str, Any] | None = None,
    *,
    receiver_id: int | None = None,
    deal_id: int | None = None,
    author: str = "",
) -> Document:
    """A new draft of a registered type for the company, kept as typed."""
    t = forms.get_type(doc_type)
    if _company(w, company_id) is None:
        raise NotFound(N_("企业不存在"))
    now = w.now()
    doc = Document(
        doc_type=t.code,
        status=DocStatus.DRAFT,
        version=1,
        sender_id=company_id,
        receiver_id=receiver_id if _company(w, receiver_id) else None,
        deal_id=deal_id,
        form=_raw(raw),
        fields={},
        author=str(author or "")[:40],
        created_at=now,
        updated_at=now,
    )
    w.db.add(doc)
    w.db.flush()
    _log(w, doc, company_id, "created")
    return doc


def _own_draft(w: World, company_id: int, doc_id: object) -> Document:
    doc = get(w, company_id, doc_id)
    if doc.sender_id != company_id:
        raise NotFound(N_("单证不存在"))
    if doc.status != DocStatus.DRAFT:
        raise _status_conflict(
            doc, N_("单证 %(number)s 已发送（%(current)s），不能再修改；如需更改请发新版本")
        )
    return doc


def update_draft(
    w: World, company_id: int, doc_id: object, raw: Mapping[str, Any], *, receiver_id: int | None = None
) -> Document:
    """Change a draft's content (and receiver); only the sender's drafts change."""
    doc = _own_draft(w, company_id, doc_id)
    doc.form = _raw(raw)
    if receiver_id is not None:
        doc.receiver_id = receiver_id if _company(w, receiver_id) else None
    doc.updated_at = w.now()
    _log(w, doc, company_id, "updated")
    return doc


def _next_number(w: World, doc: Document, prefix: str) -> str:
    if doc.version > 1 and doc.root_id:
        root = w.db.get(Document, doc.root_id)
        return f"{root.number}-V{doc.version}"
    stem = f"{prefix}{w.now():%Y%m%d}-"
    taken = w.db.scalars(select(Document.number).where(Document.number.like(f"{stem}%"))).all()
    seqs = [int(n[len(stem) : len(stem) + 4]) for n in taken if n and n[len(stem) : len(stem) + 4].isdigit()]
    return f"{stem}{max(seqs, default=0) + 1:04d}"


def send(
    w: World,
    company_id: int,
    doc_id: object,
    *,
    receiver_id: int | None = None,
    allowed_receivers: Iterable[int] | None = None,
) -> Document:
    """Validate a draft completely, number it and send it; from then on it is frozen."""
    doc = _own_draft(w, company_id, doc_id)
    if receiver_id is not None:
        doc.receiver_id = receiver_id
    receiver = _check_receiver(w, company_id, doc.receiver_id, allowed_receivers)
    t = forms.get_type(doc.doc_type)
    clean = forms.validate(t, doc.form)
    previous = w.db.get(Document, doc.previous_id) if doc.previous_id else None
    if previous is not None:
        if previous.status not in REVISABLE:
            raise _status_conflict(previous, N_("单证 %(number)s 已%(current)s，不能再发新版本"))
        if receiver.id != previous.receiver_id:
            raise DomainError(N_("新版本须发给原单证的接收方"))
    now = w.now()
    doc.receiver_id = receiver.id
    doc.number = _next_number(w, doc, t.prefix)
    doc.fields = {"fields": clean.fields, "lines": clean.lines}
    doc.total_fen = clean.totals.get("total_amount")
    doc.tax_fen = clean.totals.get("tax_amount")
    doc.grand_total_fen = clean.totals.get("grand_total")
    doc.status = DocStatus.SENT
    doc.sent_at = doc.updated_at = now
    w.db.flush()
    _log(w, doc, company_id, "sent")
    if previous is not None:
        previous.status = DocStatus.SUPERSEDED
        _log(w, previous, None, "superseded", doc.number or "")
    return doc


def submit(
    w: World,
    company_id: int,
    doc_type: str,
    raw: Mapping[str, Any],
    receiver_id: int,
    *,
    allowed_receivers: Iterable[int] | None = None,
    deal_id: int | None = None,
    author: str = "",
) -> Document:
    """Create and send a document in one step (NPCs and the deal's steps)."""
    doc = create_draft(w, company_id, doc_type, raw, receiver_id=receiver_id, deal_id=deal_id, author=author)
    return send(w, company_id, doc.id, allowed_receivers=allowed_receivers)


def withdraw(w: World, company_id: int, doc_id: object, note: str = "") -> Document:
    """The sender takes back a sent document the receiver has not acted on yet."""
    doc = get(w, company_id, doc_id)
    if doc.sender_id != company_id:
        raise DomainError(N_("只有发送方可以撤回单证"), status=403)
    if doc.status != DocStatus.SENT:
        raise _status_conflict(
            doc, N_("单证 %(number)s 当前为「%(current)s」，对方已处理或尚未发送，不能撤回")
        )
    doc.status = DocStatus.WITHDRAWN
    doc.decided_at = w.now()
    _log(w, doc, company_id, "withdrawn", str(note or "").strip())
    return doc


def act(w: World, company_id: int, doc_id: object, action: str, note: str = "") -> Document:
    """The receiver's action on a sent document (one its type allows); a reject needs a reason."""
    doc = get(w, company_id, doc_id)
    if doc.receiver_id != company_id or doc.status == DocStatus.DRAFT:
        raise DomainError(N_("只有接收方可以处理单证"), status=403)
    t = forms.get_type(doc.doc_type)
    if action not in t.actions:
        raise DomainError(N_("该单证不能执行此操作"))
    if doc.status != DocStatus.SENT:
        raise _status_conflict(doc, N_("单证 %(number)s 当前为「%(current)s」，不能再处理"))
    note = str(note or "").strip()
    if action == "reject" and not note:
        raise DomainError(N_("拒绝单证须填写理由"))
    if len(note) > MAX_NOTE:
        raise DomainError(N_("说明不能超过 %(max)s 个字"), max=MAX_NOTE)
    doc.status = t.actions[action]
    doc.decision_note = note
    doc.decided_at = w.now()
    _log(w, doc, company_id, action, note)
    return doc


def accept(w: World, company_id: int, doc_id: object, note: str = "") -> Document:
    """The receiver accepts a sent document."""
    return act(w, company_id, doc_id, "accept", note)


def reject(w: World, company_id: int, doc_id: object, reason: str) -> Document:
    """The receiver rejects a sent document with a reason."""
    return act(w, company_id, doc_id, "reject", reason)


def revise(w: World, company_id: int, doc_id: object) -> Document:
    """A new draft version of a sent document (its form copied); sending it supersedes the old one."""
    doc = get(w, company_id, doc_id)
    if doc.sender_id != company_id:
        raise DomainError(N_("只有发送方可以修改单证"), status=403)
    if doc.status not in REVISABLE:
        raise _status_conflict(doc, N_("单证 %(number)s 当前为「%(current)s」，不能再发新版本"))
    pending = w.db.scalars(
        select(Document).where(Document.previous_id == doc.id, Document.status == DocStatus.DRAFT)
    ).first()
    if pending is not None:
        return pending
    now = w.now()
    new = Document(
        doc_type=doc.doc_type,
        status=DocStatus.DRAFT,
        version=doc.version + 1,
        root_id=doc.root,
        previous_id=doc.id,
        sender_id=doc.sender_id,
        receiver_id=doc.receiver_id,
        deal_id=doc.deal_id,
        form=dict(doc.form or {}),
        fields={},
        author=doc.author,
        created_at=now,
        updated_at=now,
    )
    w.db.add(new)
    w.db.flush()
    _log(w, new, company_id, "revised", doc.number or "")
    return new


def get(w: World, company_id: int, doc_id: object) -> Document:
    """A document the company sent or received; a draft only its sender's. Anything else: NotFound."""
    try:
        key = int(str(doc_id))
    except ValueError:
        key = None
    doc = w.db.get(Document, key) if key is not None else None
    if doc is None or not _may_read(doc, company_id):
        raise NotFound(N_("单证不存在"))
    return doc


def get_by_number(w: World, company_id: int, number: object) -> Document:
    """A document by its number, under the same rule as `get`."""
    doc = w.db.scalars(select(Document).where(Document.number == str(number or "").strip())).first()
    if doc is None or not _may_read(doc, company_id):
        raise NotFound(N_("单证不存在"))
    return doc


def _may_read(doc: Document, company_id: int) -> bool:
    if doc.sender_id == company_id:
        return True
    return doc.receiver_id == company_id and doc.status != DocStatus.DRAFT


def _filtered(q, doc_type: str | None, status: str | None):  # noqa: ANN001, ANN202
    if doc_type:
        q = q.where(Document.doc_type == doc_type)
    if status:
        q = q.where(Document.status == status)
    return q.order_by(Document.updated_at.desc(), Document.id.desc())


def inbox(
    w: World, company_id: int, doc_type: str | None = None, status: str | None = None
) -> list[Document]:
    """Documents sent to the company (never drafts), newest first, filtered by type and status."""
    q = select(Document).where(Document.receiver_id == company_id, Document.status != DocStatus.DRAFT)
    return list(w.db.scalars(_filtered(q, doc_type, status)))


def outbox(
    w: World, company_id: int, doc_type: str | None = None, status: str | None = None
) -> list[Document]:
    """Documents the company drafted or sent, newest first, filtered by type and status."""
    q = select(Document).where(Document.sender_id == company_id)
    return list(w.db.scalars(_filtered(q, doc_type, status)))


def versions(w: World, company_id: int, doc_id: object) -> list[Document]:
    """Every version of a document the company may read, oldest first."""
    doc = get(w, company_id, doc_id)
    q = (
        select(Document)
        .where(or_(Document.id == doc.root, Document.root_id == doc.root))
        .order_by(Document.version)
    )
    return [d for d in w.db.scalars(q) if _may_read(d, company_id)]


def history(w: World, company_id: int, doc_id: object) -> list[DocumentEvent]:
    """The history of all a document's versions the company may read, oldest first."""
    ids = [d.id for d in versions(w, company_id, doc_id)]
    q = (
        select(DocumentEvent)
        .where(DocumentEvent.document_id.in_(ids))
        .order_by(DocumentEvent.at, DocumentEvent.id)
    )
    return list(w.db.scalars(q))


def approved_partners(w: World, company_id: int) -> list[Company]:
    """The approved members a company may send documents to (every other one), by name."""
    q = select(Company).where(Company.status == MembershipStatus.APPROVED, Company.id != company_id)
    return list(w.db.scalars(q.order_by(Company.name)))
