"""One list of domains: the app, the world schema, the desktop and the grader registry read it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from sandbox import domains
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_PACKAGES = {p.split(".")[1] for p in domains.PACKAGES}
ABOVE_WORLDS = DOMAIN_PACKAGES | {"control", "exam", "examiner", "practice", "binding", "domains"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


def test_worlds_knows_no_domain() -> None:
    for path in (ROOT / "sandbox" / "worlds").glob("*.py"):
        for module in _imports(path):
            parts = module.split(".")
            assert not (parts[0] == "sandbox" and len(parts) > 1 and parts[1] in ABOVE_WORLDS), (
                f"{path.name} imports {module}"
            )


def test_lower_layers_do_not_import_higher_ones() -> None:
    layer = {d.name: d.layer for d in domains.all_domains()}
    for name in layer:
        for path in (ROOT / "sandbox" / name).glob("*.py"):
            for module in _imports(path):
                parts = module.split(".")
                if parts[0] == "sandbox" and len(parts) > 1 and parts[1] in layer and parts[1] != name:
                    assert layer[parts[1]] < layer[name], f"{name}/{path.name} imports {module}"


def test_every_domain_table_is_in_a_new_world(rt) -> None:  # noqa: ANN001
    from sandbox.control.attempts import template_for
    from sandbox.worlds.base import WorldBase
    from sandbox.worlds.store import engine_for

    domains.load_models()
    template, _ = template_for(rt, rt.scenarios.get("b2c-purchase"))
    tables = set(inspect(engine_for(template)).get_table_names())
    assert set(WorldBase.metadata.tables) <= tables
    assert {"orders", "bank_accounts", "customers", "events"} <= tables


def test_app_registers_every_domain_blueprint_and_binds_them_to_worlds(app) -> None:  # noqa: ANN001
    for domain in domains.all_domains():
        assert domain.name in app.blueprints
    names = domains.world_blueprint_names()
    assert {d.name for d in domains.all_domains() if d.views} <= names
    assert names == {bp.name for bp in domains.blueprints()} <= set(app.blueprints)


def test_desktop_shows_the_domains_apps(candidates) -> None:  # noqa: ANN001
    page = candidates.login().get("/exam/").get_data(as_text=True)
    for app in domains.desktop_apps():
        assert f'data-app="{app.id}"' in page


def _candidate(app, ticket: str):  # noqa: ANN001, ANN202
    """A client logged in as a new candidate of a new b2c-purchase exam."""
    from sandbox.control import people

    db = app.extensions["sandbox"].control.session()
    exam = people.create_exam(db, f"X-{ticket}", "考试", ["b2c-purchase"])
    people.add_candidate(db, exam, ticket, "考生", "pass1234")
    db.commit()
    db.close()
    client = app.test_client()
    assert client.post("/exam/login", data={"ticket_no": ticket, "password": "pass1234"}).status_code == 302
    return client


def test_a_scenario_lists_the_apps_its_paper_shows(tmp_path: Path, templates_dir: Path) -> None:
    import shutil

    import yaml

    folder = tmp_path / "scenarios" / "b2c-purchase"
    shutil.copytree(ROOT / "scenarios" / "b2c-purchase", folder)
    data = yaml.safe_load((folder / "scenario.yaml").read_text())
    data["world"]["apps"] = ["shop"]
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    app = make_app(tmp_path / "data", templates_dir, SCENARIOS_DIR=folder.parent)
    page = _candidate(app, "A0001").get("/exam/").get_data(as_text=True)
    assert 'data-app="shop"' in page and 'data-app="bank"' not in page
    app.extensions["sandbox"].grading.stop()


def test_an_unknown_app_is_a_scenario_error(tmp_path: Path) -> None:
    import shutil

    import yaml

    from sandbox.scenarios.loader import ScenarioError, load_scenario

    folder = tmp_path / "b2c-purchase"
    shutil.copytree(ROOT / "scenarios" / "b2c-purchase", folder)
    data = yaml.safe_load((folder / "scenario.yaml").read_text())
    data["world"]["apps"] = ["shop", "casino"]
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ScenarioError, match="no desktop app 'casino'"):
        load_scenario(folder)


FAKE_INIT = """
from sandbox.domains import DesktopApp, Domain

DOMAIN = Domain(
    name="demo_mail",
    layer=1,
    views="demo_mail.views",
    npc_actions="demo_mail.npc",
    checks=("demo_mail.checks",),
    app=DesktopApp("mail", "邮箱", "邮", "sheet", "demo_mail.inbox", ("demo_mail",)),
)
"""
FAKE_VIEWS = """
from flask import Blueprint

bp = Blueprint("demo_mail", __name__, url_prefix="/demo-mail")


@bp.get("/")
def inbox():
    return "收件箱"
"""
FAKE_NPC = """
from sandbox.worlds.npc import npc_action


@npc_action("demo_mail.deliver")
def deliver(w, args, trigger):
    w.emit("demo_mail.delivered")
"""
FAKE_CHECKS = '''
from graders.checks import CheckResult, check


@check("state", "demo_mail.inbox_read")
def inbox_read(ctx):
    """Always passes (a demonstration)."""
    return CheckResult.passed("ok")
'''


def test_adding_a_domain_is_adding_its_package_to_the_list(
    tmp_path: Path, templates_dir: Path, monkeypatch
) -> None:  # noqa: ANN001
    package = tmp_path / "pkgs" / "demo_mail"
    package.mkdir(parents=True)
    for name, text in (
        ("__init__", FAKE_INIT),
        ("views", FAKE_VIEWS),
        ("npc", FAKE_NPC),
        ("checks", FAKE_CHECKS),
    ):
        (package / f"{name}.py").write_text(text)
    monkeypatch.syspath_prepend(str(package.parent))
    monkeypatch.setattr(domains, "PACKAGES", (*domains.PACKAGES, "demo_mail"))
    domains.all_domains.cache_clear()
    domains.world_blueprint_names.cache_clear()
    try:
        from graders.checks import CHECKS, load_builtin
        from sandbox.worlds.npc import ACTIONS, RULE_ACTIONS
        from tests.conftest import shop_member

        app = make_app(tmp_path / "data", templates_dir)
        assert "demo_mail" in app.blueprints and "demo_mail.deliver" in ACTIONS
        load_builtin()
        assert ("state", "demo_mail.inbox_read") in CHECKS
        client = _candidate(app, "M0001")
        assert 'data-app="mail"' in client.get("/exam/").get_data(as_text=True)
        # Its pages live in the candidate's world like every domain's (bound, recorded).
        assert client.get("/demo-mail/").get_data(as_text=True) == "收件箱"
        shop_member(client)
        app.extensions["sandbox"].grading.stop()
    finally:
        domains.all_domains.cache_clear()
        domains.world_blueprint_names.cache_clear()
        for name in [m for m in sys.modules if m.startswith("demo_mail")]:
            del sys.modules[name]
        CHECKS.pop(("state", "demo_mail.inbox_read"), None)
        ACTIONS.pop("demo_mail.deliver", None)
        RULE_ACTIONS.pop("demo_mail.deliver", None)


def test_the_shop_comes_first_on_the_desktop() -> None:
    assert [a.id for a in domains.desktop_apps()][:2] == ["shop", "bank"]
