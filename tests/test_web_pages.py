"""The world's web: the browser's pages (portal, sites, pages, 404s, the address bar), cross-links,
the generator's sources (outdated, contradictory, promotional per product), and the answer table."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from sandbox.web import services as web
from sandbox.web.models import Page, QuoteStatus, Site
from sandbox.worlds.store import open_world
from seed_data.web_seed import WHOLESALE

SCENARIO = "info-collection"


def start_practice(app, rt, scenario_id: str = SCENARIO):  # noqa: ANN001, ANN201
    """A trainee's practice attempt of a scenario: the client (logged in to it) and the attempt."""
    from sandbox.control.models import Attempt

    client = app.test_client()
    resp = client.post("/staff/login", data={"username": "trainee", "password": "train1234"})
    assert resp.status_code == 302
    assert client.post(f"/practice/start/{scenario_id}").status_code == 302
    with client.session_transaction() as sess:
        attempt_id = sess["attempt_id"]
    db = rt.control.session()
    attempt = db.get(Attempt, attempt_id)
    db.close()
    return client, attempt


@pytest.fixture
def visitor(app, rt, exam):  # noqa: ANN001, ANN201
    """A practice attempt of info-collection (its world has the web)."""
    client, attempt = start_practice(app, rt)
    client.attempt = attempt
    return client


def world(client):  # noqa: ANN001, ANN201
    """The client's world, read-only."""
    return open_world(client.attempt.world_path, read_only=True)


def test_portal_lists_sites_by_category(visitor) -> None:  # noqa: ANN001
    html = visitor.get("/web/").get_data(as_text=True)
    assert "网址导航" in html
    for label in ("企业网站", "行情报价", "新闻资讯", "展会信息", "网购导购"):
        assert label in html
    assert 'data-site="pifahangqing"' in html


def test_a_company_price_list_shows_its_date_and_prices(visitor) -> None:  # noqa: ANN001
    w = world(visitor)
    try:
        offer = web.current_offers(w, "不锈钢保温杯")[0]
        url = offer.urls[0]
        page = web.page_for_address(w, url)
        assert page is not None
        date = page.published_at.strftime("%Y-%m-%d")
    finally:
        w.close()
    html = visitor.get(url).get_data(as_text=True)
    assert "发布日期" in html and date in html
    assert offer.supplier in html
    assert f"{offer.price_fen // 100}.{offer.price_fen % 100:02d}元/个" in html


@pytest.mark.parametrize(
    "path",
    ["/web/nosuchsite/", "/web/pifahangqing/nosuchpage", "/web/pifahangqing/hq/..%2F..%2Fetc", "/web/UPPER/"],
)
def test_unknown_site_or_page_is_404_in_chinese(visitor, path: str) -> None:  # noqa: ANN001
    resp = visitor.get(path)
    assert resp.status_code == 404
    assert "找不到该" in resp.get_data(as_text=True)


def test_address_bar_opens_host_paths_and_refuses_junk(visitor) -> None:  # noqa: ANN001
    w = world(visitor)
    try:
        site = w.db.scalars(select(Site).where(Site.slug == "pifahangqing")).one()
        page = w.db.scalars(select(Page).where(Page.site_id == site.id, Page.path != "")).first()
        host, path, url = site.host, page.path, page.url
    finally:
        w.close()
    for address in (f"{host}/{path}", f"http://{host}/{path}?x=1", url):
        resp = visitor.get("/web/go", query_string={"to": address})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(url)
    junk_addresses = (
        "",
        "javascript:alert(1)",
        "http://evil.example/",
        "x" * 5000,
        "<script>",
        "www.\x00.cn",
        "http://[::1",
    )
    for junk in junk_addresses:
        assert visitor.get("/web/go", query_string={"to": junk}).status_code in (400, 404)  # NUL: 400


def test_every_link_on_the_web_resolves(visitor) -> None:  # noqa: ANN001
    w = world(visitor)
    try:
        hrefs = set()
        for page in web.all_pages(w):
            for block in page.blocks:
                for _text, href in block.get("links", []):
                    hrefs.add(href)
                for row in block.get("table", {}).get("rows", []):
                    hrefs |= {cell[1] for cell in row if isinstance(cell, list)}
        for site in web.sites(w):
            hrefs |= {f"/web/{site.slug}/{path}" for _label, path in site.nav}
        urls = [p.url for p in web.all_pages(w)]
    finally:
        w.close()
    assert any(h.startswith("/shop/p/") for h in hrefs) and any(h.startswith("/shop/store/") for h in hrefs)
    assert any(h.startswith("/b2b/company/") for h in hrefs)
    for href in sorted(hrefs):
        assert visitor.get(href).status_code == 200, href
    assert 250 <= len(urls) <= 600
    for url in urls[::7]:
        html = visitor.get(url).get_data(as_text=True)
        assert re.search("[\u4e00-\u9fff]", html), url


def test_every_product_has_outdated_contradictory_and_promotional_sources(visitor) -> None:  # noqa: ANN001
    w = world(visitor)
    try:
        for product in WHOLESALE:
            offers = web.current_offers(w, product.name)
            assert len(offers) >= 8
            statuses = {q.status for q in web.quotes(w, product.name)}
            assert statuses == {
                QuoteStatus.VALID,
                QuoteStatus.OUTDATED,
                QuoteStatus.CONTRADICTORY,
                QuoteStatus.PROMOTIONAL,
            }
            best = web.cheapest_offers(w, product.name, product.limit)
            assert len(best) == 3
            # Traps: a cheaper offer over the limit; cheaper unreliable prices; no price ties.
            assert offers[0].min_order > product.limit
            unreliable = [q for q in web.quotes(w, product.name) if q.status != QuoteStatus.VALID]
            assert any(q.price_fen < best[-1].price_fen and q.min_order <= product.limit for q in unreliable)
            prices = [o.price_fen for o in offers]
            assert len(set(prices)) == len(prices) and len(prices) % 2 == 1
            # A page with an unreliable price of the product states no reliable one of it.
            bad = set(web.unreliable_pages(w, product.name))
            assert not bad & {u for o in offers for u in o.urls}
            # Every supplier states one current price (no two valid prices for one supplier).
            for o in offers:
                valid = {
                    q.price_fen
                    for q in web.quotes(w, product.name, QuoteStatus.VALID)
                    if q.supplier == o.supplier
                }
                assert valid == {o.price_fen}
    finally:
        w.close()


def test_info_collection_params_match_the_generator(rt) -> None:  # noqa: ANN001
    scenario = rt.scenarios.get(SCENARIO)
    choices = scenario.data["params"]["item"]["choice"]
    by_name = {p.name: p for p in WHOLESALE}
    assert {c["product"] for c in choices} == set(by_name)
    for c in choices:
        p = by_name[c["product"]]
        assert (c["spec"], c["unit"], c["limit"]) == (p.spec, p.unit, p.limit)
        assert c["keyword"] in p.keywords or c["keyword"] in p.name


def test_web_pages_tolerate_no_world(app) -> None:  # noqa: ANN001
    client = app.test_client()
    for path in ("/web/", "/web/pifahangqing/", "/web/go?to=x", "/web/a/b\x00"):
        assert client.get(path).status_code < 500
