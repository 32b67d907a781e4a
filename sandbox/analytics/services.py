"""Analytics services (生意参谋): the shop's traffic metrics over a date range, the NPC traffic drawn
from a seed, and the CSV exports.

Every metric has one definition, here, used by the pages, the CSV files and the grader checks:

- 访客数 visitors: the sum of the daily visitors of the shop's products (a visitor of two products, or
  on two days, counts for each); 浏览量 page views: the sum of page views.
- 加购人数 carts, 订单数 orders, 下单买家数 buyers, 销售额 sales (fen): sums of the daily facts.
- 转化率 conversion rate: buyers ÷ visitors, in hundredths of a percent rounded half up (basis points),
  shown with two decimals, e.g. 3.27%; no visitors: no rate (shown "—").
- 加购率 cart rate: carts ÷ visitors; 下单率 (funnel step) buyers ÷ carts; same rounding.
- 客单价 average order value: sales ÷ orders in fen, rounded half up; no orders: none.
- 来源占比 source share: the source's visitors ÷ all visitors of the range (basis points).
- A date range is whole world days, both ends included; 近7天 / 近30天 are the 7 / 30 days before today
  (the world clock's date), today not included (its figures are not in yet).

Reading a report appends `analytics.viewed` (report, range, product), an export `analytics.exported`.
"""

from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from sandbox.analytics.models import SOURCE_LABELS, SOURCES, AnalyticsShop, Source, TrafficFact
from sandbox.errors import N_, DomainError, NotFound
from sandbox.storefront.models import Product, Sku
from sandbox.worlds.world import World

PRESETS = {"7": 7, "30": 30}  # 近7天, 近30天
DEFAULT_PRESET = "7"
MAX_RANGE_DAYS = 92
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SORTS = ("visitors", "sales", "conversion")  # the product ranking's orders
MIN_VISITORS_FOR_RATE = 30  # a product with fewer visitors in the range is not ranked by its rate
METRICS = ("visitors", "page_views", "carts", "orders", "buyers", "sales_fen")


# --- definitions ------------------------------------------------------------------------------


def ratio_bp(num: int, den: int) -> int | None:
    """num ÷ den in basis points (hundredths of a percent), rounded half up; None when den is 0."""
    if den <= 0:
        return None
    return (num * 20000 + den) // (2 * den)


def fmt_rate(bp: int | None) -> str:
    """A rate in basis points as a percentage with two decimals ("3.27%"; "—" when there is none)."""
    if bp is None:
        return "—"
    return f"{bp // 100}.{bp % 100:02d}%"


def divide_half_up(num: int, den: int) -> int | None:
    """num ÷ den rounded half up (integers); None when den is 0."""
    if den <= 0:
        return None
    return (2 * num + den) // (2 * den)


@dataclass(frozen=True)
class Totals:
    """Summed facts with the rates derived from them."""

    visitors: int = 0
    page_views: int = 0
    carts: int = 0
    orders: int = 0
    buyers: int = 0
    sales_fen: int = 0

    @property
    def conversion_bp(self) -> int | None:
        """转化率: buyers ÷ visitors (basis points)."""
        return ratio_bp(self.buyers, self.visitors)

    @property
    def conversion(self) -> str:
        return fmt_rate(self.conversion_bp)

    @property
    def cart_rate_bp(self) -> int | None:
        """加购率: carts ÷ visitors (basis points)."""
        return ratio_bp(self.carts, self.visitors)

    @property
    def order_rate_bp(self) -> int | None:
        """下单率 of the funnel: buyers ÷ carts (basis points)."""
        return ratio_bp(self.buyers, self.carts)

    @property
    def aov_fen(self) -> int | None:
        """客单价: sales ÷ orders (fen)."""
        return divide_half_up(self.sales_fen, self.orders)

    @property
    def pv_per_visitor(self) -> str:
        """人均浏览量: page views ÷ visitors, two decimals."""
        hundredths = divide_half_up(self.page_views * 100, self.visitors)
        return "—" if hundredths is None else f"{hundredths // 100}.{hundredths % 100:02d}"


