"""Entry conditions (申报条件) of each level, as the occupational standard states them.

Source: 《电子商务师国家职业标准》, 1.8.2 申报条件 (the copy in
/work/shared/seed/occupational-standard-ecommerce.txt, its section that gives all four levels; the same
file also holds two shorter, older-looking excerpts, 4.1 and a 1.8.2 for two levels only, whose figures
differ, e.g. 4 years after the 电子商务员 certificate for 助理电子商务师; the complete text is the one encoded):

- 电子商务员（具备以下条件之一者）
  (1) 在本职业见习工作1年以上，经本职业正规培训达规定标准学时数，并取得毕（结）业证书者；
  (2) 取得经劳动保障行政部门审核认定的、以中级技能为培养目标的中等以上职业学校本职业（专业）毕业证书者。
- 助理电子商务师（具备以下条件之一者）
  (1) 取得本职业电子商务员职业资格证书后，连续从事本职业工作1年以上，经本职业助理电子商务师正规培训达规定
      标准学时数，并取得毕（结）业证书者；
  (2) 取得经劳动保障行政部门审核认定的、以高级技能为培养目标的高等职业学校本职业（专业）毕业证书者；
  (3) 取得本职业大专以上（含大专）毕业证书者。
- 电子商务师（具备以下条件之一者）
  (1) 取得本职业助理电子商务师职业资格证书后，连续从事本职业工作2年以上，经本职业电子商务师正规培训达规定
      标准学时数，并取得毕（结）业证书者；
  (2) 取得本职业助理电子商务师职业资格证书后，连续从事本职业工作5年以上。
- 高级电子商务师（具备以下条件之一者）
  (1) 取得本职业电子商务师职业资格证书后，连续从事本职业工作3年以上，经本职业高级电子商务师正规培训达规定
      标准学时数，并取得毕（结）业证书者；
  (2) 取得本职业电子商务师职业资格证书后，连续从事本职业工作6年以上者。

How the roster's columns map onto them:
- 学历 (education) is the candidate's schooling *in this profession* (本职业/专业), the only schooling the
  standard counts: 中专/技校/职高/中职 are 中等职业学校, 高职 and 大专 the 高等职业学校/大专 level, 本科 and up above it.
- 工作年限 (work_years) is the years worked continuously in this profession (连续从事本职业工作), after the
  lower certificate where a route asks for one.
- 已有证书 (lower_certificate) is the highest level of this profession's certificate already held; a higher
  one than a route asks for satisfies it.
- 正规培训 (completed the level's formal training with a 结业证书) is not a roster column of the control
  database: the sandbox's exams are held by the training body after its training (the standard's 过程式模块测验
  come before the final exam), so it is taken as met unless an import says otherwise (optional column
  正规培训 = 否). Routes that need no training (电子商务师 (2), 高级电子商务师 (2)) are kept as the standard
  states them, so an import that says 否 is judged on them alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.errors import N_

LEVELS = (N_("电子商务员"), N_("助理电子商务师"), N_("电子商务师"), N_("高级电子商务师"))

# Schooling, ranked: what counts is the school level of a certificate in this profession.
EDUCATION_RANKS = {
    "初中": 1,
    "高中": 2,
    "中专": 3,
    "技校": 3,
    "职高": 3,
    "中职": 3,
    "高职": 4,
    "大专": 4,
    "本科": 5,
    "硕士": 6,
    "研究生": 6,
    "博士": 7,
}
# English spellings an import may use, mapped to the Chinese values stored.
EDUCATION_ALIASES = {
    "junior high": "初中",
    "high school": "高中",
    "secondary vocational": "中专",
    "higher vocational": "高职",
    "associate": "大专",
    "college": "大专",
    "bachelor": "本科",
    "master": "硕士",
    "doctor": "博士",
    "phd": "博士",
}
SECONDARY_VOCATIONAL = 3  # 中等以上职业学校
HIGHER_VOCATIONAL = 4  # 高等职业学校, 大专以上（含大专）
NO_CERTIFICATE = ("", "无", "none", "-")


@dataclass(frozen=True)
class Route:
    """One of a level's alternative entry conditions (具备以下条件之一者)."""

    education: int | None = None  # at least this schooling rank in this profession
    certificate: str | None = None  # at least this level's certificate already held
    years: float | None = None  # at least this many years of continuous work in this profession
    training: bool = False  # and the level's formal training completed


