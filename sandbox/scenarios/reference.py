"""The instructors' reference, generated from the code so that it cannot drift from it.

`python -m sandbox docs` writes docs/reference.md from: the scenario schema (sandbox/scenarios/schema.py),
the parameter kinds (PARAM_KINDS in params.py), the registered checks (their signatures, docstrings
and CHECK_INFO), the answer normalisers, the NPC actions, the domain events the services emit, the
solution context (graders/harness.py) and the world the generator builds (seed_data).

It also formats `python -m sandbox checks list` and `python -m sandbox scenarios preview`.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sandbox.config import ROOT
from sandbox.scenarios import schema
from sandbox.scenarios.loader import GENERATOR_VERSION, TEMPLATES, Scenario, fmt_yuan, render_value
from sandbox.scenarios.params import MIN_STOCK_FOR_PICK, PARAM_KINDS, summarise

REFERENCE_PATH = ROOT / "docs" / "reference.md"
KIND_ORDER = ("state", "event", "answer", "ui", "artifact", "manual")
REGENERATE = "python -m sandbox docs"


# --- checks ------------------------------------------------------------------------------------


def first_line(doc: str | None) -> str:
    """A docstring's first paragraph, on one line ('' if none)."""
    paragraph = inspect.cleandoc(doc or "").split("\n\n")[0]
    return " ".join(paragraph.split())


def check_args(fn: Callable[..., Any]) -> str:
    """A check's arguments as an instructor writes them under `args:`, e.g. 'sku, qty' or 'phone=None'."""
    params = list(inspect.signature(fn).parameters.values())[1:]  # the first is the grading context
    out = []
    for p in params:
        if p.kind is p.VAR_KEYWORD:
            out.append(f"**{p.name}")
        elif p.kind is p.VAR_POSITIONAL:
            continue
        elif p.default is p.empty:
            out.append(p.name)
        else:
            out.append(f"{p.name}={p.default!r}")
    return ", ".join(out)


def sorted_checks(checks: dict[tuple[str, str], Callable[..., Any]]) -> list[tuple[str, str]]:
    """Check keys by kind (state, event, answer, ui, …), then name."""
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(checks, key=lambda key: (order.get(key[0], len(order)), key[1]))


def builtin_checks() -> dict[tuple[str, str], Callable[..., Any]]:
    """The checks of graders/checks (not those a scenario's checks.py added in this process)."""
    from graders.checks import CHECKS, load_builtin

    load_builtin()
    return {key: fn for key, fn in CHECKS.items() if fn.__module__.startswith("graders.checks")}


def table(rows: list[tuple[str, ...]], gap: str = "  ") -> list[str]:
    """Rows as aligned columns (the last column is not padded)."""
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [gap.join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip() for r in rows]


def _wrap(text: str, width: int) -> list[str]:
    """Comma-separated text in lines of at most `width` (a longer single item keeps its own line)."""
    lines: list[str] = []
    for item in text.split(", "):
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += ", " + item
        else:
            if lines:
                lines[-1] += ","
            lines.append(item)
    return lines or [""]


ARGS_WIDTH = 48


def check_list_lines(checks: dict[tuple[str, str], Callable[..., Any]]) -> list[str]:
    """`checks list`: kind, name, args (wrapped) and the docstring's first line, aligned."""
    rows = [("kind", "name", "args", "what it checks")]
    for kind, name in sorted_checks(checks):
        fn = checks[(kind, name)]
        args = _wrap(check_args(fn) or "-", ARGS_WIDTH)
        rows.append((kind, name, args[0], first_line(fn.__doc__)))
        rows += [("", "", more, "") for more in args[1:]]
    return table(rows)


