"""Orders on a real world file: prints `orders <N> per s` and `p95 <N> ms`.

First figure: the whole life of an order, in process, one committed unit of work each step as a web
request would make it: a buyer places it (stock allocated), pays it at the platform's cashier with a
test card (journal entry, signed notification verified by the shop), the merchant ships it with an
electronic waybill (stock consumed), and the carrier takes the parcel through 已揽收 → 运输中 → 派送中 →
已签收 (the order's delivery follows the parcel).

Second figure: the worst page p95 of the storefront (and the seller centre's order list, when it
exists) in a large world, over real HTTP to the sandbox on a loopback port: the world is grown to
`--goods` products and `--orders` orders before the pages are timed.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import time
import urllib.parse
import urllib.request
from datetime import timedelta

from _common import summary, temp_app
from sqlalchemy import func, insert, select

from graders.browser import LoopbackServer
from graders.harness import Harness
from sandbox.gateway import cashier
from sandbox.gateway import services as gateway
from sandbox.logistics import tracking
from sandbox.logistics.waybills import active_waybill
from sandbox.orders import payments
from sandbox.orders import services as orders
from sandbox.orders.models import Order, OrderLine
from sandbox.runtime import freeze_startup_heap
from sandbox.secrets_hashing import hash_world_secret
from sandbox.storefront import services as storefront
from sandbox.storefront.models import Customer, Product, Sku
from sandbox.worlds import npc
from sandbox.worlds.store import open_world

PASSWORD = "bench-pass1"
ADDRESS = {
    "recipient": "王小明",
    "phone": "13900001111",
    "province": "北京市",
    "city": "北京市",
    "district": "海淀区",
    "detail": "中关村大街1号",
    "postcode": "100080",
}


def _buyer(w, name: str) -> tuple[Customer, int]:  # noqa: ANN001
    customer = Customer(
        username=name, phone="13900001111", password_hash=hash_world_secret(PASSWORD), created_at=w.now()
    )
    w.db.add(customer)
    w.db.flush()
    address = storefront.add_address(w, customer, dict(ADDRESS), make_default=True)
    return customer, address.id


def _stocked_skus(w, limit: int) -> list[Sku]:  # noqa: ANN001
    q = select(Sku).where(Sku.quantity - Sku.allocated >= 50).order_by(Sku.id).limit(limit)
    return list(w.db.scalars(q))


def lifecycle(w, count: int) -> float:  # noqa: ANN001
    """Orders per second through place → pay → ship → sign."""
    customer, address_id = _buyer(w, "bench_buyer")
    card = cashier.TEST_CARDS[0]
    skus = _stocked_skus(w, 40)
    cashier.test_card_account(w, card, 10**11)
    w.commit()
    started = time.perf_counter()
    for i in range(count):
        sku = skus[i % len(skus)]
        line = storefront.direct_line(w, sku.code, 1)
        (order,) = orders.place_order(w, customer, address_id, "express", direct=line)
        w.commit()
        trade = gateway.create_trade(w, payments.order_payment_request(w, order))
        cashier.pay_with_card(w, trade, card.number, "123456", None)
        npc.run_due(w, [])  # the platform's notification reaches the shop
        w.commit()
        assert payments.is_paid(order), order.number
        orders.ship_order(w, order.number, "SF", "standard")
        w.commit()
        waybill = active_waybill(w, order.number)
        while tracking.next_status(waybill) is not None:
            tracking.advance(w, waybill.number)
            w.commit()
    return count / (time.perf_counter() - started)


def grow(w, goods: int, order_count: int, seed: int = 7) -> None:  # noqa: ANN001
    """Add products (copies of the world's, each with its SKUs) and past orders up to the sizes asked."""
    rng = random.Random(seed)
    products = list(w.db.scalars(select(Product).order_by(Product.id)))
    have = len(products)
    next_id = (w.db.scalar(select(func.max(Product.id))) or 0) + 1
    product_rows, sku_rows = [], []
    for n in range(max(0, goods - have)):
        src = products[n % have]
        pid = next_id + n
        product_rows.append(
            {
                "id": pid,
                "code": f"X{pid:07d}",
                "name": f"{src.name} {n // have + 2}代",
                "brand": src.brand,
                "category_id": src.category_id,
                "shop_id": src.shop_id,
                "description": src.description,
                "image_hue": rng.randrange(360),
                "featured": False,
                "sales": rng.randrange(5000),
                "option_names": src.option_names,
                "status": "listed",
            }
        )
        for k, sku in enumerate(src.skus):
            sku_rows.append(
                {
                    "code": f"X{pid:07d}-{k + 1:02d}",
                    "product_id": pid,
                    "options": sku.options,
                    "price_fen": sku.price_fen + rng.randrange(0, 500),
                    "quantity": rng.randrange(10, 300),
                    "allocated": 0,
                }
            )
    if product_rows:
        w.db.execute(insert(Product), product_rows)
        w.db.execute(insert(Sku), sku_rows)
    customers = list(w.db.scalars(select(Customer.id)))
    skus = list(
        w.db.execute(select(Sku.id, Sku.code, Sku.price_fen, Product.name, Product.shop_id).join(Product))
    )
    have_orders = w.db.scalar(select(func.count(Order.id))) or 0
    base = w.now() - timedelta(days=60)
    order_rows, line_rows = [], []
    next_order = (w.db.scalar(select(func.max(Order.id))) or 0) + 1
    for n in range(max(0, order_count - have_orders)):
        oid = next_order + n
        sku_id, code, price, name, shop_id = skus[rng.randrange(len(skus))]
        qty = rng.randint(1, 3)
        paid = rng.random() < 0.8
        order_rows.append(
            {
                "id": oid,
                "number": f"20260101{oid:010d}",
                "customer_id": customers[rng.randrange(len(customers))],
                "shop_id": shop_id,
                "status": "completed" if paid and rng.random() < 0.6 else "open",
                "payment_status": "paid" if paid else "unpaid",
                "fulfilment_status": "delivered" if paid and rng.random() < 0.6 else "unfulfilled",
                "ship_to": ADDRESS,
                "shipping_method": "express",
                "shipping_fee_fen": 800,
                "goods_total_fen": price * qty,
                "discount_fen": 0,
                "total_fen": price * qty + 800,
                "note": "",
                "placed_at": base + timedelta(minutes=n * 5),
            }
        )
        line_rows.append(
            {
                "order_id": oid,
                "sku_id": sku_id,
                "sku_code": code,
                "product_name": name,
                "options_label": "",
                "unit_price_fen": price,
                "quantity": qty,
                "discount_fen": 0,
            }
        )
    if order_rows:
        w.db.execute(insert(Order), order_rows)
        w.db.execute(insert(OrderLine), line_rows)
    w.commit()


def _get(opener, url: str) -> None:  # noqa: ANN001
    with opener.open(url) as resp:
        resp.read()
        assert resp.status == 200, (url, resp.status)


def _form_login(opener, base: str, path: str, fields: dict[str, str]) -> None:  # noqa: ANN001
    page = opener.open(base + path).read().decode()
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    opener.open(base + path, urllib.parse.urlencode({**fields, "csrf_token": token}).encode()).read()


def page_times(app, harness, attempt, requests: int) -> list[tuple[str, float, float]]:  # noqa: ANN001
    """(page, median ms, p95 ms) for the storefront's pages and the seller centre's order list."""
    w = open_world(attempt.world_path, read_only=True)
    product = w.db.scalars(select(Product).order_by(Product.id.desc())).first().code
    order = (
        w.db.scalars(select(Order).join(Customer).where(Customer.username == "bench_buyer")).first().number
    )
    w.close()
    server = LoopbackServer(app)
    base = server.base_url
    freeze_startup_heap()  # as `python app.py` does before serving
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    opener.open(base + harness.login_path(attempt, "/shop/")).read()
    _form_login(opener, base, "/shop/login", {"username": "bench_buyer", "password": PASSWORD})
    pages = [
        ("home", "/shop/"),
        ("search", "/shop/search?q=%E5%85%85%E7%94%B5"),
        ("category+price", "/shop/search?category=2&min=20&max=200&sort=price_asc"),
        ("search page 5", "/shop/search?sort=sales&page=5"),
        ("product", f"/shop/p/{product}"),
        ("orders", "/shop/orders/"),
        ("order detail", f"/shop/orders/{order}"),
    ]
    if "merchant.orders" in app.view_functions:
        merchant = next(i for i in attempt.identities if i["role"] == "merchant")
        _form_login(
            opener,
            base,
            "/seller/login",
            {"login": merchant["shop_login"], "password": merchant["shop_password"]},
        )
        pages.append(("seller orders", "/seller/orders"))
    out = []
    for name, path in pages:
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            _get(opener, base + path)
            times.append((time.perf_counter() - started) * 1000)
        median, p95 = summary(times)
        out.append((name, median, p95))
    server.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000, help="orders in the large world")
    parser.add_argument("--goods", type=int, default=2_000, help="products in the large world")
    parser.add_argument("--lifecycles", type=int, default=200, help="orders taken place → sign")
    parser.add_argument("--requests", type=int, default=100, help="per page")
    args = parser.parse_args()

    app = temp_app()
    harness = Harness(app)
    attempt = harness.new_attempt("gateway-merchant-setup", 1)  # a world with a merchant identity
    w = open_world(attempt.world_path)
    rate = lifecycle(w, args.lifecycles)
    grow(w, args.goods, args.orders)
    sizes = (w.db.scalar(select(func.count(Product.id))), w.db.scalar(select(func.count(Order.id))))
    w.close()
    timings = page_times(app, harness, attempt, args.requests)
    harness.close()

    print(f"world: {sizes[0]} goods, {sizes[1]} orders")
    print(f"{'page':16} {'median':>8} {'p95':>8}")
    for name, median, p95 in timings:
        print(f"{name:16} {median:6.1f} ms {p95:6.1f} ms")
    print(f"orders {rate:.0f} per s")
    print(f"p95 {max(p95 for _, _, p95 in timings):.1f} ms")


if __name__ == "__main__":
    main()
