"""UI checks through Selenium WebDriver agree with Playwright: the same attempt graded with each driver
gets the same points and status on every item, and the WebDriver run keeps its screenshots and a trace.

Each scenario with a UI check is solved once (with Playwright, by the harness) and graded by both
drivers; an empty attempt and a partial one too. One test grades through webdriver.Remote against a
chromedriver started here as a stand-in for a Selenium Grid (it speaks the same W3C protocol)."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from graders.webdriver import CHROMEDRIVER

if not Path(CHROMEDRIVER).is_file():
    pytest.skip(
        f"no {CHROMEDRIVER}: install Debian's chromium-driver to test grading through Selenium",
        allow_module_level=True,
    )

from graders.browser import LoopbackServer
from graders.drivers import grading_browser
from graders.runner import evidence_file, grade_attempt
from graders.webdriver import LocatorTimeout, SeleniumGradingBrowser
from sandbox.control.models import GradeRun

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
UI_SCENARIOS = ("b2c-purchase", "promotion-setup", "shop-setup")
SEED = 7


@pytest.fixture(autouse=True)
def no_selenium_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine is offline: Selenium Manager must never be asked to find or fetch anything."""

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("Selenium Manager was asked for a driver or browser")

    monkeypatch.setattr("selenium.webdriver.common.selenium_manager.SeleniumManager.binary_paths", refuse)


@pytest.fixture(scope="module")
def selenium(harness):  # noqa: ANN001, ANN201
    """One SeleniumGradingBrowser on the local chromedriver for the module's gradings."""
    browser = SeleniumGradingBrowser(harness.app)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def solved(harness):  # noqa: ANN001, ANN201
    """Submitted attempts by (scenario, solution name), each solved once on first use."""
    attempts: dict[tuple[str, str], object] = {}

    def get(scenario_id: str, solution: str):  # noqa: ANN202
        key = (scenario_id, solution)
        if key not in attempts:
            attempt = harness.new_attempt(scenario_id, SEED)
            if solution != "empty":
                folder = SCENARIOS / scenario_id
                path = (
                    folder / "solution.py" if solution == "solution" else folder / "tests" / f"{solution}.py"
                )
                harness.solve(attempt, path)
            harness.submit(attempt)
            attempts[key] = attempt
        return attempts[key]

    return get


def items(run: GradeRun) -> list[tuple[str, float, float, str]]:
    """What must agree between drivers: each item's points, maximum and status."""
    return [(i.item_id, i.points, i.max_points, i.status) for i in run.items]


def screenshots(run: GradeRun) -> list[str]:
    """The names of the run's screenshot evidence."""
    return [ev["path"] for i in run.items for ev in i.evidence or [] if ev.get("type") == "screenshot"]


def assert_agree(harness, attempt, browser) -> tuple[GradeRun, GradeRun]:  # noqa: ANN001
    """Grade with Playwright and with `browser`; both runs complete with the same items."""
    played = grade_attempt(harness.rt, attempt.id, "playwright", harness.browser)
    driven = grade_attempt(harness.rt, attempt.id, "selenium", browser)
    assert (played.status, driven.status) == ("done", "done"), [
        (i.item_id, i.feedback) for i in driven.items if i.status == "error"
    ]
    assert items(driven) == items(played), [(i.item_id, i.feedback) for i in driven.items]
    assert driven.score == played.score
    # The same evidence screenshots, and each is a file of the run.
    assert screenshots(driven) == screenshots(played)
    for name in screenshots(driven):
        path = evidence_file(driven, name)
        assert path is not None and path.read_bytes().startswith(b"\x89PNG"), name
    return played, driven


def trace_pages(run: GradeRun) -> list[dict]:
    """The pages a WebDriver run's trace zip lists (checking each page's files are in it)."""
    import json

    with zipfile.ZipFile(run.trace_path) as z:
        pages = json.loads(z.read("trace.json"))["pages"]
        for page in pages:
            assert z.read(page["screenshot"]).startswith(b"\x89PNG")
            assert b"<html" in z.read(page["html"]).lower()
    return pages


