"""NPC actions of the documents: counterparties answer what a company sends them.

`b2b.docs_answer` reacts to `b2b.document_sent` (`{on: b2b.document_sent, do: b2b.docs_answer, args:
{after: "+10m"}}`): when the receiver is a company the world plays (an NPC member), it accepts the
document `after` the delay (default +10m), or rejects it with `reason` when `decision: reject`. Only
`types` (a list of document types) are answered when given. A document withdrawn or revised in the
meantime is left alone.
"""

from __future__ import annotations

from typing import Any

from sandbox.b2b import documents
from sandbox.b2b.company_models import Company
from sandbox.b2b.document_models import DocStatus, Document
from sandbox.errors import N_, DomainError
from sandbox.worlds.base import Event
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.npc import npc_action, schedule
from sandbox.worlds.world import World

ANSWER_STEP = "b2b.docs_answer_step"
DEFAULT_AFTER = "+10m"


@npc_action("b2b.docs_answer")
def docs_answer(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """An NPC receiver accepts (or, with `decision: reject`, rejects with `reason`) a document sent to
    it, `after` a delay (default +10m); `types` limits it to those document types."""
    payload = trigger.payload if trigger is not None else {}
    doc = w.db.get(Document, payload.get("id")) if isinstance(payload.get("id"), int) else None
    if doc is None:
        return
    receiver = w.db.get(Company, doc.receiver_id) if doc.receiver_id else None
    types = args.get("types")
    if receiver is None or not receiver.npc or (types and doc.doc_type not in types):
        return
    decision = str(args.get("decision", "accept"))
    if decision not in ("accept", "reject"):
        raise DomainError(N_("decision 只能是 accept 或 reject"))
    try:
        delay = parse_offset(str(args.get("after", DEFAULT_AFTER)))
    except ValueError:
        raise DomainError(N_("after 必须形如 +30m、+2h 或 +1d")) from None
    reason = str(args.get("reason") or "单证内容与约定不符")[:200]
    schedule(w, trigger.at + delay, ANSWER_STEP, doc=doc.id, decision=decision, reason=reason)


@npc_action(ANSWER_STEP, for_rules=False)
def docs_answer_step(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The scheduled answer of `b2b.docs_answer`: only a document still waiting is answered."""
    doc = w.db.get(Document, int(args["doc"]))
    if doc is None or doc.status != DocStatus.SENT or doc.receiver_id is None:
        return
    if args.get("decision") == "reject":
        documents.reject(w, doc.receiver_id, doc.id, str(args.get("reason") or "单证内容与约定不符"))
    else:
        documents.accept(w, doc.receiver_id, doc.id)
