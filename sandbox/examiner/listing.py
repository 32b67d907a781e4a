"""Which attempts the examiner's list and exports show: one exam's or all, exam or practice attempts,
searched, sorted and paged, with the exam's candidates who never started (缺考)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from sandbox.control.models import Attempt, Candidate, Staff

PAGE_SIZE = 50
SORTS = {
    "started": Attempt.id.desc(),
    "score": Attempt.score.desc().nulls_last(),
    "score_asc": Attempt.score.asc().nulls_last(),
    "name": Candidate.name.asc(),
    "status": Attempt.status.asc(),
}
MODES = ("exam", "practice", "all")


@dataclass
class Filters:
    """What the examiner asked for (query arguments, cleaned)."""

    exam_id: int | None = None
    mode: str = "exam"
    q: str = ""
    sort: str = "started"
    page: int = 1

    @classmethod
    def from_args(cls, args: Any, exam_id: int | None) -> Filters:
        """From a request's query string (unknown values fall back to the defaults)."""
        mode = args.get("mode", "exam")
        sort = args.get("sort", "started")
        try:
            page = max(1, min(int(args.get("page", "1")), 10_000))
        except ValueError:
            page = 1
        return cls(
            exam_id=exam_id,
            mode=mode if mode in MODES else "exam",
            q=(args.get("q") or "").strip()[:60],
            sort=sort if sort in SORTS else "started",
            page=page,
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query arguments for a link (with some changed)."""
        values = {
            "exam": self.exam_id or "",
            "mode": self.mode,
            "q": self.q,
            "sort": self.sort,
            "page": self.page,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class Listing:
    """One page of attempts, the total, and the candidates of the exam who never started."""

    rows: list[Attempt]
    total: int
    pages: int
    absent: list[Candidate] = field(default_factory=list)


def _query(f: Filters):  # noqa: ANN202
    q = (
        select(Attempt)
        .outerjoin(Candidate, Attempt.candidate_id == Candidate.id)
        .outerjoin(Staff, Attempt.staff_id == Staff.id)
    )
    if f.exam_id:
        q = q.where(Attempt.exam_id == f.exam_id)
    if f.mode != "all":
        q = q.where(Attempt.mode == f.mode)
    if f.q:
        like = f"%{f.q}%"
        q = q.where(
            or_(
                Candidate.name.like(like),
                Candidate.ticket_no.like(like),
                Staff.display_name.like(like),
                Attempt.key == f.q,
            )
        )
    return q


def attempts(db: Session, f: Filters, paged: bool = True) -> Listing:
    """The attempts these filters select (one page of them when `paged`)."""
    q = _query(f)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    q = q.options(
        selectinload(Attempt.candidate), selectinload(Attempt.staff), selectinload(Attempt.grade_runs)
    )
    q = q.order_by(SORTS[f.sort], Attempt.id.desc())
    if paged:
        q = q.limit(PAGE_SIZE).offset((f.page - 1) * PAGE_SIZE)
    absent: list[Candidate] = []
    if f.exam_id and f.mode in ("exam", "all"):
        started = select(Attempt.candidate_id).where(
            Attempt.exam_id == f.exam_id, Attempt.candidate_id.is_not(None)
        )
        aq = select(Candidate).where(Candidate.exam_id == f.exam_id, Candidate.id.not_in(started))
        if f.q:
            aq = aq.where(or_(Candidate.name.like(f"%{f.q}%"), Candidate.ticket_no.like(f"%{f.q}%")))
        absent = list(db.scalars(aq.order_by(Candidate.ticket_no)))
    return Listing(list(db.scalars(q)), total, max(1, -(-total // PAGE_SIZE)), absent)
