"""The combined exam result: theory and practical out of 100, pass marks, weights, incomplete results."""

from __future__ import annotations

import time
from datetime import datetime
from itertools import count

import pytest

from sandbox.certificates import results
from sandbox.control import people
from sandbox.control.models import Attempt, Candidate, Exam, GradeRun, ItemResult
from sandbox.theory.models import TheorySitting

_keys = count(1)


def make_exam(db, code: str = "R-1", **fields) -> Exam:  # noqa: ANN001, ANN003
    """An exam of the whole examination (both parts unless told otherwise)."""
    exam = people.create_exam(db, code, f"考试 {code}", fields.pop("scenarios", ["s-a"]))
    exam.level = fields.pop("level", "电子商务员")
    exam.kind = fields.pop("kind", "final")
    exam.theory_rules = fields.pop("theory_rules", {"draw": []})
    for key, value in fields.items():
        setattr(exam, key, value)
    db.commit()
    return exam


def candidate(db, exam: Exam, ticket: str, name: str = "考生") -> Candidate:  # noqa: ANN001
    """A candidate of the exam."""
    cand = people.add_candidate(db, exam, ticket, name, "pass1234")
    db.commit()
    return cand


def sitting(
    db, exam: Exam, cand: Candidate, score: float | None, max_score: float = 100.0, status: str = "submitted"
):  # noqa: ANN001, ANN201
    """A theory sitting with this score (status 'active': still being answered)."""
    row = TheorySitting(
        mode="exam",
        exam_id=exam.id,
        candidate_id=cand.id,
        title="理论知识",
        seed=1,
        rules={},
        items=[],
        status=status,
        started_at=datetime(2026, 6, 1, 9, 0),
        started_real=time.time() - 60,
        deadline_real=time.time() + 3600,
        score=score if status == "submitted" else None,
        max_score=max_score if status == "submitted" else None,
    )
    db.add(row)
    db.commit()
    return row


def attempt(
    db,
    exam: Exam,
    cand: Candidate,
    scenario: str,
    points: float | None,
    max_points: float = 10.0,
    status: str = "graded",
    item_status: str | None = None,
) -> Attempt:  # noqa: ANN001, E501
    """A practical attempt; `points` None: no grading run yet. One item holding the points."""
    started = datetime(2026, 6, 1, 13, 0)
    row = Attempt(
        key=f"k{next(_keys)}",
        mode="exam",
        exam_id=exam.id,
        candidate_id=cand.id,
        scenario_id=scenario,
        scenario_version=1,
        seed=1,
        params={},
        identities=[],
        world_path="/nonexistent.sqlite",
        status=status,
        started_at=started,
        started_real=0.0,
        deadline_real=0.0,
        answers={},
    )
    db.add(row)
    if points is not None:
        run = GradeRun(
            attempt=row,
            started_at=started,
            finished_at=started,
            status="done",
            triggered_by="test",
            score=points,
            max_score=max_points,
            grader_version="test",
        )
        run.items.append(
            ItemResult(
                position=0,
                item_id="all",
                title="全部",
                points=points,
                max_points=max_points,
                status=item_status or ("passed" if points == max_points else "partial"),
                feedback="",
                evidence=[],
            )
        )
        db.add(run)
    db.commit()
    return row


@pytest.fixture
def db(rt):  # noqa: ANN001, ANN201
    """A control-database session."""
    session = rt.control.session()
    yield session
    session.close()


@pytest.mark.parametrize(
    ("theory", "max_score", "shown", "passed"),
    [
        (59.5, 100.0, 59.5, False),  # just below the mark fails
        (60.0, 100.0, 60.0, True),  # exactly the mark passes
        (119.0, 200.0, 59.5, False),  # out of another maximum
        (12.0, 20.0, 60.0, True),
        (0.0, 100.0, 0.0, False),
    ],
)
def test_theory_pass_mark(db, theory: float, max_score: float, shown: float, passed: bool) -> None:  # noqa: ANN001
    exam = make_exam(db)
    cand = candidate(db, exam, "R0001")
    sitting(db, exam, cand, theory, max_score)
    attempt(db, exam, cand, "s-a", 10.0)
    result = results.exam_result(db, exam, cand)
    assert result.theory.score == shown and result.theory.passed is passed
    assert result.practical.score == 100.0 and result.practical.passed is True
    assert result.passed is passed and not result.incomplete


def test_both_parts_are_needed(db) -> None:  # noqa: ANN001
    exam = make_exam(db, scenarios=["s-a"])
    good, no_practical, bad_practical, no_theory = (candidate(db, exam, f"R000{i}") for i in range(1, 5))
    for cand in (good, no_practical, bad_practical):
        sitting(db, exam, cand, 90.0)
    attempt(db, exam, good, "s-a", 7.0)
    attempt(db, exam, bad_practical, "s-a", 5.9)
    attempt(db, exam, no_theory, "s-a", 10.0)
    by_ticket = {r.candidate.ticket_no: r for r in results.exam_results(db, exam)}
    assert by_ticket["R0001"].passed is True
    assert [p.part for p in by_ticket["R0001"].parts] == ["theory", "practical"]
    absent = by_ticket["R0002"]
    assert absent.passed is False and absent.practical.sat is False and absent.practical.score == 0.0
    assert absent.practical.lines[0].status == results.ABSENT
    failed = by_ticket["R0003"]
    assert failed.practical.score == 59.0 and failed.practical.passed is False and failed.passed is False
    missing = by_ticket["R0004"]
    assert missing.theory.sat is False and missing.theory.passed is False and missing.passed is False
    assert missing.practical.passed is True


