"""Grader proofs for every scenario folder: empty = 0, reference = full marks, each other solution
its declared score, for seeds 1-3 (what `scenarios verify` proves, inside `make test`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graders.harness import expected_score, load_solution

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SCENARIO_DIR = SCENARIOS / "b2c-purchase"
# Every folder with a scenario.yaml: a new scenario is proven without anyone listing it here.
ALL_SCENARIOS = sorted(p.parent.name for p in SCENARIOS.glob("*/scenario.yaml"))


def _grade(harness, seed: int, solution: Path | None, scenario_id: str = "b2c-purchase"):  # noqa: ANN001, ANN202
    attempt = harness.new_attempt(scenario_id, seed)
    if solution is not None:
        harness.solve(attempt, solution)
    harness.submit(attempt)
    return attempt, harness.grade(attempt)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("scenario_id", ALL_SCENARIOS)
def test_scores_for_each_seed(harness, scenario_id: str, seed: int) -> None:  # noqa: ANN001
    scenario = harness.rt.scenarios.get(scenario_id)
    folder = SCENARIOS / scenario_id
    _, empty = _grade(harness, seed, None, scenario_id)
    assert empty.score == 0
    assert {i.status for i in empty.items} <= {"failed", "skipped"}

    _, ref = _grade(harness, seed, folder / "solution.py", scenario_id)
    assert ref.score == ref.max_score == scenario.max_points
    assert all(i.status == "passed" for i in ref.items)

    others = sorted((folder / "tests").glob("*.py"))
    assert len(others) >= 2, "every scenario ships at least two solutions besides the reference"
    partial_scores = []
    for path in others:
        declared = expected_score(load_solution(path), scenario)
        _, run = _grade(harness, seed, path, scenario_id)
        assert run.score == declared, (path.name, [(i.item_id, i.points, i.feedback) for i in run.items])
        partial_scores.append(run.score)
    assert any(0 < s < scenario.max_points for s in partial_scores)  # real partial credit


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
