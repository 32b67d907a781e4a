"""Grading survives a broken browser: the run says it is incomplete, and the worker starts a new one."""

from __future__ import annotations

from pathlib import Path

from sandbox.control.models import Attempt

SOLUTION = Path(__file__).resolve().parent.parent / "scenarios" / "b2c-purchase" / "solution.py"


def test_run_with_a_browser_that_will_not_start_is_incomplete(harness) -> None:  # noqa: ANN001
    from graders.runner import grade_attempt

    attempt = harness.new_attempt("b2c-purchase", 21)
    harness.solve(attempt, SOLUTION)
    harness.submit(attempt)

    def no_browser():  # noqa: ANN202
        raise RuntimeError("Chromium did not start")

    run = grade_attempt(harness.rt, attempt.id, "test", no_browser)
    by_id = {i.item_id: i for i in run.items}
    assert run.status == "incomplete"
    assert by_id["visible"].status == "error" and "Chromium did not start" in by_id["visible"].feedback
    assert by_id["paid"].status == "passed"  # the other items were still graded
    db = harness.rt.control.session()
    stored = db.get(Attempt, attempt.id)
    db.close()
    assert stored.status == "submitted" and stored.score is None  # no score from an incomplete run

    again = harness.grade(attempt)  # with a working browser, a regrade completes it
    assert again.status == "done" and again.score == 100


def test_worker_replaces_a_dead_browser(rt, monkeypatch) -> None:  # noqa: ANN001
    launched: list = []

    class FakeBrowser:
        def __init__(self, app, chromium=""):  # noqa: ANN001
            self.alive, self.closed = True, False
            launched.append(self)

        def is_alive(self) -> bool:
            return self.alive

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr("graders.browser.GradingBrowser", FakeBrowser)
    first = rt.grading._live_browser()
    assert rt.grading._live_browser() is first and len(launched) == 1  # reused while alive
    first.alive = False  # Chromium crashed
    second = rt.grading._live_browser()
    assert second is not first and first.closed and len(launched) == 2
    rt.grading.browser = None