# --- preview ---------------------------------------------------------------------------------------


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def preview_text(
    scenario: Scenario, seed: int, params: dict[str, Any], identities: list[dict[str, Any]]
) -> str:
    """What an attempt with this seed gets: texts, parameters, answer sheet, rubric, identities."""
    out = [
        f"{scenario.id} v{scenario.version} · {scenario.title('zh')} / {scenario.title('en')} · "
        f"{scenario.data['level']} · {scenario.minutes} min · seed {seed}",
        "",
        "Parameters",
    ]
    out += table([(f"  {name}", summarise(scenario.params_spec[name], v)) for name, v in params.items()])
    if params:
        out += ["", "  as the templates see them ({{ name.field }}):"]
        dumped = yaml.safe_dump(params, allow_unicode=True, sort_keys=False, width=200)
        out += ["    " + line for line in dumped.splitlines()]
    for lang in ("zh", "en"):
        out += ["", f"Task ({lang})"]
        for number, task in enumerate(scenario.task_texts(params, lang), start=1):
            out.append(f"  {number}. [{task['id']}] {task['text']}")
    out += ["", "Answer sheet"]
    fields = scenario.answer_fields()
    out += table(
        [
            (f"  {f['id']}", f"{f['label']['zh']} / {f['label'].get('en', '')}", f"({f['type']})")
            for f in fields
        ]
    ) or ["  (no answers to write)"]
    out += ["", f"Rubric ({scenario.max_points:g} points)"]
    rows = []
    for item in scenario.rubric:
        check = item["check"]
        try:
            args = render_value(check.get("args") or {}, params)
            shown = "  ".join(f"{k}={_value(v)}" for k, v in args.items())
        except Exception as exc:  # noqa: BLE001  (a preview shows what is wrong and goes on)
            shown = f"(cannot fill in the args: {exc.__class__.__name__}: {exc})"
        gate = f"requires {', '.join(item['requires'])}" if item.get("requires") else ""
        rows.append(
            (
                f"  {item['id']}",
                f"{item['points']:g}",
                check["kind"],
                check["name"] + (" (must_not)" if check.get("must_not") else ""),
                gate,
                shown,
            )
        )
    out += table(rows)
    out += ["", "Starting world: the candidate's identities"]
    out += table([_identity_row(i) for i in identities]) or ["  (none)"]
    events = scenario.world.get("events") or []
    out += ["", "NPC rules"]
    out += [
        f"  {'at ' + e['at'] if 'at' in e else 'on ' + e['on']}: {e['do']} {_value(e.get('args') or {})}"
        for e in events
    ] or ["  (none)"]
    return "\n".join(out) + "\n"


# --- the reference -----------------------------------------------------------------------------------


def _type_of(s: dict[str, Any]) -> str:
    if "enum" in s:
        return "one of " + ", ".join(f"`{v}`" for v in s["enum"])
    kind = s.get("type")
    if isinstance(kind, list):
        return " or ".join(_type_of({"type": k}) for k in kind)
    words = {
        "string": "text",
        "integer": "whole number",
        "number": "number",
        "boolean": "true / false",
        "array": "list",
        "object": "mapping",
    }.get(kind, "any")
    bounds = []
    if "minimum" in s:
        bounds.append(f"≥ {s['minimum']}")
    if "exclusiveMinimum" in s:
        bounds.append(f"> {s['exclusiveMinimum']}")
    if "maximum" in s:
        bounds.append(f"≤ {s['maximum']}")
    if "minItems" in s and s.get("minItems") == s.get("maxItems"):
        bounds.append(f"{s['minItems']} items")
    elif "minItems" in s:
        bounds.append(f"at least {s['minItems']}")
    return words + (f" ({', '.join(bounds)})" if bounds else "")


def _schema_rows(s: dict[str, Any], path: str) -> Iterable[tuple[str, str, str, str]]:
    required = set(s.get("required", []))
    for name, sub in s.get("properties", {}).items():
        here = f"{path}.{name}" if path else name
        if sub.get("properties", {}).keys() == schema.I18N["properties"].keys():
            yield (
                here,
                "text: `{zh: …, en: …}`",
                "yes" if name in required else "",
                sub.get("description", ""),
            )
            continue
        yield here, _type_of(sub), "yes" if name in required else "", sub.get("description", "")
        if sub.get("type") == "object" and sub.get("properties"):
            yield from _schema_rows(sub, here)
        elif (
            sub.get("type") == "array"
            and isinstance(sub.get("items"), dict)
            and sub["items"].get("properties")
        ):
            yield from _schema_rows(sub["items"], here + "[]")
        elif (
            isinstance(sub.get("additionalProperties"), dict) and sub["additionalProperties"] is schema.PARAM
        ):
            yield f"{here}.<name>", "a parameter", "", schema.PARAM["description"]


def _md_table(header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> list[str]:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(cell(c) for c in r) + " |" for r in rows),
    ]


def _section_yaml() -> list[str]:
    out = [
        "## scenario.yaml",
        "",
        "Every field of a scenario file (`sandbox/scenarios/schema.py`). `python -m sandbox scenarios new ID` "
        "writes a commented example that validates and verifies as it is.",
        "",
        *_md_table(("field", "type", "required", "meaning"), _schema_rows(schema.SCENARIO_SCHEMA, "")),
        "",
        "Names and ids:",
        "",
    ]
    out += [f"- {what}: {words}" for what, (_regex, words) in schema.PATTERNS.items()]
    return [*out, ""]


