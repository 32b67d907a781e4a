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


SEEDS = (1, 2, 3)


def _solutions(scenario_id: str) -> list[str]:
    """What each seed of a scenario is proven with: an empty attempt, the reference, the other solutions."""
    others = sorted(p.stem for p in (SCENARIOS / scenario_id / "tests").glob("*.py"))
    return ["empty", "solution", *others]


# One test per (scenario, seed, solution), so parallel workers share the proofs evenly.
PROOFS = [(sid, seed, name) for sid in ALL_SCENARIOS for seed in SEEDS for name in _solutions(sid)]


@pytest.mark.parametrize(
    ("scenario_id", "seed", "solution"), PROOFS, ids=[f"{p[0]}-{p[1]}-{p[2]}" for p in PROOFS]
)
def test_scores_for_each_seed(harness, scenario_id: str, seed: int, solution: str) -> None:  # noqa: ANN001
    scenario = harness.rt.scenarios.get(scenario_id)
    folder = SCENARIOS / scenario_id
    if solution == "empty":
        _, empty = _grade(harness, seed, None, scenario_id)
        assert empty.score == 0
        assert {i.status for i in empty.items} <= {"failed", "skipped", "pending"}
    elif solution == "solution":
        _, ref = _grade(harness, seed, folder / "solution.py", scenario_id)
        manual = {i["id"] for i in scenario.rubric if i["check"]["kind"] == "manual"}
        # Full marks of every item the grader scores; manual items wait for an examiner.
        assert ref.max_score == scenario.max_points
        assert ref.score == expected_score(load_solution(folder / "solution.py"), scenario)
        assert all(i.status == ("pending" if i.item_id in manual else "passed") for i in ref.items), [
            (i.item_id, i.feedback) for i in ref.items
        ]
    else:
        path = folder / "tests" / f"{solution}.py"
        declared = expected_score(load_solution(path), scenario)
        _, run = _grade(harness, seed, path, scenario_id)
        assert run.score == declared, (path.name, [(i.item_id, i.points, i.feedback) for i in run.items])


@pytest.mark.parametrize("scenario_id", ALL_SCENARIOS)
def test_every_scenario_ships_partial_solutions(harness, scenario_id: str) -> None:  # noqa: ANN001
    """At least two solutions besides the reference, one of them real partial credit (declared, and the
    proofs above show each scores what it declares)."""
    scenario = harness.rt.scenarios.get(scenario_id)
    others = sorted((SCENARIOS / scenario_id / "tests").glob("*.py"))
    assert len(others) >= 2, "every scenario ships at least two solutions besides the reference"
    declared = [expected_score(load_solution(path), scenario) for path in others]
    assert any(0 < score < scenario.max_points for score in declared), declared


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
