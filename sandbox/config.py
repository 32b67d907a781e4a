"""Settings read from SANDBOX_* environment variables; secrets live in the instance folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance: Path) -> str:
    """Return the instance's secret key, creating it on first use (never committed)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    """A yes/no environment variable: 0, false, no and off (any case) mean no."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return raw.strip().lower() not in {"0", "false", "no", "off"}


def from_env(instance: Path | None = None) -> dict:
    """Build the default configuration mapping from the environment."""
    instance = Path(os.environ.get("SANDBOX_INSTANCE", instance or ROOT / "instance")).resolve()
    data = Path(os.environ.get("SANDBOX_DATA", instance / "data"))
    return {
        "INSTANCE_DIR": instance,
        "DATA_DIR": data,
        "SECRET_KEY": os.environ.get("SANDBOX_SECRET_KEY") or _secret_key(instance),
        "CONTROL_DB_URL": os.environ.get("SANDBOX_CONTROL_DB", f"sqlite:///{data / 'control.sqlite'}"),
        # Worlds on PostgreSQL (a postgresql:// server URL; a database per world, named with the
        # prefix) instead of SQLite files under DATA_DIR.
        "WORLD_STORE": os.environ.get("SANDBOX_WORLD_STORE", ""),
        "WORLD_STORE_PREFIX": os.environ.get("SANDBOX_WORLD_PREFIX", "sbx_"),
        # Templates are shared by every attempt of a scenario version; tests point many apps at one folder.
        "TEMPLATES_DIR": Path(os.environ["SANDBOX_TEMPLATES"])
        if os.environ.get("SANDBOX_TEMPLATES")
        else None,
        "SCENARIOS_DIR": Path(os.environ.get("SANDBOX_SCENARIOS", ROOT / "scenarios")),
        "CHROMIUM": os.environ.get("SANDBOX_CHROMIUM", ""),
        # The graders' UI checks drive Chromium through Playwright (default) or Selenium WebDriver:
        # Debian's chromedriver, or a Selenium Grid when SANDBOX_SELENIUM_REMOTE gives its URL.
        "UI_DRIVER": os.environ.get("SANDBOX_UI_DRIVER", "playwright"),
        "SELENIUM_REMOTE": os.environ.get("SANDBOX_SELENIUM_REMOTE", ""),
        # The address the graders' own server listens on; a Selenium Grid on another machine must reach it.
        "GRADER_HOST": os.environ.get("SANDBOX_GRADER_HOST", "127.0.0.1"),
        # Celery grades (its workers: `python -m sandbox grading-worker`) when a broker URL is given,
        # e.g. redis://127.0.0.1:6379/0; the web processes then only write jobs.
        "CELERY_BROKER": os.environ.get("SANDBOX_CELERY_BROKER", ""),
        # "json": one JSON object per log line (with request and attempt ids); `serve --workers` sets it.
        "LOG_FORMAT": os.environ.get("SANDBOX_LOG_FORMAT", "text"),
        # Off: this process only writes grading jobs to the control DB; another process grades them.
        "GRADING_WORKER": _flag("SANDBOX_GRADING_WORKER", True),
        # Failed logins allowed per account and per address before a wait (Flask-Limiter syntax);
        # the storage is shared by worker processes when it is a redis:// URI.
        "LOGIN_LIMIT_ACCOUNT": os.environ.get("SANDBOX_LOGIN_LIMIT_ACCOUNT", "5 per 10 minutes"),
        "LOGIN_LIMIT_ADDRESS": os.environ.get("SANDBOX_LOGIN_LIMIT_ADDRESS", "200 per 10 minutes"),
        # Public certificate lookups (证书查询) per address: numbers cannot be tried quickly.
        "CERT_LOOKUP_LIMIT": os.environ.get("SANDBOX_CERT_LOOKUP_LIMIT", "10/minute;60/hour"),
        "RATELIMIT_STORAGE_URI": os.environ.get("SANDBOX_RATELIMIT_STORAGE", "memory://"),
        # Served over HTTPS (behind a TLS proxy): session cookies get the Secure flag, and HSTS is sent.
        "HTTPS": _flag("SANDBOX_HTTPS", False),
        "HOST": os.environ.get("SANDBOX_HOST", "127.0.0.1"),
        "PORT": int(os.environ.get("SANDBOX_PORT", "5000")),
        # Candidates' pages record themselves for the examiners' replay; batches arriving this long after
        # the submission are still accepted.
        "REPLAY_RECORDING": _flag("SANDBOX_REPLAY_RECORDING", True),
        "REPLAY_GRACE_SECONDS": int(os.environ.get("SANDBOX_REPLAY_GRACE_SECONDS", "60")),
        # Pass mark of the reports, as a share of a paper's maximum.
        "PASS_SHARE": float(os.environ.get("SANDBOX_PASS_SHARE", "0.6")),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Three photos of 2 MB (an after-sales request) with their form; each picture is checked on its own.
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    }
