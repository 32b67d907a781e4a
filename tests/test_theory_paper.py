"""Theory paper rules and drawing: deterministic per seed, within the rules, options shuffled and mapped back."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import func, select

import sandbox.theory.views_candidate  # noqa: F401  (its routes on the theory blueprint, until wired)
from sandbox.control import people
from sandbox.control.attempts import attempt_seed
from sandbox.errors import DomainError
from sandbox.theory import paper
from sandbox.theory import sitting as sittings
from sandbox.theory.models import Question, TheorySitting

L1, L2 = "电子商务员", "电子商务师"
P1, P2 = "电子支付", "网络营销"
# (level, point, type) -> how many questions the test bank has
BANK = {
    (L1, P1, "single"): 6,
    (L1, P1, "multi"): 3,
    (L1, P1, "judge"): 3,
    (L1, P2, "single"): 6,
    (L1, P2, "multi"): 3,
    (L1, P2, "judge"): 3,
    (L2, P1, "single"): 3,
    (L2, P1, "multi"): 2,
    (L2, P1, "judge"): 2,
}
RULES = {
    "levels": [L1],
    "draw": [
        {"point": P1, "type": "single", "count": 2},
        {"type": "single", "count": 4},
        {"type": "multi", "count": 2},
        {"point": P2, "type": "judge", "count": 2},
    ],
    "points": {"single": 1, "multi": 2, "judge": 1},
    "multi_partial": False,
    "shuffle_options": True,
}


def add_bank(db, bank: dict = BANK) -> dict[str, Question]:  # noqa: ANN001
    """Questions for every (level, point, type) of `bank`: single answers B, multi A and C, judge 正确."""
    made: dict[str, Question] = {}
    n = db.scalar(select(func.count(Question.id))) or 0
    for (level, point, qtype), count in bank.items():
        for _ in range(count):
            n += 1
            code = f"T{n:04d}"
            if qtype == "judge":
                options, answer = ["正确", "错误"], [0]
            elif qtype == "multi":
                options, answer = [f"{code}甲", f"{code}乙", f"{code}丙", f"{code}丁"], [0, 2]
            else:
                options, answer = [f"{code}甲", f"{code}乙", f"{code}丙", f"{code}丁"], [1]
            q = Question(
                code=code,
                qtype=qtype,
                stem=f"{level}{point}第{n}题",
                options=options,
                answer=answer,
                knowledge_point=point,
                level=level,
                difficulty=2,
                explanation=f"{code}的解析",
                created_at=datetime.now(),
            )
            db.add(q)
            made[code] = q
    db.commit()
    return made


def theory_exam(db, code: str = "TH-1", rules: dict | None = None, tickets=("T0001", "T0002"), **extra):  # noqa: ANN001, ANN003, ANN201
    """A theory-only exam (level 电子商务员) with candidates already admitted to the theory part."""
    exam = people.create_exam(db, code, "理论考试", [])
    exam.level = L1
    exam.theory_rules = rules if rules is not None else dict(RULES)
    exam.theory_minutes = 90
    for key, value in extra.items():
        setattr(exam, key, value)
    for i, ticket in enumerate(tickets):
        c = people.add_candidate(db, exam, ticket, f"考生{i}", "pass1234")
        c.entered = {"theory": "2026-01-01T09:00:00"}
    db.commit()
    return exam


@pytest.fixture
def db(rt):  # noqa: ANN001, ANN201
    """A control-database session with the test bank."""
    session = rt.control.session()
    add_bank(session)
    yield session
    session.close()


def test_validate_rules_normalises() -> None:
    rules = paper.validate_rules(
        {"draw": [{"type": "single", "count": "3", "point": " 电子支付 "}, {"type": "judge", "count": 2}]},
        level=L1,
    )
    assert rules == {
        "levels": [L1],
        "draw": [
            {"point": "电子支付", "type": "single", "count": 3},
            {"point": None, "type": "judge", "count": 2},
        ],
        "points": {"single": 1, "multi": 2, "judge": 1},
        "multi_partial": False,
        "shuffle_options": True,
    }
    # Without an exam level and no "levels", every level may be drawn from (no key).
    assert "levels" not in paper.validate_rules({"draw": [{"type": "multi", "count": 1}]})


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"draw": [{"type": "essay", "count": 1}]}, "题型“essay”不存在"),
        ({"draw": [{"type": "single", "count": 0}]}, "第 1 行的题数必须是 1 到"),
        ({"draw": [{"type": "single", "count": 1}, {"type": "judge", "count": -2}]}, "第 2 行的题数"),
        ({"draw": [{"type": "single", "count": 1.5}]}, "题数必须是"),
        ({"draw": []}, "至少要有一行抽题规则"),
        ({"draw": [{"type": "single", "count": 1}], "points": {"multi": 0}}, "多选题的分值必须大于 0"),
        ({"draw": [{"type": "single", "count": 1}], "points": {"judge": -1}}, "判断题的分值必须大于 0"),
        ({"draw": [{"type": "single", "count": 1}], "points": {"essay": 3}}, "分值中的题型“essay”不存在"),
        ({"draw": [{"type": "single", "count": 1}], "levels": "电子商务员"}, "等级（levels）必须是"),
        ([1, 2], "试卷规则格式不正确"),
    ],
)
def test_validate_rules_refuses_bad_rules(rules, message: str) -> None:  # noqa: ANN001
    with pytest.raises(DomainError) as err:
        paper.validate_rules(rules)
    assert message in str(err.value)
    assert err.value.status == 400


def test_too_small_bank_names_point_type_level_and_count(db) -> None:  # noqa: ANN001
    rules = {"levels": [L2], "draw": [{"point": P1, "type": "multi", "count": 3}]}
    with pytest.raises(DomainError) as err:
        paper.validate_rules(rules, db)
    assert str(err.value) == "题库不足：知识点“电子支付”、等级“电子商务师”的多选题只有 2 道可抽，需要 3 道"
    with pytest.raises(DomainError) as err:
        paper.draw(db, rules, 1)
    assert "只有 2 道可抽" in str(err.value)
    # An inactive question does not count.
    q = db.scalars(select(Question).where(Question.level == L2, Question.qtype == "multi")).first()
    q.active = False
    db.commit()
    with pytest.raises(DomainError, match="只有 1 道可抽，需要 2 道"):
        paper.validate_rules({"levels": [L2], "draw": [{"point": P1, "type": "multi", "count": 2}]}, db)


def test_bank_check_holds_for_every_seed(db) -> None:  # noqa: ANN001
    # Any-point singles first may take all six 电子支付 singles, leaving the second row short for some seeds.
    rules = {
        "levels": [L1],
        "draw": [{"type": "single", "count": 8}, {"point": P1, "type": "single", "count": 4}],
    }
    with pytest.raises(DomainError, match="电子支付.*只有 0 道可抽，需要 4 道"):
        paper.validate_rules(rules, db)
    # The other order always works: the specific row first, then the rest.
    rules["draw"].reverse()
    assert paper.validate_rules(rules, db)["draw"][0]["point"] == P1
    for seed in range(20):
        assert len(paper.draw(db, rules, seed)) == 12


def test_draw_is_deterministic_and_differs_across_seeds(db) -> None:  # noqa: ANN001
    first = paper.draw(db, RULES, 12345)
    assert paper.draw(db, RULES, 12345) == first
    others = [paper.draw(db, RULES, seed) for seed in range(1, 8)]
    assert any([i["question_id"] for i in o] != [i["question_id"] for i in first] for o in others)
    assert any([i["order"] for i in o] != [i["order"] for i in first] for o in others)


def test_draw_respects_levels_points_types_counts_and_points(db) -> None:  # noqa: ANN001
    questions = {q.id: q for q in db.scalars(select(Question))}
    for seed in range(30):
        items = paper.draw(db, RULES, seed)
        ids = [i["question_id"] for i in items]
        assert len(ids) == len(set(ids)) == 10  # never the same question twice
        drawn = [questions[i] for i in ids]
        assert {q.level for q in drawn} == {L1}
        assert Counter(q.qtype for q in drawn) == {"single": 6, "multi": 2, "judge": 2}
        # Row one: two 电子支付 singles; the judges all from 网络营销.
        assert sum(1 for q in drawn if q.qtype == "single" and q.knowledge_point == P1) >= 2
        assert {q.knowledge_point for q in drawn if q.qtype == "judge"} == {P2}
        # Sections in the order 单选, 多选, 判断; points per type; the item's fields.
        assert [i["qtype"] for i in items] == ["single"] * 6 + ["multi"] * 2 + ["judge"] * 2
        assert [i["points"] for i in items] == [1] * 6 + [2] * 2 + [1] * 2
        for item, q in zip(items, drawn, strict=True):
            assert item["code"] == q.code
            assert sorted(item["order"]) == list(range(len(q.options)))
            if q.qtype == "judge":
                assert item["order"] == [0, 1]  # 正确 / 错误 stay in place


def test_no_shuffle_keeps_authored_order(db) -> None:  # noqa: ANN001
    items = paper.draw(db, {**RULES, "shuffle_options": False}, 99)
    assert all(i["order"] == list(range(len(i["order"]))) for i in items)


def test_each_candidate_has_own_paper_and_always_the_same(rt, db) -> None:  # noqa: ANN001
    exam = theory_exam(db)
    a, b = exam.candidates
    sa = sittings.start_sitting(db, exam=exam, candidate=a, rules=exam.theory_rules, minutes=90)
    sb = sittings.start_sitting(db, exam=exam, candidate=b, rules=exam.theory_rules, minutes=90)
    assert sa.seed == attempt_seed("theory", exam.id, a.id) != sb.seed
    assert sa.items != sb.items
    assert sa.items == paper.draw(db, exam.theory_rules, sa.seed)  # re-drawn: the same paper
    again = sittings.start_sitting(db, exam=exam, candidate=a, rules=exam.theory_rules, minutes=90)
    assert again.id == sa.id
    assert db.scalar(select(func.count(TheorySitting.id))) == 2
    assert sa.mode == "exam" and sa.title == "理论考试"


def test_levels_default_to_exam_level(rt, db) -> None:  # noqa: ANN001
    exam = theory_exam(db, rules={"draw": [{"type": "single", "count": 9}]})
    exam.level = L2  # only three L2 singles
    db.commit()
    with pytest.raises(DomainError, match="等级“电子商务师”的单选题只有 3 道"):
        sittings.start_sitting(
            db, exam=exam, candidate=exam.candidates[0], rules=exam.theory_rules, minutes=90
        )
    assert db.scalar(select(func.count(TheorySitting.id))) == 0


def _right_shown(item: dict, question: Question) -> list[int]:
    return sittings.shown_choices(item, question.answer)


def test_shuffled_options_map_back_to_the_right_answer(rt, db) -> None:  # noqa: ANN001
    exam = theory_exam(db)
    cand = exam.candidates[0]
    sitting = sittings.start_sitting(db, exam=exam, candidate=cand, rules=exam.theory_rules, minutes=90)
    questions = {q.id: q for q in db.scalars(select(Question))}
    assert any(i["order"] != sorted(i["order"]) for i in sitting.items)  # something was shuffled
    for n, item in enumerate(sitting.items):
        q = questions[item["question_id"]]
        right = _right_shown(item, q)
        # What the candidate sees at the shown index is the right option's text.
        assert sorted(q.options[item["order"][s]] for s in right) == sorted(q.options[a] for a in q.answer)
        if n % 2 == 0:
            sittings.save_answer(db, sitting, q.id, right)
        else:
            wrong = [s for s in range(len(item["order"])) if s not in right][:1]
            sittings.save_answer(db, sitting, q.id, wrong)
    saved = {a.question_id: a.choice for a in sitting.answers}
    for n, item in enumerate(sitting.items):
        q = questions[item["question_id"]]
        if n % 2 == 0:
            assert saved[q.id] == q.answer  # stored in authored indexes
    assert sittings.submit(db, sitting)
    expected = sum(i["points"] for n, i in enumerate(sitting.items) if n % 2 == 0)
    assert sitting.score == expected
    assert sitting.max_score == 12
    for n, item in enumerate(sitting.items):
        assert sitting.results[str(item["question_id"])]["correct"] is (n % 2 == 0)
    assert sittings.percent(sitting) == round(expected * 100 / 12, 1)
