"""The command line: init-db --demo, exam create, import-candidates, scenarios list."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from sandbox import create_app
from sandbox.__main__ import cli
from sandbox.control.models import Candidate, Exam, Staff


@pytest.fixture
def env(tmp_path: Path, templates_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at a temporary instance."""
    monkeypatch.setenv("SANDBOX_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("SANDBOX_TEMPLATES", str(templates_dir))
    return tmp_path


def _db():  # noqa: ANN202
    return create_app().extensions["sandbox"].control.session()


def test_init_db_demo_is_idempotent_and_prints_logins(env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["init-db", "--demo"])
    assert first.exit_code == 0, first.output
    assert "2026010001" in first.output and "examiner" in first.output and "trainee" in first.output
    again = runner.invoke(cli, ["init-db", "--demo"])
    assert again.exit_code == 0, again.output
    db = _db()
    assert len(list(db.scalars(select(Exam)))) == 1
    assert len(list(db.scalars(select(Candidate)))) == 3
    assert {s.role for s in db.scalars(select(Staff))} == {"examiner", "trainee", "admin"}
    # The demo exam is a whole examination: a 20-question theory paper and the practical part.
    exam = db.scalars(select(Exam)).one()
    assert exam.theory_rules and sum(r["count"] for r in exam.theory_rules["draw"]) == 20
    assert exam.scenario_ids == ["b2c-purchase"] and exam.level == "电子商务员"
    from sandbox.theory.models import Question
    from sandbox.theory.paper import validate_rules

    assert len(list(db.scalars(select(Question)))) >= 200
    validate_rules(exam.theory_rules, db)  # the starter bank can fill the paper
    db.close()


def test_exam_create_and_import_candidates(env: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["exam", "create", "X1", "--title", "期末考", "--scenario", "nope"])
    assert bad.exit_code != 0 and "unknown scenario" in bad.output
    ok = runner.invoke(cli, ["exam", "create", "X1", "--title", "期末考", "--scenario", "b2c-purchase"])
    assert ok.exit_code == 0, ok.output

    good_csv = env / "good.csv"
    good_csv.write_text("ticket_no,name,password\nX0001,甲,secret1\nX0002,乙,secret2\n", encoding="utf-8")
    result = runner.invoke(cli, ["exam", "import-candidates", "X1", str(good_csv)])
    assert result.exit_code == 0 and "imported 2" in result.output

    dup_csv = env / "dup.csv"
    dup_csv.write_text("ticket_no,name,password\nX0003,丙,secret3\nX0001,甲,secret1\n", encoding="utf-8")
    result = runner.invoke(cli, ["exam", "import-candidates", "X1", str(dup_csv)])
    assert result.exit_code != 0 and "第 3 行" in result.output
    db = _db()
    assert sorted(db.scalars(select(Candidate.ticket_no))) == ["X0001", "X0002"]  # all or nothing
    db.close()

    missing = env / "missing.csv"
    missing.write_text("ticket,name\nX9,丁\n", encoding="utf-8")
    result = runner.invoke(cli, ["exam", "import-candidates", "X1", str(missing)])
    assert result.exit_code != 0 and "ticket_no" in result.output


def test_scenarios_list(env: Path) -> None:
    result = CliRunner().invoke(cli, ["scenarios", "list"])
    assert result.exit_code == 0 and "b2c-purchase" in result.output and "电子商务员" in result.output


def test_grade_an_unknown_attempt_says_so(env: Path) -> None:
    result = CliRunner().invoke(cli, ["grade", "999999"])
    assert result.exit_code != 0 and "no attempt 999999" in result.output


def test_grade_offers_the_current_version() -> None:
    result = CliRunner().invoke(cli, ["grade", "--help"])
    assert result.exit_code == 0 and "--current" in result.output
