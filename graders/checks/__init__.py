"""Registry of rubric checks by (kind, name); scenario folders may add their own in checks.py."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHECKS: dict[tuple[str, str], Callable[..., CheckResult]] = {}
# What each check declares besides its docstring and arguments: the facts it sets in the grading
# context for later items, and the facts it needs from earlier ones (for the generated reference).
CHECK_INFO: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}


@dataclass
class CheckResult:
    """What a check found: the fraction of the item's points earned, why, and the evidence."""

    fraction: float
    feedback: str
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def passed(cls, feedback: str, *evidence: dict[str, Any]) -> CheckResult:
        return cls(1.0, feedback, list(evidence))

    @classmethod
    def failed(cls, feedback: str, *evidence: dict[str, Any]) -> CheckResult:
        return cls(0.0, feedback, list(evidence))


def check(kind: str, name: str, *, sets: tuple[str, ...] = (), needs: tuple[str, ...] = ()) -> Callable:
    """Register a function as the check `name` of `kind`.

    `sets` names the facts (ctx.facts keys) the check establishes for later items, e.g. the graded
    order; `needs` names the facts it reads, which an earlier item must have set.
    """

    def register(fn: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
        CHECKS[(kind, name)] = fn
        CHECK_INFO[(kind, name)] = {"sets": tuple(sets), "needs": tuple(needs)}
        return fn

    return register


# Checks about no domain in particular (answers, events); each domain names its own check modules
# in its package (see sandbox/domains.py).
GENERIC_MODULES = ("graders.checks.events", "graders.checks.answers", "graders.checks.manual")


def load_builtin() -> None:
    """Import the generic check modules and every domain's (they register themselves)."""
    from sandbox.domains import check_modules

    for module in (*GENERIC_MODULES, *check_modules()):
        importlib.import_module(module)


def load_scenario_checks(folder: Path) -> None:
    """Run a scenario folder's own checks.py (if it has one) so that its checks are the registered ones.

    Called before each grading with the folder of the version being graded (a kept copy, or the
    folder as it is now). The file is compiled from its current text on every call, never from a
    __pycache__ that might predate an edit, and nothing is written into the folder. The checks an
    earlier call registered for this scenario (another version of its checks.py) are dropped first.
    """
    import types

    folder = Path(folder)
    prefix = f"scenario_checks_{folder.name.replace('-', '_')}"
    for key in [k for k, fn in CHECKS.items() if getattr(fn, "__module__", "") == prefix]:
        del CHECKS[key]
        CHECK_INFO.pop(key, None)
    path = folder / "checks.py"
    if path.exists():
        module = types.ModuleType(prefix)
        module.__file__ = str(path)
        exec(compile(path.read_bytes(), str(path), "exec"), module.__dict__)  # noqa: S102


def scenario_checks(folder: Path) -> dict[tuple[str, str], Any]:
    """The checks a scenario may use, by (kind, name): the built-in ones and its own checks.py's.

    Checks another scenario's checks.py registered in this process are not included. A checks.py
    that redefines a built-in check is refused (the registry is shared by every scenario).
    """
    load_builtin()
    builtin = {key: fn for key, fn in CHECKS.items() if fn.__module__.startswith("graders.checks")}
    load_scenario_checks(folder)
    own_file = (Path(folder) / "checks.py").resolve()

    def own(fn: Any) -> bool:
        source = inspect.getsourcefile(inspect.unwrap(fn))
        return source is not None and Path(source).resolve() == own_file

    redefined = sorted(key for key, fn in builtin.items() if CHECKS[key] is not fn)
    for key in redefined:
        CHECKS[key] = builtin[key]
    if redefined:
        kind, name = redefined[0]
        raise ValueError(f"{own_file} redefines the built-in {kind} check {name}; give it a name of its own")
    return {**builtin, **{key: fn for key, fn in CHECKS.items() if own(fn)}}


def unmet_needs(scenario: Any, checks: dict[tuple[str, str], Any]) -> list[str]:
    """Rubric items whose check needs a fact that no earlier item's check sets (per CHECK_INFO)."""
    setters: dict[str, list[str]] = {}
    for (kind, name), info in sorted(CHECK_INFO.items()):
        if (kind, name) in checks:
            for fact in info.get("sets", ()):
                setters.setdefault(fact, []).append(name)
    facts: set[str] = set()
    out = []
    for index, item in enumerate(scenario.rubric):
        key = (item["check"]["kind"], item["check"]["name"])
        info = CHECK_INFO.get(key, {})
        for fact in info.get("needs", ()):
            if fact not in facts:
                by = ", ".join(setters.get(fact, [])) or "no check"
                out.append(
                    f"rubric/{index} ({item['id']}): {key[1]} needs the fact {fact!r}, which no earlier "
                    f"item sets (set by: {by})"
                )
        facts.update(info.get("sets", ()))
    return out


def known_checks() -> set[tuple[str, str]]:
    """Every registered (kind, name)."""
    load_builtin()
    return set(CHECKS)


def text_evidence(label: str, value: Any) -> dict[str, Any]:
    """A piece of textual evidence."""
    return {"type": "text", "label": label, "value": value}
