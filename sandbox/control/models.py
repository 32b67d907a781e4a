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
    ADMIN = "admin"  # 考务管理员: exams, rosters, admission tickets, proctoring


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
    # When candidates were shown their results; review requests (复核申请) are open for review_days after.
    results_published_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_days: Mapped[int | None] = mapped_column(Integer, default=7)
    # The whole examination (issue 11). An exam made by the older command line has none of these: a
    # practical part only, open at any time, weighted equally, passed at 60.
    level: Mapped[str | None] = mapped_column(String(20))  # 电子商务员 … 高级电子商务师
    kind: Mapped[str | None] = mapped_column(String(10), default="final")  # final | module
    # Theory part (理论知识): present when theory_rules is set (the paper's drawing rules, see theory).
    theory_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    theory_minutes: Mapped[int | None] = mapped_column(Integer)
    theory_opens_at: Mapped[datetime | None] = mapped_column(DateTime)
    theory_closes_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Practical part (操作技能): present when scenario_ids is not empty.
    practical_opens_at: Mapped[datetime | None] = mapped_column(DateTime)
    practical_closes_at: Mapped[datetime | None] = mapped_column(DateTime)
    scenario_weights: Mapped[dict[str, float] | None] = mapped_column(JSON)  # scenario id -> weight
    theory_pass: Mapped[float | None] = mapped_column(Float, default=60)
    practical_pass: Mapped[float | None] = mapped_column(Float, default=60)
    # Access rules: a proctor's password to start a part, the networks candidates may sit from, and
    # how many minutes after a part opens a candidate may still enter it for the first time.
    proctor_password_hash: Mapped[str | None] = mapped_column(String(200))
    allowed_networks: Mapped[list[str] | None] = mapped_column(JSON)
    late_entry_minutes: Mapped[int | None] = mapped_column(Integer)

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
    # From the roster import (issue 11): identity, what eligibility is judged on, where they sit.
    id_number: Mapped[str | None] = mapped_column(String(18))
    education: Mapped[str | None] = mapped_column(String(20))
    work_years: Mapped[float | None] = mapped_column(Float)
    lower_certificate: Mapped[str | None] = mapped_column(String(20))  # the level already held
    room: Mapped[str | None] = mapped_column(String(30))
    seat: Mapped[str | None] = mapped_column(String(10))
    extra_minutes: Mapped[int | None] = mapped_column(Integer, default=0)
    # Proctoring: paused since when and why (None: not paused); where the candidate is and was last seen.
    paused_at: Mapped[datetime | None] = mapped_column(DateTime)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen_path: Mapped[str | None] = mapped_column(String(200))
    # Parts this candidate has been admitted to (proctor password given, first entry recorded).
    entered: Mapped[dict[str, str] | None] = mapped_column(JSON)

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
    # The grading run whose points count (a "never lower" regrade may keep an earlier one); None: the
    # latest finished run.
    counted_run_id: Mapped[int | None] = mapped_column(Integer)

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
    # Who asked for the run and why (an examiner's regrade), and the policy it was taken under.
    requested_by: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)
    policy: Mapped[str | None] = mapped_column(String(12))  # latest | keep_higher
    # Whether its points became the attempt's (False: a keep_higher regrade scored lower).
    counted: Mapped[bool | None] = mapped_column(default=None)
    batch_id: Mapped[int | None] = mapped_column(Integer)

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
    # A regrade's policy, who asked and why, and the batch (whole exam or scenario) it belongs to.
    policy: Mapped[str | None] = mapped_column(String(12))
    requested_by: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("regrade_batches.id"), index=True)
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


class RegradePolicy:
    """Which score a regrade keeps."""

    LATEST = "latest"  # the new run's, whatever it is
    KEEP_HIGHER = "keep_higher"  # never lower: the new run's only if it is not below the current score


class RegradeBatch(ControlBase):
    """One examiner's request to regrade several attempts (an exam's, or a scenario's), with progress
    read from its jobs."""

    __tablename__ = "regrade_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # attempt | exam | scenario
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"))
    scenario_id: Mapped[str | None] = mapped_column(String(80))
    policy: Mapped[str] = mapped_column(String(12))
    use_current: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    total: Mapped[int] = mapped_column(Integer, default=0)

    jobs: Mapped[list[GradeJob]] = relationship(order_by="GradeJob.id")
    exam: Mapped[Exam | None] = relationship()


class ScoreOverride(ControlBase):
    """An examiner set an item's points by hand (points None: the override was withdrawn). Rows are
    never changed or deleted: they are the audit trail; the latest row of an item is in force."""

    __tablename__ = "score_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(60))
    points: Mapped[float | None] = mapped_column(Float)
    old_points: Mapped[float] = mapped_column(Float)  # what the item counted before
    graded_points: Mapped[float | None] = mapped_column(Float)  # what the grader gave then
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTime)


class ItemVoid(ControlBase):
    """A faulty rubric item voided: everyone gets its full marks (in one exam, or in every exam)."""

    __tablename__ = "item_voids"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(80), index=True)
    item_id: Mapped[str] = mapped_column(String(60))
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"))
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(60))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class ManualMark(ControlBase):
    """An examiner's judgement of a `manual` rubric item for one attempt (the latest row counts)."""

    __tablename__ = "manual_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(60))
    points: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTime)


class ReviewStatus:
    """Lifecycle of a review request."""

    OPEN = "open"
    ANSWERED = "answered"


class ReviewRequest(ControlBase):
    """A candidate's request for a review of a result (复核申请), and the examiner's answer."""

    __tablename__ = "review_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(String(60))  # the item questioned, if one
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.OPEN)
    score_before: Mapped[float | None] = mapped_column(Float)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(60))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    score_after: Mapped[float | None] = mapped_column(Float)

    attempt: Mapped[Attempt] = relationship()


class ProctorAction(ControlBase):
    """What a proctor did in an exam session, with the reason: pause, resume, extra time, admit.

    Rows are never changed: they are the session's log (考场记录)."""

    __tablename__ = "proctor_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"))
    room: Mapped[str | None] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(20))  # pause | resume | extra_time | ...
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTime)

    candidate: Mapped[Candidate | None] = relationship()
