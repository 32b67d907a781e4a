"""Load and validate scenario folders; errors name the file, the path inside it, and what is wrong."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jinja2 import StrictUndefined, Template, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from sandbox.scenarios.schema import SCENARIO_SCHEMA

# Bump when seed_data changes what a template contains, so old templates are not reused.
GENERATOR_VERSION = 4


class ScenarioError(Exception):
    """A scenario file is malformed: where (file and path inside it) and what."""

    def __init__(self, file: Path | str, path: str, message: str) -> None:
        super().__init__(f"{file}: {path or '(top)'}: {message}")
        self.file = str(file)
        self.path = path
        self.message = message


def fmt_yuan(fen: object) -> str:
    """Format an amount in fen as yuan with two decimals, e.g. 12345 -> '123.45'."""
    value = int(fen)  # type: ignore[call-overload]
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100:,}.{value % 100:02d}"


TEMPLATES = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
TEMPLATES.filters["yuan"] = fmt_yuan


@functools.lru_cache(maxsize=1024)
def compiled(text: str) -> Template:
    """A scenario text compiled once per process (task texts render on every page)."""
    return TEMPLATES.from_string(text)


WHOLE_EXPR = re.compile(r"^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}$")


def resolve(path: str, params: dict[str, Any]) -> Any:
    """Look up a dotted path such as 'product.sku' in the params."""
    value: Any = params
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise KeyError(path)
    return value


def render_value(value: Any, params: dict[str, Any]) -> Any:
    """Fill templates in rubric args; a lone '{{ x }}' keeps x's type (int stays int)."""
    if isinstance(value, str):
        whole = WHOLE_EXPR.match(value)
        if whole:
            return resolve(whole.group(1), params)
        if "{{" in value or "{%" in value:
            return compiled(value).render(**params)
        return value
    if isinstance(value, dict):
        return {k: render_value(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, params) for v in value]
    return value


@dataclass
class Scenario:
    """A validated scenario folder."""

    folder: Path
    data: dict[str, Any]
    digest: str = field(default="")

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def version(self) -> int:
        return int(self.data["version"])

    @property
    def minutes(self) -> int:
        return int(self.data["minutes"])

    @property
    def clock_scale(self) -> float:
        return float(self.data.get("clock_scale", 1.0))

    @property
    def params_spec(self) -> dict[str, Any]:
        return self.data.get("params") or {}

    @property
    def world(self) -> dict[str, Any]:
        return self.data["world"]

    @property
    def rubric(self) -> list[dict[str, Any]]:
        return self.data["rubric"]

    @property
    def tasks(self) -> list[dict[str, Any]]:
        return self.data["tasks"]

    @property
    def max_points(self) -> float:
        return float(sum(item["points"] for item in self.rubric))

    @property
    def template_key(self) -> str:
        """Templates are built once per (scenario, version, base, generator)."""
        return f"{self.id}-v{self.version}-{self.world['base']}-g{GENERATOR_VERSION}"

    def title(self, lang: str = "zh") -> str:
        """Title in the given language (falls back to Chinese)."""
        return self.data["title"].get(lang) or self.data["title"]["zh"]

    def answer_fields(self) -> list[dict[str, Any]]:
        """Every answer-sheet field declared by the tasks."""
        return [a for task in self.tasks for a in task.get("answers", [])]

    def task_texts(self, params: dict[str, Any], lang: str = "zh") -> list[dict[str, str]]:
        """Task texts with this attempt's parameters filled in."""
        return [
            {
                "id": t["id"],
                "text": compiled(t["text"].get(lang) or t["text"]["zh"]).render(**params),
            }
            for t in self.tasks
        ]


def _yaml_error(file: Path, exc: yaml.YAMLError) -> ScenarioError:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return ScenarioError(file, where, f"YAML syntax error: {getattr(exc, 'problem', exc)}")


def _check_semantics(file: Path, data: dict[str, Any], known_checks: set[tuple[str, str]] | None) -> None:
    """Rules a JSON schema cannot say: unique ids, requires order, templates, known checks."""
    if file.parent.name != data["id"]:
        raise ScenarioError(file, "id", f"must equal the folder name {file.parent.name!r}")
    seen: set[str] = set()
    for index, item in enumerate(data["rubric"]):
        where = f"rubric/{index}"
        if item["id"] in seen:
            raise ScenarioError(file, f"{where}/id", f"duplicate rubric id {item['id']!r}")
        for req in item.get("requires", []):
            if req not in seen:
                raise ScenarioError(file, f"{where}/requires", f"{req!r} is not an earlier rubric item")
        seen.add(item["id"])
        check = item["check"]
        if known_checks is not None and (check["kind"], check["name"]) not in known_checks:
            raise ScenarioError(
                file, f"{where}/check/name", f"no {check['kind']} check named {check['name']!r}"
            )
    answer_ids = [a["id"] for t in data["tasks"] for a in t.get("answers", [])]
    if len(answer_ids) != len(set(answer_ids)):
        raise ScenarioError(file, "tasks", "answer ids must be unique")
    params = set((data.get("params") or {}).keys())
    for index, task in enumerate(data["tasks"]):
        for lang, text in task["text"].items():
            try:
                TEMPLATES.parse(text)
            except TemplateSyntaxError as exc:
                raise ScenarioError(
                    file, f"tasks/{index}/text/{lang}", f"template error: {exc.message}"
                ) from None
            for name in re.findall(r"\{\{\s*([A-Za-z_]\w*)", text):
                if name not in params:
                    raise ScenarioError(file, f"tasks/{index}/text/{lang}", f"unknown parameter {name!r}")


