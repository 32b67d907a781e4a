"""Replay recording: what a 20-minute b2c-purchase attempt stores, and what recording costs a page load.

Prints `stored <N> KB per attempt` and `overhead <N> ms` (p95 page-load time with recording minus
without, both measured in this run), with the raw p95s.

Size. A 20-minute attempt is taken as: the reference solution (through the UI, as fast as
Playwright goes) plus 20 minutes of a candidate's activity. The activity is real: every few
seconds a page is opened (a page load every 15 s: about 80 in 20 minutes), the mouse moves in real
time across it, text is typed key by key, the page and the task panel are scrolled, and each minute
one page takes rrweb's 60-second checkout snapshot (a candidate who reads one page for a minute).
`--minutes M` of it are recorded (2 by default; 20 runs it in full) and scaled by 20 / M; the
solution's bytes are added unscaled. A real 20-minute attempt also spends the solution's time
inside those 20 minutes, so the figure errs on the large side.

Overhead. Page-load time is the Navigation Timing `loadEventEnd` of a candidate page (desktop,
storefront, product, answer sheet, bank login), 30 loads of each with recording on and 30 with it
off (the REPLAY_RECORDING setting, which shell.html honours), alternating, after a warm-up that
puts the libraries in the browser's cache. The recorder loads rrweb and takes its first snapshot
once the page has loaded, when the browser is idle; with recording on, each load waits for that
snapshot before the next page, and when it came (from navigation start) is printed too.
"""

from __future__ import annotations

import argparse
import time

from _common import percentile, temp_app

from graders.harness import Harness, SolveContext
from sandbox.replay import services

PAGES = ["/exam/", "/shop/", "/shop/p/{code}", "/exam/answers", "/bank/login"]
BROWSE = [
    "/shop/",
    "/shop/p/{code}",
    "/shop/orders/",
    "/shop/cart",
    "/bank/",
    "/bank/statement",
    "/exam/answers",
    "/exam/",
    "/shop/addresses",
    "/gateway/docs/",
]
DWELL_S = 15  # one page load every 15 s
LOAD_MS = "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
READY = "() => window.sandboxReplay && window.sandboxReplay.snapshotAt !== undefined"
SNAPSHOT_MS = "() => window.sandboxReplay.snapshotAt"
CHECKOUT = "() => window.rrweb && window.rrweb.record.takeFullSnapshot(true)"


def stored_kb(rt, attempt_id: int) -> float:  # noqa: ANN001
    """The attempt's recording as stored (compressed), in KB."""
    db = rt.control.session()
    try:
        return services.stored_bytes(db, attempt_id) / 1024
    finally:
        db.close()


def settle(page) -> None:  # noqa: ANN001
    """Wait until the page's recorder has sent everything it has and had it acknowledged."""
    page.evaluate("() => window.sandboxReplay && window.sandboxReplay.flush()")
    page.wait_for_function(
        "() => !window.sandboxReplay || window.sandboxReplay.pending() === 0", timeout=30_000
    )


def activity(page, ctx: SolveContext, minutes: float) -> int:  # noqa: ANN001
    """A candidate's browsing for `minutes` of real time; returns the page loads."""
    code = ctx.params["product"]["code"]
    loads, started, next_checkout = 0, time.monotonic(), time.monotonic() + 60
    while time.monotonic() - started < minutes * 60:
        path = BROWSE[loads % len(BROWSE)].format(code=code)
        page.goto(ctx.url(path))
        loads += 1
        page_started = time.monotonic()
        step = 0
        while time.monotonic() - page_started < DWELL_S:
            step += 1
            # The mouse wanders (real time: rrweb samples it every 100 ms), now and then a scroll.
            page.mouse.move(200 + (step * 37) % 900, 150 + (step * 53) % 600, steps=8)
            page.wait_for_timeout(120)
            if step % 25 == 0:
                page.mouse.wheel(0, 300 if step % 50 else -300)
            if step == 10:
                box = page.locator('input[type="search"], input[name="q"], #ans-order_no').first
                if box.count():
                    box.click()
                    page.keyboard.type("蓝牙耳机 降噪 2026", delay=110)
                    page.keyboard.press("Control+A")
                    page.keyboard.press("Backspace")
            if step == 30:
                panel = page.locator(".taskpanel")
                if panel.count():
                    panel.hover()
                    page.mouse.wheel(0, 200)
        if time.monotonic() >= next_checkout:
            page.evaluate(CHECKOUT)  # the minute's 60-second checkout snapshot
            next_checkout += 60
    return loads


def measure_size(harness: Harness, rt, minutes: float) -> None:  # noqa: ANN001
    """Solve, browse, and print the extrapolated size of a 20-minute attempt."""
    scenario = rt.scenarios.get("b2c-purchase")
    attempt = harness.new_attempt("b2c-purchase", 7)
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    base = harness.browser.server.base_url
    page.goto(base + harness.login_path(attempt))
    ctx = SolveContext(attempt.params, attempt.identities, base)
    from graders.harness import load_solution

    load_solution(scenario.folder / "solution.py").solve(page, ctx)
    settle(page)
    solution_kb = stored_kb(rt, attempt.id)
    loads = activity(page, ctx, minutes)
    settle(page)
    context.close()
    activity_kb = stored_kb(rt, attempt.id) - solution_kb
    total = solution_kb + activity_kb * 20 / minutes
    print(
        f"solution: {solution_kb:.0f} KB; activity: {activity_kb:.0f} KB in {minutes:g} min, {loads} page loads"
    )
    print(f"stored {total:.0f} KB per attempt")


def measure_overhead(harness: Harness, app, loads: int) -> None:  # noqa: ANN001
    """Print p95 page-load times with and without recording, and the difference."""
    attempt = harness.new_attempt("b2c-purchase", 8)
    context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = harness.browser.server.base_url
    page.goto(base + harness.login_path(attempt))
    paths = [base + p.format(code=attempt.params["product"]["code"]) for p in PAGES]
    times: dict[bool, list[float]] = {True: [], False: []}
    ready: list[float] = []
    for flag in (True, False):  # warm-up: libraries and templates cached
        app.config["REPLAY_RECORDING"] = flag
        for url in paths:
            page.goto(url)
    for i in range(loads):
        for flag in (True, False) if i % 2 else (False, True):
            app.config["REPLAY_RECORDING"] = flag
            for url in paths:
                page.goto(url)
                times[flag].append(page.evaluate(LOAD_MS))
                if flag:  # let the recorder take its snapshot before the next page (its cost is paid)
                    page.wait_for_function(READY)
                    ready.append(page.evaluate(SNAPSHOT_MS))
    app.config["REPLAY_RECORDING"] = True
    context.close()
    on, off = percentile(times[True], 95), percentile(times[False], 95)
    print(f"page loads: {len(times[True])} with recording, {len(times[False])} without")
    print(f"p95 with recording {on:.1f} ms, without {off:.1f} ms")
    print(f"overhead {on - off:.1f} ms")
    print(f"(after load, recording started at p95 {percentile(ready, 95):.1f} ms from navigation start)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--minutes", type=float, default=2.0, help="minutes of activity recorded (scaled to 20)"
    )
    parser.add_argument("--loads", type=int, default=30, help="loads of each page with and without recording")
    args = parser.parse_args()
    app = temp_app()
    rt = app.extensions["sandbox"]
    harness = Harness(app)
    try:
        measure_size(harness, rt, args.minutes)
        measure_overhead(harness, app, args.loads)
    finally:
        harness.close()
        rt.grading.stop()


if __name__ == "__main__":
    main()
