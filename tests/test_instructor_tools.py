"""Instructors' tools: validate/verify with a scenario's own checks, readable errors, `checks list`,
`scenarios preview`, `scenarios new`, the pick order option, and docs/reference.md kept up to date."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from graders.harness import IDENTITY_FIELDS, SolveContext, scenario_checks
from sandbox.__main__ import cli
from sandbox.scenarios import scaffold
from sandbox.scenarios.loader import ScenarioError, fmt_yuan, load_scenario
from sandbox.scenarios.params import PARAM_KINDS, draw_params, pick_pool
from sandbox.scenarios.reference import REFERENCE_PATH, reference_markdown
from sandbox.scenarios.schema import ACCOUNT_ROLES
from sandbox.worlds.store import WorldStore, open_world
from seed_data.generate import build_world
from seed_data.overlay import make_identities

ROOT = Path(__file__).resolve().parent.parent

OWN_CHECKS = '''
from graders.checks import CheckResult, check


@check("answer", "my-scenario.price_written")
def price_written(ctx, field: str) -> CheckResult:
    """Something is written in the answer field."""
    given = ctx.answers.get(field, "").strip()
    return CheckResult.passed("填写了") if given else CheckResult.failed("未填写")
'''

OWN_ITEM = """
  - id: own-check
    points: 10
    check: {kind: answer, name: my-scenario.price_written, args: {field: price}}
