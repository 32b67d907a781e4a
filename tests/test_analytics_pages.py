"""生意参谋's pages: the seller-centre sign-in, the overview with its chart data and ranges (bad ranges
refused with 400, nothing recorded), the product ranking and funnel (another shop's product is not
found), the sources, and the CSV exports (UTF-8 with a BOM)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from sandbox.analytics import services
from sandbox.analytics.models import AnalyticsShop
from sandbox.control import people
from sandbox.merchant.models import SellerAccount
from sandbox.storefront.models import Product
from sandbox.worlds.store import open_world
from seed_data import analytics_seed

SCENARIO = "info-publishing"
PAGES = ("/analytics/", "/analytics/products", "/analytics/sources", "/analytics/products/P00001")


@pytest.fixture
def seller(app, rt):  # noqa: ANN001, ANN201
    """A candidate of info-publishing signed in to the seller centre; `record()` gives the shop its
    recorded traffic (as an overlay with `analytics` in the account spec would)."""
    from tests.conftest import CandidateActions

    db = rt.control.session()
    exam = people.create_exam(db, "T-AN", "数据分析考试", [SCENARIO])
    people.add_candidate(db, exam, "A0001", "考生甲", "pass1234")
    db.commit()
    db.close()
    actions = CandidateActions(app, rt)
    client = actions.login("A0001")
    client.attempt = actions.attempt_of(client)
    client.ident = next(i for i in client.attempt.identities if i["role"] == "merchant")

    def sign_in() -> None:
        data = {"login": client.ident["shop_login"], "password": client.ident["shop_password"]}
        resp = client.post("/seller/login", data={**data, "next": "/analytics/"})
        assert resp.status_code == 302, resp.get_data(as_text=True)

    def record() -> AnalyticsShop:
        w = open_world(client.attempt.world_path)
        account = w.db.scalars(
            select(SellerAccount).where(SellerAccount.login == client.ident["shop_login"])
        ).one()
        analytics_seed.add_sample_products(w, account.shop, 5)
        shop = services.generate(w, account.shop.id, account.shop.name, "pages", owner_account_id=account.id)
        w.commit()
        w.close()
        return shop

    client.sign_in, client.record = sign_in, record
    return client


def world(client):  # noqa: ANN001, ANN201
    return open_world(client.attempt.world_path, read_only=True)


def events(client, name: str) -> list[dict]:  # noqa: ANN001
    w = world(client)
    found = [e.payload for e in w.events(name)]
    w.close()
    return found


def own_products(client) -> list[Product]:  # noqa: ANN001
    w = world(client)
    shop = w.db.scalars(select(AnalyticsShop).where(AnalyticsShop.owner_account_id.is_not(None))).one()
    products = list(
        w.db.scalars(select(Product).where(Product.shop_id == shop.shop_id).order_by(Product.code))
    )
    w.close()
    return products


def test_the_pages_need_a_seller_with_a_recorded_shop(seller) -> None:  # noqa: ANN001
    for path in PAGES + ("/analytics/products.csv",):
        resp = seller.get(path)
        assert resp.status_code == 302 and resp.location.endswith("/analytics/login"), path
    page = seller.get("/analytics/login").get_data(as_text=True)
    assert 'data-role="analytics-login"' in page and 'action="/seller/login"' in page
    seller.sign_in()
    assert seller.get("/analytics/").location.endswith("/analytics/login")  # no traffic recorded
    assert "还没有可查看数据的店铺" in seller.get("/analytics/login").get_data(as_text=True)
    seller.record()
    assert seller.get("/analytics/login").location.endswith("/analytics/")


def test_overview_with_its_ranges(seller) -> None:  # noqa: ANN001
    seller.sign_in()
    shop = seller.record()
    page = seller.get("/analytics/").get_data(as_text=True)
    assert seller.ident["shop_name"] in page and 'data-role="cards"' in page
    rows = re.findall(r'<tr data-day="([\d-]+)"', page)
    assert len(rows) == 7 and rows[-1] == shop.last_day.isoformat()
    chart = json.loads(
        re.search(r'<script type="application/json" id="an-daily">(.*?)</script>', page, re.S)[1]
    )
    assert len(chart["labels"]) == 7 and [s["name"] for s in chart["series"]] == ["访客数", "下单买家数"]
    w = world(seller)
    rng = services.DateRange(date.fromisoformat(rows[0]), shop.last_day)
    total = services.totals(w, w.db.get(AnalyticsShop, shop.id), rng)
    w.close()
    assert f"<strong>{total.visitors}</strong>" in page and f"<strong>{total.conversion}</strong>" in page
    assert sum(chart["series"][0]["data"]) == total.visitors
    assert len(re.findall(r"<tr data-day=", seller.get("/analytics/?range=30").get_data(as_text=True))) == 30
    first = shop.first_day.isoformat()
    custom = seller.get(f"/analytics/?start={first}&end={first}").get_data(as_text=True)
    assert re.findall(r'<tr data-day="([\d-]+)"', custom) == [first]
    assert events(seller, "analytics.viewed")[-1] == {
        "report": "overview",
        "shop": shop.shop_id,
        "start": first,
        "end": first,
    }
    before = len(events(seller, "analytics.viewed"))
    for query, message in (
        (f"start={shop.last_day}&end={first}", "开始日期不能晚于结束日期"),
        ("start=2026-13-01&end=2026-13-02", "日期格式不正确"),
        ("start=<script>alert(1)</script>&end=x", "日期格式不正确"),
        (f"start={first}", "请同时填写开始日期和结束日期"),
        ("range=365", "不支持的时间范围"),
        ("start=2020-01-01&end=2020-12-31", "查询范围不能超过"),
    ):
        for path in ("/analytics/", "/analytics/products", "/analytics/sources", "/analytics/overview.csv"):
            resp = seller.get(f"{path}?{query}")
            body = resp.get_data(as_text=True)
            assert resp.status_code == 400 and message in body, (path, query)
            assert "<script>alert" not in body
    assert len(events(seller, "analytics.viewed")) == before  # a refused range records nothing


def test_products_ranking_and_funnel(seller) -> None:  # noqa: ANN001
    seller.sign_in()
    shop = seller.record()
    mine = own_products(seller)
    page = seller.get("/analytics/products?range=30").get_data(as_text=True)
    codes = re.findall(r'<tr data-product="([^"]+)"', page)
    assert sorted(codes) == sorted(p.code for p in mine)
    assert codes[0] == next(p.code for p in mine if p.id == shop.plan["weak"])  # most visitors
    by_rate = seller.get("/analytics/products?range=30&sort=conversion").get_data(as_text=True)
    assert re.findall(r'<tr data-product="([^"]+)"', by_rate)[0] == next(
        p.code for p in mine if p.id == shop.plan["star"]
    )
    assert '<input type="hidden" name="sort" value="conversion">' in by_rate  # the range form keeps it
    assert seller.get("/analytics/products?sort=sales").status_code == 200
    resp = seller.get("/analytics/products?sort=price")
    assert resp.status_code == 400 and "不支持的排序方式" in resp.get_data(as_text=True)

    code = mine[0].code
    page = seller.get(f"/analytics/products/{code}?range=30").get_data(as_text=True)
    assert 'data-role="funnel"' in page and mine[0].name in page and 'id="an-product"' in page
    assert events(seller, "analytics.viewed")[-1]["product"] == code
    w = world(seller)
    other = (
        w.db.scalars(select(Product).where(Product.shop_id != shop.shop_id).order_by(Product.id)).first().code
    )
    w.close()
    for path in (
        f"/analytics/products/{other}",
        "/analytics/products/NOPE",
        f"/analytics/products/{other}.csv",
    ):
        assert seller.get(path).status_code == 404, path


def test_sources_and_csv_exports(seller) -> None:  # noqa: ANN001
    seller.sign_in()
    shop = seller.record()
    page = seller.get("/analytics/sources?range=30").get_data(as_text=True)
    assert re.findall(r'<tr data-source="(\w+)"', page)[0] == "search" and 'data-kind="pie"' in page
    shares = [float(s.rstrip("%")) for s in re.findall(r'data-role="share">([\d.]+%)<', page)]
    assert len(shares) == 4 and abs(sum(shares) - 100) < 0.05

    resp = seller.get("/analytics/products.csv?range=30&sort=visitors")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.data.startswith(b"\xef\xbb\xbf")
    lines = resp.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("排名,商品编号,商品名称,访客数") and len(lines) == 1 + len(
        own_products(seller)
    )
    weak = next(p for p in own_products(seller) if p.id == shop.plan["weak"])
    assert lines[1].startswith(f"1,{weak.code},{weak.name},")
    daily = seller.get("/analytics/overview.csv").data.decode("utf-8-sig").splitlines()
    assert daily[0].startswith("日期,访客数") and len(daily) == 8
    src = seller.get("/analytics/sources.csv?range=30").data.decode("utf-8-sig").splitlines()
    assert src[0].startswith("流量来源,访客数,访客占比") and src[1].startswith("搜索,")
    one = seller.get(f"/analytics/products/{weak.code}.csv?range=30").data.decode("utf-8-sig").splitlines()
    assert len(one) == 31
    exported = events(seller, "analytics.exported")
    assert [e["report"] for e in exported] == ["products", "overview", "sources", f"product-{weak.code}"]
    assert exported[0]["rows"] == len(own_products(seller))


def test_user_text_is_escaped(seller) -> None:  # noqa: ANN001
    seller.sign_in()
    seller.record()
    w = open_world(seller.attempt.world_path)
    product = w.db.get(Product, own_products(seller)[0].id)
    product.name = "<b>粗体</b>"
    w.commit()
    w.close()
    page = seller.get("/analytics/products").get_data(as_text=True)
    assert "<b>粗体</b>" not in page and "&lt;b&gt;粗体&lt;/b&gt;" in page
