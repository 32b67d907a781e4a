"""Theory paper rules (Exam.theory_rules) and drawing a candidate's paper from the question bank.

Rules, as JSON::

    {"levels": ["电子商务员"],                    # optional; default [exam.level]
     "draw": [{"point": "电子支付", "type": "single", "count": 2},   # point optional: any
              {"type": "judge", "count": 5}],
     "points": {"single": 1, "multi": 2, "judge": 1},
     "multi_partial": false,
     "shuffle_options": true}

A paper is a list of items ``{"question_id", "code", "qtype", "order", "points"}`` where ``order`` lists
the authored option indexes in the order the candidate sees them.
"""

from __future__ import annotations

import random
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.errors import N_, DomainError
from sandbox.theory.models import Question, QuestionType

TYPES = (QuestionType.SINGLE, QuestionType.MULTI, QuestionType.JUDGE)  # the paper's section order
DEFAULT_POINTS = {QuestionType.SINGLE: 1, QuestionType.MULTI: 2, QuestionType.JUDGE: 1}
# Lazy: put into a message's parameters, they follow the reader's language.
TYPE_LABELS = {
    QuestionType.SINGLE: lazy_gettext("单选"),
    QuestionType.MULTI: lazy_gettext("多选"),
    QuestionType.JUDGE: lazy_gettext("判断"),
}
ANY = lazy_gettext("（任意）")
LEVELS = ("电子商务员", "助理电子商务师", "电子商务师", "高级电子商务师")  # from the lowest
MAX_COUNT = 500


def _number(value: Any) -> float | None:
    """A JSON number (not a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _positive_int(value: Any) -> int | None:
    """An integer count given as a number or digits, else None."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    number = _number(value)
    if number is None or number != int(number):
        return None
    return int(number)


def _levels(rules: dict[str, Any], level: str | None) -> list[str] | None:
    raw = rules.get("levels")
    if raw is None:
        return [level] if level else None
    if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
        raise DomainError(N_("试卷规则的等级（levels）必须是等级名称的列表"))
    return list(dict.fromkeys(v.strip() for v in raw))


