"""Many candidates at once: each logs in with a ticket and buys through HTTP on a loopback server,
paying at the payment platform's cashier (the shop's signed request, the platform, the card payment).

Prints request latency (median, p95), throughput, and the count of failed requests (which must be 0;
an order the shop did not learn was paid counts as one): a check that the control database and the
worlds hold up under an exam hall's concurrent load.
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from _common import summary, temp_app
from sqlalchemy import func, select

from graders.browser import LoopbackServer
from sandbox.control import attempts as attempt_service
from sandbox.control import people
from sandbox.orders.models import Order, PaymentStatus
from sandbox.worlds.store import open_world

HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


class Candidate:
    """One browser-like HTTP client with its own cookie jar."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.times: list[float] = []
        self.by_step: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.token = ""
        self.url = ""  # where the last request ended, after its redirects

    def request(
        self, path: str, form: dict | None = None, expect: tuple[int, ...] = (200,), token: bool = True
    ) -> str:
        """GET, or POST `form` (with the page's CSRF token unless `token` is false); redirects are followed."""
        data = None
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrf_token": self.token} if token else form).encode()
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data) as resp:
                body = resp.read().decode()
                status = resp.status
                self.url = resp.geturl()
        except urllib.error.HTTPError as exc:
            body, status = exc.read().decode(), exc.code
            self.url = exc.geturl()
        elapsed = (time.perf_counter() - started) * 1000
        self.times.append(elapsed)
        step = ("POST " if form is not None else "GET ") + path.split("?")[0].split("/")[1:3][-1]
        self.by_step.setdefault(step, []).append(elapsed)
        if status not in expect:
            self.errors.append(f"{path} -> {status}")
        if 'name="csrf_token" value="' in body:
            self.token = body.split('name="csrf_token" value="')[1].split('"')[0]
        return body


def run_candidate(c: Candidate, ticket: str, params: dict, ident: dict) -> None:
    c.request("/exam/login")
    c.request("/exam/login", {"ticket_no": ticket, "password": "bench-pass"})
    c.request("/shop/register")
    user = f"u{ticket}"
    c.request(
        "/shop/register",
        {"username": user, "password": "secret123", "password_confirm": "secret123", "phone": "13800138000"},
    )
    addr = params["address"]
    c.request("/shop/addresses", addr)
    c.request("/shop/search?q=" + urllib.parse.quote(params["product"]["name"]))
    c.request(f"/shop/p/{params['product']['code']}")
    c.request("/shop/cart/add", {"sku": params["product"]["sku"], "quantity": str(params["quantity"])})
    page = c.request("/shop/checkout")
    address_id = page.split('name="address_id" value="')[1].split('"')[0]
    c.request("/shop/checkout", {"address_id": address_id, "shipping_method": "express"})
    number = urllib.parse.urlsplit(c.url).path.split("/")[-2]  # redirected to /shop/orders/<n>/pay
    pay(c, number, ident)
    c.request("/shop/orders/")
    c.request("/exam/answers", {"order_no": number})


def pay(c: Candidate, number: str, ident: dict) -> None:
    """Pay through the payment platform, as the browser does: the shop's signed request, carried to
    the platform (303 to the cashier), the card payment there (303 back to the shop, which shows the order)."""
    page = c.request(f"/shop/orders/{number}/pay", {})
    fields = {k: html.unescape(v) for k, v in HIDDEN_FIELD.findall(page) if k != "csrf_token"}
    c.request("/gateway/gateway.do", fields, token=False)  # signed by the shop: no token of ours
    cashier = urllib.parse.urlsplit(c.url).path
    if not cashier.startswith("/gateway/cashier/"):
        c.errors.append(f"/gateway/gateway.do -> {cashier} (no cashier)")
        return
    c.request(
        f"{cashier}/pay-card", {"card_no": ident["account_no"], "card_password": ident["payment_password"]}
    )
    if urllib.parse.urlsplit(c.url).path != f"/shop/orders/{number}":
        c.errors.append(f"{cashier}/pay-card -> {c.url} (not back at the order)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--steps", action="store_true", help="also print time per kind of request")
    args = parser.parse_args()

    app = temp_app()
    rt = app.extensions["sandbox"]
    scenario = rt.scenarios.get("b2c-purchase")
    db = rt.control.session()
    exam = people.create_exam(db, "LOAD", "load", [scenario.id])
    cands = [
        people.add_candidate(db, exam, f"L{i:04d}", f"考生{i}", "bench-pass") for i in range(args.candidates)
    ]
    db.commit()
    # Worlds are started ahead (as at a real exam's first login) so the parameters are known here.
    attempts = [attempt_service.start_attempt(rt, db, scenario, candidate=c) for c in cands]
    db.close()

    server = LoopbackServer(app)
    clients = [Candidate(server.base_url) for _ in cands]
    threads = [
        threading.Thread(target=run_candidate, args=(cl, ca.ticket_no, at.params, at.identities[0]))
        for cl, ca, at in zip(clients, cands, attempts, strict=True)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    server.close()
    times = [t for c in clients for t in c.times]
    errors = [e for c in clients for e in c.errors]
    for at in attempts:  # each world's order is paid, as the shop learned from the platform
        w = open_world(at.world_path, read_only=True)
        paid = w.db.scalar(select(func.count(Order.id)).where(Order.payment_status == PaymentStatus.PAID))
        w.close()
        if paid != 1:
            errors.append(f"attempt {at.id}: {paid} paid orders, not 1")
    median, p95 = summary(times)
    print(
        f"candidates {len(clients)}, requests {len(times)} in {elapsed:.1f} s ({len(times) / elapsed:.0f} req/s)"
    )
    print(f"median {median:.1f} ms")
    print(f"p95 {p95:.1f} ms")
    print(f"failed requests {len(errors)}")
    if args.steps:
        steps: dict[str, list[float]] = {}
        for c in clients:
            for k, v in c.by_step.items():
                steps.setdefault(k, []).extend(v)
        for k, v in sorted(steps.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {k:24} median {summary(v)[0]:7.1f} ms  total {sum(v) / 1000:5.1f} s")
    for e in errors[:10]:
        print("  ", e)


if __name__ == "__main__":
    main()
