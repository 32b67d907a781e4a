"""UI checks through Selenium WebDriver: the same checks, a Playwright-shaped facade over WebDriver.

`SeleniumGradingBrowser` has GradingBrowser's interface (`.browser`, `.server`, `.session()`,
`.is_alive()`, `.close()`), so `graders.runner.grade_attempt` and `UISession` use it unchanged. Its
`.browser` offers the few Playwright calls UISession and the UI checks make: `new_context()` (a fresh
WebDriver session, so attempts never share cookies), `set_default_timeout`, `tracing`, `new_page()`,
and a page with `goto`, `url`, `screenshot` and `locator`. Locators keep Playwright's semantics for
what the checks use: lazy, re-resolved on every call, auto-waiting up to the default timeout (in the
browser, on the condition itself) for click / inner_text / get_attribute / wait_for / screenshot;
`count()` does not wait; `filter(has_text=...)` is Playwright's case-insensitive substring of the
element's text with whitespace collapsed.

The browser is Debian's Chromium driven by Debian's chromedriver (/usr/bin/chromedriver), or, with
`remote`, a Selenium Grid's (`webdriver.Remote`). Selenium Manager is never asked for anything: the
driver's path is given and a Grid brings its own. A Grid's browser usually runs on another machine and
cannot reach this one's 127.0.0.1: the grader's server must then listen on an address of this machine
the Grid's nodes reach (`host`, SANDBOX_GRADER_HOST).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.request
import zipfile
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    JavascriptException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from werkzeug.serving import make_server

from graders.browser import LAUNCH_ARGS, LoopbackServer, QuietHandler, UISession

CHROMEDRIVER = "/usr/bin/chromedriver"
DEFAULT_TIMEOUT_MS = 30_000  # Playwright's, until the context sets its own
LOOPBACK = "127.0.0.1"

# Resolves a locator's steps in the page, as Playwright would: css (descendants of every match so far,
# in document order), text (Playwright's has_text: text content without script/style, whitespace
# collapsed, case-insensitive substring), nth (negative counts from the end).
_RESOLVE_JS = r"""
const norm = (s) => s.replace(/\u200b/g, "").trim().replace(/\s+/g, " ");
const textOf = (el) => {
  if (["SCRIPT", "NOSCRIPT", "STYLE"].includes(el.nodeName) || (document.head && document.head.contains(el))) return "";
  let out = "";
  for (const n of el.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) out += n.nodeValue;
    else if (n.nodeType === Node.ELEMENT_NODE) out += textOf(n);
  }
  return out;
};
const resolve = (steps) => {
  let found = [document];
  for (const [kind, arg] of steps) {
    if (kind === "css") {
      const seen = new Set();
      for (const root of found) for (const el of root.querySelectorAll(arg)) seen.add(el);
      found = [...seen];
      found.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    } else if (kind === "text") {
      const want = norm(arg).toLowerCase();
      found = found.filter((el) => norm(textOf(el)).toLowerCase().includes(want));
    } else if (kind === "nth") {
      const i = arg < 0 ? found.length + arg : arg;
      found = i >= 0 && i < found.length ? [found[i]] : [];
    }
  }
  return found;
};
const visible = (el) => {
  const style = getComputedStyle(el);
  if (style.visibility !== "visible") return false;
  const rect = el.getBoundingClientRect();
  return rect.width > 0 && rect.height > 0;
};
// Would a click at the element's centre reach it (not covered, not disabled)?
const hittable = (el) => {
  if (!visible(el) || el.disabled) return false;
  el.scrollIntoView({block: "center", inline: "center"});
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit !== null && (hit === el || el.contains(hit));
};
"""

_COUNT_JS = _RESOLVE_JS + "return resolve(arguments[0]).length;"

# Waits in the page until the first match is in `state`, then answers {el, value}; null at the timeout.
_WAIT_JS = (
    _RESOLVE_JS
    + r"""
