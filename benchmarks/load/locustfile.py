"""Simulated exam-hall candidates for Locust (run by benchmarks/load/run.py, or by hand:
`LOAD_TICKETS=tickets.csv locust -f benchmarks/load/locustfile.py --headless -u 300 -r 5 -t 180s -H URL`).

Each user takes its own admission ticket from a shared pool, logs in (a password hash on the server,
and the first desktop visit starts the attempt and its world), then works through b2c-purchase as the
browser would: desktop, storefront, register, address, search, product page, cart, checkout, the
payment platform's cashier (card payment), my orders, the answer sheet; then it keeps browsing. Think
time is `between(1, 3)` seconds. Like the browser, every page with the countdown polls /exam/status
every 20 s, and every recorded page sends one batch to /replay/batch when it is left: its first snapshot
and what the candidate did on it (clicks, typing). A page kept over 5 s (the recorder's cut) sends the
snapshot then and the rest when left (the countdown is not recorded, so an idle page sends nothing).
Redirects are followed one request at a time, so each hop is its own sample under its route template.

Environment: LOAD_TICKETS (CSV ticket_no,password), LOAD_SAMPLES (where to write every request:
t,method,name,ms,ok,error), LOAD_THINK ("1-3"), LOAD_BACKGROUND ("0": no countdown poll, no replay), LOAD_UNTIL_DONE ("1":
stop once every ticket's journey is over, for smoke tests).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import gevent
from locust import TaskSet, between, events
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser
from pages import (
    PageError,
    Task,
    csrf_token,
    hidden_fields,
    product_code,
    radio_values,
    read_task,
    route_name,
    variant_sku,
)

REDIRECTS = (301, 302, 303, 307, 308)
STATUS_POLL_SECONDS = 20.0  # static/js/shell.js
REQUEST_TIMEOUT = 60.0
REPLAY_CUT_SECONDS = 5.0  # static/js/recorder.js FLUSH_MS


def _tickets() -> list[tuple[str, str]]:
    path = os.environ.get("LOAD_TICKETS")
    if not path:
        return []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [(row["ticket_no"], row["password"]) for row in csv.DictReader(fh)]


def _think() -> tuple[float, float]:
    low, _, high = os.environ.get("LOAD_THINK", "1-3").partition("-")
    return float(low), float(high or low)


TICKETS = _tickets()
SAMPLES: list[tuple] = []
OUTCOMES: Counter[str] = Counter()
STARTED = {"t0": 0.0}
POOL = {"next": 0}  # the next ticket to hand out (users start one greenlet at a time)


@events.test_start.add_listener
def _on_test_start(**_kw: object) -> None:
    STARTED["t0"] = time.time()


@events.request.add_listener
def _on_request(request_type: str, name: str, response_time: float, exception: object, **kw: object) -> None:
    started = float(kw.get("start_time") or time.time())  # type: ignore[arg-type]
    error = "" if exception is None else str(exception).replace("\n", " ")[:200]
    SAMPLES.append((started - STARTED["t0"], request_type, name, response_time, exception is None, error))


@events.user_error.add_listener
def _on_user_error(user_instance: object, exception: Exception, tb: object, **_kw: object) -> None:
    """An exception in a user's code counts as a failure too (it ends that user's task)."""
    started = time.time() - STARTED["t0"]
    SAMPLES.append((started, "ERROR", type(exception).__name__, 0.0, False, str(exception)[:200]))


@events.test_stop.add_listener
def _on_test_stop(**_kw: object) -> None:
    """Write every sample and the journeys' outcomes where run.py reads them."""
    path = os.environ.get("LOAD_SAMPLES")
    if not path:
        return
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["t", "method", "name", "ms", "ok", "error"])
        for t, method, name, ms, ok, error in SAMPLES:
            out.writerow([f"{t:.3f}", method, name, f"{ms:.1f}", int(ok), error])
    Path(path).with_suffix(".json").write_text(json.dumps({"t0": STARTED["t0"], "outcomes": OUTCOMES}))


@dataclass
class Page:
    """The last response of a request and its redirects."""

    status: int
    body: str
    path: str


class StepFailed(Exception):
    """A step of the journey did not get what its next step needs (already counted as a failure)."""