def load_scenario(folder: Path, known_checks: set[tuple[str, str]] | None = None) -> Scenario:
    """Read and validate one scenario folder."""
    file = Path(folder) / "scenario.yaml"
    if not file.exists():
        raise ScenarioError(file, "", "file not found")
    raw = file.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise _yaml_error(file, exc) from None
    if not isinstance(data, dict):
        raise ScenarioError(file, "", "must be a mapping of scenario fields")
    errors = sorted(
        jsonschema.Draft202012Validator(SCENARIO_SCHEMA).iter_errors(data),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        err = errors[0]
        raise ScenarioError(file, "/".join(str(p) for p in err.absolute_path), err.message)
    _check_semantics(file, data, known_checks)
    return Scenario(Path(folder), data, hashlib.sha256(raw).hexdigest()[:12])


# What a scenario folder's content is made of: everything but Python's bytecode caches.
SKIPPED_DIRS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = (".pyc",)

log = logging.getLogger(__name__)


def _walk(folder: Path) -> list[tuple[str, os.DirEntry]]:
    """(relative POSIX path, entry) of every file of a scenario folder, sorted by path."""
    out: list[tuple[str, os.DirEntry]] = []
    stack = [(str(folder), "")]
    while stack:
        path, prefix = stack.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name not in SKIPPED_DIRS:
                        stack.append((entry.path, f"{prefix}{entry.name}/"))
                elif not entry.name.endswith(SKIPPED_SUFFIXES):
                    out.append((prefix + entry.name, entry))
    out.sort(key=lambda pair: pair[0])
    return out


def folder_signature(folder: Path) -> tuple:
    """A cheap fingerprint of a folder (names, sizes, mtimes, inodes; no file is read).

    When it is unchanged the content is taken to be unchanged; when it changes the content is hashed again.
    """
    signature = []
    for rel, entry in _walk(folder):
        st = entry.stat()
        signature.append((rel, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return tuple(signature)


def folder_digest(folder: Path) -> str:
    """SHA-256 over every file of a scenario folder (but __pycache__), in path order: its content address."""
    h = hashlib.sha256()
    for rel, entry in _walk(folder):
        data = Path(entry.path).read_bytes()
        h.update(rel.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


@dataclass
class _Entry:
    scenario: Scenario
    signature: tuple
    broken: tuple | None = None  # signature of a later state of the folder that did not load


class ScenarioCatalog:
    """The scenarios of a folder, looked up by id; a folder that changed is loaded again on the next get.

    Each `get` compares the folder's signature (file names, sizes, mtimes) with the one it was loaded
    at, so a running server sees a version bump or an edited file without a restart. A catalogue
    scenario's `digest` is `folder_digest` of its folder (every file, not only scenario.yaml). While
    the folder is in a state that does not load (an edit half saved), the last good version is kept.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._cache: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def ids(self) -> list[str]:
        """Ids of every scenario folder."""
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "scenario.yaml").exists())

    def get(self, scenario_id: str) -> Scenario:
        """The scenario with this id as its folder is now (validated on first use and after a change)."""
        if not scenario_id or scenario_id.startswith(".") or "/" in scenario_id or "\\" in scenario_id:
            raise KeyError(scenario_id)
        folder = self.root / scenario_id
        try:
            signature = folder_signature(folder)
        except (FileNotFoundError, NotADirectoryError):
            signature = ()
        if not any(rel == "scenario.yaml" for rel, *_ in signature):
            self._cache.pop(scenario_id, None)
            raise KeyError(scenario_id)
        entry = self._cache.get(scenario_id)
        if entry is not None and signature in (entry.signature, entry.broken):
            return entry.scenario
        with self._lock:
            return self._reload(scenario_id, folder, signature)

    def _reload(self, scenario_id: str, folder: Path, signature: tuple) -> Scenario:
        for _ in range(3):
            entry = self._cache.get(scenario_id)
            if entry is not None and signature in (entry.signature, entry.broken):
                return entry.scenario  # another thread loaded it meanwhile
            digest = folder_digest(folder)
            if entry is not None and entry.scenario.digest == digest:
                entry.signature, entry.broken = signature, None  # touched, not changed
                return entry.scenario
            try:
                scenario = load_scenario(folder)
            except ScenarioError as exc:
                if entry is None:
                    raise
                log.warning(
                    "scenario %s changed but does not load, keeping v%s: %s",
                    scenario_id,
                    entry.scenario.version,
                    exc,
                )
                entry.broken = signature
                return entry.scenario
            scenario.digest = digest
            again = folder_signature(folder)
            if again == signature:  # nothing changed while it was read: digest and data agree
                self._cache[scenario_id] = _Entry(scenario, signature)
                return scenario
            signature = again
        raise ScenarioError(folder / "scenario.yaml", "", "the folder kept changing while it was read")

    def all(self) -> list[Scenario]:
        """Every scenario that loads; broken ones are left to `scenarios validate`."""
        out = []
        for sid in self.ids():
            try:
                out.append(self.get(sid))
            except (ScenarioError, KeyError):
                continue
        return out