def _row(raw: Any, number: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise DomainError(N_("抽题规则第 %(row)s 行格式不正确"), row=number)
    qtype = raw.get("type")
    if qtype not in TYPES:
        raise DomainError(
            N_("抽题规则第 %(row)s 行的题型“%(type)s”不存在（可用：single、multi、judge）"),
            row=number,
            type=qtype if qtype is not None else "",
        )
    count = _positive_int(raw.get("count"))
    if count is None or count < 1 or count > MAX_COUNT:
        raise DomainError(
            N_("抽题规则第 %(row)s 行的题数必须是 1 到 %(max)s 之间的整数"), row=number, max=MAX_COUNT
        )
    point = raw.get("point")
    if point is not None and not isinstance(point, str):
        raise DomainError(N_("抽题规则第 %(row)s 行的知识点格式不正确"), row=number)
    point = (point or "").strip() or None
    return {"point": point, "type": qtype, "count": count}


def validate_rules(rules: Any, db: Session | None = None, *, level: str | None = None) -> dict[str, Any]:
    """Normalise paper rules or raise DomainError saying what is wrong.

    With `db`, also check the bank has enough active questions for every draw row (for every seed).
    `level` is the exam's level: it stands for a missing "levels".
    """
    if not isinstance(rules, dict):
        raise DomainError(N_("试卷规则格式不正确"))
    levels = _levels(rules, level)
    rows_raw = rules.get("draw")
    if not isinstance(rows_raw, list) or not rows_raw:
        raise DomainError(N_("试卷规则至少要有一行抽题规则"))
    rows = [_row(raw, n) for n, raw in enumerate(rows_raw, start=1)]
    points_raw = rules.get("points") or {}
    if not isinstance(points_raw, dict):
        raise DomainError(N_("试卷规则的分值（points）格式不正确"))
    points: dict[str, float] = {}
    for qtype in TYPES:
        value = _number(points_raw.get(qtype, DEFAULT_POINTS[qtype]))
        if value is None or value <= 0:
            raise DomainError(N_("%(type)s题的分值必须大于 0"), type=TYPE_LABELS[qtype])
        points[qtype] = int(value) if value == int(value) else float(value)
    unknown = sorted(set(points_raw) - set(TYPES))
    if unknown:
        raise DomainError(N_("分值中的题型“%(type)s”不存在"), type=unknown[0])
    out: dict[str, Any] = {
        "draw": rows,
        "points": points,
        "multi_partial": bool(rules.get("multi_partial", False)),
        "shuffle_options": bool(rules.get("shuffle_options", True)),
    }
    if levels is not None:
        out["levels"] = levels
    if db is not None:
        check_bank(db, out)
    return out


def _pool(db: Session, levels: list[str] | None, qtype: str, point: str | None) -> list[Question]:
    """Active questions a draw row may take, ordered by code."""
    query = select(Question).where(Question.active.is_(True), Question.qtype == qtype)
    if levels:
        query = query.where(Question.level.in_(levels))
    if point:
        query = query.where(Question.knowledge_point == point)
    return list(db.scalars(query.order_by(Question.code)))


def _too_few(row: dict[str, Any], levels: list[str] | None, have: int) -> DomainError:
    return DomainError(
        N_("题库不足：知识点“%(point)s”、等级“%(levels)s”的%(type)s题只有 %(have)s 道可抽，需要 %(want)s 道"),
        point=row["point"] or ANY,
        levels="、".join(levels) if levels else ANY,
        type=TYPE_LABELS[row["type"]],
        have=have,
        want=row["count"],
    )


def check_bank(db: Session, rules: dict[str, Any]) -> None:
    """Raise if some seed could leave a draw row short: rows are filled in order, and an earlier row
    may take up to its count of the questions a later row could use."""
    levels = rules.get("levels")
    pools: list[set[int]] = []
    for row in rules["draw"]:
        pool = {q.id for q in _pool(db, levels, row["type"], row["point"])}
        taken = sum(
            min(prev["count"], len(prev_pool & pool))
            for prev, prev_pool in zip(rules["draw"], pools, strict=False)
        )
        if len(pool) - taken < row["count"]:
            raise _too_few(row, levels, max(0, len(pool) - taken))
        pools.append(pool)


def draw(db: Session, rules: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """Draw a paper: the same bank, rules and seed always give the same questions and option orders."""
    rules = validate_rules(rules)
    levels = rules.get("levels")
    rng = random.Random(seed)
    drawn: list[Question] = []
    taken: set[int] = set()
    for row in rules["draw"]:
        pool = [q for q in _pool(db, levels, row["type"], row["point"]) if q.id not in taken]
        if len(pool) < row["count"]:
            raise _too_few(row, levels, len(pool))
        chosen = rng.sample(pool, row["count"])
        drawn.extend(chosen)
        taken.update(q.id for q in chosen)
    drawn.sort(key=lambda q: TYPES.index(q.qtype))  # stable: draw order within each type
    items = []
    for q in drawn:
        order = list(range(len(q.options)))
        if rules["shuffle_options"] and q.qtype != QuestionType.JUDGE:
            rng.shuffle(order)
        items.append(
            {
                "question_id": q.id,
                "code": q.code,
                "qtype": q.qtype,
                "order": order,
                "points": rules["points"][q.qtype],
            }
        )
    return items


def available_counts(db: Session, point: str, level: str) -> dict[str, int]:
    """How many active questions of each type the bank has for a knowledge point and level."""
    return {qtype: len(_pool(db, [level], qtype, point)) for qtype in TYPES}


def quiz_rules(db: Session, point: str, level: str, size: int = 10) -> dict[str, Any]:
    """Rules of a trainee's quiz on one knowledge point and level: up to `size` questions, the types
    taken in turn while the bank has them."""
    have = available_counts(db, point, level)
    counts = dict.fromkeys(TYPES, 0)
    total = min(size, sum(have.values()))
    if total < 1:
        raise DomainError(
            N_("题库中没有知识点“%(point)s”、等级“%(level)s”的题目"), status=404, point=point, level=level
        )
    while sum(counts.values()) < total:
        for qtype in TYPES:
            if counts[qtype] < have[qtype] and sum(counts.values()) < total:
                counts[qtype] += 1
    return validate_rules(
        {
            "levels": [level],
            "draw": [{"point": point, "type": t, "count": n} for t, n in counts.items() if n],
            "shuffle_options": True,
        }
    )


def bank_choices(db: Session) -> tuple[list[str], list[str]]:
    """Knowledge points and levels that have active questions (for the quiz picker)."""
    points = db.scalars(
        select(Question.knowledge_point)
        .where(Question.active.is_(True))
        .distinct()
        .order_by(Question.knowledge_point)
    )
    levels = db.scalars(select(Question.level).where(Question.active.is_(True)).distinct())
    return list(points), sorted(levels, key=lambda v: (LEVELS.index(v) if v in LEVELS else len(LEVELS), v))
