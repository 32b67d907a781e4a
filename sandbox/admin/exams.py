"""Create and edit an exam from the admin form: level and kind, the theory and practical parts with
their windows, the paper's drawing rules, scenario weights, pass marks and access rules.

Everything is checked before anything is written: a form with any error saves nothing and every
error is reported with the field it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.admin import access
from sandbox.admin.eligibility import LEVELS
from sandbox.control.models import Attempt, Exam
from sandbox.errors import N_, DomainError
from sandbox.secrets_hashing import hash_login_password

FINAL = "final"  # 终结式综合考试: both parts
MODULE = "module"  # 过程式模块测验: one part or both
KINDS = {FINAL: N_("终结式综合考试"), MODULE: N_("过程式模块测验")}
QUESTION_TYPES = {"single": N_("单选题"), "multi": N_("多选题"), "judge": N_("判断题")}
DEFAULT_POINTS = {"single": 1.0, "multi": 2.0, "judge": 1.0}
BLANK_DRAW_ROWS = 4  # the form's rows without JavaScript
BLANK_SCENARIO_ROWS = 4
FINAL_WEIGHT_TOTAL = 100.0
_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")
_NUMBER = re.compile(r"[0-9]{1,6}(\.[0-9]{1,2})?")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")


class InvalidExam(DomainError):
    """The exam form has errors; `errors` lists each (field, error) and nothing was saved."""

    def __init__(self, errors: list[tuple[str, DomainError]]) -> None:
        first = errors[0][1]
        super().__init__(first.key, status=first.status, **first.params)
        self.errors = errors


@dataclass
class _Collect:
    """Errors gathered while reading the form, each with its field."""

    errors: list[tuple[str, DomainError]] = field(default_factory=list)

    def add(self, name: str, key: str, status: int = 400, **params: object) -> None:
        self.errors.append((name, DomainError(key, status=status, **params)))

    def guard(self, name: str, read: Callable[[], Any]) -> Any:
        """Run a reader; a DomainError it raises is recorded against `name` (the result is None)."""
        try:
            return read()
        except DomainError as exc:
            self.errors.append((name, exc))
            return None


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def _list(form: Any, name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    if getlist is not None:
        return [str(v) for v in getlist(name)]
    value = form.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _checked(form: Mapping[str, Any], name: str) -> bool:
    return _text(form, name) in {"1", "on", "yes", "true"}


def parse_number(raw: str, label: str, *, low: float, high: float, integer: bool = False) -> float:
    """A number typed in a form within [low, high] (at most two decimals; a whole one if `integer`)."""
    text = raw.strip()
    if not _NUMBER.fullmatch(text) or (integer and "." in text) or not low <= float(text) <= high:
        if integer:
            raise DomainError(
                N_("%(field)s 必须是 %(low)s 到 %(high)s 之间的整数"), field=label, low=low, high=high
            )
        raise DomainError(
            N_("%(field)s 必须是 %(low)s 到 %(high)s 之间的数"), field=label, low=low, high=high
        )
    return float(text)


def parse_datetime(raw: str, label: str) -> datetime | None:
    """A date and time from a datetime-local input ('' → None)."""
    text = raw.strip()
    if not text:
        return None
    try:
        if not _DATETIME.fullmatch(text):
            raise ValueError(text)
        return datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise DomainError(N_("%(field)s 不是有效的日期时间"), field=label) from None


WINDOW_LABELS = {
    "theory": (N_("理论知识考试"), N_("理论考试开始时间"), N_("理论考试结束时间")),
    "practical": (N_("操作技能考试"), N_("实操考试开始时间"), N_("实操考试结束时间")),
}


def _window(c: _Collect, form: Mapping[str, Any], part: str) -> tuple[datetime | None, ...]:
    label, opens_label, closes_label = WINDOW_LABELS[part]
    opens = c.guard(f"{part}_opens_at", lambda: parse_datetime(_text(form, f"{part}_opens_at"), opens_label))
    closes = c.guard(
        f"{part}_closes_at", lambda: parse_datetime(_text(form, f"{part}_closes_at"), closes_label)
    )
    if opens and closes and opens >= closes:
        c.add(f"{part}_closes_at", N_("%(part)s：结束时间必须晚于开始时间"), part=label)
    return opens, closes


def _theory_rules(c: _Collect, form: Any, level: str | None, db: Session) -> dict[str, Any] | None:
    """The paper's drawing rules from the form's draw rows (None when the form has none)."""
    draw: list[dict[str, Any]] = []
    points_raw, types, counts = _list(form, "draw_point"), _list(form, "draw_type"), _list(form, "draw_count")
    for i in range(max(len(points_raw), len(types), len(counts))):
        point = points_raw[i].strip() if i < len(points_raw) else ""
        qtype = types[i].strip() if i < len(types) else ""
        count = counts[i].strip() if i < len(counts) else ""
        if not count and not point:
            continue  # a blank row of the form
        row_no = len(draw) + 1
        if qtype not in QUESTION_TYPES:
            c.add("draw", N_("抽题规则第 %(row)s 行：请选择题型"), row=row_no)
            continue
        if len(point) > 40:
            c.add("draw", N_("抽题规则第 %(row)s 行：知识点名称过长"), row=row_no)
            continue
        n = c.guard("draw", lambda count=count, row_no=row_no: _draw_count(count, row_no))
        if n is None:
            continue
        row: dict[str, Any] = {"type": qtype, "count": n}
        if point:
            row = {"point": point, **row}
        draw.append(row)
    if not draw:
        c.add("draw", N_("理论考试至少需要一行抽题规则（题型和题数）"))
        return None
    points: dict[str, float] = {}
    for qtype, label in QUESTION_TYPES.items():
        raw = _text(form, f"points_{qtype}")
        value = c.guard(
            f"points_{qtype}",
            lambda raw=raw, label=label, qtype=qtype: (
                DEFAULT_POINTS[qtype] if not raw else parse_number(raw, label, low=0.01, high=100)
            ),
        )
        if value is not None:
            points[qtype] = value
    chosen = [v for v in _list(form, "theory_levels") if v]
    unknown = [v for v in chosen if v not in LEVELS]
    if unknown:
        c.add("theory_levels", N_("题库等级不正确：%(value)s"), value=", ".join(unknown))
    levels = chosen or ([level] if level else [])
    rules = {
        "levels": levels,
        "draw": draw,
        "points": points,
        "multi_partial": _checked(form, "multi_partial"),
        "shuffle_options": _checked(form, "shuffle_options"),
    }
    if c.errors:
        return rules
    validate = _rules_validator()
    if validate is not None:
        checked = c.guard("draw", lambda: validate(rules, db))
        return checked if checked is not None else rules
    return rules


def _draw_count(raw: str, row: int) -> int:
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= 500:
        raise DomainError(N_("抽题规则第 %(row)s 行：题数必须是 1 到 500 之间的整数"), row=row)
    return int(raw)


def _rules_validator() -> Callable[..., dict[str, Any]] | None:
    """The theory module's rule check (None while that module is not installed)."""
    try:
        from sandbox.theory.paper import validate_rules
    except ImportError:
        return None
    return validate_rules