const [steps, state, op, name, timeout, done] = arguments;
const end = Date.now() + timeout;
const delays = [0, 20, 50, 100, 100, 250];
let round = 0;
const tick = () => {
  let found;
  try { found = resolve(steps); } catch (e) { done({error: String(e)}); return; }
  const el = found[0];
  const ok = { attached: !!el, detached: !el, visible: !!el && visible(el), hidden: !el || !visible(el),
               hittable: !!el && hittable(el) }[state];
  if (ok) {
    const value = !el ? null : op === "text" ? el.innerText : op === "attr" ? el.getAttribute(name) : null;
    done({el: el || null, value});
  } else if (Date.now() >= end) {
    done(null);
  } else {
    setTimeout(tick, delays[Math.min(round++, delays.length - 1)]);
  }
};
tick();
"""
)


class LocatorTimeout(TimeoutError):
    """A locator's condition was not met within the context's default timeout."""


class Locator:
    """A lazy description of elements on a page (Playwright's Locator, the subset the UI checks use)."""

    def __init__(self, page: WebDriverPage, steps: list[list[Any]]) -> None:
        self._page = page
        self._steps = steps

    def __repr__(self) -> str:
        return f"<Locator {self._steps}>"

    def _then(self, kind: str, arg: Any) -> Locator:
        return Locator(self._page, [*self._steps, [kind, arg]])

    def locator(self, selector: str) -> Locator:
        """Elements matching the CSS selector inside this locator's elements."""
        return self._then("css", selector)

    def filter(self, has_text: str | None = None) -> Locator:
        """Only the elements whose text contains `has_text` (case-insensitive, whitespace collapsed)."""
        return self if has_text is None else self._then("text", has_text)

    def nth(self, index: int) -> Locator:
        """The index-th match (negative: from the end)."""
        return self._then("nth", int(index))

    @property
    def first(self) -> Locator:
        """The first match."""
        return self.nth(0)

    @property
    def last(self) -> Locator:
        """The last match."""
        return self.nth(-1)

    def count(self) -> int:
        """How many elements match now (does not wait)."""
        return int(self._page.driver.execute_script(_COUNT_JS, self._steps))

    def wait_for(self, state: str = "visible", timeout: float | None = None) -> None:
        """Wait until the first match is attached, detached, visible or hidden."""
        self._wait(state, timeout=timeout)

    def inner_text(self, timeout: float | None = None) -> str:
        """The first match's innerText (waits for it to be attached)."""
        return self._wait("attached", "text", timeout=timeout)["value"]

    def get_attribute(self, name: str, timeout: float | None = None) -> str | None:
        """The first match's attribute `name` as written in the DOM, or None (waits for it to be attached)."""
        return self._wait("attached", "attr", name, timeout=timeout)["value"]

    def click(self, timeout: float | None = None) -> None:
        """Click the first match once it is visible, enabled and not covered (waits and retries)."""
        deadline = self._page.deadline(timeout)
        recorded = False
        while True:
            found = self._wait("hittable", deadline=deadline)
            if not recorded:  # the page as the check saw it, before the click takes it elsewhere
                self._page.record()
                recorded = True
            try:
                found["el"].click()
                return
            except (
                ElementClickInterceptedException,
                ElementNotInteractableException,
                StaleElementReferenceException,
            ):
                continue  # the page moved between the check and the click: wait for it again

    def screenshot(self, path: str, timeout: float | None = None) -> bytes:
        """Save a PNG of the first match (waits for it to be visible); returns the image."""
        found = self._wait("visible", timeout=timeout)
        png = found["el"].screenshot_as_png
        Path(path).write_bytes(png)
        return png

    def _wait(
        self,
        state: str,
        op: str = "",
        name: str = "",
        timeout: float | None = None,
        deadline: float | None = None,
    ) -> dict[str, Any]:
        """Wait in the page until the first match is in `state`; {el, value}. Navigations restart it."""
        deadline = deadline if deadline is not None else self._page.deadline(timeout)
        driver = self._page.driver
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = driver.execute_async_script(_WAIT_JS, self._steps, state, op, name, int(left * 1000))
            except (JavascriptException, StaleElementReferenceException):
                continue  # the document unloaded while waiting (a navigation): ask the new one
            if got is None:
                break
            if "error" in got:
                raise ValueError(f"{self}: {got['error']}")
            return got
        raise LocatorTimeout(f"{self}: not {state} within {self._page.context.timeout_ms} ms")


class WebDriverPage:
    """The context's one page (Playwright's Page, the subset UISession and the UI checks use)."""

    def __init__(self, context: WebDriverContext) -> None:
        self.context = context
        self.driver = context.driver

    @property
    def url(self) -> str:
        """The address shown now."""
        return self.driver.current_url

    def deadline(self, timeout_ms: float | None = None) -> float:
        """time.monotonic() at which a wait started now gives up."""
        ms = self.context.timeout_ms if timeout_ms is None else timeout_ms
        return time.monotonic() + ms / 1000

    def goto(self, url: str) -> None:
        """Open `url` and wait for its load event (WebDriver's normal page-load strategy); like
        Playwright, fail if the server cannot be reached (an HTTP error status is a page like any other)."""
        self.record()
        try:
            self.driver.get(url)
        except WebDriverException as exc:  # chromedriver reports some network errors itself
            if "net::ERR_" not in str(exc):
                raise
            raise ConnectionError(f"{url}: the browser could not load the page ({exc.msg})") from exc
        if self.driver.execute_script("return document.documentURI").startswith("chrome-error:"):
            raise ConnectionError(f"{url}: the browser could not load the page")

    def locator(self, selector: str) -> Locator:
        """Elements matching a CSS selector."""
        return Locator(self, [["css", selector]])

    def screenshot(self, path: str) -> bytes:
        """Save a PNG of the viewport; returns the image."""
        png = self.driver.get_screenshot_as_png()
        Path(path).write_bytes(png)
        return png

    def record(self) -> None:
        """Keep what the page shows now in the context's trace (when tracing)."""
        self.context.tracing.capture()


class Tracing:
    """Playwright's tracing, done the WebDriver way: the trace zip holds each page the session saw
    (address, HTML source, screenshot), kept just before the session left it and at the end."""

    def __init__(self, context: WebDriverContext) -> None:
        self._context = context
        self.recording = False
        self.pages: list[dict[str, Any]] = []

    def start(self, **_: Any) -> None:
        """Start keeping pages (Playwright's options screenshots/snapshots are always on here)."""
        self.recording, self.pages = True, []

    def capture(self) -> None:
        """Keep the page shown now, unless nothing of the sandbox is shown yet."""
        driver = self._context.driver
        if not self.recording or driver is None:
            return
        url = driver.current_url
        if not url.startswith("http"):
            return
        self.pages.append(
            {
                "url": url,
                "title": driver.title,
                "at": datetime.now().isoformat(timespec="milliseconds"),
                "html": driver.page_source,
                "png": driver.get_screenshot_as_png(),
            }
        )

    def stop(self, path: str | None = None) -> None:
        """Stop keeping pages; with `path`, keep the page shown now and write the trace zip there."""
        if path:
            self.capture()
            write_trace(Path(path), self.pages)
        self.recording, self.pages = False, []


def write_trace(path: Path, pages: list[dict[str, Any]]) -> None:
    """A zip with trace.json (the pages in order), NNN.html and NNN.png per page, and index.html."""
    manifest, rows = [], []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, page in enumerate(pages, start=1):
            html, png = f"{n:03d}.html", f"{n:03d}.png"
            z.writestr(html, page["html"])
            z.writestr(png, page["png"])
            fields = {k: page[k] for k in ("url", "title", "at")}
            manifest.append({"n": n, **fields, "html": html, "screenshot": png})
            link = f'<a href="{html}">{escape(page["url"])}</a>'
            rows.append(f'<li>{page["at"]} {link}<br><img src="{png}" width="640" alt=""></li>')
        doc = {"driver": "selenium", "pages": manifest}
        z.writestr("trace.json", json.dumps(doc, ensure_ascii=False, indent=2))
        head = '<!doctype html><meta charset="utf-8"><title>grading trace</title>'
        z.writestr("index.html", f"{head}<ol>{''.join(rows)}</ol>")


class WebDriverContext:
    """One attempt's browser: a WebDriver session of its own (no cookie or storage is shared)."""

    def __init__(self, browser: WebDriverBrowser, locale: str, viewport: dict[str, int]) -> None:
        self.browser = browser
        self.timeout_ms = DEFAULT_TIMEOUT_MS
        self.tracing = Tracing(self)
        self.driver = browser.start_session(locale, viewport)
        self._page: WebDriverPage | None = None
        self.set_default_timeout(DEFAULT_TIMEOUT_MS)

    def set_default_timeout(self, timeout_ms: float) -> None:
        """How long waits, navigations and clicks may take (milliseconds)."""
        self.timeout_ms = timeout_ms
        self.driver.set_page_load_timeout(timeout_ms / 1000)
        # An in-page wait answers by itself at the timeout; the margin is for the round trip.
        self.driver.set_script_timeout(timeout_ms / 1000 + 10)

    def new_page(self) -> WebDriverPage:
        """The context's page (a WebDriver session shows one; a second page is not supported)."""
        if self._page is not None:
            raise NotImplementedError("a WebDriver grading context has one page")
        self._page = WebDriverPage(self)
        return self._page

    def close(self) -> None:
        """End the WebDriver session (the browser it started goes with it)."""
        driver, self.driver = self.driver, None
        self.browser.forget(self)
        if driver is not None:
            driver.quit()


class WebDriverBrowser:
    """What GradingBrowser.browser is for Playwright: new_context() starts a WebDriver session, on
    Debian's chromedriver (each session its own chromedriver and Chromium) or on a Selenium Grid."""

    def __init__(self, chromium: str = "", chromedriver: str = CHROMEDRIVER, remote: str = "") -> None:
        self.chromium = chromium
        self.chromedriver = chromedriver
        self.remote = remote
        self._contexts: list[WebDriverContext] = []
        self._lock = threading.Lock()
        self.closed = False

    def new_context(
        self, locale: str = "zh-CN", viewport: dict[str, int] | None = None, **_: Any
    ) -> WebDriverContext:
        """A fresh WebDriver session showing pages in `locale` at `viewport` (CSS pixels)."""
        context = WebDriverContext(self, locale, viewport or {"width": 1280, "height": 900})
        with self._lock:
            self._contexts.append(context)
        return context

    def options(self, locale: str, viewport: dict[str, int]) -> webdriver.ChromeOptions:
        """Headless Chromium with the grader's launch arguments, in `locale`."""
        opts = webdriver.ChromeOptions()
        for arg in [
            *LAUNCH_ARGS,
            "--headless=new",
            f"--lang={locale}",
            f"--window-size={viewport['width']},{viewport['height']}",
        ]:
            opts.add_argument(arg)
        language = locale.split("-")[0]
        accept = locale if language == locale else f"{locale},{language}"
        opts.add_experimental_option("prefs", {"intl.accept_languages": accept})
        if not self.remote:
            opts.binary_location = self.chromium  # a Grid's node knows its own browser
        return opts

    def start_session(self, locale: str, viewport: dict[str, int]) -> Any:
        """A new WebDriver session whose viewport is exactly `viewport` (as Playwright's is)."""
        opts = self.options(locale, viewport)
        if self.remote:
            driver = webdriver.Remote(command_executor=self.remote, options=opts)
        else:
            driver = webdriver.Chrome(service=Service(self.chromedriver), options=opts)
        try:
            # --window-size is the window's; the page gets that less the browser's own bars.
            extra_w, extra_h = driver.execute_script(
                "return [outerWidth - innerWidth, outerHeight - innerHeight]"
            )
            if extra_w or extra_h:
                driver.set_window_size(viewport["width"] + extra_w, viewport["height"] + extra_h)
        except Exception:
            driver.quit()
            raise
        return driver

    def forget(self, context: WebDriverContext) -> None:
        """A context closed itself."""
        with self._lock:
            if context in self._contexts:
                self._contexts.remove(context)

    def is_connected(self) -> bool:
        """True until closed, while a new session could be started (the Grid answers, or the
        local chromedriver is there)."""
        if self.closed:
            return False
        if not self.remote:
            return Path(self.chromedriver).is_file()
        try:
            with urllib.request.urlopen(self.remote.rstrip("/") + "/status", timeout=5) as resp:
                return resp.status == 200
        except OSError:
            return False

    def close(self) -> None:
        """End every session still open."""
        self.closed = True
        with self._lock:
            left, self._contexts = self._contexts, []
        for context in left:
            try:
                context.close()
            except Exception:  # a session that died already has nothing left to end
                pass


class ReachableServer(LoopbackServer):
    """LoopbackServer on a chosen address of this machine, for a Grid's browser elsewhere."""

    def __init__(self, app: Any, host: str) -> None:
        if host in ("0.0.0.0", "::", ""):
            raise ValueError("the grader's host must be an address the Grid reaches, not a wildcard")
        self.server = make_server(host, 0, app, threaded=True, request_handler=QuietHandler)
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="grader-http", daemon=True)
        self.thread.start()