@pytest.mark.parametrize("scenario_id", UI_SCENARIOS)
def test_reference_solution_scores_the_same_on_both_drivers(harness, selenium, solved, scenario_id) -> None:  # noqa: ANN001
    scenario = harness.rt.scenarios.get(scenario_id)
    ui_items = {i["id"] for i in scenario.rubric if i["check"]["kind"] == "ui"}
    _, driven = assert_agree(harness, solved(scenario_id, "solution"), selenium)
    assert driven.score == scenario.max_points
    by_id = {i.item_id: i for i in driven.items}
    for item_id in ui_items:
        assert by_id[item_id].status == "passed", by_id[item_id].feedback
        assert any(ev.get("type") == "screenshot" for ev in by_id[item_id].evidence), item_id
    pages = trace_pages(driven)
    assert pages and all(p["url"].startswith(selenium.server.base_url) for p in pages)


@pytest.mark.parametrize("scenario_id", UI_SCENARIOS)
def test_empty_attempt_scores_the_same_on_both_drivers(harness, selenium, solved, scenario_id) -> None:  # noqa: ANN001
    played, _ = assert_agree(harness, solved(scenario_id, "empty"), selenium)
    assert played.score == 0


def test_partial_solution_scores_the_same_on_both_drivers(harness, selenium, solved) -> None:  # noqa: ANN001
    """The shopper sees the coupon but no 满减: half of the UI item, on either driver."""
    played, driven = assert_agree(harness, solved("promotion-setup", "coupon_only"), selenium)
    by_id = {i.item_id: i for i in driven.items}
    assert by_id["buyer-sees"].status == "partial" and 0 < by_id["buyer-sees"].points < 25
    assert 0 < played.score < 100