def _scenarios(c: _Collect, form: Any, kind: str, known: set[str]) -> tuple[list[str], dict[str, float]]:
    """The practical part's scenarios in form order, with their weights."""
    ids, weights_raw = _list(form, "scenario_id"), _list(form, "scenario_weight")
    rows = [
        (ids[i].strip(), weights_raw[i].strip() if i < len(weights_raw) else "")
        for i in range(len(ids))
        if ids[i].strip()
    ]
    chosen: list[str] = []
    weights: dict[str, float] = {}
    for scenario_id, raw in rows:
        if scenario_id not in known:
            c.add("scenarios", N_("没有这个场景：%(id)s"), id=scenario_id)
            continue
        if scenario_id in weights:
            c.add("scenarios", N_("场景 %(id)s 重复"), id=scenario_id)
            continue
        if not raw and len(rows) == 1:
            raw = "100"
        weight = c.guard(
            "scenarios",
            lambda raw=raw, scenario_id=scenario_id: _weight(raw, scenario_id),
        )
        if weight is not None:
            chosen.append(scenario_id)
            weights[scenario_id] = weight
    total = sum(weights.values())
    if kind == FINAL and weights and len(weights) == len(rows) and abs(total - FINAL_WEIGHT_TOTAL) > 1e-6:
        c.add(
            "scenarios",
            N_(
                "终结式综合考试各场景权重之和必须为 100（如标准的模块比重：信息采集 10、电子支付 10……），现为 %(total)s"
            ),
            total=f"{total:g}",
        )
    return chosen, weights


def _weight(raw: str, scenario_id: str) -> float:
    if not _NUMBER.fullmatch(raw) or not 0 < float(raw) <= 100:
        raise DomainError(N_("场景 %(id)s 的权重必须是大于 0、不超过 100 的数"), id=scenario_id)
    return float(raw)


