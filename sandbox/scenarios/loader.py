"""Load and validate scenario folders; errors name the file, the path inside it, and what is wrong."""

from __future__ import annotations

import difflib
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
GENERATOR_VERSION = 5


@functools.cache
def world_build_digest() -> str:
    """A short digest of what builds a template: the world schema and the generator's source.

    A changed table or generator makes new templates even if nobody bumped GENERATOR_VERSION.
    """
    from sandbox.domains import load_models
    from sandbox.worlds.base import WorldBase

    load_models()
    h = hashlib.sha256()
    for table in sorted(WorldBase.metadata.tables.values(), key=lambda t: t.name):
        h.update(table.name.encode())
        for column in table.columns:
            h.update(f"{column.name}:{column.type!r}:{column.nullable}".encode())
    seed_data = Path(__file__).resolve().parent.parent.parent / "seed_data"
    for name in sorted(p.name for p in seed_data.glob("*.py") if p.name != "overlay.py"):
        h.update((seed_data / name).read_bytes())
    return h.hexdigest()[:8]


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
        """Templates are built once per (scenario, version, base, generator and world schema)."""
        return f"{self.id}-v{self.version}-{self.world['base']}-g{GENERATOR_VERSION}-{world_build_digest()}"

    @property
    def base_image_key(self) -> str:
        """The base world's image every scenario on that base starts from (no certificate authority)."""
        return f"base-{self.world['base']}-g{GENERATOR_VERSION}-{world_build_digest()}"

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


def _check_patterns(file: Path, data: dict[str, Any]) -> None:
    """Ids, parameter and check names, offsets: a wrong one is reported with what a valid one looks like."""
    from sandbox.scenarios.schema import PATTERNS

    def need(what: str, value: str, where: str) -> None:
        regex, words = PATTERNS[what]
        if not regex.match(value):
            raise ScenarioError(file, where, f"{value!r} is not a valid {what}: {words}")

    need("scenario id", data["id"], "id")
    for name in data.get("params") or {}:
        need("parameter name", name, f"params/{name}")
    for index, task in enumerate(data["tasks"]):
        for a_index, answer in enumerate(task.get("answers", [])):
            need("answer id", answer["id"], f"tasks/{index}/answers/{a_index}/id")
    for index, item in enumerate(data["rubric"]):
        need("rubric id", item["id"], f"rubric/{index}/id")
        need("check name", item["check"]["name"], f"rubric/{index}/check/name")
    for index, rule in enumerate(data["world"].get("events", [])):
        if ("at" in rule) == ("on" in rule):
            raise ScenarioError(
                file,
                f"world/events/{index}",
                "an NPC rule has either `at: +5m` (a time after the start) or `on: <event name>` "
                "(after each such event), not both and not neither",
            )
        if "at" in rule:
            need("offset", rule["at"], f"world/events/{index}/at")


def _check_params(file: Path, data: dict[str, Any]) -> None:
    """Each parameter has exactly one kind, and options only next to the kind they belong to."""
    from sandbox.scenarios.schema import PARAM_KINDS, PARAM_OPTIONS

    for name, spec in (data.get("params") or {}).items():
        where = f"params/{name}"
        kinds = [k for k in PARAM_KINDS if k in spec]
        if len(kinds) != 1:
            got = " and ".join(kinds) if kinds else "none"
            raise ScenarioError(
                file,
                where,
                f"a parameter has exactly one kind, one of {', '.join(PARAM_KINDS)} (here: {got}), "
                "e.g. {int: [2, 4]} or {pick: variant, where: {category: 数码配件}}; "
                "docs/reference.md describes each",
            )
        for option, kind in PARAM_OPTIONS.items():
            if option in spec and kinds[0] != kind:
                raise ScenarioError(
                    file, f"{where}/{option}", f"{option} goes with {kind}, not with {kinds[0]}"
                )
        if "int" in spec and spec["int"][0] > spec["int"][1]:
            raise ScenarioError(file, f"{where}/int", f"[low, high] with low <= high, not {spec['int']}")


def _check_apps(file: Path, data: dict[str, Any]) -> None:
    """world.apps names apps the domains declare."""
    from sandbox.domains import desktop_apps

    known = [a.id for a in desktop_apps()]
    for index, app in enumerate(data["world"].get("apps") or []):
        if app not in known:
            raise ScenarioError(
                file, f"world/apps/{index}", f"no desktop app {app!r}; the apps are {', '.join(known)}"
            )


def _check_actions(file: Path, data: dict[str, Any]) -> None:
    """NPC rules name an action that exists."""
    from sandbox.domains import load_npc_actions

    load_npc_actions()
    from sandbox.worlds.npc import RULE_ACTIONS

    for index, rule in enumerate(data["world"].get("events", [])):
        if rule["do"] not in RULE_ACTIONS:
            raise ScenarioError(
                file,
                f"world/events/{index}/do",
                _unknown_action(rule["do"], sorted(RULE_ACTIONS)),
            )


