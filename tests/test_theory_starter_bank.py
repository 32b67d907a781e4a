"""The starter theory bank (seed_data/theory/starter_bank.yaml) is well formed and spread as the demo paper needs."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

BANK = Path(__file__).resolve().parent.parent / "seed_data" / "theory" / "starter_bank.yaml"

POINTS = (
    "电子商务基础",
    "计算机与网络基础",
    "网络商务信息",
    "电子支付",
    "交易安全与CA认证",
    "网上单证",
    "物流配送",
    "网络营销",
    "B2C与B2B交易",
    "法律法规与职业道德",
)
LEVELS = ("电子商务员", "助理电子商务师", "电子商务师", "高级电子商务师")
ENTRY_LEVEL = "电子商务员"
KEYS = {"code", "type", "level", "point", "difficulty", "stem", "options", "answer", "explanation"}
JUDGE_OPTIONS = ["正确", "错误"]
CODE = re.compile(r"T\d{4}")
# "All of the above" style options make a question answerable without knowing the content.
CATCH_ALL = re.compile(r"以上(都|均|全|皆)|全部正确|都正确|都不对|都不是")


def entry_problems(entry: Any) -> list[str]:
    """Everything wrong with one bank entry (empty when it is valid)."""
    if not isinstance(entry, dict):
        return ["not a mapping"]
    if set(entry) != KEYS:
        return [f"keys {sorted(set(entry) ^ KEYS)} missing or unexpected"]
    problems = []
    code, qtype, options, answer = entry["code"], entry["type"], entry["options"], entry["answer"]
    if not isinstance(code, str) or not CODE.fullmatch(code):
        problems.append("code is not T + 4 digits")
    if qtype not in ("single", "multi", "judge"):
        problems.append("unknown type")
    if entry["level"] not in LEVELS:
        problems.append("unknown level")
    if entry["point"] not in POINTS:
        problems.append("unknown knowledge point")
    difficulty = entry["difficulty"]
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or not 1 <= difficulty <= 5:
        problems.append("difficulty is not 1..5")
    for field in ("stem", "explanation"):
        if not isinstance(entry[field], str) or not entry[field].strip():
            problems.append(f"{field} is empty")
    if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
        return [*problems, "options are not a list of texts"]
    if len(set(options)) != len(options):
        problems.append("options repeat")
    if any(CATCH_ALL.search(o) for o in options):
        problems.append("catch-all option")
    if not isinstance(answer, str) or not answer:
        return [*problems, "answer is empty"]
    letters = [ord(c) - ord("A") for c in answer]
    if any(not 0 <= i < len(options) for i in letters):
        problems.append("answer letter outside the options")
    if letters != sorted(set(letters)):
        problems.append("answer letters not ascending and unique")
    if qtype == "single" and (len(options) != 4 or len(letters) != 1):
        problems.append("single needs 4 options and one answer")
    if qtype == "multi" and (not 4 <= len(options) <= 5 or not 2 <= len(letters) < len(options)):
        problems.append("multi needs 4-5 options and 2+ (not all) answers")
    if qtype == "judge" and (options != JUDGE_OPTIONS or answer not in ("A", "B")):
        problems.append("judge needs options [正确, 错误] and answer A or B")
    return problems


@pytest.fixture(scope="module")
def bank() -> list[dict[str, Any]]:
    """The starter bank as loaded by yaml.safe_load."""
    with BANK.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, list)
    return data


def test_every_entry_is_well_formed(bank: list[dict[str, Any]]) -> None:
    bad = {str(e.get("code", i)): p for i, e in enumerate(bank) if (p := entry_problems(e))}
    assert bad == {}


def test_codes_are_unique_and_in_order(bank: list[dict[str, Any]]) -> None:
    codes = [e["code"] for e in bank]
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)


def test_no_duplicate_stems(bank: list[dict[str, Any]]) -> None:
    stems = Counter(re.sub(r"\s+", "", e["stem"]) for e in bank)
    assert [s for s, n in stems.items() if n > 1] == []


def test_size_points_and_levels(bank: list[dict[str, Any]]) -> None:
    assert len(bank) >= 220
    points = Counter(e["point"] for e in bank)
    assert {p: points[p] for p in POINTS if points[p] < 18} == {}
    levels = Counter(e["level"] for e in bank)
    assert {lv: levels[lv] for lv in LEVELS if levels[lv] < 40} == {}


def test_entry_level_can_fill_the_demo_paper(bank: list[dict[str, Any]]) -> None:
    """The demo paper draws 10 single, 5 multi and 5 judge from 电子商务员, with room to vary per candidate."""
    entry = [e for e in bank if e["level"] == ENTRY_LEVEL]
    types = Counter(e["type"] for e in entry)
    assert types["single"] >= 25 and types["multi"] >= 12 and types["judge"] >= 12, types
    assert set(POINTS) - {e["point"] for e in entry} == set()


def test_type_mix_is_roughly_55_25_20(bank: list[dict[str, Any]]) -> None:
    types = Counter(e["type"] for e in bank)
    share = {t: types[t] / len(bank) for t in ("single", "multi", "judge")}
    assert 0.50 <= share["single"] <= 0.60, share
    assert 0.20 <= share["multi"] <= 0.30, share
    assert 0.15 <= share["judge"] <= 0.25, share


def test_difficulty_is_spread_and_mostly_2_or_3(bank: list[dict[str, Any]]) -> None:
    difficulty = Counter(e["difficulty"] for e in bank)
    assert set(difficulty) == {1, 2, 3, 4, 5}
    assert difficulty[2] + difficulty[3] >= len(bank) / 2


def test_answers_are_not_predictable(bank: list[dict[str, Any]]) -> None:
    """Right answers are spread over the letters and judge questions are not all true."""
    single = Counter(e["answer"] for e in bank if e["type"] == "single")
    assert set(single) == set("ABCD") and max(single.values()) <= 0.4 * sum(single.values())
    judge = Counter(e["answer"] for e in bank if e["type"] == "judge")
    assert judge["B"] >= 0.25 * sum(judge.values())
    multi_sizes = Counter(len(e["answer"]) for e in bank if e["type"] == "multi")
    assert len(multi_sizes) >= 3


GOOD = {
    "code": "T9999",
    "type": "multi",
    "level": "电子商务员",
    "point": "电子支付",
    "difficulty": 2,
    "stem": "示例题干（  ）。",
    "options": ["甲", "乙", "丙", "丁"],
    "answer": "AC",
    "explanation": "示例解析。",
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"code": "T12"}, "code is not T + 4 digits"),
        ({"type": "essay"}, "unknown type"),
        ({"level": "初级"}, "unknown level"),
        ({"point": "其他"}, "unknown knowledge point"),
        ({"difficulty": 6}, "difficulty is not 1..5"),
        ({"explanation": " "}, "explanation is empty"),
        ({"answer": "AE"}, "answer letter outside the options"),
        ({"answer": "CA"}, "answer letters not ascending and unique"),
        ({"answer": "B"}, "multi needs 4-5 options and 2+ (not all) answers"),
        ({"answer": "ABCD"}, "multi needs 4-5 options and 2+ (not all) answers"),
        ({"type": "single"}, "single needs 4 options and one answer"),
        ({"type": "judge", "answer": "A"}, "judge needs options [正确, 错误] and answer A or B"),
        ({"options": ["甲", "乙", "丙", "以上都对"]}, "catch-all option"),
        ({"options": ["甲", "乙", "甲", "丁"]}, "options repeat"),
    ],
)
def test_checker_rejects_bad_entries(change: dict[str, Any], problem: str) -> None:
    assert entry_problems(GOOD) == []
    assert problem in entry_problems({**GOOD, **change})


def test_checker_rejects_missing_keys() -> None:
    entry = dict(GOOD)
    del entry["explanation"]
    assert entry_problems(entry) == ["keys ['explanation'] missing or unexpected"]