"""


@pytest.fixture
def scenarios_dir(tmp_path: Path, templates_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty scenarios folder the CLI works on (and a temporary instance)."""
    root = tmp_path / "scenarios"
    root.mkdir()
    monkeypatch.setenv("SANDBOX_SCENARIOS", str(root))
    monkeypatch.setenv("SANDBOX_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("SANDBOX_TEMPLATES", str(templates_dir))
    return root


def own_checks_scenario(root: Path, scenario_id: str = "my-scenario") -> Path:
    """The scaffold plus a checks.py of its own (a hyphenated check name) and an item using it."""
    folder = root / scenario_id
    scaffold.create(folder, scenario_id)
    (folder / "checks.py").write_text(OWN_CHECKS, encoding="utf-8")
    with (folder / "scenario.yaml").open("a", encoding="utf-8") as f:
        f.write(OWN_ITEM)
    return folder


def edited(root: Path, scenario_id: str, change) -> Path:  # noqa: ANN001
    """A scaffolded scenario whose parsed YAML went through `change`."""
    folder = root / scenario_id
    scaffold.create(folder, scenario_id)
    data = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    change(data)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return folder


def invoke(*args: str):  # noqa: ANN202
    return CliRunner().invoke(cli, list(args))


def run_cli(root: Path, instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SANDBOX_SCENARIOS": str(root), "SANDBOX_INSTANCE": str(instance)}
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


# --- a scenario's own checks ---------------------------------------------------------------------


def test_validate_loads_the_scenarios_own_checks(scenarios_dir: Path) -> None:
    own_checks_scenario(scenarios_dir)
    # Another scenario may not use them: each scenario sees the built-in checks and its own.
    edited(
        scenarios_dir,
        "other",
        lambda d: d["rubric"][1]["check"].update(name="my-scenario.price_written", args={"field": "price"}),
    )
    result = invoke("scenarios", "validate")
    assert result.exit_code == 1, result.output
    assert "ok      my-scenario" in result.output
    assert "INVALID" in result.output and "no answer check named 'my-scenario.price_written'" in result.output
    assert invoke("scenarios", "validate", "my-scenario").exit_code == 0


def test_own_checks_are_listed_and_their_args_checked(scenarios_dir: Path) -> None:
    folder = own_checks_scenario(scenarios_dir)
    result = invoke("checks", "list", "--scenario", "my-scenario")
    assert result.exit_code == 0, result.output
    assert re.search(r"answer\s+my-scenario\.price_written\s+field\s+Something is written", result.output)
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    (folder / "scenario.yaml").write_text(text.replace("args: {field: price}}\n", "args: {feld: price}}\n"))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(folder, scenario_checks(folder))
    assert "answer check my-scenario.price_written has no argument 'feld'; it takes field" in str(exc.value)


def test_a_broken_or_overriding_checks_py_is_reported(scenarios_dir: Path) -> None:
    folder = own_checks_scenario(scenarios_dir)
    (folder / "checks.py").write_text("import no_such_module\n", encoding="utf-8")
    result = invoke("scenarios", "validate", "my-scenario")
    assert result.exit_code == 1
    assert f"{folder / 'checks.py'}: (top): cannot be loaded: ModuleNotFoundError" in result.output
    (folder / "checks.py").write_text(
        OWN_CHECKS.replace("my-scenario.price_written", "answer.equals"), encoding="utf-8"
    )
    result = invoke("scenarios", "validate", "my-scenario")
    assert result.exit_code == 1 and "redefines the built-in answer check answer.equals" in result.output
    from graders.checks import CHECKS

    assert CHECKS[("answer", "answer.equals")].__module__ == "graders.checks.answers"  # put back


# --- readable errors ---------------------------------------------------------------------------------


def _error(root: Path, scenario_id: str, change) -> str:  # noqa: ANN001
    folder = edited(root, scenario_id, change)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(folder, scenario_checks(folder))
    return str(exc.value)


READABLE = [
    (
        "check-name",
        lambda d: d["rubric"][0]["check"].update(name="Storefront.Customer"),
        "rubric/0/check/name",
        "a check name is <domain or scenario id>.<name>, e.g. orders.order_with_line or my-scenario.total_right",
    ),
    (
        "two-kinds",
        lambda d: d["params"]["customer"].update({"int": [1, 2]}),
        "params/customer",
        "a parameter has exactly one kind, one of pick, int, choice, address, person (here: int and person)",
    ),
    (
        "no-kind",
        lambda d: d["params"].update(customer={}),
        "params/customer",
        "(here: none)",
    ),
    (
        "unknown-param-key",
        lambda d: d["params"].update(customer={"persn": {}}),
        "params/customer",
        "'persn' is not one of ['pick', 'where', 'order', 'int', 'choice', 'address', 'person']",
    ),
    (
        "unknown-filter",
        lambda d: d["params"]["product"]["where"].update(colour="白色"),
        "params/product/where",
        "'colour' is not one of ['category', 'in_stock', 'min_options', 'max_price_fen']",
    ),
    (
        "unknown-category",
        lambda d: d["params"]["product"]["where"].update(category="家电"),
        "params/product/where/category",
        "'家电' is not one of ['手机数码', '数码配件'",
    ),
    (
        "where-without-pick",
        lambda d: d["params"].update(n={"int": [1, 3], "where": {"in_stock": True}}),
        "params/n/where",
        "where goes with pick, not with int",
    ),
    (
        "bad-order",
        lambda d: d["params"]["product"].update(order="newest"),
        "params/product/order",
        "'newest' is not one of ['random', 'cheapest', 'dearest']",
    ),
    (
        "misspelt-check",
        lambda d: d["rubric"][0]["check"].update(name="storefront.customer_registerd"),
        "rubric/0/check/name",
        "did you mean storefront.customer_registered?",
    ),
    (
        "wrong-kind",
        lambda d: d["rubric"][0]["check"].update(kind="event"),
        "rubric/0/check/name",
        "storefront.customer_registered is a check of kind state",
    ),
    (
        "missing-arg",
        lambda d: d["rubric"][1]["check"]["args"].pop("expected"),
        "rubric/1/check/args",
        "answer check answer.equals needs the argument 'expected'",
    ),
    (
        "unknown-param-in-args",
        lambda d: d["rubric"][0]["check"]["args"].update(phone="{{ buyer.phone }}"),
        "rubric/0/check/args/phone",
        "unknown parameter 'buyer'; the parameters are product, customer",
    ),
    (
        "rubric-id",
        lambda d: d["rubric"][0].update(id="Registered_1"),
        "rubric/0/id",
        "a rubric item id is lower-case letters, digits and hyphens",
    ),
    (
        "npc-rule",
        lambda d: d["world"].update(events=[{"at": "+5m", "on": "order.placed", "do": "world.announce"}]),
        "world/events/0",
        "either `at: +5m`",
    ),
    (
        "npc-offset",
        lambda d: d["world"].update(events=[{"at": "5 minutes", "do": "world.announce"}]),
        "world/events/0/at",
        "e.g. +30s or +5m",
    ),
    (
        "npc-action",
        lambda d: d["world"].update(events=[{"at": "+5m", "do": "merchant.refund"}]),
        "world/events/0/do",
        "no NPC action named 'merchant.refund'; the actions are ",
    ),
]


@pytest.mark.parametrize(("name", "change", "where", "words"), READABLE, ids=[r[0] for r in READABLE])
def test_errors_say_what_is_expected(scenarios_dir: Path, name: str, change, where: str, words: str) -> None:  # noqa: ANN001
    message = _error(scenarios_dir, "readable", change)
    assert f"scenario.yaml: {where}: " in message, message
    assert words in message, message
    assert "^[" not in message and "is not valid under any of the given schemas" not in message
    assert len(message) < 400, message


def test_validate_prints_a_readable_error(scenarios_dir: Path) -> None:
    edited(scenarios_dir, "readable", lambda d: d["rubric"][0]["check"].update(name="orders"))
    result = invoke("scenarios", "validate", "readable")
    assert result.exit_code == 1
    assert "rubric/0/check/name: 'orders' is not a valid check name: a check name is" in result.output


def test_validate_warns_when_a_check_needs_a_fact_no_earlier_item_sets(scenarios_dir: Path) -> None:
    edited(
        scenarios_dir,
        "needs-facts",
        lambda d: d["rubric"].append(
            {"id": "paid", "points": 10, "check": {"kind": "event", "name": "payment.succeeded_for_order"}}
        ),
    )
    result = invoke("scenarios", "validate", "needs-facts")
    assert result.exit_code == 0, result.output  # a warning, not an error
    assert (
        "warning" in result.output
        and "rubric/2 (paid): payment.succeeded_for_order needs the fact" in result.output
    )
    assert "which no earlier item sets (set by: " in result.output


# --- checks list, preview, docs --------------------------------------------------------------------


def test_checks_list(scenarios_dir: Path) -> None:
    result = invoke("checks", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.match(r"kind\s+name\s+args\s+what it checks", lines[0])
    row = next(line for line in lines if "orders.order_with_line" in line)
    assert row.startswith("state") and "sku, qty" in row and "The candidate has a live order" in row
    # aligned: every name starts in the same column
    column = lines[0].index("name")
    rows = [line for line in lines if not line.startswith(" ")]  # not the args' continuation lines
    assert all(line[column - 2 : column] == "  " and line[column] != " " for line in rows)
    args = lines[0].index("args")
    assert all(line[args - 2 : args] == "  " and line[args] != " " for line in lines)
    assert "my-scenario" not in result.output


def test_preview_shows_one_seeds_attempt(scenarios_dir: Path) -> None:
    scaffold.create(scenarios_dir / "shop-price", "shop-price", "查价格")
    result = invoke("scenarios", "preview", "shop-price", "--seed", "7")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("shop-price v1 · 查价格 / New scenario · 电子商务员 · 15 min · seed 7")
    for heading in (
        "Parameters",
        "Task (zh)",
        "Task (en)",
        "Answer sheet",
        "Rubric (100 points)",
        "NPC rules",
    ):
        assert f"\n{heading}" in out
    price = int(re.search(r"price_fen: (\d+)", out).group(1))
    assert f"expected={fmt_yuan(price)}" in out  # args rendered
    phone = re.search(r"phone: '(\d+)'", out).group(1)
    assert f"手机号填写 {phone}" in out and f"phone={phone}" in out
    buyer = make_identities(7, [{"role": "buyer", "bank_balance_fen": 100000}])[0]
    assert buyer["account_no"] in out and buyer["payment_password"] in out and "¥1,000.00" in out
    assert "price  商品价格（元） / Price (yuan)  (money)" in out
    missing = invoke("scenarios", "preview", "nope")
    assert missing.exit_code != 0 and "file not found" in missing.output


def test_reference_is_up_to_date() -> None:
    current = REFERENCE_PATH.read_text(encoding="utf-8") if REFERENCE_PATH.exists() else ""
    expected = reference_markdown()
    if current != expected:
        old, new = current.splitlines(), expected.splitlines()
        line = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new))
        )
        pytest.fail(
            f"docs/reference.md is out of date (first difference at line {line + 1}): "
            "run `.venv/bin/python -m sandbox docs` and commit docs/reference.md",
            pytrace=False,
        )


