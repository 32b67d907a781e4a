"""`python -m sandbox theory import|export|stats` on the app's control database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import select

from sandbox import create_app
from sandbox.theory import bank
from sandbox.theory.cli import theory
from sandbox.theory.models import Question
from tests.test_theory_bank import SAMPLE, seed, snapshot


@pytest.fixture
def env(tmp_path: Path, templates_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at a temporary instance."""
    monkeypatch.setenv("SANDBOX_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("SANDBOX_TEMPLATES", str(templates_dir))
    return tmp_path


def _db():  # noqa: ANN202
    return create_app().extensions["sandbox"].control.session()


def test_export_then_import_round_trips_both_formats(env: Path) -> None:
    db = _db()
    seed(db)
    before = snapshot(db)
    db.close()
    runner = CliRunner()
    for name in ("bank.gift", "bank.xlsx"):
        result = runner.invoke(theory, ["export", str(env / name)])
        assert result.exit_code == 0 and f"exported 4 questions to {env / name}" in result.output
    db = _db()
    db.query(Question).delete()
    db.commit()
    db.close()
    result = runner.invoke(theory, ["import", str(env / "bank.gift")])
    assert result.exit_code == 0, result.output
    assert "imported 4 questions (4 added, 0 updated)" in result.output
    result = runner.invoke(theory, ["import", str(env / "bank.xlsx")])
    assert result.exit_code == 0 and "(0 added, 4 updated)" in result.output
    db = _db()
    assert snapshot(db) == before
    db.close()


def test_stats_prints_totals_per_level_type_and_point(env: Path) -> None:
    db = _db()
    seed(db)
    db.close()
    result = CliRunner().invoke(theory, ["stats"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "questions 4",
        "level 电子商务员 1",
        "level 助理电子商务师 1",
        "level 电子商务师 1",
        "level 高级电子商务师 1",
        "type single 1",
        "type multi 1",
        "type judge 2",
        "point 法律与职业道德 1",
        "point 电子商务基础 1",
        "point 电子支付 1",
        "point 网络基础/TCP/IP 1",
    ]


def test_stats_of_an_empty_bank(env: Path) -> None:
    result = CliRunner().invoke(theory, ["stats"])
    assert result.exit_code == 0 and result.output.splitlines()[0] == "questions 0"
    assert "type judge 0" in result.output


def test_a_bad_import_prints_each_error_and_exits_non_zero(env: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "题库"
    sheet.append(["code", "type", "level", "point", "difficulty", "stem", "A", "B", "answer"])
    sheet.append(["C1", "单选", "电子商务员", "基础", 2, "好题", "甲", "乙", "A"])
    sheet.append(["C2", "多选", "电子商务员", "基础", 2, "题", "甲", "乙", "ABC"])
    sheet.append(["C3", "单选", "电子商务员", "基础", 2, "", "甲", "乙", "A"])
    sheet.append(["C4", "单选", "电子商务员", "基础", 9, "题", "甲", "乙", "A"])
    path = env / "bad.xlsx"
    book.save(path)
    result = CliRunner().invoke(theory, ["import", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines == [
        "row 3 answer: 答案 C 超出了选项范围（共 2 个选项）",
        "row 3 options: 多选题需要 3 到 6 个选项，现有 2 个",
        "row 4 stem: 题干不能为空",
        "row 5 difficulty: 难度必须是 1 到 5 的整数：9",
        "4 error(s); nothing imported",
    ]
    db = _db()
    assert list(db.scalars(select(Question))) == []
    db.close()


def test_unreadable_files_and_unknown_extensions_fail_clearly(env: Path) -> None:
    runner = CliRunner()
    fake = env / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    result = runner.invoke(theory, ["import", str(fake)])
    assert result.exit_code != 0 and "文件不是有效的 Excel 工作簿" in result.output
    result = runner.invoke(theory, ["export", str(env / "bank.csv")])
    assert result.exit_code != 0 and "export to a .gift, .txt or .xlsx file" in result.output
    assert not (env / "bank.csv").exists()


def test_the_theory_group_is_registered_on_the_main_command() -> None:
    from sandbox.__main__ import cli

    if "theory" not in cli.commands:
        pytest.skip("the lead registers `theory` in sandbox/__main__.py")
    assert cli.commands["theory"] is theory


def test_sample_has_every_type() -> None:
    assert {q["qtype"] for q in SAMPLE} == set(bank.TYPES)