def _unknown_action(name: str, actions: list[str]) -> str:
    """Why an NPC action is not known: the same family's actions, or the closest names."""
    family = [a for a in actions if a.split(".")[0] == str(name).split(".")[0]]
    near = family or difflib.get_close_matches(str(name), actions, n=6, cutoff=0.4)
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    return f"no NPC action named {name!r}; the actions are listed in docs/reference.md (NPC actions){hint}"


def _unknown_check(kind: str, name: str, known: Any) -> str:
    """Why a check name is not known, and what might have been meant."""
    message = f"no {kind} check named {name!r}"
    other_kinds = sorted(k for k, n in known if n == name)
    if other_kinds:
        message += f"; {name} is a check of kind {' and '.join(other_kinds)}"
    else:
        import difflib

        close = difflib.get_close_matches(name, sorted({n for k, n in known if k == kind}), n=3)
        if close:
            message += f"; did you mean {' or '.join(close)}?"
    return (
        message
        + "; `python -m sandbox checks list` lists the checks, and a scenario's own go in its checks.py"
    )


def _check_args(file: Path, where: str, check: dict[str, Any], fn: Any) -> None:
    """The rubric item gives the check every argument it needs and none it does not take."""
    import inspect

    label = f"{check['kind']} check {check['name']}"
    params = list(inspect.signature(fn).parameters.values())[1:]  # the first is the grading context
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    named = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    takes = ", ".join(p.name for p in named) or "no arguments"
    args = check.get("args") or {}
    for arg in args:
        if arg not in {p.name for p in named}:
            raise ScenarioError(
                file, f"{where}/check/args", f"{label} has no argument {arg!r}; it takes {takes}"
            )
    for p in named:
        if p.default is p.empty and p.name not in args:
            raise ScenarioError(
                file, f"{where}/check/args", f"{label} needs the argument {p.name!r}; it takes {takes}"
            )


def _check_arg_templates(file: Path, data: dict[str, Any]) -> None:
    """Rubric args are templates over the parameters: they parse, and name only declared parameters."""
    params = list(data.get("params") or {})

    def strings(value: Any, where: str) -> Any:
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from strings(v, f"{where}/{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from strings(v, f"{where}/{i}")

    for index, item in enumerate(data["rubric"]):
        for where, text in strings(item["check"].get("args") or {}, f"rubric/{index}/check/args"):
            try:
                TEMPLATES.parse(text)
            except TemplateSyntaxError as exc:
                raise ScenarioError(file, where, f"template error: {exc.message}") from None
            for name in re.findall(r"\{\{\s*([A-Za-z_]\w*)", text):
                if name not in params:
                    raise ScenarioError(
                        file,
                        where,
                        f"unknown parameter {name!r}; the parameters are {', '.join(params) or 'none'}",
                    )


def _check_semantics(file: Path, data: dict[str, Any], known_checks: Any) -> None:
    """Rules a JSON schema cannot say (or not readably): ids and names, parameter kinds, unique ids,
    requires order, templates, NPC actions and known checks.

    `known_checks` is None (checks not looked at), a collection of (kind, name), or a mapping of
    (kind, name) to the check function, whose signature the item's args are then checked against.
    """
    from collections.abc import Mapping

    _check_patterns(file, data)
    if file.parent.name != data["id"]:
        raise ScenarioError(file, "id", f"must equal the folder name {file.parent.name!r}")
    _check_params(file, data)
    _check_actions(file, data)
    _check_apps(file, data)
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
        key = (check["kind"], check["name"])
        if known_checks is not None and key not in known_checks:
            raise ScenarioError(file, f"{where}/check/name", _unknown_check(*key, known_checks))
        if isinstance(known_checks, Mapping):
            _check_args(file, where, check, known_checks[key])
    _check_arg_templates(file, data)
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


class ScenarioYamlLoader(yaml.SafeLoader):
    """YAML as 1.2 reads booleans: only true and false. A bare `on:` (an NPC rule's trigger) or a
    parameter choice of `yes`, `no`, `off` stays the word it is, not YAML 1.1's true or false."""


ScenarioYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ScenarioYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_scenario(folder: Path, known_checks: set[tuple[str, str]] | None = None) -> Scenario:
    """Read and validate one scenario folder."""
    file = Path(folder) / "scenario.yaml"
    if not file.exists():
        raise ScenarioError(file, "", "file not found")
    raw = file.read_bytes()
    try:
        data = yaml.load(raw, Loader=ScenarioYamlLoader)  # noqa: S506 - a SafeLoader
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
        if not scenario_id or scenario_id.startswith(".") or any(c in scenario_id for c in "/\\\0"):
            raise KeyError(scenario_id)
        folder = self.root / scenario_id
        try:
            signature = folder_signature(folder)
        except (OSError, ValueError):  # no such folder, or no possible one (a name too long)
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