def test_docs_command_writes_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "ref.md"
    assert invoke("docs", "--check", "--output", str(out)).exit_code == 1
    result = invoke("docs", "--output", str(out))
    assert result.exit_code == 0 and f"wrote {out}" in result.output
    text = out.read_text(encoding="utf-8")
    for needle in (
        "### `pick`",
        "`order`: `random`",
        "`cheapest`",
        "### `orders.order_with_line` (state)",
        "`ctx.buyer`",
        "| 数码配件 |",
        "中国工商银行",
        "浙江省",
        "`payment.succeeded`",
    ):
        assert needle in text, needle
    checked = invoke("docs", "--check", "--output", str(out))
    assert checked.exit_code == 0 and "up to date" in checked.output


def test_reference_documents_every_field() -> None:
    every_role = [{"role": role} for role in ACCOUNT_ROLES] + [
        {"role": "applicant", "account_type": "enterprise"},
        {"role": "operator", "cert": {"kind": "enterprise"}, "cert_login": True},
    ]
    fields = {key for ident in make_identities(1, every_role) for key in ident}
    assert fields == set(IDENTITY_FIELDS)
    assert all(f.metadata.get("doc") for f in dataclasses.fields(SolveContext))
    assert all(k.doc and k.example for k in PARAM_KINDS.values())


