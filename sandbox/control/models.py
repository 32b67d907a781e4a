"""Control database: exams, people, attempts, the action log and grading results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class ControlBase(DeclarativeBase):
    """Base class of the control database's tables."""


class StaffRole:
    """What a staff login may do."""

    EXAMINER = "examiner"
    TRAINEE = "trainee"


class Staff(ControlBase):
    """An examiner or a trainee (practice mode) login."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Bumped by every login and logout: a session cookie carrying an older number is dead.
    session_generation: Mapped[int | None] = mapped_column(Integer, default=0)


class Exam(ControlBase):
    """An exam session: which scenarios, how long, who sits it."""

    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    scenario_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    candidates: Mapped[list[Candidate]] = relationship(back_populates="exam", order_by="Candidate.id")


class Candidate(ControlBase):
    """A person sitting an exam, identified by admission ticket number (准考证号)."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), index=True)
    ticket_no: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    id_card_tail: Mapped[str] = mapped_column(String(8), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    # Bumped by every login and logout: a session cookie carrying an older number is dead.
    session_generation: Mapped[int | None] = mapped_column(Integer, default=0)

    exam: Mapped[Exam] = relationship(back_populates="candidates")


class AttemptStatus:
    """Lifecycle of an attempt."""

    ACTIVE = "active"
    SUBMITTED = "submitted"
    GRADED = "graded"


class Attempt(ControlBase):
    """One candidate (or trainee) working one scenario in a private world."""

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("candidate_id", "scenario_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    mode: Mapped[str] = mapped_column(String(10), default="exam")  # exam | practice
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    scenario_id: Mapped[str] = mapped_column(String(80))
    scenario_version: Mapped[int] = mapped_column(Integer)
    # Content hash of the scenario folder the attempt was started under (its archived copy's key).
    scenario_digest: Mapped[str | None] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    identities: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    world_path: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(12), default=AttemptStatus.ACTIVE)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    started_real: Mapped[float] = mapped_column(Float)
    deadline_real: Mapped[float] = mapped_column(Float)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_real: Mapped[float | None] = mapped_column(Float)
    submit_reason: Mapped[str | None] = mapped_column(String(20))
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)

    candidate: Mapped[Candidate | None] = relationship()
    staff: Mapped[Staff | None] = relationship()
    exam: Mapped[Exam | None] = relationship()
    grade_runs: Mapped[list[GradeRun]] = relationship(back_populates="attempt", order_by="GradeRun.id")

    @property
    def holder_name(self) -> str:
        """Who works this attempt."""
        if self.candidate:
            return f"{self.candidate.name}（{self.candidate.ticket_no}）"
        return self.staff.display_name if self.staff else "?"


class ActionLog(ControlBase):
    """A candidate's request or a domain event, recorded server-side before the response is sent."""

    __tablename__ = "action_log"
    # Reconciliation looks up an attempt's logged world events on every touch of its world.
    __table_args__ = (Index("ix_action_log_attempt_world_event", "attempt_id", "world_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # request | event
    real_at: Mapped[datetime] = mapped_column(DateTime)
    world_at: Mapped[datetime | None] = mapped_column(DateTime)
    method: Mapped[str | None] = mapped_column(String(8))
    path: Mapped[str | None] = mapped_column(String(400))
    form: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(Text)
    event_name: Mapped[str | None] = mapped_column(String(60))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    # For events: the id of the event in the world database (reconciliation finds missing ones).
    world_event_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # For requests: False while the request's world commit may not have been answered yet.
    completed: Mapped[bool | None] = mapped_column(default=True)


class GradeRun(ControlBase):
    """One grading of an attempt: totals, provenance and where its files are."""

    __tablename__ = "grade_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(
        String(12), default="running"
    )  # running | done | incomplete | error | interrupted
    triggered_by: Mapped[str] = mapped_column(String(60))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    grader_version: Mapped[str] = mapped_column(String(20))
    world_hash: Mapped[str | None] = mapped_column(String(64))
    result_path: Mapped[str | None] = mapped_column(String(400))
    trace_path: Mapped[str | None] = mapped_column(String(400))
    error: Mapped[str | None] = mapped_column(Text)
    # Which scenario the rubric came from: the attempt's own version, or the current one on request.
    scenario_version: Mapped[int | None] = mapped_column(Integer)
    scenario_digest: Mapped[str | None] = mapped_column(String(64))
    rubric_source: Mapped[str | None] = mapped_column(String(12))  # attempt | current

    attempt: Mapped[Attempt] = relationship(back_populates="grade_runs")
    items: Mapped[list[ItemResult]] = relationship(back_populates="run", order_by="ItemResult.position")


class ItemResult(ControlBase):
    """Points for one rubric item in one grading run, with feedback and evidence."""

    __tablename__ = "item_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12))  # passed | failed | partial | skipped | error
    # For a skipped item: what it would have been (passed | partial | failed | error), for information.
    would_be: Mapped[str | None] = mapped_column(String(12))
    feedback: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    run: Mapped[GradeRun] = relationship(back_populates="items")


class GradeJobStatus:
    """Lifecycle of a persisted grading job."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class GradeJob(ControlBase):
    """A request to grade an attempt, kept in the control database so a restart loses none."""

    __tablename__ = "grade_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    triggered_by: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default=GradeJobStatus.QUEUED, index=True)
    # Grade with the scenario as it is now instead of the version the attempt was taken under.
    use_current: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("grade_runs.id"))
    error: Mapped[str | None] = mapped_column(Text)


class LoginOutcome:
    """What became of a login attempt (examiners see the refused ones)."""

    OK = "ok"
    WRONG_PASSWORD = "wrong_password"
    UNKNOWN_ACCOUNT = "unknown_account"
    LOCKED = "locked"


class LoginRecord(ControlBase):
    """One login attempt at the ticket or the staff login: who was tried, from where, and the outcome."""

    __tablename__ = "login_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # candidate | staff
    account: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))
