"""Every route, every path parameter and query argument, hostile values: never a 5xx.

The walk is generated from the app's URL map, so the routes a new module adds are covered without
anyone remembering to list them.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import select

from sandbox.control.models import GradeRun

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = [
    "99999999999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "NaN",
    "inf",
    "-Infinity",
    "1e309",
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "١٢٣",  # Arabic-Indic digits
    "１２３",  # full-width digits
    "߁߂",  # N'Ko digits
    "0x1F",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "%",
]
QUERY_VALUE_MAX = 100
# Routes whose POST would end the walking client's own login.
SKIP_POST = {"exam.logout"}


def query_names() -> list[str]:
    """Every query argument name the code reads (request.args.get / query_int), found in the source."""
    names = set()
    for path in (ROOT / "sandbox").rglob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r"""request\.args\.get\(\s*["']([\w-]+)["']""", text))
        names |= set(re.findall(r"""query_int\(\s*["']([\w-]+)["']""", text))
        names |= set(re.findall(r"""args\.get\(\s*["']([\w-]+)["']""", text))
    return sorted(names)


def fill(rule: str, value: str) -> str:
    """The rule's path with every <parameter> replaced by the (URL-quoted) value."""
    return re.sub(r"<[^>]+>", quote(value, safe=""), rule)


def walk(app, client, who: str, share: int = 0, shares: int = 1) -> list[str]:  # noqa: ANN001
    """Request every route (of this share of them) with every hostile value; return the ones that
    answered 5xx."""
    names = query_names()
    assert {"q", "min", "max", "category", "page"} <= set(names)
    bad = []
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for n, rule in enumerate(rules):
        if rule.endpoint == "static" or n % shares != share:
            continue
        has_params = "<" in rule.rule
        values = HOSTILE if has_params else HOSTILE[:1]
        for value in values:
            path = fill(rule.rule, value)
            # Every argument at once. A long value goes whole in one argument, a different one for each
            # route, and cut to 100 characters in the others: all of them at 10,000 characters made a
            # 1 MB query (250 times what gunicorn lets through) and most of the walk's time.
            whole = names[n % len(names)]
            query = urlencode({name: value if name == whole else value[:QUERY_VALUE_MAX] for name in names})
            for method in sorted(rule.methods & {"GET", "POST"}):
                if method == "POST" and rule.endpoint in SKIP_POST:
                    continue
                for url in (path, f"{path}?{query}"):
                    try:
                        resp = client.open(
                            url, method=method, data={"x": value} if method == "POST" else None
                        )
                        status = resp.status_code
                    except Exception as exc:  # noqa: BLE001 - an unhandled error is what we look for
                        status = f"{exc.__class__.__name__}: {str(exc)[:80]}"
                    if not isinstance(status, int) or status >= 500:
                        bad.append(f"{who} {method} {url[:100]!r} -> {status}")
    return bad


SHARES = 3  # each visitor's walk is split in this many tests, so parallel workers share it evenly


@pytest.mark.parametrize("share", range(SHARES))
@pytest.mark.parametrize("who", ["trainee", "examiner", "candidate", "anonymous"])
def test_every_route_survives_hostile_values(app, rt, candidates, who: str, share: int) -> None:  # noqa: ANN001
    """Each kind of visitor (and share of the routes) in its own test, so parallel workers share the walk."""
    from tests.conftest import GOOD_ADDRESS, shop_member

    client = app.test_client()
    if who == "candidate":
        client = candidates.login()
        shop_member(client)
        client.post("/shop/addresses", data=GOOD_ADDRESS)
    elif who == "examiner":
        assert (
            client.post("/staff/login", data={"username": "examiner", "password": "exam1234"}).status_code
            == 302
        )
    elif who == "trainee":
        assert (
            client.post("/staff/login", data={"username": "trainee", "password": "train1234"}).status_code
            == 302
        )
        client.post("/practice/start/b2c-purchase")
    bad = walk(app, client, who, share, SHARES)
    assert not bad, "\n".join(bad[:40])


def test_an_oversized_body_is_413_with_a_message_and_recorded(app, rt, candidates) -> None:  # noqa: ANN001
    from sandbox.control.models import ActionLog

    client = candidates.login()
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    resp = client.post("/shop/cart/add", data={"sku": big})
    assert resp.status_code == 413
    assert "提交的内容过大" in resp.get_data(as_text=True)
    db = rt.control.session()
    logged = db.scalars(select(ActionLog).where(ActionLog.path == "/shop/cart/add")).all()
    db.close()
    assert [(row.method, row.status_code) for row in logged] == [("POST", 413)]


def test_a_nul_byte_in_an_evidence_name_is_404(app, rt, exam) -> None:  # noqa: ANN001
    from graders.runner import evidence_file

    db = rt.control.session()
    run = GradeRun(
        attempt_id=1, started_at=__import__("datetime").datetime.now(), triggered_by="t", grader_version="x"
    )
    run.result_path = str(Path(app.config["DATA_DIR"]) / "grading" / "run-1" / "results.json")
    assert evidence_file(run, "a\x00b.png") is None
    db.close()
    examiner = app.test_client()
    examiner.post("/staff/login", data={"username": "examiner", "password": "exam1234"})
    assert examiner.get("/examiner/runs/1/evidence/a%00b.png").status_code == 404


def test_head_requests_only_look(app, rt, exam) -> None:  # noqa: ANN001
    """HEAD is a GET without a body: it never takes the POST path of a form page (no login attempt)."""
    from sandbox.control.models import LoginRecord

    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and "POST" in rule.methods and "<" not in rule.rule:
            assert client.head(rule.rule).status_code < 400, rule.rule
    db = rt.control.session()
    assert db.scalars(select(LoginRecord)).all() == []
    db.close()
