"""Grader checks about 生意参谋 (shop analytics): which reports the candidate looked at or exported, and
answers about the shop's traffic, each compared with the figure computed from the world's facts by the
same service functions the pages use (never a value written into the scenario).

The shop graded is the merchant identity's (its seller-centre login owns it). A date range is given as
`start`/`end` (YYYY-MM-DD), or `week` (1 = the first seven days recorded), or `last_days` (the last N
days recorded); none of them: the whole recorded period.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import day, identifier, text
from sandbox.analytics import services
from sandbox.analytics.models import SOURCE_LABELS, AnalyticsShop
from sandbox.worlds.world import World

PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%?$")


# --- what the answers should be (used by the checks and by the scenario's reference) ----------------


def shop_of(ctx: GradeContext, role: str = "merchant") -> AnalyticsShop | None:
    """The recorded shop of the identity's seller-centre account."""
    ident = next((i for i in ctx.identities if i["role"] == role), None)
    if ident is None or not ident.get("shop_login"):
        return None
    from sandbox.merchant.models import SellerAccount

    seller = ctx.world.db.scalars(
        select(SellerAccount).where(SellerAccount.login == ident["shop_login"])
    ).first()
    return services.shop_of_account(ctx.world, seller.id) if seller else None


def range_of(
    shop: AnalyticsShop,
    start: str | None = None,
    end: str | None = None,
    week: int | None = None,
    last_days: int | None = None,
) -> services.DateRange:
    """The date range a check names (see the module's docstring)."""
    if start and end:
        return services.DateRange(date.fromisoformat(start), date.fromisoformat(end))
    if week:
        first = shop.first_day + timedelta(days=7 * (int(week) - 1))
        return services.DateRange(first, min(first + timedelta(days=6), shop.last_day))
    if last_days:
        return services.DateRange(shop.last_day - timedelta(days=int(last_days) - 1), shop.last_day)
    return services.DateRange(shop.first_day, shop.last_day)


def product_code(w: World, shop: AnalyticsShop, product: str) -> str:
    """The code of the shop's product named by its code or its exact name (a scenario knows the names
    of the sample goods before the world gives them codes); 404 if the shop has no such product."""
    from sandbox.storefront.models import Product

    rows = w.db.execute(select(Product.code, Product.name).where(Product.shop_id == shop.shop_id)).all()
    for code, name in rows:
        if code == product or text(name) == text(product):
            return code
    return services.product_of(w, shop, product).code  # raises NotFound


def expected_conversion(
    w: World, shop: AnalyticsShop, rng: services.DateRange, product: str | None
) -> int | None:
    """The conversion rate (basis points) of a product (its code or name; None: the whole shop) over
    the range."""
    product_id = services.product_of(w, shop, product_code(w, shop, product)).id if product else None
    return services.totals(w, shop, rng, product_id=product_id).conversion_bp


def expected_share(
    w: World, shop: AnalyticsShop, rng: services.DateRange, source: str | None = None
) -> tuple[str | None, int | None]:
    """The source (`source`, or the one that brought the most visitors) and its share of the visitors
    over the range (basis points)."""
    source = source or services.best_source(w, shop, rng)
    row = next((r for r in services.by_source(w, shop, rng) if r.source == source), None)
    return source, (row.share_bp if row else None)


def expected_best_source(
    w: World, shop: AnalyticsShop, rng: services.DateRange, metric: str = "visitors"
) -> str | None:
    """The source that brought the most `metric` over the range."""
    return services.best_source(w, shop, rng, metric)


def expected_promote(w: World, shop: AnalyticsShop, rng: services.DateRange) -> services.ProductRow | None:
    """The product worth promoting (highest conversion with enough visitors)."""
    return services.promote_candidate(w, shop, rng)


def expected_weak(w: World, shop: AnalyticsShop, rng: services.DateRange) -> services.ProductRow | None:
    """The product with high traffic and low conversion."""
    return services.weak_product(w, shop, rng)


def expected_ad_day(w: World, shop: AnalyticsShop, rng: services.DateRange) -> date | None:
    """The day the ads brought the most visitors (the ad campaign's day)."""
    return services.peak_day(w, shop, rng, "ads")


# --- reading answers --------------------------------------------------------------------------


