"""`python -m sandbox scenarios verify`: exit 0 only when every solution scores what it declares."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Templates both tests share (on whichever workers): built once in this run's temporary folder."""
    root = tmp_path_factory.getbasetemp()
    return (root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root) / "verify-cli-templates"


def _verify(scenarios: Path, instance: Path, templates: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SANDBOX_SCENARIOS": str(scenarios),
        "SANDBOX_INSTANCE": str(instance),
        "SANDBOX_TEMPLATES": str(templates),
    }
    return subprocess.run(
        [sys.executable, "-m", "sandbox", "scenarios", "verify", "b2c-purchase", "--seeds", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _copy(tmp_path: Path, keep: tuple[str, ...] = ("never_paid.py", "wrong_quantity.py")) -> Path:
    """The real b2c-purchase folder with two of its partial solutions (test_graders runs them all)."""
    scenarios = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios" / "b2c-purchase", scenarios / "b2c-purchase")
    for partial in (scenarios / "b2c-purchase" / "tests").glob("*.py"):
        if partial.name not in keep:
            partial.unlink()
    return scenarios


def test_verify_passes_for_the_real_scenario(tmp_path: Path, templates: Path) -> None:
    result = _verify(_copy(tmp_path), tmp_path / "instance", templates)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reference" in result.stdout and "verified for 1 seed" in result.stdout
    assert re.search(r"^seed 1  product  +P\d{5}-\d{2} ", result.stdout, re.M)  # the drawn parameters
    assert "parameters covered: product: 1 distinct of 1 seed;" in result.stdout


def test_verify_fails_when_a_partial_solution_scores_otherwise(tmp_path: Path, templates: Path) -> None:
    scenarios = _copy(tmp_path)
    partial = scenarios / "b2c-purchase" / "tests" / "never_paid.py"
    partial.write_text(
        partial.read_text(encoding="utf-8").replace("EXPECTED_SCORE = 70", "EXPECTED_SCORE = 75")
    )
    result = _verify(scenarios, tmp_path / "instance", templates)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"never_paid +70 / 100  expected +75  FAIL", result.stdout)
    assert re.search(r"wrong_quantity +25 / 100  expected +25  ok", result.stdout)