def _section_params() -> list[str]:
    out = [
        "## Parameters",
        "",
        "`params` maps a name to one kind of parameter. Each attempt draws its own values from its seed, "
        "in the order declared; tasks and rubric args use them as `{{ name }}` or `{{ name.field }}`. "
        "`python -m sandbox scenarios preview ID --seed N` shows what seed N draws; "
        "`scenarios verify ID --seeds K` shows how many distinct values K seeds cover.",
        "",
    ]
    for kind in PARAM_KINDS.values():
        out += [f"### `{kind.name}`", "", "```yaml", f"name: {kind.example}", "```", "", kind.doc, ""]
        if kind.name == "pick":
            out += [f"`in_stock` means at least {MIN_STOCK_FOR_PICK} units available.", ""]
        if kind.options:
            out += ["Options:", ""]
            out += [f"- `{name}`: {doc}" for name, doc in kind.options.items()]
            out.append("")
        if kind.fields:
            out += _md_table(
                ("field", "meaning"), ((f"`{{{{ name.{f} }}}}`", d) for f, d in kind.fields.items())
            )
        else:
            out.append("The value itself: `{{ name }}`.")
        out.append("")
    return out


def _section_templates() -> list[str]:
    filters = {
        n: f for n, f in TEMPLATES.filters.items() if getattr(f, "__module__", "").startswith("sandbox")
    }
    out = [
        "## Templates",
        "",
        "Task texts and rubric `args` are Jinja templates over the parameters (sandboxed; an unknown "
        "name is an error). In `args`, a value that is a single `{{ x }}` keeps its type: "
        '`qty: "{{ quantity }}"` gives the check a number, `address: "{{ address }}"` a mapping.',
        "",
        "Filters besides Jinja's own:",
        "",
    ]
    out += [f"- `{name}`: {first_line(fn.__doc__)}" for name, fn in sorted(filters.items())]
    return [*out, ""]


def _section_checks(checks: dict[tuple[str, str], Callable[..., Any]], info: dict) -> list[str]:
    out = [
        "## Checks",
        "",
        "A rubric item names one check: `check: {kind: state, name: orders.order_with_line, args: {…}}`. "
        "`python -m sandbox checks list` prints this list. A scenario adds its own in its `checks.py` "
        'with `@check("state", "my-scenario.total_right")` (graders/checks/__init__.py); a check '
        "function takes the grading context and the item's args, and returns a CheckResult.",
        "",
        *_md_table(
            ("kind", "name", "args", "what it checks"),
            (
                (k, f"`{n}`", check_args(checks[(k, n)]) or "-", first_line(checks[(k, n)].__doc__))
                for k, n in sorted_checks(checks)
            ),
        ),
        "",
    ]
    for key in sorted_checks(checks):
        fn = checks[key]
        kind, name = key
        out += [f"### `{name}` ({kind})", "", f"`args`: {check_args(fn) or 'none'}", ""]
        doc = inspect.cleandoc(fn.__doc__ or "(no docstring)")
        out += [doc, ""]
        sets, needs = info.get(key, {}).get("sets", ()), info.get(key, {}).get("needs", ())
        if sets:
            out += [f"Sets: {', '.join(f'`{f}`' for f in sets)}.", ""]
        if needs:
            out += [f"Needs (from an earlier item): {', '.join(f'`{f}`' for f in needs)}.", ""]
    return out


def _section_facts(checks: dict[tuple[str, str], Callable[..., Any]], info: dict) -> list[str]:
    facts: dict[str, tuple[list[str], list[str]]] = {}
    for key in sorted_checks(checks):
        for fact in info.get(key, {}).get("sets", ()):
            facts.setdefault(fact, ([], []))[0].append(f"`{key[1]}`")
        for fact in info.get(key, {}).get("needs", ()):
            facts.setdefault(fact, ([], []))[1].append(f"`{key[1]}`")
    out = [
        "## Facts between checks",
        "",
        "Checks grade in rubric order and share facts: one check finds the order the candidate placed "
        "and sets it, a later one checks that this order was paid. A check that needs a fact must come "
        "after one that sets it (`scenarios validate` warns otherwise); use `requires` so the later "
        "item scores only if the earlier one earned points.",
        "",
    ]
    if facts:
        out += _md_table(
            ("fact", "set by", "needed by"),
            ((f"`{f}`", ", ".join(s) or "-", ", ".join(n) or "-") for f, (s, n) in sorted(facts.items())),
        )
    else:
        out.append("(No check declares facts yet.)")
    return [*out, ""]