RULES: dict[str, tuple[Route, ...]] = {
    "电子商务员": (Route(years=1, training=True), Route(education=SECONDARY_VOCATIONAL)),
    "助理电子商务师": (
        Route(certificate="电子商务员", years=1, training=True),
        Route(education=HIGHER_VOCATIONAL),  # (2) 高等职业学校 and (3) 大专以上: the same rank here
    ),
    "电子商务师": (
        Route(certificate="助理电子商务师", years=2, training=True),
        Route(certificate="助理电子商务师", years=5),
    ),
    "高级电子商务师": (
        Route(certificate="电子商务师", years=3, training=True),
        Route(certificate="电子商务师", years=6),
    ),
}

# The refusal shown for each level: the standard's conditions in short.
REASONS = {
    "电子商务员": N_(
        "申报电子商务员需在本职业见习工作1年以上并经正规培训取得结业证书，"
        "或取得中等以上职业学校本职业（专业）毕业证书"
    ),
    "助理电子商务师": N_(
        "申报助理电子商务师需取得电子商务员证书后连续从事本职业工作1年以上并经正规培训取得结业证书，"
        "或取得高等职业学校本职业（专业）毕业证书，或取得本职业大专以上（含大专）毕业证书"
    ),
    "电子商务师": N_(
        "申报电子商务师需取得助理电子商务师证书后连续从事本职业工作2年以上并经正规培训取得结业证书，"
        "或取得助理电子商务师证书后连续从事本职业工作5年以上"
    ),
    "高级电子商务师": N_(
        "申报高级电子商务师需取得电子商务师证书后连续从事本职业工作3年以上并经正规培训取得结业证书，"
        "或取得电子商务师证书后连续从事本职业工作6年以上"
    ),
}


def normalise_education(value: str | None) -> str | None:
    """The stored schooling value for what an import typed ('' → None); ValueError if unknown."""
    text = (value or "").strip()
    if not text or text in NO_CERTIFICATE:
        return None
    if text in EDUCATION_RANKS:
        return text
    alias = EDUCATION_ALIASES.get(text.lower())
    if alias:
        return alias
    raise ValueError(text)


def normalise_certificate(value: str | None) -> str | None:
    """The stored certificate level ('' or 无 → None); ValueError if it is not one of the four levels."""
    text = (value or "").strip()
    if text.lower() in NO_CERTIFICATE:
        return None
    if text in LEVELS:
        return text
    raise ValueError(text)


def _route_met(route: Route, rank: int, held: int, years: float, trained: bool) -> bool:
    if route.education is not None and rank < route.education:
        return False
    if route.certificate is not None and held < LEVELS.index(route.certificate):
        return False
    if route.years is not None and years < route.years:
        return False
    return trained or not route.training


def refusal(
    level: str | None,
    education: str | None,
    work_years: float | None,
    lower_certificate: str | None,
    trained: bool = True,
) -> str | None:
    """Why someone may not sit `level` (a message key), or None when one of its routes is met.

    A level the standard does not name (an old exam without a level) refuses nobody.
    """
    routes = RULES.get(level or "")
    if not routes:
        return None
    rank = EDUCATION_RANKS.get(education or "", 0)
    held = LEVELS.index(lower_certificate) if lower_certificate in LEVELS else -1
    years = float(work_years or 0)
    if any(_route_met(r, rank, held, years, trained) for r in routes):
        return None
    return REASONS[level]


def judged(education: str | None, work_years: float | None, lower_certificate: str | None) -> bool:
    """Whether a stored candidate has any of the fields eligibility is judged on."""
    return education is not None or work_years is not None or lower_certificate is not None