def percent_bp(value: str) -> int | None:
    """A percentage written as '3.27%', '3.27 %' or '3.27' -> basis points (None if not one, or with more
    than two decimals that are not zeros)."""
    m = PERCENT.match(unicodedata.normalize("NFKC", value or "").strip().replace("％", "%"))
    if not m:
        return None
    whole, _, frac = m[1].partition(".")
    frac = frac.rstrip("0")
    if len(frac) > 2:
        return None
    return int(whole) * 100 + int((frac + "00")[:2])


def source_of(value: str) -> str | None:
    """A source named by its label (搜索, 广告, 直接访问, 站外) or key."""
    t = text(value).lower()
    for key, label in SOURCE_LABELS.items():
        if t in (key, label) or t == f"{label}流量" or t == f"{label}来源":
            return key
    return None


def product_named(row: services.ProductRow, value: str) -> bool:
    """Whether the answer names the product: its code (a label before it allowed) or its exact name."""
    return identifier(value) == row.code.upper() or text(value) == text(row.name)


def _range_evidence(rng: services.DateRange) -> dict[str, Any]:
    return text_evidence("统计范围", f"{rng.start} ~ {rng.end}")


def _no_shop() -> CheckResult:
    return CheckResult.failed("该身份没有可统计的店铺")


# --- checks -----------------------------------------------------------------------------------


@check("event", "analytics.viewed")
def viewed(
    ctx: GradeContext, report: str, product: str | None = None, exported: bool = False, role: str = "merchant"
) -> CheckResult:
    """The candidate looked at the report `report` (overview, products, product, sources) of the shop
    — of product `product` (its code or name) if given; with `exported: true` exported it as CSV
    instead."""
    shop = shop_of(ctx, role)
    if shop is None:
        return _no_shop()
    product = product_code(ctx.world, shop, product) if product else None
    name = "analytics.exported" if exported else "analytics.viewed"
    want = f"product-{product}" if exported and product else report
    for ev in ctx.world.events(name):
        p = ev.payload
        if p.get("shop") != shop.shop_id or p.get("report") != want:
            continue
        if product and not exported and p.get("product") != product:
            continue
        line = f"#{ev.id} {ev.at:%H:%M:%S} {p.get('report')} {p.get('start')} ~ {p.get('end')}"
        return CheckResult.passed("已导出报表" if exported else "已查看报表", text_evidence("记录", line))
    return CheckResult.failed("没有导出该报表" if exported else "没有查看该报表")


@check("answer", "analytics.conversion_rate")
def conversion_rate(
    ctx: GradeContext,
    field: str,
    product: str | None = None,
    start: str | None = None,
    end: str | None = None,
    week: int | None = None,
    last_days: int | None = None,
    tolerance_bp: int = 0,
    role: str = "merchant",
) -> CheckResult:
    """The answer is the conversion rate (buyers ÷ visitors, a percentage with two decimals) of
    `product` (a code or name; none: the whole shop) over the range, within `tolerance_bp` hundredths of a
    percent."""
    shop = shop_of(ctx, role)
    if shop is None:
        return _no_shop()
    rng = range_of(shop, start, end, week, last_days)
    expected = expected_conversion(ctx.world, shop, rng, product)
    given = ctx.answers.get(field, "")
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("应为", services.fmt_rate(expected)),
        _range_evidence(rng),
    ]
    if not given.strip():
        return CheckResult(0.0, "答题卡未填写", evidence)
    bp = percent_bp(given)
    if bp is None:
        return CheckResult(0.0, "不是百分比（应如 3.27%）", evidence)
    if expected is not None and abs(bp - expected) <= tolerance_bp:
        return CheckResult(1.0, "转化率正确", evidence)
    return CheckResult(0.0, "转化率不正确", evidence)


@check("answer", "analytics.source_share")
def source_share(
    ctx: GradeContext,
    field: str,
    source: str | None = None,
    start: str | None = None,
    end: str | None = None,
    week: int | None = None,
    last_days: int | None = None,
    tolerance_bp: int = 0,
    role: str = "merchant",
) -> CheckResult:
    """The answer is the share of the visitors (来源占比, a percentage with two decimals) that `source`
    (a key or label; none: the source that brought the most visitors) brought over the range, within
    `tolerance_bp` hundredths of a percent."""
    shop = shop_of(ctx, role)
    if shop is None:
        return _no_shop()
    rng = range_of(shop, start, end, week, last_days)
    key, expected = expected_share(ctx.world, shop, rng, source_of(source) if source else None)
    given = ctx.answers.get(field, "")
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("应为", f"{SOURCE_LABELS.get(key or '', '（无数据）')} {services.fmt_rate(expected)}"),
        _range_evidence(rng),
    ]
    if not given.strip():
        return CheckResult(0.0, "答题卡未填写", evidence)
    bp = percent_bp(given)
    if bp is None:
        return CheckResult(0.0, "不是百分比（应如 48.27%）", evidence)
    if expected is not None and abs(bp - expected) <= tolerance_bp:
        return CheckResult(1.0, "来源占比正确", evidence)
    return CheckResult(0.0, "来源占比不正确", evidence)


