"""What a check sees: the scenario, the attempt's params and answers, its (snapshot) world, a browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.scenarios.loader import Scenario
from sandbox.worlds.world import World


@dataclass
class GradeContext:
    """Shared by the checks of one grading run."""

    scenario: Scenario
    params: dict[str, Any]
    answers: dict[str, str]
    identities: list[dict[str, Any]]
    world: World
    evidence_dir: Path
    ui: Any = None  # graders.browser.UISession, created lazily by the runner
    facts: dict[str, Any] = field(default_factory=dict)  # what earlier checks established
    # What a check found although it did not qualify (e.g. the order with the wrong quantity): used
    # only when a skipped item is evaluated for the examiner's information, never for points.
    near_facts: dict[str, Any] = field(default_factory=dict)
