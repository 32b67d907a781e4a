"""Where a piece of evidence happened, so the examiner's replay can seek there.

A check may put `moment` on an evidence item itself: `{"event": <world event id>}` (the domain event
that earned or lost the point) or `{"answer": <field id>}` (the answer-sheet save). Evidence written
the usual ways gets one here after grading: an event quoted as `#<id> …` in a text value, an order
number (the order.placed event of that order), and the candidate's answer ("考生填写").
"""

from __future__ import annotations

import re
from typing import Any

EVENT_REF = re.compile(r"#(\d+) ")
ORDER_LABELS = ("订单号",)
ANSWER_LABELS = ("考生填写",)


def attach_moments(outcomes: list[Any], world: Any) -> None:
    """Give evidence items a `moment` where one can be told (in place)."""
    events = {ev.id: ev for ev in world.events()}
    placed = {ev.payload.get("order_no"): ev.id for ev in events.values() if ev.name == "order.placed"}
    for outcome in outcomes:
        for item in outcome.evidence:
            if item.get("type") != "text" or item.get("moment"):
                continue
            value = item.get("value")
            label = item.get("label")
            if label in ANSWER_LABELS:
                item["moment"] = {"answer": True}
            elif label in ORDER_LABELS and value in placed:
                item["moment"] = {"event": placed[value]}
            else:
                text = (
                    value
                    if isinstance(value, str)
                    else (value[0] if isinstance(value, list) and value else "")
                )
                found = EVENT_REF.search(str(text))
                if found and int(found.group(1)) in events:
                    item["moment"] = {"event": int(found.group(1))}