class ExamFlow(TaskSet):
    """The candidate's journey, step by step (one step per think time), then browsing."""

    MAX_RETRIES = 3

    def on_start(self) -> None:
        self.step = 0
        self.retries = 0
        self.order_no = ""
        self.product = ""
        self.sku = ""

    def get_next_task(self):  # noqa: ANN201
        """The next step of the journey; once it is done, a page to browse."""
        if self.step < len(self.JOURNEY):
            return self.JOURNEY[self.step]
        return random.choice(self.BROWSING)

    def execute_task(self, task) -> None:  # noqa: ANN001
        """Run a step; a failed step is tried again after the think time, then given up."""
        journey = self.step < len(self.JOURNEY)
        try:
            task(self)
        except StepFailed:
            if journey:
                self.retries += 1
                if self.retries >= self.MAX_RETRIES:
                    OUTCOMES["journeys_abandoned"] += 1
                    self.step, self.retries = len(self.JOURNEY), 0
                    self.user.journey_done()
            return
        if journey:
            self.step, self.retries = self.step + 1, 0

    # The journey --------------------------------------------------------------------------------
    def desktop(self) -> None:
        self.user.open("GET", "/exam/", must=['class="taskpanel"'])

    def shop_home(self) -> None:
        self.user.open("GET", "/shop/", must=['class="shophead"'])

    def register(self) -> None:
        self.user.open("GET", "/shop/register")
        form = {
            "username": f"u{self.user.ticket.lower()}",
            "password": "secret123",
            "password_confirm": "secret123",
            "phone": self.user.sheet.address["phone"],
        }
        self.user.open("POST", "/shop/register", form, must=["注册成功"])

    def add_address(self) -> None:
        self.user.open("GET", "/shop/addresses")
        self.user.open("POST", "/shop/addresses", dict(self.user.sheet.address), must=["收货地址已保存"])

    def search(self) -> None:
        name = self.user.sheet.product_name
        page = self.user.open("GET", "/shop/search?q=" + quote(name))
        self.product = self.user.read(page, product_code, name)

    def product_page(self) -> None:
        page = self.user.open("GET", f"/shop/p/{quote(self.product)}")
        self.sku = self.user.read(page, variant_sku, self.user.sheet.options)

    def add_to_cart(self) -> None:
        form = {"sku": self.sku, "quantity": str(self.user.sheet.quantity), "add": "1"}
        self.user.open("POST", "/shop/cart/add", form, must=["已加入购物车"])

    def checkout(self) -> None:
        page = self.user.open("GET", "/shop/checkout", must=['name="address_id"'])
        address = self.user.read(page, radio_values, "address_id")
        shipping = self.user.read(page, radio_values, "shipping_method")
        form = {"address_id": address[0], "shipping_method": shipping[0]}
        page = self.user.open("POST", "/shop/checkout", form)
        parts = page.path.strip("/").split("/")  # shop/orders/<number>/pay
        if len(parts) != 4 or parts[-1] != "pay":
            self.user.fail_step("POST /shop/checkout", f"ended at {page.path}, not an order's payment")
        self.order_no = parts[2]

    def pay(self) -> None:
        """The shop's signed request, carried to the platform; the card payment at its cashier."""
        number = self.order_no
        page = self.user.open("POST", f"/shop/orders/{number}/pay", {}, must=['data-role="platform-request"'])
        fields = hidden_fields(page.body)
        page = self.user.open(
            "POST", "/gateway/gateway.do", fields, token=False, must=['data-role="card-pay"']
        )
        if not page.path.startswith("/gateway/cashier/"):
            self.user.fail_step("POST /gateway/gateway.do", f"ended at {page.path}, not the cashier")
        ident = self.user.sheet.identity
        form = {"card_no": ident["account_no"], "card_password": ident["payment_password"]}
        page = self.user.open("POST", page.path + "/pay-card", form, must=['data-role="status"'])
        if page.path != f"/shop/orders/{number}" or "待发货" not in page.body:
            self.user.fail_step("POST /gateway/cashier/[trade]/pay-card", f"ended at {page.path} unpaid")
        OUTCOMES["orders_paid"] += 1

    def my_orders(self) -> None:
        self.user.open("GET", "/shop/orders/", must=[self.order_no])

    def answer_sheet(self) -> None:
        self.user.open("GET", "/exam/answers", must=['name="order_no"'])
        self.user.open("POST", "/exam/answers", {"order_no": self.order_no}, must=["答案已保存"])
        OUTCOMES["answers_saved"] += 1
        self.user.journey_done()

    JOURNEY = [
        desktop,
        shop_home,
        register,
        add_address,
        search,
        product_page,
        add_to_cart,
        checkout,
        pay,
        my_orders,
        answer_sheet,
    ]

    # Browsing afterwards ------------------------------------------------------------------------
    def browse_search(self) -> None:
        word = random.choice(["数据线", "耳机", "充电器", "手机壳", self.user.sheet.product_name])
        self.user.open("GET", "/shop/search?q=" + quote(word))

    def browse_order(self) -> None:
        self.user.open("GET", f"/shop/orders/{self.order_no}", must=['data-role="status"'])

    def browse_answers(self) -> None:
        self.user.open("GET", "/exam/answers", must=[self.order_no])

    BROWSING = [desktop, shop_home, browse_search, product_page, my_orders, browse_order, browse_answers]
    # Locust drops a TaskSet without tasks; get_next_task above chooses among these.
    tasks = [*JOURNEY, *BROWSING]


