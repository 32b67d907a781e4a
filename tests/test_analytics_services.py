"""生意参谋's services: each metric's definition on a hand-computed fixture, the date ranges, the CSV, the
NPC traffic (deterministic, consistent, with its planted patterns for several seeds) and the grader
checks computed from the world."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from graders.checks import analytics as checks
from graders.context import GradeContext
from sandbox.analytics import services
from sandbox.analytics.models import AnalyticsShop, TrafficFact
from sandbox.errors import DomainError, NotFound
from sandbox.merchant import accounts
from sandbox.scenarios.loader import Scenario
from sandbox.storefront.models import Product, Shop
from seed_data import analytics_seed

D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
LOGIN = "merchant.123456@mail.sim"


def free_shop(w):  # noqa: ANN001, ANN201
    """A world shop with two products and no recorded traffic yet."""
    recorded = set(w.db.scalars(select(AnalyticsShop.shop_id)))
    q = select(Product.shop_id).group_by(Product.shop_id).having(func.count(Product.id) >= 2)
    shop_id = next(s for s in w.db.scalars(q.order_by(Product.shop_id)) if s not in recorded)
    return w.db.get(Shop, shop_id)


@pytest.fixture
def small(w):  # noqa: ANN001, ANN201
    """A shop with four hand-written facts (two products, two days):

    A d1 search: 100 visitors, 180 PV, 10 carts, 4 orders, 3 buyers, 200.00
    A d1 ads:     50 visitors,  60 PV,  5 carts, 1 order,  1 buyer,   50.00
    A d2 search:  30 visitors,  40 PV,  2 carts
    B d2 direct:  20 visitors,  25 PV,  4 carts, 2 orders, 2 buyers, 246.90
    """
    shop = free_shop(w)
    a, b = w.db.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.code)).all()[:2]
    seller = accounts.open_account(w, login=LOGIN, password="pw123456", name="林晓", shop=shop)
    ashop = AnalyticsShop(
        shop_id=shop.id,
        shop_name=shop.name,
        owner_account_id=seller.id,
        first_day=D1,
        last_day=D3,
        seed_key="t",
    )
    w.db.add(ashop)
    rows = [
        (a.id, D1, "search", 100, 180, 10, 4, 3, 20000),
        (a.id, D1, "ads", 50, 60, 5, 1, 1, 5000),
        (a.id, D2, "search", 30, 40, 2, 0, 0, 0),
        (b.id, D2, "direct", 20, 25, 4, 2, 2, 24690),
    ]
    keys = ("product_id", "day", "source", "visitors", "page_views", "carts", "orders", "buyers", "sales_fen")
    w.db.execute(insert(TrafficFact), [{"shop_id": shop.id, **dict(zip(keys, r, strict=True))} for r in rows])
    w.db.flush()
    ashop.a, ashop.b = a, b
    return ashop


def test_rates_round_half_up_in_hundredths_of_a_percent() -> None:
    assert services.ratio_bp(6, 200) == 300 and services.fmt_rate(300) == "3.00%"
    assert services.ratio_bp(1, 3) == 3333 and services.ratio_bp(2, 3) == 6667
    assert services.ratio_bp(1, 20000) == 1 and services.ratio_bp(1, 20001) == 0  # 0.005% rounds up
    assert services.ratio_bp(1, 0) is None and services.fmt_rate(None) == "—"
    assert services.fmt_rate(5) == "0.05%" and services.fmt_rate(12345) == "123.45%"
    assert services.divide_half_up(49690, 7) == 7099 and services.divide_half_up(1, 2) == 1
    assert services.divide_half_up(5, 0) is None


def test_the_metrics_of_the_small_fixture(w, small) -> None:  # noqa: ANN001
    rng = services.DateRange(D1, D3)
    t = services.totals(w, small, rng)
    assert (t.visitors, t.page_views, t.carts, t.orders, t.buyers, t.sales_fen) == (200, 305, 21, 7, 6, 49690)
    assert (
        t.conversion == "3.00%"
        and t.cart_rate_bp == 1050
        and t.aov_fen == 7099
        and t.pv_per_visitor == "1.53"
    )
    a = services.totals(w, small, rng, product_id=small.a.id)
    assert (a.visitors, a.buyers, a.conversion) == (180, 4, "2.22%")
    assert services.totals(w, small, services.DateRange(D2, D2)).visitors == 50
    assert services.totals(w, small, rng, source="ads").visitors == 50
    assert [(d, t.visitors) for d, t in services.daily(w, small, rng)] == [(D1, 150), (D2, 50), (D3, 0)]

    sources = services.by_source(w, small, rng)
    assert [(r.source, r.totals.visitors, r.share) for r in sources] == [
        ("search", 130, "65.00%"),
        ("ads", 50, "25.00%"),
        ("direct", 20, "10.00%"),
        ("external", 0, "0.00%"),
    ]
    assert services.best_source(w, small, rng) == "search"
    assert services.best_source(w, small, rng, "sales_fen") == "direct"
    assert services.peak_day(w, small, rng) == D1 and services.peak_day(w, small, rng, None) == D1

    by_visitors = services.by_product(w, small, rng)
    assert [r.code for r in by_visitors[:2]] == [small.a.code, small.b.code]
    assert by_visitors[1].totals.conversion == "10.00%"
    by_sales = services.by_product(w, small, rng, "sales")
    assert [r.totals.sales_fen for r in by_sales[:2]] == [25000, 24690]
    by_rate = services.by_product(w, small, rng, "conversion")
    assert by_rate[0].code == small.a.code  # B converts better but has too few visitors to rank
    assert services.promote_candidate(w, small, rng).code == small.a.code
    assert services.weak_product(w, small, rng).code == small.a.code
    steps = services.funnel(services.totals(w, small, rng, product_id=small.b.id))
    assert [(s["count"], s["rate_bp"]) for s in steps] == [(20, None), (4, 2000), (2, 5000)]
    with pytest.raises(DomainError):
        services.by_product(w, small, rng, "price")
    with pytest.raises(NotFound):
        services.product_of(w, small, "P99999")
    other = w.db.scalars(select(Product).where(Product.shop_id != small.shop_id)).first()
    with pytest.raises(NotFound):
        services.product_of(w, small, other.code)


def test_date_ranges(w) -> None:  # noqa: ANN001
    today = w.now().date()
    seven = services.parse_range(w)
    assert (seven.end - seven.start).days == 6 and seven.end < today and seven.preset == "7"
    assert len(services.parse_range(w, "30").days) == 30
    custom = services.parse_range(w, "", "2026-03-01", "2026-03-03")
    assert custom.days == [D1, D2, D3] and custom.as_args() == {"start": "2026-03-01", "end": "2026-03-03"}
    for args in (
        ("", "2026-03-03", "2026-03-01"),  # reversed
        ("", "2026-3-1", "2026-03-03"),
        ("", "2026-02-30", "2026-03-03"),
        ("", "2026-03-01", ""),
        ("", "2025-01-01", "2025-12-31"),  # too long
        ("", "2026-03-01", (today.replace(year=today.year + 1)).isoformat()),  # the future
        ("365", "", ""),
        ("", "<script>", "x"),
    ):
        with pytest.raises(DomainError) as exc:
            services.parse_range(w, *args)
        assert exc.value.status == 400


def test_csv_has_a_bom_and_no_formulas() -> None:
    data = services.to_csv(["商品名称", "销售额(元)"], [["=HYPERLINK(1)", "1.00"], ["保温杯", "-2"]])
    assert data.startswith("\ufeff".encode()) and data.decode("utf-8-sig").splitlines() == [
        "商品名称,销售额(元)",
        "'=HYPERLINK(1),1.00",
        "保温杯,'-2",
    ]


def facts(w, shop_id: int) -> list[tuple]:  # noqa: ANN001
    q = select(TrafficFact).where(TrafficFact.shop_id == shop_id).order_by(TrafficFact.id)
    return [
        (f.product_id, f.day, f.source, f.visitors, f.page_views, f.carts, f.orders, f.buyers, f.sales_fen)
        for f in w.db.scalars(q)
    ]


def test_the_base_world_records_a_few_shops(w) -> None:  # noqa: ANN001
    shops = list(w.db.scalars(select(AnalyticsShop)))
    assert len(shops) == analytics_seed.NPC_SHOPS
    epoch = w.meta().epoch.date()
    assert all(
        s.last_day == date.fromordinal(epoch.toordinal() - 1) and s.owner_account_id is None for s in shops
    )


@pytest.mark.parametrize("seed", ["s1", "s2", "s3", "s4", "s5"])
def test_generation_is_deterministic_consistent_and_planted(w, seed: str) -> None:  # noqa: ANN001
    shop = free_shop(w)
    made = services.generate(w, shop.id, shop.name, seed)
    rows = facts(w, shop.id)
    products = w.db.scalar(select(func.count(Product.id)).where(Product.shop_id == shop.id))
    assert len(rows) == 28 * products * 4
    for _pid, _day, _src, visitors, pv, carts, orders, buyers, sales in rows:
        assert 0 <= buyers <= orders <= visitors and buyers <= carts <= visitors <= pv
        assert (sales > 0) == (orders > 0)
    # The same seed draws the same rows.
    w.db.execute(TrafficFact.__table__.delete().where(TrafficFact.shop_id == shop.id))
    w.db.delete(made)
    w.db.flush()
    again = services.generate(w, shop.id, shop.name, seed)
    assert facts(w, shop.id) == rows and again.plan == made.plan
    # The planted patterns, found by the same functions the pages and checks use, over any week.
    plan = again.plan
    whole = services.DateRange(again.first_day, again.last_day)
    for rng in (whole, services.DateRange(again.last_day - timedelta(days=6), again.last_day)):
        assert services.weak_product(w, again, rng).id == plan["weak"]
        assert services.by_product(w, again, rng)[0].id == plan["weak"]
        assert services.by_product(w, again, rng, "conversion")[-1].id == plan["weak"]
        assert services.promote_candidate(w, again, rng).id == plan["star"]
    assert services.peak_day(w, again, whole).isoformat() == plan["ad_day"]
    assert services.best_source(w, again, whole) == "search"
    # The weekday rhythm: the weekend days bring more visitors than the weekdays on average.
    days = services.daily(w, again, whole)
    ads_day = date.fromisoformat(plan["ad_day"])
    weekend = [t.visitors for d, t in days if d.weekday() >= 5]
    weekday = [t.visitors for d, t in days if d.weekday() < 5 and d != ads_day]
    assert sum(weekend) / len(weekend) > 1.15 * sum(weekday) / len(weekday)


def test_the_overlay_records_the_candidates_shop(w) -> None:  # noqa: ANN001
    shop = Shop(name="林晓的小店", city="", bank_account_no="6222000000000000001", rating=50)
    w.db.add(shop)
    w.db.flush()
    accounts.open_account(w, login=LOGIN, password="pw123456", name="林晓", shop=shop)
    ident = {"role": "merchant", "shop_login": LOGIN, "account_no": "6222000000000000001", "email": LOGIN}
    analytics_seed.overlay(w, [ident], [{"role": "merchant", "analytics": {"days": 14}}], {})
    made = services.shop_by_shop_id(w, shop.id)
    assert made is not None and (made.last_day - made.first_day).days == 13
    assert w.db.scalar(select(func.count(Product.id)).where(Product.shop_id == shop.id)) == 5
    # No `analytics` in the account spec: nothing recorded.
    assert analytics_seed.overlay(w, [ident], [{"role": "merchant"}], {}) is None


def test_the_overlay_also_takes_an_analytics_parameter(w) -> None:  # noqa: ANN001
    """A scenario may ask for the traffic with its parameter `analytics` (what shop-data-analysis does
    while the scenario schema has no `analytics` in an account spec); another parameter does nothing."""
    shop = Shop(name="林晓的小店", city="", bank_account_no="6222000000000000001", rating=50)
    w.db.add(shop)
    w.db.flush()
    accounts.open_account(w, login=LOGIN, password="pw123456", name="林晓", shop=shop)
    ident = {"role": "merchant", "shop_login": LOGIN, "account_no": "6222000000000000001", "email": LOGIN}
    analytics_seed.overlay(w, [ident], [{"role": "merchant"}], {"analytics": "28"})
    assert services.shop_by_shop_id(w, shop.id) is None
    analytics_seed.overlay(w, [ident], [{"role": "merchant"}], {"analytics": {"days": 10, "products": 3}})
    made = services.shop_by_shop_id(w, shop.id)
    assert made is not None and (made.last_day - made.first_day).days == 9
    assert w.db.scalar(select(func.count(Product.id)).where(Product.shop_id == shop.id)) == 3


@pytest.fixture
def ctx(w, small, tmp_path: Path) -> GradeContext:  # noqa: ANN001
    scenario = Scenario(
        folder=tmp_path,
        data={
            "id": "unit",
            "version": 1,
            "title": {"zh": "单元"},
            "minutes": 10,
            "world": {"base": "default"},
            "tasks": [{"id": "t", "text": {"zh": "任务"}}],
            "rubric": [],
        },
    )
    return GradeContext(
        scenario=scenario,
        params={},
        answers={},
        identities=[{"role": "merchant", "email": LOGIN, "shop_login": LOGIN, "name": "林晓"}],
        world=w,
        evidence_dir=tmp_path / "evidence",
    )


def test_the_answer_checks(ctx, small) -> None:  # noqa: ANN001
    a = small.a
    cases = [
        (checks.conversion_rate, {"product": a.code}, "2.22%", "2.2%"),
        (checks.conversion_rate, {}, "3", "3.01%"),
        (checks.conversion_rate, {"start": "2026-03-02", "end": "2026-03-02"}, "4.00%", "0.04"),
        (checks.best_source, {}, "搜索", "广告"),
        (checks.best_source, {"metric": "sales_fen"}, "直接访问", "搜索"),
        (checks.promote_product, {}, f"商品编号：{a.code}", small.b.code),
        (checks.weak_product, {"week": 1}, a.name, "保温杯"),
        (checks.ad_day, {"last_days": 3}, "2026年3月1日", "2026-03-02"),
        (checks.conversion_rate, {"product": a.name}, "2.22%", "3.00%"),  # a product named, not coded
        (checks.source_share, {}, "65.00%", "65.01%"),  # the top source (搜索): 130 of 200 visitors
        (checks.source_share, {"source": "广告"}, "25%", "65.00%"),
        (checks.source_share, {"start": "2026-03-02", "end": "2026-03-02"}, "60.00%", "40.00%"),
    ]
    for fn, args, right, wrong in cases:
        ctx.answers = {"f": right}
        assert fn(ctx, "f", **args).fraction == 1, (fn.__name__, args, right)
        ctx.answers = {"f": wrong}
        assert fn(ctx, "f", **args).fraction == 0, (fn.__name__, args, wrong)
        ctx.answers = {}
        assert fn(ctx, "f", **args).feedback == "答题卡未填写"
    assert checks.percent_bp("３．２７％") == 327 and checks.percent_bp("3.270%") == 327
    assert checks.percent_bp("3.275%") is None and checks.percent_bp("abc") is None


def test_the_viewed_check(ctx, small) -> None:  # noqa: ANN001
    w = ctx.world
    assert checks.viewed(ctx, report="sources").fraction == 0
    rng = services.DateRange(D1, D3)
    services.record_view(w, small, "sources", rng)
    services.record_view(w, small, "product", rng, product=small.a.code)
    services.record_export(w, small, "products", rng, 2)
    w.db.flush()
    assert checks.viewed(ctx, report="sources").fraction == 1
    assert checks.viewed(ctx, report="product", product=small.a.code).fraction == 1
    assert checks.viewed(ctx, report="product", product=small.b.code).fraction == 0
    assert checks.viewed(ctx, report="product", product=small.a.name).fraction == 1  # by its name
    with pytest.raises(NotFound):
        checks.viewed(ctx, report="product", product="没有这件商品")
    assert checks.viewed(ctx, report="products", exported=True).fraction == 1
    assert checks.viewed(ctx, report="sources", exported=True).fraction == 0
    ctx.identities = [{"role": "merchant", "shop_login": "nobody@mail.sim"}]
    assert checks.viewed(ctx, report="sources").feedback == "该身份没有可统计的店铺"


def test_a_read_only_world_records_no_view(w, small) -> None:  # noqa: ANN001
    w.read_only = True
    services.record_view(w, small, "overview", services.DateRange(D1, D3))
    services.record_export(w, small, "overview", services.DateRange(D1, D3), 3)
    assert not w.emitted
