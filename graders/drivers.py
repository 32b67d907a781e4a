"""Which browser grading's UI checks use: Playwright's (default) or Selenium WebDriver's, by config."""

from __future__ import annotations

from typing import Any

UI_DRIVERS = ("playwright", "selenium")


def grading_browser(app: Any) -> Any:
    """A GradingBrowser or a SeleniumGradingBrowser for the app, by app.config["UI_DRIVER"].

    Selenium uses the Grid at SELENIUM_REMOTE if set, else Debian's chromedriver; its server listens
    on GRADER_HOST (default 127.0.0.1; a Grid on another machine needs an address it reaches)."""
    driver = (app.config.get("UI_DRIVER") or "playwright").strip().lower()
    chromium = app.config.get("CHROMIUM", "")
    if driver == "playwright":
        from graders.browser import GradingBrowser

        return GradingBrowser(app, chromium)
    if driver == "selenium":
        from graders.webdriver import LOOPBACK, SeleniumGradingBrowser

        return SeleniumGradingBrowser(
            app,
            chromium,
            remote=app.config.get("SELENIUM_REMOTE", ""),
            host=app.config.get("GRADER_HOST") or LOOPBACK,
        )
    raise ValueError(
        f"UI_DRIVER (SANDBOX_UI_DRIVER) is {driver!r}: it must be one of {', '.join(UI_DRIVERS)}"
    )
