"""Grading results as JSON (a superset of Gradescope's results.json), CSV and JUnit XML."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any
from xml.etree import ElementTree as ET

from graders.engine import ItemOutcome


def results_document(outcomes: list[ItemOutcome], meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON result: Gradescope fields (score, max_score, tests) plus the sandbox's own."""
    score = round(sum(o.points for o in outcomes), 2)
    max_score = round(sum(o.max_points for o in outcomes), 2)
    return {
        "score": score,
        "max_score": max_score,
        "execution_time": meta.get("execution_time"),
        "output": f"{score:g} / {max_score:g}",
        "visibility": "visible",
        "tests": [
            {
                "name": o.title,
                "number": o.id,
                "score": o.points,
                "max_score": o.max_points,
                "status": "passed" if o.status == "passed" else "failed",
                "output": o.feedback,
            }
            for o in outcomes
        ],
        "items": [asdict(o) for o in outcomes],
        **{k: v for k, v in meta.items() if k != "execution_time"},
    }


def to_junit(doc: dict[str, Any], name: str) -> str:
    """JUnit XML: one testcase per rubric item, failures for items short of full marks."""
    items = doc["items"]
    suite = ET.Element(
        "testsuite",
        name=name,
        tests=str(len(items)),
        failures=str(sum(1 for i in items if i["status"] in ("failed", "partial", "skipped"))),
        errors=str(sum(1 for i in items if i["status"] == "error")),
    )
    pending = sum(1 for i in items if i["status"] == "pending")
    if pending:
        suite.set("skipped", str(pending))  # manual items waiting for an examiner
    for item in items:
        case = ET.SubElement(suite, "testcase", classname=name, name=item["id"])
        if item["status"] == "error":
            ET.SubElement(case, "error", message=item["feedback"])
        elif item["status"] == "pending":
            ET.SubElement(case, "skipped", message=item["feedback"])  # an examiner judges it
        elif item["status"] != "passed":
            ET.SubElement(
                case, "failure", message=f"{item['points']}/{item['max_points']}: {item['feedback']}"
            )
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def to_csv(rows: list[dict[str, Any]], extra: tuple[str, ...] = ()) -> str:
    """CSV of attempts: one row each, one column per rubric item (`extra`: more columns after status)."""
    item_ids: list[str] = []
    for row in rows:
        for item in row.get("items", []):
            if item["id"] not in item_ids:
                item_ids.append(item["id"])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["attempt", "candidate", "scenario", "status", *extra, "score", "max_score", *item_ids])
    for row in rows:
        points = {i["id"]: i["points"] for i in row.get("items", [])}
        writer.writerow(
            [
                row["attempt"],
                row["candidate"],
                row["scenario"],
                row["status"],
                *(row.get(column, "") for column in extra),
                row.get("score", ""),
                row.get("max_score", ""),
                *(points.get(i, "") for i in item_ids),
            ]
        )
    return out.getvalue()
