"""An exam over two scenarios: one attempt (and one world) per scenario, switchable from the desktop."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from sandbox.control import people
from sandbox.control.models import Attempt
from tests.conftest import make_app, shop_member

REAL = Path(__file__).resolve().parent.parent / "scenarios" / "b2c-purchase"


def test_candidate_switches_between_the_exams_scenarios(tmp_path: Path, templates_dir: Path) -> None:
    scenarios = tmp_path / "scenarios"
    shutil.copytree(REAL, scenarios / "b2c-purchase")
    shutil.copytree(REAL, scenarios / "b2c-again")
    yaml = scenarios / "b2c-again" / "scenario.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace("id: b2c-purchase", "id: b2c-again"), encoding="utf-8"
    )
    app = make_app(tmp_path / "data", templates_dir, SCENARIOS_DIR=scenarios)
    rt = app.extensions["sandbox"]
    db = rt.control.session()
    exam = people.create_exam(db, "TWO", "两道题", ["b2c-purchase", "b2c-again"])
    people.add_candidate(db, exam, "P0001", "考生", "pass1234")
    db.commit()
    db.close()

    client = app.test_client()
    client.post("/exam/login", data={"ticket_no": "P0001", "password": "pass1234"})
    page = client.get("/exam/").get_data(as_text=True)
    assert 'data-paper="b2c-purchase"' in page and 'data-paper="b2c-again"' in page and "未开始" in page
    shop_member(client, "first_world_user")
    member = '<span class="muted" data-role="member">first_world_user</span>'
    assert member in client.get("/shop/").get_data(as_text=True)

    assert client.post("/exam/open/b2c-again").status_code == 302
    assert member not in client.get("/shop/").get_data(as_text=True)  # a different world
    assert client.post("/exam/open/not-in-exam").status_code == 404
    assert client.post("/exam/open/b2c-purchase").status_code == 302
    assert member in client.get("/shop/").get_data(as_text=True)  # back in the first one

    db = rt.control.session()
    attempts = list(db.scalars(select(Attempt).order_by(Attempt.id)))
    db.close()
    assert [a.scenario_id for a in attempts] == ["b2c-purchase", "b2c-again"]
    assert attempts[0].world_path != attempts[1].world_path and attempts[0].seed != attempts[1].seed
    rt.grading.stop()