def local_chromium(configured: str = "") -> str:
    """The Chromium matching Debian's chromedriver: `configured`, else /usr/bin/chromium (never
    Playwright's own build, whose version chromedriver would not match)."""
    return configured or shutil.which("chromium") or "/usr/bin/chromium"


class SeleniumGradingBrowser:
    """GradingBrowser's counterpart on Selenium WebDriver: a fresh session per attempt graded, on the
    local chromedriver or on the Selenium Grid at `remote`, and the sandbox served on `host`."""

    def __init__(
        self,
        app: Any,
        chromium: str = "",
        remote: str = "",
        host: str = LOOPBACK,
        chromedriver: str = CHROMEDRIVER,
    ) -> None:
        if not remote and not Path(chromedriver).is_file():
            raise FileNotFoundError(
                f"no chromedriver at {chromedriver}: install Debian's chromium-driver, or set "
                "SANDBOX_SELENIUM_REMOTE to a Selenium Grid"
            )
        self.browser = WebDriverBrowser(local_chromium(chromium), chromedriver, remote)
        self.server = LoopbackServer(app) if host == LOOPBACK else ReachableServer(app, host)

    def session(self, login_url: Any, trace_path: Path) -> UISession:
        """A UI session for one attempt (its WebDriver session opens on first use)."""
        return UISession(lambda: self, login_url, trace_path)

    def is_alive(self) -> bool:
        """False once closed, or while no session can be started."""
        return self.browser.is_connected()

    def close(self) -> None:
        """End the sessions still open and stop the server."""
        try:
            self.browser.close()
        finally:
            self.server.close()