def _section_answers() -> list[str]:
    from graders.normalise import NORMALISERS

    field_types = schema.SCENARIO_SCHEMA["properties"]["tasks"]["items"]["properties"]["answers"]["items"]
    declared = field_types["properties"]["type"]["enum"]
    out = [
        "## Answer types",
        "",
        "An answer-sheet field has a `type`; answer checks compare the candidate's text and the "
        "expected value after normalising both as that type (graders/normalise.py):",
        "",
    ]
    out += [
        f"- `{name}`: {first_line(NORMALISERS[name].__doc__)}" for name in declared if name in NORMALISERS
    ]
    extra = [name for name in NORMALISERS if name not in declared]
    if extra:
        out += [
            "",
            "Answer checks also compare as "
            + ", ".join(f"`{name}` ({first_line(NORMALISERS[name].__doc__)})" for name in extra)
            + "; an answer field's own `type` is one of the above.",
        ]
    return [*out, ""]


def emitted_events(root: Path = ROOT / "sandbox") -> dict[str, set[str]]:
    """Domain events the services emit (`w.emit("name", field=…)`), with their payload fields."""
    events: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "emit"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                fields = events.setdefault(node.args[0].value, set())
                fields.update(k.arg if k.arg else "…" for k in node.keywords if k.arg != "actor")
    return events


def _section_npc() -> list[str]:
    from sandbox.domains import load_npc_actions

    load_npc_actions()
    from sandbox.worlds.npc import ACTIONS, RULE_ACTIONS

    out = [
        "## NPC rules and events",
        "",
        "`world.events` lists rules: `{at: +5m, do: ACTION}` fires once, that long after the start "
        "(world time); `{on: EVENT, do: ACTION}` fires after each such event the candidate causes. "
        "Actions:",
        "",
    ]
    out += [f"- `{name}`: {first_line(fn.__doc__)}" for name, fn in sorted(RULE_ACTIONS.items())]
    out += [
        "",
        "The world's systems also schedule steps of their own on the world clock (not for rules; they show "
        "in the timeline as events of actor `system`):",
        "",
    ]
    out += [
        f"- `{name}`: {first_line(fn.__doc__)}"
        for name, fn in sorted(ACTIONS.items())
        if name not in RULE_ACTIONS
    ]
    out += [
        "",
        "Domain events, recorded with every change (for `on:` and the check `event.occurred`):",
        "",
        *_md_table(
            ("event", "payload"),
            ((f"`{n}`", ", ".join(sorted(f)) or "-") for n, f in sorted(emitted_events().items())),
        ),
    ]
    return [*out, ""]


def _section_solutions() -> list[str]:
    from graders import harness
    from seed_data.overlay import make_identities

    ctx = harness.SolveContext
    out = [
        "## Solutions",
        "",
        inspect.cleandoc(harness.__doc__ or ""),
        "",
        "`ctx` (`graders/harness.py` SolveContext):",
        "",
    ]
    for f in dataclasses.fields(ctx):
        out.append(f"- `ctx.{f.name}`: {f.metadata.get('doc', '')}")
    for name, member in inspect.getmembers(ctx):
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            out.append(f"- `ctx.{name}`: {first_line(member.__doc__)}")
        elif inspect.isfunction(member):
            args = ", ".join(list(inspect.signature(member).parameters)[1:])
            out.append(f"- `ctx.{name}({args})`: {first_line(member.__doc__)}")
    example = make_identities(1, [{"role": "buyer", "bank_balance_fen": 500000}])[0]
    out += [
        "",
        "Identities (`ctx.identities`, one per entry of `world.accounts`; the task panel shows them to "
        "the candidate), with the values seed 1 gives a buyer with `bank_balance_fen: 500000`:",
        "",
        *_md_table(
            ("field", "meaning", "example"),
            (
                (f"`{k}`", harness.IDENTITY_FIELDS.get(k, "(undocumented)"), f"`{v}`")
                for k, v in example.items()
            ),
        ),
    ]
    return [*out, ""]


def _identity_row(i: dict[str, Any]) -> tuple[str, ...]:
    """One identity in a preview: who, their card (or why there is none yet), their logins."""
    if i.get("account_no"):
        card = f"{i['bank_name']} card {i['account_no']}"
    elif i["role"] == "applicant":
        card = f"applies at {i['bank_name']} (no card yet)"
    else:
        card = f"{i['bank_name']} (no card)"
    logins = []
    if i.get("teller_no"):
        logins.append(f"teller {i['teller_no']}")
    if i.get("corp_login"):
        logins.append(f"operator {i['corp_login']}")
    if i.get("login_password"):
        logins.append(f"bank password {i['login_password']}")
    if i.get("payment_password"):
        logins.append(f"payment password {i['payment_password']}")
    if i.get("shop_login"):
        logins.append(f"shop {i['shop_login']} / {i['shop_password']}")
    return (
        f"  {i['role']}",
        i["name"],
        card,
        ", ".join(logins) or "-",
        f"balance ¥{fmt_yuan(i.get('bank_balance_fen') or 0)}",
    )


