"""An exam's combined result per candidate: the theory and practical parts out of 100, each against
its pass mark, and the overall decision (every part the exam has, sat and passed).

- Theory: the candidate's submitted sitting, score / max × 100.
- Practical: Σ weight × (points / max) / Σ weight × 100 over the exam's scenarios, weights from
  `exam.scenario_weights` (none: all equal; a scenario missing from the table weighs the mean of
  those given). A scenario not attempted counts 0. While an attempt is still being worked, waits
  for grading, or has a manual item not yet judged, the result is incomplete: no pass decision.
Scores are shown to one decimal, and the shown score is the one compared with the pass mark.
Exams made by the older command line (no level, no pass marks) pass at 60.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.admin.access import DEFAULT_PASS, PRACTICAL, THEORY, has_part
from sandbox.certificates.models import CertificateRecord
from sandbox.control.models import Attempt, AttemptStatus, Candidate, Exam
from sandbox.examiner import scoring
from sandbox.theory.models import TheorySitting

SUBMITTED = "submitted"

# What a breakdown line's status means (labels live in the templates).
GRADED = "graded"  # points counted
ABSENT = "absent"  # not attempted: 0
WORKING = "working"  # still being worked (theory sitting open, attempt active)
UNGRADED = "ungraded"  # submitted, waiting for grading
PENDING = "pending"  # graded, a manual item not judged yet


@dataclass
class Line:
    """One line of a part's breakdown: a scenario (or the theory paper) with its weight and points."""

    key: str  # scenario id, or "theory"
    title: str
    weight: float
    points: float | None
    max_points: float | None
    status: str

    @property
    def share(self) -> float:
        """Points / max (0 when not counted)."""
        if self.status != GRADED or not self.max_points:
            return 0.0
        return (self.points or 0.0) / self.max_points


@dataclass
class PartResult:
    """One part (theory or practical) of a candidate's result."""

    part: str
    present: bool
    sat: bool = False
    score: float | None = None  # out of 100, one decimal
    pass_mark: float = DEFAULT_PASS
    passed: bool | None = None  # None: not present, or incomplete
    incomplete: bool = False
    lines: list[Line] = field(default_factory=list)


@dataclass
class ExamResult:
    """A candidate's combined result and certificate (if one was issued)."""

    exam: Exam
    candidate: Candidate
    theory: PartResult
    practical: PartResult
    certificate: CertificateRecord | None = None

    @property
    def parts(self) -> list[PartResult]:
        """The parts the exam has, in the order they are sat."""
        return [p for p in (self.theory, self.practical) if p.present]

    @property
    def incomplete(self) -> bool:
        """Whether some part still waits for a submission, grading or a manual mark."""
        return any(p.incomplete for p in self.parts)

    @property
    def passed(self) -> bool | None:
        """Passed overall: every part present sat and passed (None while incomplete)."""
        if self.incomplete:
            return None
        parts = self.parts
        return bool(parts) and all(p.passed for p in parts)


def one_decimal(value: float) -> float:
    """A score as shown: one decimal (rounded half up, free of binary noise such as 59.95 → 59.9)."""
    return float(f"{round(value + 1e-9, 1):.1f}")


def _pass_mark(value: float | None) -> float:
    return float(value) if value is not None else DEFAULT_PASS


def weights(exam: Exam) -> dict[str, float]:
    """Each scenario's weight: the exam's table; none given → equal; one missing → the mean of the rest."""
    table = {k: float(v) for k, v in (exam.scenario_weights or {}).items() if v is not None and float(v) >= 0}
    given = [table[s] for s in exam.scenario_ids if s in table]
    fallback = (sum(given) / len(given)) if given else 1.0
    return {sid: table.get(sid, fallback) for sid in exam.scenario_ids}


def theory_part(db: Session, exam: Exam, candidate: Candidate) -> PartResult:
    """The theory part: the submitted sitting's percentage."""
    result = PartResult(THEORY, has_part(exam, THEORY), pass_mark=_pass_mark(exam.theory_pass))
    if not result.present:
        return result
    sitting = db.scalars(
        select(TheorySitting).where(
            TheorySitting.exam_id == exam.id, TheorySitting.candidate_id == candidate.id
        )
    ).first()
    if sitting is None:
        result.lines = [Line(THEORY, "", 100.0, None, None, ABSENT)]
        result.score, result.passed = 0.0, False
        return result
    result.sat = True
    if sitting.status != SUBMITTED or sitting.score is None:
        result.lines = [Line(THEORY, sitting.title, 100.0, None, None, WORKING)]
        result.incomplete = True
        return result
    line = Line(THEORY, sitting.title, 100.0, sitting.score, sitting.max_score, GRADED)
    result.lines = [line]
    result.score = one_decimal(line.share * 100)
    result.passed = result.score >= result.pass_mark
    return result


def _attempt_line(attempt: Attempt | None, sid: str, title: str, weight: float) -> Line:
    if attempt is None:
        return Line(sid, title, weight, None, None, ABSENT)
    if attempt.status == AttemptStatus.ACTIVE:
        return Line(sid, title, weight, None, None, WORKING)
    score = scoring.final_score(attempt)
    if score is None:
        return Line(sid, title, weight, None, None, UNGRADED)
    points, max_points = score
    status = PENDING if scoring.pending_items(attempt) else GRADED
    return Line(sid, title, weight, points, max_points, status)


def practical_part(
    db: Session, exam: Exam, candidate: Candidate, title: Callable[[str], str] | None = None
) -> PartResult:
    """The practical part: the weighted share of each scenario's points."""
    result = PartResult(PRACTICAL, has_part(exam, PRACTICAL), pass_mark=_pass_mark(exam.practical_pass))
    if not result.present:
        return result
    attempts = {
        a.scenario_id: a
        for a in db.scalars(
            select(Attempt).where(
                Attempt.exam_id == exam.id, Attempt.candidate_id == candidate.id, Attempt.mode == "exam"
            )
        )
    }
    table = weights(exam)
    result.lines = [
        _attempt_line(attempts.get(sid), sid, title(sid) if title else sid, table[sid])
        for sid in exam.scenario_ids
    ]
    result.sat = any(line.status != ABSENT for line in result.lines)
    total_weight = sum(line.weight for line in result.lines)
    raw = sum(line.weight * line.share for line in result.lines) / total_weight * 100 if total_weight else 0.0
    result.score = one_decimal(raw)
    if any(line.status in (WORKING, UNGRADED, PENDING) for line in result.lines):
        result.incomplete = True
        return result
    result.passed = result.sat and result.score >= result.pass_mark
    return result


def exam_result(
    db: Session, exam: Exam, candidate: Candidate, title: Callable[[str], str] | None = None
) -> ExamResult:
    """A candidate's combined result; `title(scenario_id)` names scenarios in the breakdown."""
    certificate = db.scalars(
        select(CertificateRecord).where(
            CertificateRecord.exam_id == exam.id, CertificateRecord.candidate_id == candidate.id
        )
    ).first()
    return ExamResult(
        exam,
        candidate,
        theory_part(db, exam, candidate),
        practical_part(db, exam, candidate, title),
        certificate,
    )


def exam_results(db: Session, exam: Exam, title: Callable[[str], str] | None = None) -> list[ExamResult]:
    """Every candidate's combined result, in roster order."""
    return [exam_result(db, exam, c, title) for c in exam.candidates]
