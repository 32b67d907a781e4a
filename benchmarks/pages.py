"""Storefront page latency with the demo world: prints per-page `median` and `p95` in ms.

Requests go over real HTTP to the sandbox served on a loopback port (one logged-in candidate with a
member account, an address and an order), so the figures include Werkzeug, the session, binding the
world, the query work and rendering.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import time
import urllib.parse
import urllib.request

from _common import summary, temp_app

from graders.browser import LoopbackServer
from graders.harness import Harness

PAGES = [
    ("home", "/shop/"),
    ("search", "/shop/search?q=%E5%85%85%E7%94%B5"),
    ("category+price", "/shop/search?category=2&min=20&max=200&sort=price_asc"),
    ("product", "/shop/p/{product}"),
    ("cart", "/shop/cart"),
    ("orders", "/shop/orders/"),
    ("order detail", "/shop/orders/{order}"),
    ("image", "/shop/img/{product}.svg"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="per page")
    args = parser.parse_args()

    app = temp_app()
    harness = Harness(app)
    attempt = harness.new_attempt("b2c-purchase", 1)
    harness.solve(
        attempt, app.extensions["sandbox"].scenarios.get("b2c-purchase").folder / "tests" / "never_paid.py"
    )
    harness.close()

    server = LoopbackServer(app)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(server.base_url + Harness.login_path(harness, attempt, "/shop/")).read()
    # the solution's member is logged in within the world via the storefront login form
    from sqlalchemy import select

    from sandbox.orders.models import Order
    from sandbox.worlds.store import open_world

    w = open_world(attempt.world_path, read_only=True)
    order = w.db.scalars(select(Order)).first()
    w.close()
    page = opener.open(server.base_url + "/shop/login").read().decode()
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    body = urllib.parse.urlencode(
        {"username": "buyer_01", "password": "secret123", "csrf_token": token}
    ).encode()
    opener.open(server.base_url + "/shop/login", body).read()

    values = {"product": attempt.params["product"]["code"], "order": order.number}
    print(f"{'page':16} {'median':>8} {'p95':>8}")
    worst = 0.0
    for name, path in PAGES:
        url = server.base_url + path.format(**values)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            with opener.open(url) as resp:
                resp.read()
                assert resp.status == 200, (url, resp.status)
            times.append((time.perf_counter() - started) * 1000)
        median, p95 = summary(times)
        worst = max(worst, p95)
        print(f"{name:16} {median:6.1f} ms {p95:6.1f} ms")
    print(f"p95 {worst:.1f} ms (worst page)")
    server.close()


if __name__ == "__main__":
    main()