def _totals(row: Any) -> Totals:
    return Totals(*(int(v or 0) for v in row))


def _sums() -> list:
    return [func.sum(getattr(TrafficFact, m)) for m in METRICS]


@dataclass(frozen=True)
class DateRange:
    """Whole world days from `start` to `end`, both included."""

    start: date
    end: date
    preset: str = ""  # "7", "30" or "" (custom)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def as_args(self) -> dict[str, str]:
        """The query parameters that give this range again."""
        if self.preset:
            return {"range": self.preset}
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def payload(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def today(w: World) -> date:
    """The world clock's date."""
    return w.now().date()


def _day(value: str) -> date:
    value = (value or "").strip()
    if not ISO_DAY.fullmatch(value):
        raise DomainError(N_("日期格式不正确，请按“年-月-日”填写，例如 2026-03-01"))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(N_("日期格式不正确，请按“年-月-日”填写，例如 2026-03-01")) from None


def parse_range(w: World, preset: str = "", start: str = "", end: str = "") -> DateRange:
    """The date range a report asks for: a preset (近7天 "7", 近30天 "30") or custom start and end
    dates; nothing asked gives 近7天. A bad date, a reversed range, an end after today or a range
    longer than MAX_RANGE_DAYS is refused (400)."""
    now = today(w)
    start, end, preset = (start or "").strip(), (end or "").strip(), (preset or "").strip()
    if start or end:
        if not (start and end):
            raise DomainError(N_("请同时填写开始日期和结束日期"))
        first, last = _day(start), _day(end)
        if first > last:
            raise DomainError(N_("开始日期不能晚于结束日期"))
        if last > now:
            raise DomainError(N_("结束日期不能晚于今天（%(today)s）"), today=now.isoformat())
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise DomainError(N_("查询范围不能超过 %(max)s 天"), max=MAX_RANGE_DAYS)
        return DateRange(first, last)
    preset = preset or DEFAULT_PRESET
    if preset not in PRESETS:
        raise DomainError(N_("不支持的时间范围：请选择近7天、近30天或自定义日期"))
    return DateRange(now - timedelta(days=PRESETS[preset]), now - timedelta(days=1), preset)


# --- the shop ---------------------------------------------------------------------------------


def shop_of_account(w: World, account_id: object) -> AnalyticsShop | None:
    """The recorded shop the seller-centre account owns (None if there is none)."""
    if not isinstance(account_id, int):
        return None
    q = select(AnalyticsShop).where(AnalyticsShop.owner_account_id == account_id)
    return w.db.scalars(q).first()


def shop_by_shop_id(w: World, shop_id: int) -> AnalyticsShop | None:
    """The analytics record of a storefront shop."""
    return w.db.scalars(select(AnalyticsShop).where(AnalyticsShop.shop_id == shop_id)).first()


def product_of(w: World, shop: AnalyticsShop, code: str) -> Product:
    """A product of this shop by its code (another shop's product is not found)."""
    product = w.db.scalars(select(Product).where(Product.code == (code or "")[:20])).first()
    if product is None or product.shop_id != shop.shop_id:
        raise NotFound(N_("商品不存在"))
    return product


# --- metrics ----------------------------------------------------------------------------------


def _where(q, shop: AnalyticsShop, rng: DateRange, product_id: int | None, source: str | None):  # noqa: ANN001, ANN202
    q = q.where(TrafficFact.shop_id == shop.shop_id, TrafficFact.day.between(rng.start, rng.end))
    if product_id is not None:
        q = q.where(TrafficFact.product_id == product_id)
    if source is not None:
        q = q.where(TrafficFact.source == source)
    return q


def totals(
    w: World, shop: AnalyticsShop, rng: DateRange, product_id: int | None = None, source: str | None = None
) -> Totals:
    """The shop's (or one product's, or one source's) summed facts over the range."""
    return _totals(w.db.execute(_where(select(*_sums()), shop, rng, product_id, source)).one())


def daily(
    w: World, shop: AnalyticsShop, rng: DateRange, product_id: int | None = None
) -> list[tuple[date, Totals]]:
    """Each day of the range with its totals (days without traffic give zeros)."""
    q = _where(select(TrafficFact.day, *_sums()), shop, rng, product_id, None).group_by(TrafficFact.day)
    found = {row[0]: _totals(row[1:]) for row in w.db.execute(q)}
    return [(d, found.get(d, Totals())) for d in rng.days]


def daily_source(w: World, shop: AnalyticsShop, rng: DateRange, source: str) -> list[tuple[date, int]]:
    """Each day of the range with the visitors from one source."""
    q = _where(select(TrafficFact.day, func.sum(TrafficFact.visitors)), shop, rng, None, source)
    found = dict(w.db.execute(q.group_by(TrafficFact.day)).all())
    return [(d, int(found.get(d) or 0)) for d in rng.days]


@dataclass(frozen=True)
class SourceRow:
    source: str
    label: str
    totals: Totals
    share_bp: int | None  # of all visitors in the range

    @property
    def share(self) -> str:
        return fmt_rate(self.share_bp)


def by_source(w: World, shop: AnalyticsShop, rng: DateRange) -> list[SourceRow]:
    """Every traffic source with its totals and share of visitors, most visitors first (ties in the
    order of SOURCES)."""
    q = _where(select(TrafficFact.source, *_sums()), shop, rng, None, None).group_by(TrafficFact.source)
    found = {row[0]: _totals(row[1:]) for row in w.db.execute(q)}
    everyone = sum(t.visitors for t in found.values())
    rows = [
        SourceRow(
            s, SOURCE_LABELS[s], found.get(s, Totals()), ratio_bp(found.get(s, Totals()).visitors, everyone)
        )
        for s in SOURCES
    ]
    return sorted(rows, key=lambda r: -r.totals.visitors)


def best_source(w: World, shop: AnalyticsShop, rng: DateRange, metric: str = "visitors") -> str | None:
    """The source that brought the most `metric` (visitors, buyers or sales_fen) in the range."""
    rows = by_source(w, shop, rng)
    rows = sorted(rows, key=lambda r: (-getattr(r.totals, metric), SOURCES.index(r.source)))
    return rows[0].source if rows and getattr(rows[0].totals, metric) > 0 else None


@dataclass(frozen=True)
class ProductRow:
    id: int
    code: str
    name: str
    totals: Totals


def _sort_key(sort: str):  # noqa: ANN202
    if sort == "sales":
        return lambda r: (-r.totals.sales_fen, r.code)
    if sort == "conversion":  # products with too few visitors for a rate go last
        return lambda r: (
            r.totals.visitors < MIN_VISITORS_FOR_RATE,
            -(r.totals.conversion_bp or 0),
            r.code,
        )
    return lambda r: (-r.totals.visitors, r.code)


def by_product(w: World, shop: AnalyticsShop, rng: DateRange, sort: str = "visitors") -> list[ProductRow]:
    """The shop's products with their totals over the range, ranked by `sort` (SORTS: visitors, sales,
    conversion — a product with fewer than MIN_VISITORS_FOR_RATE visitors is ranked last by rate);
    ties by product code."""
    if sort not in SORTS:
        raise DomainError(N_("不支持的排序方式"))
    q = _where(select(TrafficFact.product_id, *_sums()), shop, rng, None, None)
    found = {row[0]: _totals(row[1:]) for row in w.db.execute(q.group_by(TrafficFact.product_id))}
    products = w.db.execute(
        select(Product.id, Product.code, Product.name)
        .where(Product.shop_id == shop.shop_id)
        .order_by(Product.code)
    ).all()
    rows = [ProductRow(pid, code, name, found.get(pid, Totals())) for pid, code, name in products]
    return sorted(rows, key=_sort_key(sort))


def promote_candidate(w: World, shop: AnalyticsShop, rng: DateRange) -> ProductRow | None:
    """推广潜力商品: the product with the highest conversion rate among those with at least
    MIN_VISITORS_FOR_RATE visitors — it sells well to the few who find it, so more traffic pays."""
    rows = [r for r in by_product(w, shop, rng, "conversion") if r.totals.visitors >= MIN_VISITORS_FOR_RATE]
    return rows[0] if rows else None


def weak_product(w: World, shop: AnalyticsShop, rng: DateRange) -> ProductRow | None:
    """流量高、转化低的商品: the product with the most visitors whose conversion rate is below the
    shop's over the same range (its detail page loses the visitors); None if the busiest products all
    convert at least as well as the shop."""
    shop_rate = totals(w, shop, rng).conversion_bp
    if shop_rate is None:
        return None
    for row in by_product(w, shop, rng, "visitors"):
        if row.totals.visitors and (row.totals.conversion_bp or 0) < shop_rate:
            return row
    return None


def peak_day(w: World, shop: AnalyticsShop, rng: DateRange, source: str | None = Source.ADS) -> date | None:
    """The day of the range with the most visitors (from `source`, or from all sources); the earliest
    on a tie."""
    if source is None:
        days = [(d, t.visitors) for d, t in daily(w, shop, rng)]
    else:
        days = daily_source(w, shop, rng, source)
    best = max(days, key=lambda x: (x[1], -x[0].toordinal()), default=None)
    return best[0] if best and best[1] > 0 else None


def funnel(t: Totals) -> list[dict[str, Any]]:
    """访客 → 加购 → 下单: each step's count and its rate from the step before (basis points)."""
    return [
        {"step": N_("访客"), "count": t.visitors, "rate_bp": None},
        {"step": N_("加购"), "count": t.carts, "rate_bp": t.cart_rate_bp},
        {"step": N_("下单"), "count": t.buyers, "rate_bp": t.order_rate_bp},
    ]


# --- events -----------------------------------------------------------------------------------


def record_view(w: World, shop: AnalyticsShop, report: str, rng: DateRange, **extra: Any) -> None:
    """Note that the candidate looked at a report (not in a read-only world: a grader's or a closed one)."""
    if not w.read_only:
        w.emit("analytics.viewed", report=report, shop=shop.shop_id, **rng.payload(), **extra)


def record_export(w: World, shop: AnalyticsShop, report: str, rng: DateRange, rows: int) -> None:
    """Note an export (not in a read-only world)."""
    if not w.read_only:
        w.emit("analytics.exported", report=report, shop=shop.shop_id, rows=rows, **rng.payload())


# --- CSV --------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def yuan(fen: int | None) -> str:
    """Fen as yuan with two decimals (for CSV cells)."""
    if fen is None:
        return "—"
    return f"{fen // 100}.{fen % 100:02d}"


# --- generation (the NPC traffic) -------------------------------------------------------------

WEEKDAY = (0.86, 0.9, 0.94, 0.97, 1.06, 1.3, 1.24)  # Monday … Sunday: the weekend is busiest
SOURCE_SHARE = {Source.SEARCH: 0.48, Source.ADS: 0.14, Source.DIRECT: 0.22, Source.EXTERNAL: 0.16}
AD_SPIKE = 6.0  # the campaign day brings this many times the usual ad visitors


@dataclass
class Plan:
    """What a shop's traffic is drawn with (the planted patterns by product id and day)."""

    weak: int  # high traffic, low conversion
    star: int  # low traffic, high conversion (worth promoting)
    ad_day: date  # the ad campaign's day
    base: dict[int, int] = field(default_factory=dict)  # usual daily visitors per product
    conversion: dict[int, float] = field(default_factory=dict)  # buyers per visitor
    cart: dict[int, float] = field(default_factory=dict)  # carts per visitor


def _plan(rng: random.Random, product_ids: list[int], first: date, days: int) -> Plan:
    weak, star = rng.sample(product_ids, 2)
    # The ad campaign runs on a Tuesday, Wednesday or Thursday of the period (not its first week).
    candidates = [first + timedelta(days=n) for n in range(min(7, days - 1), days)]
    midweek = [d for d in candidates if d.weekday() in (1, 2, 3)] or candidates
    plan = Plan(weak=weak, star=star, ad_day=rng.choice(midweek))
    for pid in product_ids:
        if pid == weak:
            plan.base[pid], plan.conversion[pid], plan.cart[pid] = (
                rng.randint(260, 320),
                rng.uniform(0.003, 0.006),
                rng.uniform(0.04, 0.06),
            )
        elif pid == star:
            plan.base[pid], plan.conversion[pid], plan.cart[pid] = (
                rng.randint(22, 34),
                rng.uniform(0.09, 0.12),
                rng.uniform(0.2, 0.25),
            )
        else:
            plan.base[pid], plan.conversion[pid], plan.cart[pid] = (
                rng.randint(50, 150),
                rng.uniform(0.02, 0.045),
                rng.uniform(0.08, 0.14),
            )
    return plan


def _count(rng: random.Random, expected: float) -> int:
    """An integer with the given expectation (floor plus a random carry)."""
    return int(expected + rng.random())


def generate(
    w: World,
    shop_id: int,
    shop_name: str,
    seed_key: str,
    *,
    owner_account_id: int | None = None,
    days: int = 28,
    last_day: date | None = None,
) -> AnalyticsShop:
    """Record `days` days of NPC traffic for the shop's products (up to the day before the world's epoch
    unless `last_day` is given), drawn from random.Random(f"analytics-{seed_key}"): a weekday rhythm
    (weekends busiest), one product with high traffic and low conversion, one with little traffic and
    high conversion, and one ad-campaign day when visitors from ads jump. Needs at least two products."""
    if days < 8:
        raise ValueError("analytics needs at least 8 days of traffic")
    rng = random.Random(f"analytics-{seed_key}")
    last = last_day or (w.meta().epoch.date() - timedelta(days=1))
    first = last - timedelta(days=days - 1)
    q = select(Product.id, func.min(Sku.price_fen)).join(Sku, Sku.product_id == Product.id)
    q = q.where(Product.shop_id == shop_id).group_by(Product.id).order_by(Product.id)
    prices = {pid: int(price or 0) for pid, price in w.db.execute(q)}
    if len(prices) < 2:
        raise ValueError("analytics needs a shop with at least two products")
    ids = list(prices)
    plan = _plan(rng, ids, first, days)
    rows = []
    for n in range(days):
        day = first + timedelta(days=n)
        rhythm = WEEKDAY[day.weekday()]
        for pid in ids:
            for source in SOURCES:
                share = SOURCE_SHARE[source] * (
                    AD_SPIKE if source == Source.ADS and day == plan.ad_day else 1
                )
                visitors = _count(rng, plan.base[pid] * rhythm * share * rng.uniform(0.85, 1.15))
                buyers = min(_count(rng, visitors * plan.conversion[pid]), visitors)
                carts = min(max(_count(rng, visitors * plan.cart[pid]), buyers), visitors)
                orders = min(buyers + (1 if buyers and rng.random() < 0.12 else 0), visitors)
                pieces = orders + sum(1 for _ in range(orders) if rng.random() < 0.15)
                rows.append(
                    {
                        "shop_id": shop_id,
                        "product_id": pid,
                        "day": day,
                        "source": source,
                        "visitors": visitors,
                        "page_views": visitors + _count(rng, visitors * rng.uniform(0.4, 1.6)),
                        "carts": carts,
                        "orders": orders,
                        "buyers": buyers,
                        "sales_fen": pieces * prices[pid],
                    }
                )
    shop = AnalyticsShop(
        shop_id=shop_id,
        shop_name=shop_name,
        owner_account_id=owner_account_id,
        first_day=first,
        last_day=last,
        seed_key=seed_key,
        plan={"weak": plan.weak, "star": plan.star, "ad_day": plan.ad_day.isoformat()},
    )
    w.db.add(shop)
    w.db.execute(insert(TrafficFact), rows)
    w.db.flush()
    return shop
