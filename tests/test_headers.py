"""Security headers, no inline script or style, the language switch stays on site, Secure cookies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import make_app

TEMPLATES = Path(__file__).resolve().parent.parent / "sandbox" / "templates"


@pytest.mark.parametrize("path", ["/", "/exam/login", "/staff/login", "/static/css/sandbox.css", "/nope"])
def test_every_response_carries_the_security_headers(app, path: str) -> None:  # noqa: ANN001
    resp = app.test_client().get(path)
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'self'" in csp
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in resp.headers


def test_templates_have_no_inline_script_style_or_handlers() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"\sstyle\s*=", text), f"inline style in {template}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {template}"
        assert not re.search(r"javascript:", text, re.I), f"javascript: URL in {template}"
        for script in re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S):
            attrs, body = script
            assert "src=" in attrs or 'type="application/json"' in attrs, f"inline script in {template}"


@pytest.mark.parametrize(
    "referrer",
    [
        "http://evil.example/steal",
        "//evil.example/x",
        "/\\evil.example/x",
        "https://localhost.evil.example/",
        "javascript:alert(1)",
        "http://localhost/../\\\\evil.example",
        "\t//evil.example",
    ],
)
def test_language_switch_never_leaves_the_site(app, referrer: str) -> None:  # noqa: ANN001
    resp = app.test_client().get("/lang/en", headers={"Referer": referrer})
    assert resp.status_code == 302
    location = resp.location
    assert (
        location.startswith("/")
        and not location.startswith("//")
        and "evil" not in location.split("?")[0][:2]
    )
    assert "evil.example" not in location or location.startswith("/") and not location.startswith("//")


def test_language_switch_goes_back_to_the_page_on_this_site(app) -> None:  # noqa: ANN001
    resp = app.test_client().get("/lang/en", headers={"Referer": "http://localhost/exam/login?x=1"})
    assert resp.location == "/exam/login?x=1"


def test_https_configuration_marks_cookies_secure(tmp_path: Path, templates_dir: Path) -> None:
    app = make_app(tmp_path / "data", templates_dir, HTTPS=True)
    client = app.test_client()
    resp = client.get("/lang/en")
    assert "Secure" in resp.headers["Set-Cookie"]
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    app.extensions["sandbox"].grading.stop()


def test_pages_work_under_the_policy_in_chromium(harness) -> None:  # noqa: ANN001
    """No page of a candidate's world is refused anything by the policy (scripts and styles load)."""
    attempt = harness.new_attempt("b2c-purchase", 41)
    context = harness.browser.browser.new_context(locale="zh-CN")
    violations: list[str] = []
    page = context.new_page()
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    base = harness.browser.server.base_url
    page.goto(base + harness.login_path(attempt))
    for path in ["/exam/", "/shop/", "/shop/register", "/bank/", "/exam/answers", "/exam/submit", "/"]:
        page.goto(base + path)
    page.goto(base + "/shop/register")
    page.fill("#username", "csp_buyer")
    page.fill("#phone", "13800138000")
    page.fill("#password", "secret123")
    page.fill("#confirm", "secret123")
    page.get_by_role("button", name="注册").click()
    page.goto(base + "/shop/addresses")
    page.select_option("#province", index=1)  # the 省/市/区 cascade is shell.js at work
    assert page.locator("#city option").count() > 1
    timer = page.goto(base + "/exam/") and page.locator("#timer").inner_text()
    context.close()
    assert violations == []
    assert re.fullmatch(r"\d+:\d\d", timer)  # the countdown script ran
