"""`python -m sandbox scenarios verify`: exit 0 only when every solution scores what it declares."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _verify(scenarios: Path, instance: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SANDBOX_SCENARIOS": str(scenarios), "SANDBOX_INSTANCE": str(instance)}
    return subprocess.run(
        [sys.executable, "-m", "sandbox", "scenarios", "verify", "b2c-purchase", "--seeds", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_verify_passes_for_the_real_scenario(tmp_path: Path) -> None:
    result = _verify(ROOT / "scenarios", tmp_path / "instance")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reference" in result.stdout and "verified for 1 seed" in result.stdout
    assert re.search(r"^seed 1  product  +P\d{5}-\d{2} ", result.stdout, re.M)  # the drawn parameters
    assert "parameters covered: product: 1 distinct of 1 seed;" in result.stdout


def test_verify_fails_when_a_partial_solution_scores_otherwise(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios" / "b2c-purchase", scenarios / "b2c-purchase")
    partial = scenarios / "b2c-purchase" / "tests" / "never_paid.py"
    partial.write_text(
        partial.read_text(encoding="utf-8").replace("EXPECTED_SCORE = 70", "EXPECTED_SCORE = 75")
    )
    result = _verify(scenarios, tmp_path / "instance")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"never_paid +70 / 100  expected +75  FAIL", result.stdout)
    assert re.search(r"wrong_quantity +25 / 100  expected +25  ok", result.stdout)