# --- pick order ----------------------------------------------------------------------------------


def test_pick_order_cheapest_and_dearest(tmp_path: Path) -> None:
    path, _ = WorldStore(tmp_path).ensure_template("default", build_world)
    scaffold.create(tmp_path / "s" / "pick-order", "pick-order")
    scenario = load_scenario(tmp_path / "s" / "pick-order")
    where = {"category": "家用电器", "in_stock": True}
    w = open_world(path, read_only=True)
    try:
        pool = pick_pool(w, scenario.template_key, "variant", where)
        for order, best in (("cheapest", min), ("dearest", max)):
            scenario.data["params"]["product"] = {"pick": "variant", "where": where, "order": order}
            drawn = {draw_params(scenario, seed, w)["product"]["sku"] for seed in range(5)}
            assert drawn == {best(pool, key=lambda v: v["price_fen"])["sku"]}
        scenario.data["params"]["product"] = {"pick": "variant", "where": where}
        assert len({draw_params(scenario, seed, w)["product"]["sku"] for seed in range(8)}) > 1
    finally:
        w.close()


# --- scenarios new -----------------------------------------------------------------------------------


def test_new_refuses_a_bad_id_or_an_existing_folder(scenarios_dir: Path) -> None:
    bad = invoke("scenarios", "new", "My_Scenario")
    assert bad.exit_code != 0 and "a scenario id is lower-case letters, digits and hyphens" in bad.output
    assert not (scenarios_dir / "My_Scenario").exists()
    assert invoke("scenarios", "new", "taken").exit_code == 0
    again = invoke("scenarios", "new", "taken")
    assert again.exit_code != 0 and "already exists" in again.output


def test_new_scenario_validates_and_verifies(tmp_path: Path) -> None:
    root = tmp_path / "scenarios"
    instance = tmp_path / "instance"
    created = run_cli(root, instance, "scenarios", "new", "first-task", "--title", "我的第一个场景")
    assert created.returncode == 0, created.stdout + created.stderr
    folder = root / "first-task"
    for name in ("scenario.yaml", "solution.py", "steps.py", "tests/registered_only.py"):
        assert f"created {folder / name}" in created.stdout
    assert "# " in (folder / "scenario.yaml").read_text(encoding="utf-8")  # commented
    validated = run_cli(root, instance, "scenarios", "validate")
    assert validated.returncode == 0 and validated.stdout.strip() == "ok      first-task", validated.stderr
    verified = run_cli(root, instance, "scenarios", "verify", "first-task", "--seeds", "1")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert re.search(r"reference\s+100 / 100\s+expected 100\s+ok", verified.stdout)
    assert re.search(r"registered_only\s+40 / 100\s+expected\s+40\s+ok", verified.stdout)
    assert "verified for 1 seed(s): 1" in verified.stdout


def test_verify_with_own_checks_repeated_seeds_and_coverage(tmp_path: Path) -> None:
    root = tmp_path / "scenarios"
    own_checks_scenario(root)
    long_name = root / "my-scenario" / "tests" / "registered_only_and_a_rather_long_name.py"
    (root / "my-scenario" / "tests" / "registered_only.py").rename(long_name)
    result = run_cli(
        root, tmp_path / "instance", "scenarios", "verify", "my-scenario", "--seed", "3", "--seed", "11"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for seed in (3, 11):
        params = [line for line in lines if line.startswith(f"seed {seed:<2}  product ")]
        assert len(params) == 1 and "¥" in params[0]
        assert re.search(rf"seed {seed:<2}\s+reference\s+110 / 110\s+expected 110\s+ok", result.stdout)
    assert re.search(r"^\s+customer\s+\S+ 1\d{10}$", result.stdout, re.M)
    scores = [line for line in lines if "expected" in line]
    assert len(scores) == 6 and len({line.index(" / ") for line in scores}) == 1  # aligned
    assert (
        "parameters covered: product: 2 distinct of 2 seeds; customer: 2 distinct of 2 seeds" in result.stdout
    )
    assert "verified for 2 seed(s): 3, 11" in result.stdout
