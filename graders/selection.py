"""Which object a task is graded on, when several could be "the" order (account, address…).

One rule for every check that looks for the object of a task:

1. the object the candidate named on the answer sheet, if it qualifies;
2. otherwise the best qualifying object: the highest score, then the scenario's ranking
   (e.g. a paid order before an unpaid one), then the oldest;
3. the evidence says which object was graded and why, and lists the others with their faults.

A candidate who corrects a mistake by ordering again, and reports the new order, is graded on it;
one who bought the right thing twice is graded on the order they reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from graders.checks import text_evidence

T = TypeVar("T")


@dataclass
class Judged(Generic[T]):
    """An object with the share of the item it would earn and what is wrong with it."""

    obj: T
    fraction: float
    faults: list[str] = field(default_factory=list)
    label: str = ""  # how the object is named to the examiner, e.g. "订单 2026…"


@dataclass
class Choice(Generic[T]):
    """The graded object (None when nothing qualifies), why it was chosen, and the others."""

    chosen: Judged[T] | None
    why: str
    others: list[Judged[T]]

    def evidence(self, noun: str) -> list[dict[str, Any]]:
        """Evidence naming the graded object and listing the others with their faults."""
        out = []
        if self.chosen is not None:
            out.append(text_evidence(f"评分的{noun}", f"{self.chosen.label}（{self.why}）"))
        if self.others:
            out.append(
                text_evidence(
                    f"其他{noun}",
                    [f"{j.label}：{'；'.join(j.faults) if j.faults else '也符合要求'}" for j in self.others],
                )
            )
        return out


def choose(
    judged: Sequence[Judged[T]],
    *,
    named: Callable[[T], bool] | None = None,
    named_text: str = "",
    rank: Callable[[T], Any] = lambda obj: 0,
) -> Choice[T]:
    """Pick the graded object by the rule above.

    `named` tells whether the answer sheet names an object (None when the task has no such field
    or it was left empty); `named_text` is what the candidate wrote, for the explanation.
    `rank` orders qualifying objects of equal score: smaller is better.
    """
    qualifying = [j for j in judged if j.fraction > 0]
    named_one = next((j for j in judged if named is not None and named(j.obj)), None)
    if named_one is not None and named_one.fraction > 0:
        chosen, why = named_one, "答题卡上填写的就是它"
    elif qualifying:
        chosen = min(qualifying, key=lambda j: (-j.fraction, rank(j.obj), judged.index(j)))
        if named is None:
            why = "答题卡未指明，取符合要求的最佳一个" if len(qualifying) > 1 else "唯一符合要求的一个"
        elif named_one is None:
            why = f"答题卡填写的「{named_text}」不存在，取符合要求的最佳一个"
        else:
            why = f"答题卡填写的「{named_text}」不符合要求，取符合要求的最佳一个"
    else:
        return Choice(None, "没有符合要求的", list(judged))
    return Choice(chosen, why, [j for j in judged if j is not chosen])
