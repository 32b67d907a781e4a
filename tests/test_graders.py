"""Grader proofs for b2c-purchase: empty = 0, reference = full marks, partials = declared, for 3 seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graders.harness import expected_score, load_solution

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "b2c-purchase"


def _grade(harness, seed: int, solution: Path | None):  # noqa: ANN001, ANN202
    attempt = harness.new_attempt("b2c-purchase", seed)
    if solution is not None:
        harness.solve(attempt, solution)
    harness.submit(attempt)
    return attempt, harness.grade(attempt)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_for_each_seed(harness, seed: int) -> None:
    scenario = harness.rt.scenarios.get("b2c-purchase")
    _, empty = _grade(harness, seed, None)
    assert empty.score == 0
    assert {i.status for i in empty.items} <= {"failed", "skipped"}

    _, ref = _grade(harness, seed, SCENARIO_DIR / "solution.py")
    assert ref.score == ref.max_score == scenario.max_points == 100
    assert all(i.status == "passed" for i in ref.items)

    partial_scores = []
    for path in sorted((SCENARIO_DIR / "tests").glob("*.py")):
        declared = expected_score(load_solution(path), scenario)
        _, run = _grade(harness, seed, path)
        assert run.score == declared, (path.name, [(i.item_id, i.points, i.feedback) for i in run.items])
        partial_scores.append(run.score)
    assert sum(1 for s in partial_scores if 0 < s < 100) >= 3  # real partial credit, not all-or-nothing


def test_partial_solutions_fail_for_the_declared_reasons(harness) -> None:
    _, wrong_qty = _grade(harness, 4, SCENARIO_DIR / "tests" / "wrong_quantity.py")
    by_id = {i.item_id: i for i in wrong_qty.items}
    assert by_id["order-right"].status == "failed" and "数量" in by_id["order-right"].feedback
    assert by_id["paid"].status == by_id["visible"].status == "skipped"

    _, unpaid = _grade(harness, 4, SCENARIO_DIR / "tests" / "never_paid.py")
    by_id = {i.item_id: i for i in unpaid.items}
    assert by_id["order-right"].status == "passed" and by_id["order-number"].status == "passed"
    assert by_id["paid"].status == "failed" and by_id["visible"].status == "skipped"


def test_result_has_evidence_trace_and_is_deterministic(harness) -> None:
    attempt, first = _grade(harness, 5, SCENARIO_DIR / "solution.py")
    doc = json.loads(Path(first.result_path).read_text())
    assert doc["score"] == 100 and doc["max_score"] == 100
    assert [t["number"] for t in doc["tests"]] == [i["id"] for i in doc["items"]]
    assert (
        doc["seed"] == attempt.seed
        and doc["params"] == attempt.params
        and doc["world_hash"] == first.world_hash
    )
    assert Path(first.trace_path).stat().st_size > 1000  # the Playwright trace of the UI check

    visible = next(i for i in first.items if i.item_id == "visible")
    shots = [e for e in visible.evidence if e["type"] == "screenshot"]
    assert shots and (Path(first.result_path).parent / "evidence" / shots[0]["path"]).stat().st_size > 1000
    assert all(i.evidence for i in first.items)

    second = harness.grade(attempt)
    assert second.world_hash == first.world_hash
    assert [(i.item_id, i.points, i.feedback) for i in second.items] == [
        (i.item_id, i.points, i.feedback) for i in first.items
    ]