def _access_rules(c: _Collect, form: Any, exam: Exam | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    action = _text(form, "proctor_password_action") or "keep"
    password = str(form.get("proctor_password") or "")
    if action == "set":
        if not 4 <= len(password) <= 64:
            c.add("proctor_password", N_("监考密码长度须为 4 到 64 位"))
        else:
            values["proctor_password_hash"] = hash_login_password(password)
    elif action == "clear":
        values["proctor_password_hash"] = None
    elif action != "keep":
        c.add("proctor_password", N_("监考密码的操作不正确"))
    values["allowed_networks"] = c.guard(
        "allowed_networks", lambda: access.parse_networks(str(form.get("allowed_networks") or ""))
    )
    late = _text(form, "late_entry_minutes")
    values["late_entry_minutes"] = (
        None
        if not late
        else c.guard(
            "late_entry_minutes",
            lambda: int(parse_number(late, N_("迟到入场时限（分钟）"), low=0, high=120, integer=True)),
        )
        or None
    )
    review = _text(form, "review_days")
    values["review_days"] = (
        7
        if not review
        else c.guard(
            "review_days",
            lambda: int(parse_number(review, N_("复核申请期限（天）"), low=0, high=365, integer=True)),
        )
    )
    return values


def read_form(db: Session, form: Any, known_scenarios: set[str], exam: Exam | None = None) -> dict[str, Any]:
    """The exam's column values from the form; InvalidExam (nothing saved) listing every error."""
    c = _Collect()
    values: dict[str, Any] = {}
    code = _text(form, "code")
    if not _CODE.fullmatch(code):
        c.add("code", N_("考试代码必填，只能用字母、数字、- 和 _，最多 40 个字符"))
    else:
        taken = db.scalars(select(Exam.id).where(Exam.code == code)).first()
        if taken is not None and (exam is None or taken != exam.id):
            c.add("code", N_("考试代码已存在"), status=409)
    values["code"] = code
    title = _text(form, "title")
    if not title or len(title) > 120:
        c.add("title", N_("考试名称必填，最多 120 个字符"))
    values["title"] = title
    level = _text(form, "level")
    if level not in LEVELS:
        c.add("level", N_("请选择职业等级"))
    values["level"] = level if level in LEVELS else None
    kind = _text(form, "kind")
    if kind not in KINDS:
        c.add("kind", N_("请选择考试类型"))
    values["kind"] = kind

    theory_on = _checked(form, "theory_on")
    values["theory_rules"] = None
    values["theory_minutes"] = None
    values["theory_opens_at"] = values["theory_closes_at"] = None
    if theory_on:
        minutes = _text(form, "theory_minutes")
        values["theory_minutes"] = (
            access.DEFAULT_THEORY_MINUTES
            if not minutes
            else c.guard(
                "theory_minutes",
                lambda: int(parse_number(minutes, N_("理论考试时长（分钟）"), low=1, high=600, integer=True)),
            )
        )
        values["theory_opens_at"], values["theory_closes_at"] = _window(c, form, "theory")
        values["theory_rules"] = _theory_rules(c, form, values["level"], db)

    scenario_ids, weights = _scenarios(c, form, kind, known_scenarios)
    values["scenario_ids"] = scenario_ids
    values["scenario_weights"] = weights or None
    values["practical_opens_at"] = values["practical_closes_at"] = None
    if scenario_ids:
        values["practical_opens_at"], values["practical_closes_at"] = _window(c, form, "practical")
    if kind == FINAL and not (theory_on and scenario_ids):
        c.add("kind", N_("终结式综合考试必须同时有理论知识和操作技能两部分"))
    if kind == MODULE and not (theory_on or scenario_ids):
        c.add("kind", N_("过程式模块测验至少要有理论知识或操作技能中的一部分"))

    for name, label in (("theory_pass", N_("理论合格分")), ("practical_pass", N_("实操合格分"))):
        raw = _text(form, name)
        values[name] = (
            access.DEFAULT_PASS
            if not raw
            else c.guard(name, lambda raw=raw, label=label: parse_number(raw, label, low=0, high=100))
        )
    values.update(_access_rules(c, form, exam))
    if exam is not None:
        _locked_parts(c, db, exam, values)
    if c.errors:
        raise InvalidExam(c.errors)
    return values


def _locked_parts(c: _Collect, db: Session, exam: Exam, values: dict[str, Any]) -> None:
    """Once a candidate has started, the scenarios (and, once a paper is drawn, the paper's rules) stay."""
    started = db.scalar(select(func.count(Attempt.id)).where(Attempt.exam_id == exam.id)) or 0
    if started and list(values["scenario_ids"]) != list(exam.scenario_ids or []):
        c.add("scenarios", N_("本场考试已有考生开始实操作答，不能再修改场景列表"), status=409)
    try:
        from sandbox.theory.models import TheorySitting
    except ImportError:  # pragma: no cover - the theory tables are part of the control database
        return
    drawn = db.scalar(select(func.count(TheorySitting.id)).where(TheorySitting.exam_id == exam.id)) or 0
    if drawn and values["theory_rules"] != exam.theory_rules:
        c.add("draw", N_("本场考试已有考生抽取了理论试卷，不能再修改抽题规则"), status=409)


def create_exam(db: Session, form: Any, known_scenarios: set[str]) -> Exam:
    """Create an exam from the admin form (all or nothing; a taken code is a 409)."""
    values = read_form(db, form, known_scenarios)
    values.setdefault("proctor_password_hash", None)
    exam = Exam(created_at=datetime.now(), **values)
    db.add(exam)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise DomainError(N_("考试代码已存在"), status=409) from None
    return exam


def update_exam(db: Session, exam: Exam, form: Any, known_scenarios: set[str]) -> Exam:
    """Change an exam from the admin form (all or nothing)."""
    values = read_form(db, form, known_scenarios, exam)
    for name, value in values.items():
        setattr(exam, name, value)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise DomainError(N_("考试代码已存在"), status=409) from None
    return exam


def _local(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


def form_values(exam: Exam | None) -> dict[str, Any]:
    """What the form shows for an exam (a new exam's defaults when None)."""
    if exam is None:
        return {
            "kind": FINAL,
            "theory_on": "1",
            "theory_minutes": str(access.DEFAULT_THEORY_MINUTES),
            "points_single": "1",
            "points_multi": "2",
            "points_judge": "1",
            "shuffle_options": "1",
            "theory_pass": "60",
            "practical_pass": "60",
            "review_days": "7",
            "draw": [],
            "scenarios": [],
            "theory_levels": [],
        }
    rules = exam.theory_rules or {}
    points = rules.get("points") or {}
    weights = exam.scenario_weights or {}
    return {
        "code": exam.code,
        "title": exam.title,
        "level": exam.level or "",
        "kind": exam.kind or FINAL,
        "theory_on": "1" if exam.theory_rules else "",
        "theory_minutes": str(exam.theory_minutes or access.DEFAULT_THEORY_MINUTES),
        "theory_opens_at": _local(exam.theory_opens_at),
        "theory_closes_at": _local(exam.theory_closes_at),
        "practical_opens_at": _local(exam.practical_opens_at),
        "practical_closes_at": _local(exam.practical_closes_at),
        "points_single": f"{points.get('single', 1):g}",
        "points_multi": f"{points.get('multi', 2):g}",
        "points_judge": f"{points.get('judge', 1):g}",
        "multi_partial": "1" if rules.get("multi_partial") else "",
        "shuffle_options": "1" if rules.get("shuffle_options", True) else "",
        "theory_levels": list(rules.get("levels") or []),
        "draw": [
            {"point": r.get("point") or "", "type": r.get("type", ""), "count": str(r.get("count", ""))}
            for r in rules.get("draw") or []
        ],
        "scenarios": [
            {"id": s, "weight": f"{weights[s]:g}" if s in weights else ""} for s in exam.scenario_ids or []
        ],
        "theory_pass": f"{exam.theory_pass if exam.theory_pass is not None else 60:g}",
        "practical_pass": f"{exam.practical_pass if exam.practical_pass is not None else 60:g}",
        "allowed_networks": "\n".join(exam.allowed_networks or []),
        "late_entry_minutes": str(exam.late_entry_minutes or ""),
        "review_days": str(exam.review_days if exam.review_days is not None else 7),
        "has_proctor_password": bool(exam.proctor_password_hash),
    }


def submitted_values(form: Any) -> dict[str, Any]:
    """The form as typed (shown again after an error), in the shape `form_values` gives."""
    out: dict[str, Any] = {k: str(form.get(k) or "") for k in form if k not in {"proctor_password"}}
    out["theory_levels"] = _list(form, "theory_levels")
    points, types, counts = _list(form, "draw_point"), _list(form, "draw_type"), _list(form, "draw_count")
    out["draw"] = [
        {
            "point": points[i] if i < len(points) else "",
            "type": types[i] if i < len(types) else "",
            "count": counts[i] if i < len(counts) else "",
        }
        for i in range(max(len(points), len(types), len(counts)))
        if (points[i] if i < len(points) else "").strip() or (counts[i] if i < len(counts) else "").strip()
    ]
    ids, weights = _list(form, "scenario_id"), _list(form, "scenario_weight")
    out["scenarios"] = [
        {"id": ids[i], "weight": weights[i] if i < len(weights) else ""}
        for i in range(len(ids))
        if ids[i].strip()
    ]
    return out
