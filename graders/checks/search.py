"""Grader checks about the search engine: how the candidate searched, and what a query finds.

`search.queried` reads the `search.query` events (the candidate's searches); `search.findable`
runs a query in the graded world (read-only: nothing is recorded) and looks for a page among the
first results, for scenarios where something the candidate published must be found by search.
"""

from __future__ import annotations

import re
from typing import Any

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from sandbox.search import services
from sandbox.search.segment import fold


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _line(ev: Any) -> str:
    p = ev.payload
    filters = {k: v for k, v in (p.get("filters") or {}).items() if v}
    extra = f" {filters}" if filters else ""
    return (
        f"#{ev.id} {ev.at:%H:%M:%S} “{p.get('q', '')}”{extra} 第{p.get('page', 1)}页 共{p.get('total', 0)}条"
    )


@check("event", "search.queried")
def queried(
    ctx: GradeContext,
    terms: list[str] | str | None = None,
    any_of: list[str] | None = None,
    at_least: int = 1,
    site: str | None = None,
    kind: str | None = None,
    operator: str | None = None,
) -> CheckResult:
    """The candidate searched at least `at_least` times with a query holding every one of `terms`
    (and, if given, one of `any_of`), compared case- and width-insensitively; `site` requires that
    site (as site: or the site filter), `kind` the type filter, `operator` one of phrase | exclude |
    site | intitle to have been used. Evidence: the candidate's queries."""
    wanted = [fold(t).strip() for t in _listed(terms) if str(t).strip()]
    alternatives = [fold(t).strip() for t in _listed(any_of) if str(t).strip()]
    events = [ev for ev in ctx.world.events("search.query") if ev.actor == "candidate"]
    matching = []
    for ev in events:
        p = ev.payload
        q = fold(str(p.get("q", "")))
        if not all(t in q for t in wanted):
            continue
        if alternatives and not any(t in q for t in alternatives):
            continue
        filters = p.get("filters") or {}
        if site and fold(site) not in [*p.get("sites", []), filters.get("site", "")]:
            continue
        if kind and filters.get("type") != kind:
            continue
        if operator and not p.get({"phrase": "phrases", "exclude": "exclude"}.get(operator, operator + "s")):
            continue
        matching.append(ev)
    asked = " ".join(wanted) or "（任意）"
    evidence = [
        text_evidence(
            "要求",
            f"关键词 {asked}"
            + (f"，其一：{'、'.join(alternatives)}" if alternatives else "")
            + (f"，site:{site}" if site else "")
            + (f"，类型 {kind}" if kind else "")
            + (f"，使用 {operator}" if operator else "")
            + f"，至少 {at_least} 次",
        ),
        text_evidence("考生的搜索记录", [_line(ev) for ev in events[:40]] or "（没有搜索）"),
    ]
    if matching:
        evidence.append(text_evidence("符合要求的搜索", [_line(ev) for ev in matching[:20]]))
    if len(matching) >= int(at_least):
        return CheckResult(1.0, f"用搜索引擎搜索了 {asked}（{len(matching)} 次）", evidence)
    return CheckResult(
        0.0,
        f"没有按要求用搜索引擎搜索 {asked}（符合的 {len(matching)} 次，共搜索 {len(events)} 次）",
        evidence,
    )


def _with_params(text: Any, params: dict[str, Any]) -> str:
    """`{name}` replaced by the scenario's param of that name (other braces left as they are)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(params.get(m.group(1), m.group(0))), str(text))


@check("state", "search.findable")
def findable(
    ctx: GradeContext,
    q: str,
    url: str | None = None,
    url_prefix: str | None = None,
    within: int = 10,
    kind: str | None = None,
) -> CheckResult:
    """Searching `q` in the graded world finds the page `url` (or a page whose address starts with
    `url_prefix`) among the first `within` results (optionally of result type `kind`). Read-only:
    the query is not recorded. `q` and `url` may use the scenario's params ({param} placeholders)."""
    q = _with_params(q, ctx.params)
    url = _with_params(url, ctx.params) if url else None
    url_prefix = _with_params(url_prefix, ctx.params) if url_prefix else None
    within = max(1, min(int(within), 100))
    pages = -(-within // services.PAGE_SIZE)
    shown: list[str] = []
    total = 0
    for page in range(1, pages + 1):
        results = services.run(ctx.world, q, kind=kind or "", page=page, record=False)
        total = results.total
        shown.extend(h.url for h in results.hits)
        if results.page < page:
            break
    shown = shown[:within]
    target = url or f"{url_prefix}…"
    rank = next(
        (
            n
            for n, u in enumerate(shown, start=1)
            if (url and u == url) or (url_prefix and u.startswith(url_prefix))
        ),
        None,
    )
    evidence = [
        text_evidence("搜索", f"“{q}”" + (f"（类型 {kind}）" if kind else "") + f"，共 {total} 条"),
        text_evidence(f"前 {within} 条结果", shown or "（无）"),
        text_evidence("要找的页面", target),
    ]
    if rank is not None:
        return CheckResult.passed(f"搜索“{q}”能找到 {target}（第 {rank} 条）", *evidence)
    return CheckResult.failed(f"搜索“{q}”的前 {within} 条结果中没有 {target}", *evidence)