class Candidate(FastHttpUser):
    """One candidate at an exam-hall computer, with one browser tab."""

    wait_time = between(*_think())
    tasks = [ExamFlow]
    network_timeout = REQUEST_TIMEOUT
    connection_timeout = REQUEST_TIMEOUT

    def on_start(self) -> None:
        """Take a ticket from the pool and log in with it; the desktop then starts the attempt."""
        self.background: list[gevent.Greenlet] = []
        self.token = ""
        self.replay_page = ""
        self.replay_seq = 0
        self.replay_cut: gevent.Greenlet | None = None  # the page's first cut, while it has not come
        # This candidate's page snapshot (~30 KB of JSON, as slimmed rrweb pages are), drawn once.
        self.snapshot_nodes = [{"type": 3, "id": i, "textContent": secrets.token_hex(48)} for i in range(300)]
        self.recording = False
        if POOL["next"] >= len(TICKETS):
            OUTCOMES["users_without_ticket"] += 1
            raise StopUser()
        self.ticket, password = TICKETS[POOL["next"]]
        POOL["next"] += 1
        for _ in range(ExamFlow.MAX_RETRIES):
            try:
                self.open("GET", "/exam/login", must=['name="ticket_no"'])
                page = self.open(
                    "POST",
                    "/exam/login",
                    {"ticket_no": self.ticket, "password": password},
                    must=['class="taskpanel"'],
                    first_desktop=True,
                )
                self.sheet = self.read(page, read_task)
                break
            except StepFailed:
                gevent.sleep(self.wait_time())
        else:
            OUTCOMES["logins_failed"] += 1
            raise StopUser()
        OUTCOMES["logged_in"] += 1
        if os.environ.get("LOAD_BACKGROUND", "1") != "0":
            self.background.append(gevent.spawn(self._countdown))

    def on_stop(self) -> None:
        gevent.killall(self.background, block=False)

    def journey_done(self) -> None:
        """With LOAD_UNTIL_DONE=1, the test ends once every ticket's journey is over (smoke tests)."""
        OUTCOMES["journeys_over"] += 1
        if os.environ.get("LOAD_UNTIL_DONE") == "1" and OUTCOMES["journeys_over"] >= len(TICKETS):
            gevent.spawn(self.environment.runner.quit)

    # Requests -----------------------------------------------------------------------------------
    def open(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        *,
        token: bool = True,
        must: list[str] | None = None,
        first_desktop: bool = False,
    ) -> Page:
        """Send a request and follow its redirects one by one (each its own sample); the last page
        must answer 200 and contain every string of `must`, or the step fails."""
        data = None
        headers = {"Origin": self.host}
        if form is not None:
            fields = {**form, "csrf_token": self.token} if token else form
            data = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self._leave_page()
        url = path
        for _hop in range(10):
            name = route_name(method, url)
            if first_desktop and name == "/exam/":
                name = "/exam/ (first: starts the attempt)"
            with self.client.request(
                method,
                url,
                name=name,
                data=data,
                headers=headers,
                allow_redirects=False,
                catch_response=True,
            ) as resp:
                status, body = resp.status_code, resp.text or ""
                if status in REDIRECTS:
                    resp.success()
                    location = resp.headers.get("Location") or resp.headers.get("location") or ""
                    url = urljoin(self.host + urlsplit(url).path, location)
                    url = url.removeprefix(self.host) or "/"
                    if status in (301, 302, 303):
                        method, data = "GET", None
                        headers = {"Origin": self.host}
                    continue
                missing = [m for m in must or [] if m not in body]
                if status != 200 or missing:
                    why = f"{status}" if status != 200 else f"page lacks {missing[0]!r}"
                    resp.failure(f"{method} {name}: {why}")
                    raise StepFailed(why)
                resp.success()
            break
        else:
            self.fail_step(f"{method} {path}", "too many redirects")
        self.token = csrf_token(body) or self.token
        if 'data-ingest-url="' in body and status == 200:
            self.recording = True
            self.replay_page, self.replay_seq = secrets.token_hex(12), 0
            self.replay_cut = gevent.spawn_later(REPLAY_CUT_SECONDS, self._first_cut, self.replay_page)
        return Page(status, body, urlsplit(url).path)

    def read(self, page: Page, reader, *args):  # noqa: ANN001, ANN201
        """What `reader` finds on the page; a page without it fails the step."""
        try:
            return reader(page.body, *args)
        except (PageError, ValueError, KeyError, IndexError) as exc:
            self.fail_step(f"read {reader.__name__}", str(exc))

    def fail_step(self, name: str, why: str) -> None:
        """Count a failure that no response status shows (a page that led somewhere else)."""
        events.request.fire(
            request_type="STEP",
            name=name,
            response_time=0,
            response_length=0,
            exception=PageError(why),
            context={},
            start_time=time.time(),
        )
        raise StepFailed(why)

    # The browser tab's own traffic ----------------------------------------------------------------
    def _countdown(self) -> None:
        """The countdown resynchronises with the server every 20 s."""
        gevent.sleep(random.uniform(0, STATUS_POLL_SECONDS))
        while True:
            with self.client.get("/exam/status", name="/exam/status", catch_response=True) as resp:
                ok = resp.status_code == 200 and '"seconds_left"' in (resp.text or "")
                resp.success() if ok else resp.failure(f"status {resp.status_code}")
            gevent.sleep(STATUS_POLL_SECONDS)

    def _first_cut(self, page: str) -> None:
        """A page kept open past the recorder's first cut sends its snapshot then."""
        if page == self.replay_page and self.replay_seq == 0:
            self.replay_cut, self.replay_seq = None, 1  # on the wire now: leaving must not cut it off
            self._replay_batch(True, False, page, 0)

    def _leave_page(self) -> None:
        """The page being left sends what the candidate did on it (the recorder's cut at pagehide),
        with its first snapshot if that has not gone yet."""
        if not (self.recording and self.replay_page and os.environ.get("LOAD_BACKGROUND", "1") != "0"):
            return
        snapshot = self.replay_seq == 0
        if self.replay_cut is not None:
            self.replay_cut.kill(block=False)
            self.replay_cut = None
        gevent.spawn(self._replay_batch, snapshot, True, self.replay_page, self.replay_seq)
        self.replay_page, self.replay_seq = "", 0

    def _replay_batch(self, snapshot: bool, actions: bool, page: str, seq: int) -> None:
        now = int(time.time() * 1000)
        events_: list[dict] = []
        if snapshot:  # meta + full snapshot of the page
            nodes = self.snapshot_nodes
            events_ += [
                {"type": 4, "timestamp": now, "data": {"href": self.host, "width": 1280, "height": 900}},
                {"type": 2, "timestamp": now, "data": {"node": {"type": 0, "childNodes": nodes, "id": 1}}},
            ]
        if actions:  # a click and a few keystrokes
            events_ += [
                {"type": 3, "timestamp": now - 300 * k, "data": {"source": 5, "text": "x" * k, "id": 40}}
                for k in range(5)
            ] + [{"type": 3, "timestamp": now, "data": {"source": 2, "type": 2, "id": 41, "x": 10, "y": 20}}]
        payload = {"page": page, "seq": seq, "now": now, "attempt": self.task_attempt(), "csrf": self.token}
        # Level 1: the simulated browsers share the server's two cores, so they compress cheaply.
        body = gzip.compress(json.dumps({**payload, "events": events_}).encode(), 1)
        headers = {
            "Content-Type": "application/json",
            "X-Replay-Encoding": "gzip",
            "X-CSRFToken": self.token,
            "Origin": self.host,
        }
        with self.client.post(
            "/replay/batch", data=body, headers=headers, name="/replay/batch", catch_response=True
        ) as resp:
            ok = resp.status_code == 200 and f'"ack":{seq}' in (resp.text or "").replace(" ", "")
            resp.success() if ok else resp.failure(f"replay batch {resp.status_code}")

    def task_attempt(self) -> int | None:
        """The attempt the pages are recorded for (known once the task panel was read)."""
        sheet: Task | None = getattr(self, "sheet", None)
        return sheet.attempt_id if sheet else None
