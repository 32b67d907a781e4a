"""Scenario loading and validation (sandbox/scenarios), `scenarios validate`, and parameter drawing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from graders.checks import known_checks
from sandbox.config import ROOT
from sandbox.scenarios.loader import (
    GENERATOR_VERSION,
    ScenarioCatalog,
    ScenarioError,
    load_scenario,
    render_value,
    world_build_digest,
)
from sandbox.scenarios.params import MIN_STOCK_FOR_PICK, draw_params
from sandbox.storefront import services as storefront
from sandbox.storefront.models import Sku
from sandbox.worlds.store import WorldStore, open_world
from seed_data.generate import build_world
from seed_data.lists import REGIONS

REAL = ROOT / "scenarios" / "b2c-purchase"
REAL_YAML = REAL / "scenario.yaml"


def write_scenario(root: Path, folder: str, data: dict | None = None, text: str | None = None) -> Path:
    """A scenario folder under `root` holding the given data (as YAML) or raw text."""
    path = root / folder
    path.mkdir(parents=True, exist_ok=True)
    if text is None:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (path / "scenario.yaml").write_text(text, encoding="utf-8")
    return path


def real_data() -> dict:
    return yaml.safe_load(REAL_YAML.read_text(encoding="utf-8"))


# --- the real scenario -------------------------------------------------------------------------


def test_real_scenario_validates() -> None:
    s = load_scenario(REAL, known_checks())
    assert (s.id, s.version, s.minutes, s.clock_scale) == ("b2c-purchase", 4, 20, 1.0)
    assert s.max_points == 100.0
    assert [i["id"] for i in s.rubric] == [
        "registered",
        "address",
        "order-right",
        "ship-to",
        "paid",
        "order-number",
        "visible",
    ]
    assert [f["id"] for f in s.answer_fields()] == ["order_no"]
    assert s.template_key == f"b2c-purchase-v4-default-g{GENERATOR_VERSION}-{world_build_digest()}"
    assert len(s.digest) == 12
    assert s.title("en") == "B2C online purchase" and s.title("fr") == "B2C网上购物"


def test_real_scenario_copy_validates_in_tmp(tmp_path: Path) -> None:
    folder = tmp_path / "b2c-purchase"
    shutil.copytree(REAL, folder)
    assert load_scenario(folder, known_checks()).id == "b2c-purchase"


# --- malformed scenarios -----------------------------------------------------------------------


def _yaml_syntax(tmp: Path) -> Path:
    text = REAL_YAML.read_text(encoding="utf-8").replace("minutes: 20", "minutes: [20", 1)
    return write_scenario(tmp, "b2c-purchase", text=text)


def _missing_key(tmp: Path) -> Path:
    data = real_data()
    del data["minutes"]
    return write_scenario(tmp, "b2c-purchase", data)


def _wrong_points_type(tmp: Path) -> Path:
    data = real_data()
    data["rubric"][2]["points"] = "twenty-five"
    return write_scenario(tmp, "b2c-purchase", data)


def _unknown_check(tmp: Path) -> Path:
    data = real_data()
    data["rubric"][1]["check"]["name"] = "storefront.no_such_check"
    return write_scenario(tmp, "b2c-purchase", data)


def _requires_later(tmp: Path) -> Path:
    data = real_data()
    data["rubric"][3]["requires"] = ["order-number"]  # 'ship-to' (3) requires item 5
    return write_scenario(tmp, "b2c-purchase", data)


def _duplicate_id(tmp: Path) -> Path:
    data = real_data()
    data["rubric"][4]["id"] = "registered"
    return write_scenario(tmp, "b2c-purchase", data)


def _unknown_param(tmp: Path) -> Path:
    data = real_data()
    data["tasks"][2]["text"]["en"] += " Use coupon {{ coupon_code }}."
    return write_scenario(tmp, "b2c-purchase", data)


def _id_not_folder(tmp: Path) -> Path:
    return write_scenario(tmp, "b2c-shopping", real_data())


def _bad_template(tmp: Path) -> Path:
    data = real_data()
    data["tasks"][1]["text"]["zh"] = "收货人 {{ address.recipient "
    return write_scenario(tmp, "b2c-purchase", data)


def _not_a_mapping(tmp: Path) -> Path:
    return write_scenario(tmp, "b2c-purchase", text="- just\n- a list\n")


def _missing_file(tmp: Path) -> Path:
    (tmp / "b2c-purchase").mkdir()
    return tmp / "b2c-purchase"


def _duplicate_answer(tmp: Path) -> Path:
    data = real_data()
    data["tasks"][4]["answers"] = [{"id": "order_no", "label": {"zh": "再填一次"}, "type": "id"}]
    return write_scenario(tmp, "b2c-purchase", data)


BROKEN: list[tuple[str, Callable[[Path], Path], str, list[str]]] = [
    # name, maker, path inside the file, words the message must contain
    ("yaml-syntax", _yaml_syntax, "line ", ["YAML syntax error", ", column "]),
    ("missing-key", _missing_key, "(top)", ["'minutes' is a required property"]),
    ("wrong-type", _wrong_points_type, "rubric/2/points", ["'twenty-five'", "is not of type 'number'"]),
    (
        "unknown-check",
        _unknown_check,
        "rubric/1/check/name",
        ["no state check named 'storefront.no_such_check'"],
    ),
    (
        "requires-later",
        _requires_later,
        "rubric/3/requires",
        ["'order-number' is not an earlier rubric item"],
    ),
    ("duplicate-id", _duplicate_id, "rubric/4/id", ["duplicate rubric id 'registered'"]),
    ("unknown-param", _unknown_param, "tasks/2/text/en", ["unknown parameter 'coupon_code'"]),
    ("id-not-folder", _id_not_folder, "id", ["must equal the folder name 'b2c-shopping'"]),
    ("bad-template", _bad_template, "tasks/1/text/zh", ["template error"]),
    ("not-a-mapping", _not_a_mapping, "(top)", ["must be a mapping"]),
    ("missing-file", _missing_file, "(top)", ["file not found"]),
    ("duplicate-answer", _duplicate_answer, "tasks", ["answer ids must be unique"]),
]


@pytest.mark.parametrize(("name", "maker", "where", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_malformed_scenario_is_reported_precisely(
    tmp_path: Path, name: str, maker: Callable[[Path], Path], where: str, words: list[str]
) -> None:
    folder = maker(tmp_path)
    file = folder / "scenario.yaml"
    with pytest.raises(ScenarioError) as exc:
        load_scenario(folder, known_checks())
    text = str(exc.value)
    assert text.startswith(f"{file}: {where}"), text
    for word in words:
        assert word in text, text
    assert exc.value.file == str(file)
    if where == "(top)":
        assert exc.value.path == ""
    elif name != "yaml-syntax":
        assert exc.value.path == where


def test_yaml_error_names_the_right_line(tmp_path: Path) -> None:
    lines = REAL_YAML.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("minutes:"))
    folder = _yaml_syntax(tmp_path)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(folder)
    assert exc.value.path.startswith("line ")
    reported = int(exc.value.path.split(",")[0].split()[1])
    assert number <= reported <= number + 2  # the parser notices at or just after the broken line


def test_unknown_check_is_only_checked_with_a_registry(tmp_path: Path) -> None:
    folder = _unknown_check(tmp_path)
    assert load_scenario(folder).id == "b2c-purchase"  # no registry given: structural checks only
    with pytest.raises(ScenarioError):
        load_scenario(folder, known_checks())


def test_catalog_skips_broken_scenarios(tmp_path: Path) -> None:
    shutil.copytree(REAL, tmp_path / "b2c-purchase")
    _id_not_folder(tmp_path)
    (tmp_path / "not-a-scenario").mkdir()
    catalog = ScenarioCatalog(tmp_path)
    assert catalog.ids() == ["b2c-purchase", "b2c-shopping"]
    assert [s.id for s in catalog.all()] == ["b2c-purchase"]
    with pytest.raises(KeyError):
        catalog.get("not-a-scenario")
    with pytest.raises(ScenarioError):
        catalog.get("b2c-shopping")


def test_render_value_keeps_types() -> None:
    params = {"quantity": 3, "product": {"sku": "P00021-02", "price_fen": 12345}}
    rendered = render_value(
        {
            "qty": "{{ quantity }}",
            "sku": "{{ product.sku }}",
            "text": "共 {{ quantity }} 件",
            "price": "{{ product.price_fen|yuan }}",
            "list": ["{{quantity}}", 7],
        },
        params,
    )
    assert rendered == {"qty": 3, "sku": "P00021-02", "text": "共 3 件", "price": "123.45", "list": [3, 7]}
    with pytest.raises(KeyError):
        render_value("{{ product.missing }}", params)


# --- `python -m sandbox scenarios validate` --------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "scenarios"
    root.mkdir()
    monkeypatch.setenv("SANDBOX_SCENARIOS", str(root))
    monkeypatch.setenv("SANDBOX_INSTANCE", str(tmp_path / "instance"))
    return root


def _run_validate(*args: str):  # noqa: ANN202
    from sandbox.__main__ import cli

    return CliRunner().invoke(cli, ["scenarios", "validate", *args])


def test_cli_validate_reports_broken_file(cli_env: Path) -> None:
    shutil.copytree(REAL, cli_env / "b2c-purchase")
    data = real_data()
    data["id"] = "z-broken"
    data["rubric"][2]["points"] = "many"
    broken = write_scenario(cli_env, "z-broken", data) / "scenario.yaml"
    result = _run_validate()
    assert result.exit_code == 1, result.output
    assert "ok      b2c-purchase" in result.output
    assert f"INVALID {broken}: rubric/2/points: 'many' is not of type 'number'" in result.output


def test_cli_validate_all_good(cli_env: Path) -> None:
    shutil.copytree(REAL, cli_env / "b2c-purchase")
    result = _run_validate()
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok      b2c-purchase"


def test_cli_validate_named_ids(cli_env: Path) -> None:
    shutil.copytree(REAL, cli_env / "b2c-purchase")
    write_scenario(cli_env, "broken", text="id: [\n")
    assert _run_validate("b2c-purchase").exit_code == 0
    result = _run_validate("broken")
    assert result.exit_code == 1
    assert str(cli_env / "broken" / "scenario.yaml") in result.output and "YAML syntax error" in result.output


# --- parameters ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template_world_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = WorldStore(tmp_path_factory.mktemp("params-store"))
    path, _ = store.ensure_template("default", build_world)
    return path


@pytest.fixture
def template_world(template_world_path: Path):  # noqa: ANN201
    w = open_world(template_world_path, read_only=True)
    yield w
    w.close()


def test_draw_params_is_deterministic_per_seed(template_world) -> None:  # noqa: ANN001
    scenario = load_scenario(REAL)
    a = draw_params(scenario, 12345, template_world)
    b = draw_params(scenario, 12345, template_world)
    assert a == b
    assert list(a) == ["product", "quantity", "address"]
    others = [draw_params(scenario, seed, template_world) for seed in (1, 2, 3)]
    assert all(o != a for o in others)


def test_draw_params_ranges_and_pick(template_world) -> None:  # noqa: ANN001
    scenario = load_scenario(REAL)
    quantities = set()
    for seed in range(40):
        params = draw_params(scenario, seed, template_world)
        quantities.add(params["quantity"])
        assert 2 <= params["quantity"] <= 4
        product = params["product"]
        sku = template_world.db.scalars(select(Sku).where(Sku.code == product["sku"])).one()
        assert sku.product.category.name == "数码配件"
        assert sku.available >= MIN_STOCK_FOR_PICK >= params["quantity"]
        assert len(sku.product.skus) >= 2  # min_options: 2
        assert product == {
            "code": sku.product.code,
            "name": sku.product.name,
            "sku": sku.code,
            "options": sku.label,
            "price_fen": sku.price_fen,
            "shop": sku.product.shop.name,
        }
        address = params["address"]
        assert address["city"] in REGIONS[address["province"]]
        assert (
            storefront.validate_address(address) == address
        )  # a drawn address is one the storefront accepts
    assert quantities == {2, 3, 4}


def test_task_texts_fill_params(template_world) -> None:  # noqa: ANN001
    scenario = load_scenario(REAL)
    params = draw_params(scenario, 99, template_world)
    texts = {t["id"]: t["text"] for t in scenario.task_texts(params)}
    assert f"购买 {params['quantity']} 件「{params['product']['name']}」" in texts["buy"]
    assert params["address"]["postcode"] in texts["address"]
    en = {t["id"]: t["text"] for t in scenario.task_texts(params, "en")}
    assert en["buy"].startswith(f"Buy {params['quantity']} of")


def test_a_bare_on_is_an_npc_trigger_not_yaml_true(tmp_path: Path) -> None:
    """YAML 1.1 reads `on` as true; scenarios are read with 1.2's booleans (only true/false)."""
    text = REAL_YAML.read_text(encoding="utf-8").replace(
        "  events: []", "  events:\n    - {on: payment.succeeded, do: merchant.ship_order}"
    )
    folder = write_scenario(tmp_path, "b2c-purchase", text=text)
    s = load_scenario(folder, known_checks())
    assert s.world["events"] == [{"on": "payment.succeeded", "do": "merchant.ship_order"}]
