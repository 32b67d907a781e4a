"""Item analysis and score distribution of an exam paper (pure functions, no Flask, no database).

Difficulty is classical test theory's p-value: the mean share of an item's points the candidates got.
Discrimination is the corrected item-total correlation: Pearson's r between an item's points and the
total of the other items, so an item is not correlated with itself. Items that nobody or everybody
gets, or that the stronger candidates get less often than the weaker ones, are flagged: such items
usually have a broken check or an ambiguous task.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

PASS_SHARE = 0.6  # pass mark as a share of the maximum, unless configured (PASS_SHARE)
LOW_DISCRIMINATION = 0.2
BINS = 10
_EPS = 1e-9

# Flags, in the order they are shown.
NOBODY = "nobody"  # difficulty 0: no candidate earned a point
EVERYBODY = "everybody"  # difficulty 1: every candidate earned full marks
NEGATIVE = "negative"  # discrimination < 0: weaker candidates do better on it
LOW = "low"  # 0 <= discrimination < LOW_DISCRIMINATION: it hardly separates candidates


@dataclass
class ItemStats:
    """One item's figures over the candidates analysed."""

    item_id: str
    title: str
    max_points: float
    count: int
    mean_points: float | None
    difficulty: float | None
    discrimination: float | None
    flags: list[str] = field(default_factory=list)


@dataclass
class Distribution:
    """How the totals spread: a histogram of the share of the maximum in BINS bins, and summary figures."""

    count: int
    bins: list[int]
    mean: float | None
    median: float | None
    std: float | None
    mean_share: float | None
    passed: int
    pass_rate: float | None
    pass_share: float

    @property
    def bin_labels(self) -> list[str]:
        """'0–10%', '10–20%', … '90–100%' (the last bin includes full marks)."""
        width = 100 // len(self.bins)
        return [f"{i * width}–{(i + 1) * width}%" for i in range(len(self.bins))]


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation of two equally long series, or None when either does not vary."""
    n = len(xs)
    if n != len(ys) or n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx < _EPS or syy < _EPS:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def passes(score: float | None, maximum: float | None, pass_share: float = PASS_SHARE) -> bool | None:
    """Whether a score reaches the pass mark (`pass_share` of its maximum); None without a score."""
    if score is None or not maximum:
        return None
    return score >= pass_share * maximum - _EPS


def item_flags(difficulty: float | None, discrimination: float | None) -> list[str]:
    """What is suspicious about an item with these figures."""
    flags = []
    if difficulty is not None and difficulty <= _EPS:
        flags.append(NOBODY)
    if difficulty is not None and difficulty >= 1 - _EPS:
        flags.append(EVERYBODY)
    if discrimination is not None and discrimination < 0:
        flags.append(NEGATIVE)
    elif discrimination is not None and discrimination < LOW_DISCRIMINATION:
        flags.append(LOW)
    return flags


def item_analysis(
    matrix: Sequence[Sequence[float]],
    max_points: Sequence[float],
    item_ids: Sequence[str] | None = None,
    titles: Sequence[str] | None = None,
) -> list[ItemStats]:
    """Difficulty, discrimination and flags of each item (column) of a candidates × items points matrix."""
    k = len(max_points)
    ids = list(item_ids) if item_ids is not None else [str(j + 1) for j in range(k)]
    names = list(titles) if titles is not None else ["" for _ in range(k)]
    rows = [list(row) for row in matrix]
    if any(len(row) != k for row in rows):
        raise ValueError("every row needs one value per item")
    totals = [sum(row) for row in rows]
    result = []
    for j in range(k):
        column = [row[j] for row in rows]
        if rows:
            mean = sum(column) / len(column)
            difficulty = mean / max_points[j] if max_points[j] > 0 else None
            rest = [t - x for t, x in zip(totals, column, strict=True)]
            discrimination = pearson(column, rest)
        else:
            mean = difficulty = discrimination = None
        result.append(
            ItemStats(
                item_id=ids[j],
                title=names[j],
                max_points=max_points[j],
                count=len(rows),
                mean_points=mean,
                difficulty=difficulty,
                discrimination=discrimination,
                flags=item_flags(difficulty, discrimination),
            )
        )
    return result


def distribution(
    scores: Sequence[tuple[float, float]], pass_share: float = PASS_SHARE, bins: int = BINS
) -> Distribution:
    """Histogram and figures of (score, max) pairs: mean, median and (population) std of the scores,
    and the share of candidates at or above `pass_share` of their maximum."""
    counts = [0] * bins
    shares = []
    passed = 0
    for score, maximum in scores:
        share = score / maximum if maximum > 0 else 0.0
        shares.append(share)
        counts[max(0, min(bins - 1, int(share * bins + _EPS)))] += 1
        if passes(score, maximum, pass_share):
            passed += 1
    points = [s for s, _ in scores]
    n = len(points)
    return Distribution(
        count=n,
        bins=counts,
        mean=statistics.fmean(points) if n else None,
        median=statistics.median(points) if n else None,
        std=statistics.pstdev(points) if n else None,
        mean_share=statistics.fmean(shares) if n else None,
        passed=passed,
        pass_rate=passed / n if n else None,
        pass_share=pass_share,
    )
