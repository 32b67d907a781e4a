"""Scenario versions: every version an attempt was taken under is kept, and grading chooses one.

When an attempt starts, its scenario folder is copied (once per content) to
`$DATA_DIR/scenario-versions/<id>/v<version>-<digest>/<id>/`, where the digest is `folder_digest`
(every file of the folder but __pycache__). The attempt records the digest, so it is graded with the
rubric, texts and checks.py it was taken under even after the folder changes. An examiner may regrade
with the current version instead (after a rubric fix), unless that version needs something the attempt
does not have; then the regrade is refused with the reasons.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import uuid
from pathlib import Path
from typing import Any

from jinja2 import meta

from sandbox.errors import N_, Conflict
from sandbox.scenarios.loader import (
    TEMPLATES,
    Scenario,
    ScenarioError,
    folder_digest,
    load_scenario,
    render_value,
    resolve,
)

ARCHIVE_DIR = "scenario-versions"
# The leading dotted path of each {{ … }} expression, e.g. 'product.sku' in '{{ product.sku|upper }}'.
EXPR_PATH = re.compile(r"\{\{-?\s*([A-Za-z_][\w.]*)")

ATTEMPT, CURRENT = "attempt", "current"  # GradeRun.rubric_source

log = logging.getLogger(__name__)


class VersionRefused(Conflict):
    """This scenario version cannot grade this attempt (or the attempt's version is not to be had)."""


def archive_root(rt: Any) -> Path:
    """Where the kept scenario versions are."""
    return Path(rt.config["DATA_DIR"]) / ARCHIVE_DIR


def version_folder(rt: Any, scenario_id: str, version: int, digest: str) -> Path:
    """The kept copy of one scenario version (a folder named like the scenario, so it loads as one)."""
    return archive_root(rt) / scenario_id / f"v{version}-{digest}" / scenario_id


def _copy(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for dirpath, _, files in os.walk(dest):
        for name in files:  # a kept version is not to be edited in place
            path = Path(dirpath) / name
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def archive(rt: Any, scenario: Scenario) -> Scenario:
    """Keep a copy of the scenario's folder (if not kept yet); return the scenario whose copy is kept.

    The copy is named by the digest of what was copied, so it is the content it claims to be even if
    the folder changes meanwhile; in that case the catalogue's newer version is archived (and
    returned) instead. Once a version is kept this costs one stat (attempts start often).
    """
    for _ in range(3):
        target = version_folder(rt, scenario.id, scenario.version, scenario.digest)
        if (target / "scenario.yaml").exists():
            return scenario  # same digest, same content
        work = target.parent.parent / f".tmp-{uuid.uuid4().hex}"
        try:
            _copy(scenario.folder, work / scenario.id)
            if folder_digest(work / scenario.id) == scenario.digest:
                try:
                    work.rename(target.parent)
                except OSError:
                    if not (target / "scenario.yaml").exists():  # not another process keeping it first
                        raise
                return scenario
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
        scenario = rt.scenarios.get(scenario.id)  # the folder changed while it was copied
    raise ScenarioError(scenario.folder, "", "the folder kept changing while it was archived")


def load_version(rt: Any, scenario_id: str, version: int, digest: str) -> Scenario:
    """A kept scenario version, checked to be unchanged."""
    folder = version_folder(rt, scenario_id, version, digest)
    if not (folder / "scenario.yaml").exists():
        raise VersionRefused(
            N_("找不到这份作答所用场景版本的存档（v%(version)s · %(digest)s）"),
            version=version,
            digest=digest[:12],
        )
    if folder_digest(folder) != digest:
        raise VersionRefused(
            N_("场景版本存档（v%(version)s · %(digest)s）已被改动，不能用于评分"),
            version=version,
            digest=digest[:12],
        )
    scenario = load_scenario(folder)
    scenario.digest = digest
    return scenario


def attempt_version(rt: Any, attempt: Any) -> Scenario | None:
    """The scenario version the attempt was taken under (None for attempts from before versions were kept)."""
    if not attempt.scenario_digest:
        return None
    return load_version(rt, attempt.scenario_id, attempt.scenario_version, attempt.scenario_digest)


_SHOWN: dict[str, Scenario] = {}  # kept versions loaded for pages, by folder (their content never changes)


def attempt_scenario(rt: Any, attempt: Any) -> Scenario:
    """The scenario an attempt's pages should show (task texts, answer sheet, NPC rules): the version
    it was taken under, even after the folder changed. Cheap on every request: the catalogue's
    scenario while the digests agree, else the kept copy, loaded once per process. An attempt from
    before versions were kept, or whose kept copy is missing, gets the current version.
    """
    current = rt.scenarios.get(attempt.scenario_id)
    if not attempt.scenario_digest or attempt.scenario_digest == current.digest:
        return current
    key = str(version_folder(rt, attempt.scenario_id, attempt.scenario_version, attempt.scenario_digest))
    if key not in _SHOWN:
        try:
            _SHOWN[key] = load_version(
                rt, attempt.scenario_id, attempt.scenario_version, attempt.scenario_digest
            )
        except (VersionRefused, ScenarioError):
            log.warning("attempt %s: its scenario version is not kept; showing the current one", attempt.id)
            return current
    return _SHOWN[key]


def _strings(value: Any, where: str) -> list[tuple[str, str]]:
    """(path, text) of every string inside rubric args."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _strings(v, f"{where}/{k}")]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _strings(v, f"{where}/{i}")]
    return []


def _missing_params(text: str, params: dict[str, Any]) -> list[str]:
    """Parameters (or parts of one, 'product.weight') a template uses that `params` does not have."""
    if "{{" not in text and "{%" not in text:
        return []
    missing = []
    try:
        names = meta.find_undeclared_variables(TEMPLATES.parse(text))
    except Exception:  # noqa: BLE001 - a template that does not parse is reported by rendering below
        names = set()
    for name in sorted(names):
        if name not in params:
            missing.append(name)
    for path in EXPR_PATH.findall(text):
        if path.split(".")[0] in params and path not in missing:
            try:
                resolve(path, params)
            except KeyError:
                missing.append(path)
    if not missing:
        try:
            render_value(text, params)
        except Exception as exc:  # noqa: BLE001 - whatever stops it rendering is the problem
            missing.append(f"{exc.__class__.__name__}: {exc}")
    return missing


def grading_problems(scenario: Scenario, attempt: Any, taken_under: Scenario | None = None) -> list[str]:
    """Why `scenario` cannot grade `attempt`: rubric args and task texts that use parameters the
    attempt was not given, and answer checks of answer-sheet fields the attempt never had.

    Each problem is 'where: what', e.g. 'rubric/coupon/check/args/code: {{ coupon }}'. The attempt's
    answer fields are those it saved, and those of `taken_under` (its own version) if given.
    """
    params = attempt.params or {}
    problems: list[str] = []
    for item in scenario.rubric:
        where = f"rubric/{item['id']}/check/args"
        args = item["check"].get("args") or {}
        for path, text in _strings(args, where):
            problems += [f"{path}: {{{{ {name} }}}}" for name in _missing_params(text, params)]
    known = set(attempt.answers or {})
    if taken_under is not None:
        known |= {f["id"] for f in taken_under.answer_fields()}
    if known:
        for item in scenario.rubric:
            check = item["check"]
            field = (check.get("args") or {}).get("field")
            if check["kind"] == "answer" and isinstance(field, str) and field not in known:
                problems.append(f"rubric/{item['id']}/check/args/field: answers.{field}")
    for task in scenario.tasks:
        for lang, text in task["text"].items():
            problems += [
                f"tasks/{task['id']}/text/{lang}: {{{{ {n} }}}}" for n in _missing_params(text, params)
            ]
    return list(dict.fromkeys(problems))


def grading_version(
    rt: Any, attempt: Any, use_current: bool = False, keep: bool = True
) -> tuple[Scenario, str, Scenario | None]:
    """(scenario to grade with, where its rubric comes from, the attempt's own version or None).

    By default the attempt's own version; with `use_current`, or for an attempt from before versions
    were kept, the catalogue's current one: archived first when `keep` (so the run's version is kept
    too), and refused with the reasons if it uses what the attempt does not have.
    """
    taken = attempt_version(rt, attempt)
    if taken is not None and not use_current:
        return taken, ATTEMPT, taken
    current = rt.scenarios.get(attempt.scenario_id)
    if keep:  # graded from the kept copy, like the attempt's own version
        current = archive(rt, current)
        current = load_version(rt, current.id, current.version, current.digest)
    if taken is None or current.digest != taken.digest:
        problems = grading_problems(current, attempt, taken)
        if problems:
            raise VersionRefused(
                N_(
                    "场景 v%(version)s（%(digest)s）不能评定这份作答（作答时为 v%(taken)s）："
                    "它用到了这份作答没有的参数或答题项：%(problems)s"
                ),
                version=current.version,
                digest=current.digest[:12],
                taken=attempt.scenario_version,
                problems="；".join(problems),
            )
    return current, CURRENT, taken
