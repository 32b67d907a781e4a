"""One Chromium per grading process, a fresh context per attempt, the sandbox served on loopback."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def chromium_executable(configured: str = "") -> str | None:
    """SANDBOX_CHROMIUM, else Playwright's own browser if installed, else Debian's /usr/bin/chromium."""
    if configured:
        return configured
    env = os.environ.get("SANDBOX_CHROMIUM")
    if env:
        return env
    home = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    if any(home.glob("chromium-*")):
        return None  # let Playwright use the browser it installed
    return shutil.which("chromium") or "/usr/bin/chromium"


class QuietHandler(WSGIRequestHandler):
    """Request handler that does not print a line per request (the action log records them)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class LoopbackServer:
    """Serves a WSGI app on 127.0.0.1 on a free port, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="grader-http", daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


class GradingBrowser:
    """A Chromium and a loopback server, started once and reused for every attempt graded here."""

    def __init__(self, app: Any, chromium: str = "") -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        kwargs: dict[str, Any] = {"headless": True, "args": LAUNCH_ARGS}
        exe = chromium_executable(chromium)
        if exe:
            kwargs["executable_path"] = exe
        self.browser = self._pw.chromium.launch(**kwargs)
        self.server = LoopbackServer(app)

    def session(self, login_url: Callable[[str], str], trace_path: Path) -> UISession:
        """A UI session for one attempt (its context opens on first use)."""
        return UISession(lambda: self, login_url, trace_path)

    def is_alive(self) -> bool:
        """False once Chromium has crashed or been closed."""
        return self.browser.is_connected()

    def close(self) -> None:
        """Stop the browser, Playwright and the server."""
        try:
            self.browser.close()
            self._pw.stop()
        finally:
            self.server.close()


class UISession:
    """A fresh browser context logged in to one attempt's world with a grader-only signed login."""

    def __init__(
        self, browser: Callable[[], GradingBrowser], login_url: Callable[[str], str], trace_path: Path
    ) -> None:
        self._browser = browser  # called on first use: an attempt with no UI check starts no browser
        self.owner: GradingBrowser | None = None
        self._login_url = login_url
        self.trace_path = trace_path
        self.context = None
        self._page = None

    @property
    def base_url(self) -> str:
        return self.owner.server.base_url

    @property
    def page(self):  # noqa: ANN201
        """The logged-in page (context and trace start on first use)."""
        if self._page is None:
            self.open("/shop/")
        return self._page

    def open(self, path: str):  # noqa: ANN201
        """Show `path` in the grader's page; the first call logs in on the way (one navigation)."""
        if self._page is None:
            self.owner = self.owner or self._browser()
            self.context = self.owner.browser.new_context(
                locale="zh-CN", viewport={"width": 1280, "height": 900}
            )
            self.context.set_default_timeout(10_000)
            self.context.tracing.start(screenshots=True, snapshots=True)
            self._page = self.context.new_page()
            self._page.goto(self.base_url + self._login_url(path))
        else:
            self._page.goto(self.base_url + path)
        return self._page

    def close(self) -> Path | None:
        """Stop tracing (writing the trace file) and close the context; returns the trace path."""
        if self.context is None:
            return None
        self.trace_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.context.tracing.stop(path=str(self.trace_path))
            self.context.close()
        except Exception:  # the browser died mid-run: the run is already marked incomplete
            return None
        finally:
            self.context = self._page = None
        return self.trace_path