def _section_world(w: Any) -> list[str]:
    from sandbox.storefront.models import Category, Customer, Product, Shop
    from seed_data import generate
    from seed_data.lists import BANKS, CATEGORIES, REGIONS

    out = [
        "## The world",
        "",
        f"Every attempt starts from the same generated market (`world.base: default`, generator version "
        f"{GENERATOR_VERSION}, seed {generate.BASE_SEED}; seed_data/generate.py and lists.py), plus the "
        f"candidate's own identities. The world clock starts at {generate.EPOCH:%Y-%m-%d %H:%M}. "
        f"{len(list(w.db.scalars(select(Shop))))} shops, "
        f"{len(list(w.db.scalars(select(Customer))))} other customers (NPCs).",
        "",
        "### Catalogue",
        "",
    ]
    brands = {c["name"]: c["brands"] for c in CATEGORIES}
    types = {c["name"]: [t[0] for t in c["types"]] for c in CATEGORIES}
    rows = []
    total_products = total_skus = 0
    categories = w.db.scalars(
        select(Category)
        .order_by(Category.position)
        .options(selectinload(Category.products).selectinload(Product.skus))
    )
    for cat in categories:
        products = list(cat.products)
        skus = [s for p in products for s in p.skus]
        total_products += len(products)
        total_skus += len(skus)
        prices = [s.price_fen for s in skus]
        rows.append(
            (
                cat.name,
                len(products),
                len(skus),
                sum(1 for s in skus if s.available >= MIN_STOCK_FOR_PICK),
                sum(1 for p in products if len(p.skus) >= 2),
                f"{fmt_yuan(min(prices))} – {fmt_yuan(max(prices))}" if prices else "-",
                "、".join(types[cat.name]),
                "、".join(brands[cat.name]),
            )
        )
    out += _md_table(
        (
            "category",
            "products",
            "variants",
            f"in stock (≥ {MIN_STOCK_FOR_PICK})",
            "products with ≥ 2 variants",
            "prices (yuan)",
            "product types",
            "brands",
        ),
        rows,
    )
    out += [
        "",
        f"{total_products} products, {total_skus} variants in all. Some variants are sold out; a product "
        "with several variants offers each option combination as a variant.",
        "",
        "### Banks",
        "",
        *_md_table(
            ("code", "bank", "card numbers start"), ((b["code"], b["name"], b["card_prefix"]) for b in BANKS)
        ),
        "",
        "### Regions (for addresses)",
        "",
        *_md_table(
            ("province", "city", "districts", "postcodes"),
            (
                (province, city, "、".join(districts), f"{prefix}xxx")
                for province, cities in REGIONS.items()
                for city, (districts, prefix) in cities.items()
            ),
        ),
    ]
    return [*out, ""]


def reference_markdown() -> str:
    """docs/reference.md, from the code (builds a throw-away world to describe it)."""
    from graders.checks import CHECK_INFO
    from sandbox.worlds.store import open_world
    from seed_data.generate import build_world

    checks = builtin_checks()
    with tempfile.TemporaryDirectory(prefix="sandbox-reference-") as tmp:
        path = Path(tmp) / "world.sqlite"
        build_world(path)
        w = open_world(path, read_only=True)
        try:
            world = _section_world(w)
        finally:
            w.close()
    out = [
        "# Scenario reference",
        "",
        f"Generated from the code by `{REGENERATE}`; do not edit it by hand (a test fails when it is out "
        'of date). The README\'s "Writing a scenario" explains the workflow; this page lists everything '
        "a scenario can use.",
        "",
        "- [scenario.yaml](#scenarioyaml)",
        "- [Parameters](#parameters)",
        "- [Templates](#templates)",
        "- [Checks](#checks)",
        "- [Facts between checks](#facts-between-checks)",
        "- [Answer types](#answer-types)",
        "- [NPC rules and events](#npc-rules-and-events)",
        "- [Solutions](#solutions)",
        "- [The world](#the-world)",
        "",
        *_section_yaml(),
        *_section_params(),
        *_section_templates(),
        *_section_checks(checks, CHECK_INFO),
        *_section_facts(checks, CHECK_INFO),
        *_section_answers(),
        *_section_npc(),
        *_section_solutions(),
        *world,
    ]
    return "\n".join(out).rstrip() + "\n"