@pytest.fixture
def grid():  # noqa: ANN201
    """A chromedriver on a port of its own, standing in for a Selenium Grid (the same W3C protocol)."""
    proc = subprocess.Popen(
        [CHROMEDRIVER, "--port=0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        port = None
        for line in proc.stdout:  # it says so once it listens
            if "started successfully on port" in line:
                port = int(line.rsplit(" ", 1)[1].strip(". \n"))
                break
        assert port, "chromedriver did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_remote_webdriver_scores_the_same(harness, solved, grid) -> None:  # noqa: ANN001
    """webdriver.Remote against a 'Grid', the sandbox served on a chosen host name."""
    browser = SeleniumGradingBrowser(harness.app, remote=grid, host="localhost")
    try:
        assert browser.is_alive()
        assert browser.server.base_url.startswith("http://localhost:")
        _, driven = assert_agree(harness, solved("b2c-purchase", "solution"), browser)
        assert driven.score == 100
        assert all(p["url"].startswith(browser.server.base_url) for p in trace_pages(driven))
    finally:
        browser.close()
    assert not browser.is_alive()


# --- the driver choice -------------------------------------------------------------------------


def test_grading_browser_follows_the_configured_driver(harness, monkeypatch) -> None:  # noqa: ANN001
    app = harness.app
    monkeypatch.setitem(app.config, "UI_DRIVER", "selenium")
    chosen = grading_browser(app)
    try:
        assert isinstance(chosen, SeleniumGradingBrowser) and chosen.is_alive()
    finally:
        chosen.close()
    # A second Playwright cannot start in this thread beside the harness's: a stand-in records the call.
    made = []
    monkeypatch.setattr("graders.browser.GradingBrowser", lambda app, chromium="": made.append(app) or "pw")
    monkeypatch.setitem(app.config, "UI_DRIVER", "playwright")
    assert grading_browser(app) == "pw" and made == [app]
    monkeypatch.setitem(app.config, "UI_DRIVER", "puppeteer")
    with pytest.raises(ValueError, match="playwright, selenium"):
        grading_browser(app)


def test_missing_chromedriver_is_a_clear_error(harness, tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(FileNotFoundError, match="chromium-driver"):
        SeleniumGradingBrowser(harness.app, chromedriver=str(tmp_path / "chromedriver"))


# --- locators keep Playwright's semantics ------------------------------------------------------

PROBE_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>probe</title>
<style>.gone{display:none}</style></head><body>
<a class="good" href="/next"><span>Red  Shirt</span> 红色</a>
<a class="good" href="/next">Blue shirt</a>
<a class="good gone" href="/next">Hidden shirt</a>
<div class="row" data-sku="A1" data-options='{"颜色":"红"}'><b data-role="status">待发货</b></div>
<div class="row" data-sku="B2"><b data-role="status"> 已发货 </b></div>
<select data-role="coupon"><option data-amount="500">满100减5</option>
<option data-amount="1000" selected>满200减10</option></select>
<button id="later">稍后显示</button>
<script>
document.getElementById("later").addEventListener("click", () => setTimeout(() => {
  document.body.insertAdjacentHTML("beforeend", '<p data-role="late">来了</p>');
}, 300));
</script>
</body></html>"""


def probe_app(environ, start_response):  # noqa: ANN001, ANN201
    """A tiny WSGI app: the probe page, and the page its links lead to."""
    body = PROBE_PAGE if environ["PATH_INFO"] == "/" else '<p data-role="next">下一页</p>'
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [body.encode()]


def probe(page) -> list:  # noqa: ANN001
    """The same calls, in the same order, on a Playwright page or a WebDriver page."""
    goods = page.locator("a.good")
    rows = page.locator(".row[data-sku]")
    chosen = page.locator('select[data-role="coupon"]').locator("option:checked")
    out = [
        goods.count(),
        goods.filter(has_text="shirt").count(),  # case-insensitive, hidden ones too
        goods.filter(has_text="red shirt 红色").count(),  # whitespace collapsed
        goods.filter(has_text="绿色").count(),
        goods.first.inner_text(),
        goods.nth(-1).get_attribute("class"),
        rows.nth(0).get_attribute("data-options"),
        rows.nth(1).get_attribute("data-options"),
        rows.locator('[data-role="status"]').count(),
        rows.nth(1).locator('[data-role="status"]').inner_text(),
        chosen.count(),
        chosen.get_attribute("data-amount"),
        chosen.inner_text(),
        page.locator('[data-role="late"]').count(),
    ]
    page.locator("#later").click()  # shows it a moment later
    page.locator('[data-role="late"]').wait_for()  # waits for it
    out.append(page.locator('[data-role="late"]').count())  # count() does not wait: 1 only after waiting
    out.append(page.locator('[data-role="late"]').inner_text())
    goods.filter(has_text="Blue").first.click()
    page.locator('[data-role="next"]').wait_for()
    out.append(page.url.rsplit("/", 1)[1])
    return out


def test_locators_answer_as_playwright_does(harness, tmp_path) -> None:  # noqa: ANN001
    server = LoopbackServer(probe_app)
    selenium = SeleniumGradingBrowser(harness.app)
    try:
        context = harness.browser.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(server.base_url + "/")
        played = probe(page)
        context.close()

        context = selenium.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(server.base_url + "/")
        assert page.driver.execute_script("return [innerWidth, innerHeight, navigator.language]") == [
            1280,
            900,
            "zh-CN",
        ]
        driven = probe(page)
        assert driven == played
        assert played[1:4] == [3, 1, 0] and played[13:] == [0, 1, "来了", "next"]

        context.set_default_timeout(300)
        with pytest.raises(LocatorTimeout):
            page.locator(".nowhere").click()
        with pytest.raises(ValueError):
            page.locator("[[bad").inner_text()
        shot = tmp_path / "next.png"
        page.locator('[data-role="next"]').screenshot(path=str(shot))
        assert shot.read_bytes().startswith(b"\x89PNG")
        page.driver.add_cookie({"name": "seen", "value": "1"})
        context.close()

        # A new context is a new session: nothing of the last one's cookies.
        context = selenium.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(server.base_url + "/")
        assert page.driver.get_cookies() == []
        gone = LoopbackServer(probe_app)
        gone.close()
        with pytest.raises(ConnectionError):  # Playwright's goto fails too where nothing answers
            page.goto(gone.base_url + "/")
        context.close()
    finally:
        selenium.close()
        server.close()
