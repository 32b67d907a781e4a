"""Theory test (理论知识) tables in the control database: the question bank and candidates' sittings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.control.models import Candidate, ControlBase, Exam, Staff


class QuestionType:
    """The three kinds of question the standard's theory test uses."""

    SINGLE = "single"  # 单选: one right option
    MULTI = "multi"  # 多选: two or more right options
    JUDGE = "judge"  # 判断: true or false (options 正确 / 错误)


class Question(ControlBase):
    """One question of the bank."""

    __tablename__ = "theory_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # e.g. T0001; stable across import/export
    qtype: Mapped[str] = mapped_column(String(8))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON)  # in authored order
    answer: Mapped[list[int]] = mapped_column(JSON)  # indexes into options, ascending
    knowledge_point: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[str] = mapped_column(String(20), index=True)
    difficulty: Mapped[int] = mapped_column(Integer, default=2)  # 1 easy … 5 hard
    explanation: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class TheorySitting(ControlBase):
    """One person's theory paper: the drawn questions (with shuffled options), timer, score.

    A candidate has at most one sitting per exam; a trainee (staff) may take any number of quizzes.
    """

    __tablename__ = "theory_sittings"
    __table_args__ = (UniqueConstraint("exam_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(10), default="exam")  # exam | practice
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    title: Mapped[str] = mapped_column(String(120), default="")
    seed: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)  # the rules the paper was drawn under
    # [{"question_id", "code", "qtype", "order": [authored option index in shown order], "points"}]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    marked: Mapped[list[int]] = mapped_column(JSON, default=list)  # question ids marked for review
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | submitted
    started_at: Mapped[datetime] = mapped_column(DateTime)
    started_real: Mapped[float] = mapped_column(Float)
    deadline_real: Mapped[float] = mapped_column(Float)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submit_reason: Mapped[str | None] = mapped_column(String(20))  # candidate | deadline | proctor
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    # Per question after scoring: {"<question id>": {"points": p, "correct": bool}}
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    exam: Mapped[Exam | None] = relationship()
    candidate: Mapped[Candidate | None] = relationship()
    staff: Mapped[Staff | None] = relationship()
    answers: Mapped[list[TheoryAnswer]] = relationship(back_populates="sitting", order_by="TheoryAnswer.id")


class TheoryAnswer(ControlBase):
    """A saved answer to one question of a sitting (autosaved on every change; the row is updated)."""

    __tablename__ = "theory_answers"
    __table_args__ = (UniqueConstraint("sitting_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("theory_sittings.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("theory_questions.id"))
    # Chosen options as authored indexes, ascending (shown order is mapped back when saved).
    choice: Mapped[list[int]] = mapped_column(JSON, default=list)
    saved_at: Mapped[datetime] = mapped_column(DateTime)

    sitting: Mapped[TheorySitting] = relationship(back_populates="answers")