@check("answer", "analytics.best_source")
def best_source(
    ctx: GradeContext,
    field: str,
    metric: str = "visitors",
    start: str | None = None,
    end: str | None = None,
    week: int | None = None,
    last_days: int | None = None,
    role: str = "merchant",
) -> CheckResult:
    """The answer names the traffic source that brought the most `metric` (visitors, buyers, sales_fen)
    over the range."""
    shop = shop_of(ctx, role)
    if shop is None:
        return _no_shop()
    rng = range_of(shop, start, end, week, last_days)
    expected = expected_best_source(ctx.world, shop, rng, metric)
    given = ctx.answers.get(field, "")
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("应为", SOURCE_LABELS.get(expected or "", "（无数据）")),
        _range_evidence(rng),
    ]
    if not given.strip():
        return CheckResult(0.0, "答题卡未填写", evidence)
    if expected is not None and source_of(given) == expected:
        return CheckResult(1.0, "流量来源正确", evidence)
    return CheckResult(0.0, "流量来源不正确", evidence)


def _product_answer(
    ctx: GradeContext, field: str, row: services.ProductRow | None, rng, what: str
) -> CheckResult:  # noqa: ANN001
    given = ctx.answers.get(field, "")
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("应为", f"{row.code} {row.name}" if row else "（无符合条件的商品）"),
        _range_evidence(rng),
    ]
    if not given.strip():
        return CheckResult(0.0, "答题卡未填写", evidence)
    if row is not None and product_named(row, given):
        return CheckResult(1.0, f"{what}正确", evidence)
    return CheckResult(0.0, f"{what}不正确", evidence)


@check("answer", "analytics.promote_product")
def promote_product(
    ctx: GradeContext,
    field: str,
    start: str | None = None,
    end: str | None = None,
    week: int | None = None,
    last_days: int | None = None,
    role: str = "merchant",
) -> CheckResult:
    """The answer names (code or exact name) the product worth promoting: the highest conversion rate
    among products with at least MIN_VISITORS_FOR_RATE visitors over the range."""
    shop = shop_of(ctx, role)
    if shop is None:
        return _no_shop()
    rng = range_of(shop, start, end, week, last_days)
    return _product_answer(ctx, field, expected_promote(ctx.world, shop, rng), rng, "推广商品")


@check("answer", "analytics.weak_product")
def weak_product(
    ctx: GradeContext,
    field: str,
    start: str | None = None,
    end: str | None = None,
    week: int | None = None,
    last_days: int | None = None,
    role: str = "merchant",
) -> CheckResult:
    """The answer names (code or exact name) the product with high traffic and low conversion: the most
    visitors among the products converting below the shop's rate over the range."""
    shop = shop_of(ctx, role)
    if shop is None:
        return _no_shop()
    rng = range_of(shop, start, end, week, last_days)
    return _product_answer(ctx, field, expected_weak(ctx.world, shop, rng), rng, "待优化商品")


@check("answer", "analytics.ad_day")
def ad_day(
    ctx: GradeContext,
    field: str,
    start: str | None = None,
    end: str | None = None,
    week: int | None = None,
    last_days: int | None = None,
    role: str = "merchant",
) -> CheckResult:
    """The answer is the date (2026-03-01, 2026/3/1, 2026年3月1日) when ads brought the most visitors."""
    shop = shop_of(ctx, role)
    if shop is None:
        return _no_shop()
    rng = range_of(shop, start, end, week, last_days)
    expected = expected_ad_day(ctx.world, shop, rng)
    given = ctx.answers.get(field, "")
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("应为", expected.isoformat() if expected else "（无数据）"),
        _range_evidence(rng),
    ]
    if not given.strip():
        return CheckResult(0.0, "答题卡未填写", evidence)
    if expected is not None and day(given) == expected:
        return CheckResult(1.0, "日期正确", evidence)
    return CheckResult(0.0, "日期不正确", evidence)
