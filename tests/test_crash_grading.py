"""Grading survives a crash: a real server killed with `kill -9` grades the attempt after a restart.

The server runs as `python -m sandbox serve` in a child process on a temporary data folder; the
candidate works over HTTP (urllib, with the session cookie and the forms' CSRF token), and the test
reads the control database to see how far the server got. Nothing waits a fixed time: every wait
polls for a condition with a generous timeout (the machine may be slow and busy).
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90.0
GRADE_TIMEOUT = 180.0


def free_port() -> int:
    """A loopback port nobody listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Never set: waiting on it paces the checks of a condition that lives in another process's database
# (nothing there can notify this one), and the wait ends as soon as the condition holds.
_NEVER = threading.Event()


def wait_for(what: str, condition: Callable[[], Any], timeout: float, every: float = 0.05) -> Any:
    """Check `condition` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        _NEVER.wait(every)


class ServerProcess:
    """`python -m sandbox serve` on a data folder, started and killed by the test."""

    def __init__(self, instance: Path, data: Path, templates: Path) -> None:
        self.instance, self.data, self.templates = instance, data, templates
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, grading: bool = True) -> None:
        self.port = free_port()
        self.starts += 1
        env = {
            **os.environ,
            "SANDBOX_INSTANCE": str(self.instance),
            "SANDBOX_DATA": str(self.data),
            "SANDBOX_TEMPLATES": str(self.templates),
            "SANDBOX_SCENARIOS": str(ROOT / "scenarios"),
            "SANDBOX_LOGIN_HASH": os.environ.get("SANDBOX_LOGIN_HASH", "pbkdf2:sha256:1000"),
            "SANDBOX_GRADING_WORKER": "1" if grading else "0",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("SANDBOX_CONTROL_DB", None)
        log = (self.instance / f"server-{self.starts}.log").open("wb")
        # A session of its own, so the browser it may start can be cleaned up with it (see stop).
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for("the server to answer", self._answers, START_TIMEOUT, every=0.1)

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(self.base_url + "/exam/login", timeout=5) as resp:
                return resp.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """kill -9 the server process (nothing of it runs any more code)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._kill_group()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        if self.proc is not None:
            self._kill_group()

    def _kill_group(self) -> None:
        """Chromium and Playwright's driver, if the server had started them, go too."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 40) -> str:
        out = []
        for path in sorted(self.instance.glob("server-*.log")):
            out.append(f"--- {path.name}")
            out.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(out)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebClient:
    """A browser without a browser: cookies, CSRF token, no automatic redirects."""

    def __init__(self, base_url: str, jar: http.cookiejar.CookieJar | None = None) -> None:
        self.base_url = base_url
        self.jar = jar or http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.csrf = ""

    def copy(self) -> WebClient:
        """Another client with the same cookies (and token) now; each keeps its own from then on."""
        jar = http.cookiejar.CookieJar()
        for cookie in self.jar:
            jar.set_cookie(cookie)
        other = WebClient(self.base_url, jar)
        other.csrf = self.csrf
        return other

    def request(
        self, path: str, data: dict[str, Any] | None = None, timeout: float = 60
    ) -> tuple[int, str, str]:
        """(status, body, Location) of a GET, or of a POST when `data` is given (token added)."""
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrf_token": self.csrf, **data}).encode()
        try:
            with self.opener.open(self.base_url + path, body, timeout=timeout) as resp:
                return resp.status, resp.read().decode(), resp.headers.get("Location") or ""
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location") or ""

    def get(self, path: str) -> str:
        status, body, _ = self.request(path)
        assert status == 200, (path, status, body[:500])
        self.take_token(body)
        return body

    def post(self, path: str, data: dict[str, Any], expect: int = 302) -> str:
        """POST a form; returns where it redirects to."""
        status, body, location = self.request(path, data)
        assert status == expect, (path, status, body[:800])
        return urllib.parse.urlsplit(location).path

    def take_token(self, page: str) -> None:
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if match:
            self.csrf = match.group(1)

    def login_candidate(self, ticket: str, password: str) -> None:
        self.get("/exam/login")
        self.post("/exam/login", {"ticket_no": ticket, "password": password})
        self.get("/exam/")  # the first visit starts the attempt
        self.get("/exam/submit")  # a form of the logged-in session, for its CSRF token


class ControlReader:
    """Reads the control database the way an examiner would look, without the application."""

    def __init__(self, data: Path) -> None:
        self.path = data / "control.sqlite"

    def rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        rows = self.rows(sql, *args)
        return rows[0] if rows else None

    def attempt(self, attempt_id: int | None = None) -> sqlite3.Row:
        if attempt_id is None:
            return self.one("SELECT * FROM attempts ORDER BY id DESC LIMIT 1")
        return self.one("SELECT * FROM attempts WHERE id = ?", attempt_id)

    def runs(self, attempt_id: int) -> list[sqlite3.Row]:
        return self.rows("SELECT * FROM grade_runs WHERE attempt_id = ? ORDER BY id", attempt_id)

    def jobs(self, attempt_id: int) -> list[sqlite3.Row]:
        return self.rows("SELECT * FROM grade_jobs WHERE attempt_id = ? ORDER BY id", attempt_id)


@pytest.fixture
def server(tmp_path: Path, templates_dir: Path, exam):  # noqa: ANN001, ANN201
    """A server process on the `exam` fixture's control database (it is started by the test)."""
    instance = tmp_path / "instance"
    instance.mkdir()
    srv = ServerProcess(instance, tmp_path / "data", templates_dir)
    yield srv
    srv.stop()


HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def carry(client: WebClient, path: str, fields: dict[str, str]) -> tuple[int, str]:
    """POST a page's own fields as the browser does (no token added: the shop's request to the
    platform is signed instead); (status, Location)."""
    body = urllib.parse.urlencode(fields).encode()
    try:
        with client.opener.open(client.base_url + path, body, timeout=60) as resp:
            return resp.status, resp.headers.get("Location") or ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location") or ""


def buy_and_pay(client: WebClient, attempt: sqlite3.Row) -> str:
    """Do the task over HTTP: member, address, order, payment, answer sheet; returns the order no."""
    params = json.loads(attempt["params"])
    buyer = next(i for i in json.loads(attempt["identities"]) if i["role"] == "buyer")
    address = params["address"]
    client.get("/shop/register")
    client.post(
        "/shop/register",
        {
            "username": "crash_buyer",
            "phone": address["phone"],
            "password": "secret123",
            "password_confirm": "secret123",
        },
    )
    client.post(
        "/shop/addresses",
        {k: address[k] for k in ("recipient", "phone", "province", "city", "district", "detail", "postcode")},
    )
    product = params["product"]
    # 立即购买: straight to checkout with this item alone (the cart is left as it is)
    status, _, location = client.request(
        "/shop/cart/add", {"sku": product["sku"], "quantity": params["quantity"], "buy_now": "1"}
    )
    assert status == 302 and "/shop/checkout?" in location, location
    parts = urllib.parse.urlsplit(location)
    checkout = client.get(f"{parts.path}?{parts.query}")
    address_id = re.search(r'name="address_id" value="(\d+)"', checkout).group(1)
    method = re.search(r'name="shipping_method" value="([^"]+)"', checkout).group(1)
    direct = dict(urllib.parse.parse_qsl(parts.query))
    pay_path = client.post("/shop/checkout", {"address_id": address_id, "shipping_method": method, **direct})
    order_no = pay_path.rstrip("/").split("/")[-2]
    # Paying: the shop's signed request, carried to the platform; the cashier; back to the shop.
    status, page, _ = client.request(pay_path, {})
    assert status == 200, page[:800]
    fields = {k: html.unescape(v) for k, v in HIDDEN_FIELD.findall(page) if k != "csrf_token"}
    status, cashier = carry(client, "/gateway/gateway.do", fields)
    cashier = urllib.parse.urlsplit(cashier).path
    assert status == 303 and cashier.startswith("/gateway/cashier/"), (status, cashier)
    client.get(cashier)
    card = {"card_no": buyer["account_no"], "card_password": buyer["payment_password"]}
    status, body, back = client.request(f"{cashier}/pay-card", card)
    assert status == 303, body[:800]
    back = urllib.parse.urlsplit(back)
    status, _, location = client.request(f"{back.path}?{back.query}")
    assert (status, urllib.parse.urlsplit(location).path) == (302, f"/shop/orders/{order_no}")
    client.post("/exam/answers", {"order_no": order_no})
    return order_no