def test_module_test_with_one_part(db) -> None:  # noqa: ANN001
    theory_only = make_exam(db, "M-T", kind="module", scenarios=[])
    cand = candidate(db, theory_only, "M0001")
    sitting(db, theory_only, cand, 70.0)
    result = results.exam_result(db, theory_only, cand)
    assert [p.part for p in result.parts] == ["theory"] and result.practical.present is False
    assert result.passed is True
    practical_only = make_exam(db, "M-P", kind="module", theory_rules=None, scenarios=["s-a"])
    cand2 = candidate(db, practical_only, "M0002")
    attempt(db, practical_only, cand2, "s-a", 5.0)
    result = results.exam_result(db, practical_only, cand2)
    assert [p.part for p in result.parts] == ["practical"] and result.theory.present is False
    assert result.practical.score == 50.0 and result.passed is False


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ({"s-a": 70, "s-b": 30}, 70.0),  # a full, b nothing
        ({"s-a": 30, "s-b": 70}, 30.0),
        (None, 50.0),  # no weights: equal
        ({"s-a": 70}, 50.0),  # b missing: weighs the mean of those given (70), so equal again
        ({"s-a": 10, "s-b": 10, "s-c": 5}, 40.0),  # 10·1 + 10·0 + 5·0 of 25
    ],
)
def test_weights_give_the_right_percentage(db, weights: dict | None, expected: float) -> None:  # noqa: ANN001
    scenarios = ["s-a", "s-b", "s-c"] if weights and "s-c" in weights else ["s-a", "s-b"]
    exam = make_exam(db, scenarios=scenarios, scenario_weights=weights, theory_rules=None)
    cand = candidate(db, exam, "W0001")
    attempt(db, exam, cand, "s-a", 10.0, 10.0)
    attempt(db, exam, cand, "s-b", 0.0, 20.0, item_status="failed")
    result = results.exam_result(db, exam, cand)
    assert result.practical.score == expected
    lines = {line.key: line for line in result.practical.lines}
    assert lines["s-a"].points == 10.0 and lines["s-b"].max_points == 20.0
    if weights and "s-a" in weights:
        assert lines["s-a"].weight == weights["s-a"]


def test_partial_shares_are_weighted_and_shown_to_one_decimal(db) -> None:  # noqa: ANN001
    exam = make_exam(db, scenarios=["s-a", "s-b"], scenario_weights={"s-a": 2, "s-b": 1}, theory_rules=None)
    cand = candidate(db, exam, "W0002")
    attempt(db, exam, cand, "s-a", 2.0, 3.0)  # 2/3
    attempt(db, exam, cand, "s-b", 1.0, 3.0)  # 1/3
    # (2·2/3 + 1·1/3) / 3 × 100 = 55.555… → 55.6
    assert results.exam_result(db, exam, cand).practical.score == 55.6
    assert results.one_decimal(59.95) == 60.0 and results.one_decimal(59.94) == 59.9


@pytest.mark.parametrize(
    "state",
    ["ungraded", "active", "pending_manual", "theory_open"],
)
def test_unfinished_grading_makes_the_result_incomplete(db, state: str) -> None:  # noqa: ANN001
    exam = make_exam(db, scenarios=["s-a", "s-b"])
    cand = candidate(db, exam, "I0001")
    sitting(db, exam, cand, 90.0, status="active" if state == "theory_open" else "submitted")
    attempt(db, exam, cand, "s-a", 10.0)
    if state == "ungraded":
        attempt(db, exam, cand, "s-b", None, status="submitted")
    elif state == "active":
        attempt(db, exam, cand, "s-b", None, status="active")
    elif state == "pending_manual":
        attempt(db, exam, cand, "s-b", 0.0, item_status="pending")
    else:
        attempt(db, exam, cand, "s-b", 10.0)
    result = results.exam_result(db, exam, cand)
    assert result.incomplete is True and result.passed is None
    part = result.theory if state == "theory_open" else result.practical
    assert part.incomplete is True and part.passed is None


def test_an_exam_from_the_old_command_line_passes_at_60(db) -> None:  # noqa: ANN001
    exam = people.create_exam(db, "OLD-1", "旧考试", ["s-a"])
    exam.theory_pass = exam.practical_pass = None
    exam.level = exam.kind = None
    db.commit()
    low, high = candidate(db, exam, "O0001"), candidate(db, exam, "O0002")
    attempt(db, exam, low, "s-a", 5.9)
    attempt(db, exam, high, "s-a", 6.0)
    low_result, high_result = results.exam_results(db, exam)
    assert low_result.practical.pass_mark == 60.0 and low_result.theory.present is False
    assert low_result.passed is False and high_result.passed is True


def test_custom_pass_marks(db) -> None:  # noqa: ANN001
    exam = make_exam(db, theory_pass=70.0, practical_pass=50.0)
    cand = candidate(db, exam, "P0001")
    sitting(db, exam, cand, 65.0)
    attempt(db, exam, cand, "s-a", 5.0)
    result = results.exam_result(db, exam, cand)
    assert result.theory.passed is False and result.practical.passed is True and result.passed is False