def submit(client: WebClient) -> None:
    client.post("/exam/submit", {"confirm": "yes"})


def wait_graded(control, attempt_id: int) -> bool:  # noqa: ANN001
    """Wait until the attempt is graded and its one job finished (two commits, in that order)."""
    return wait_for(
        "the attempt to be graded and its job finished after the restart",
        lambda: (
            control.attempt(attempt_id)["status"] == "graded"
            and [j["status"] for j in control.jobs(attempt_id)] == ["done"]
        ),
        GRADE_TIMEOUT,
        every=0.2,
    )


def test_job_queued_by_a_process_that_does_not_grade_is_graded_after_a_restart(server) -> None:  # noqa: ANN001
    control = ControlReader(server.data)
    server.start(grading=False)
    client = WebClient(server.base_url)
    client.login_candidate("T0001", "pass1234")
    attempt = control.attempt()
    client.post(
        "/shop/register",
        {
            "username": "buyer_a",
            "phone": "13800138000",
            "password": "secret123",
            "password_confirm": "secret123",
        },
    )
    submit(client)
    server.kill()

    jobs = control.jobs(attempt["id"])
    assert [(j["status"], j["triggered_by"]) for j in jobs] == [("queued", "submit:candidate")]
    assert control.attempt(attempt["id"])["status"] == "submitted"
    assert control.runs(attempt["id"]) == []

    server.start(grading=True)
    graded = wait_graded(control, attempt["id"])
    assert graded, server.log_tail()
    (run,) = control.runs(attempt["id"])
    (job,) = control.jobs(attempt["id"])
    assert run["status"] == "done" and run["triggered_by"] == "submit:candidate"
    assert job["status"] == "done" and job["run_id"] == run["id"] and job["error"] is None
    assert control.attempt(attempt["id"])["score"] == run["score"]


def test_run_killed_midway_is_marked_interrupted_and_graded_again(server) -> None:  # noqa: ANN001
    control = ControlReader(server.data)
    server.start(grading=True)
    client = WebClient(server.base_url)
    client.login_candidate("T0001", "pass1234")
    attempt = control.attempt()
    buy_and_pay(client, attempt)  # the UI check then runs: Chromium starts, the run takes a while
    submit(client)
    running = wait_for(
        "the grading run to start",
        lambda: [r for r in control.runs(attempt["id"]) if r["status"] == "running"],
        GRADE_TIMEOUT,
        every=0.01,
    )
    server.kill()
    (old,) = running
    assert control.runs(attempt["id"])[-1]["status"] == "running", "the run ended before the kill"
    assert [j["status"] for j in control.jobs(attempt["id"])] == ["running"]
    assert control.attempt(attempt["id"])["status"] == "submitted"

    server.start(grading=True)
    wait_graded(control, attempt["id"])
    runs = control.runs(attempt["id"])
    assert [r["id"] for r in runs][0] == old["id"]
    first, last = runs[0], runs[-1]
    assert first["status"] == "interrupted" and "interrupted" in first["error"] and first["finished_at"]
    assert last["id"] > old["id"] and last["status"] == "done", server.log_tail()
    (job,) = control.jobs(attempt["id"])  # the same job, queued again and finished
    assert job["status"] == "done" and job["run_id"] == last["id"]
    graded = control.attempt(attempt["id"])
    assert graded["score"] == last["score"] == graded["max_score"], [
        (i["item_id"], i["status"], i["feedback"])
        for i in control.rows("SELECT * FROM item_results WHERE run_id = ?", last["id"])
    ]
