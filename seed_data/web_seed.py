"""The world's own web (see sandbox/web/): company sites, a quotation site, a wholesale directory,
news, trade-fair notices and a shopping guide, in Chinese, cross-linked to the world's shops, goods
and B2B companies. Drawn from random.Random(f"web-{seed}") only, so the same seed gives the same web.

For each wholesale product of WHOLESALE there are eleven suppliers, placed so that judging sources
matters (ranks are by true current price, v1 cheapest):
- nine with a current price list on their own site (valid); v1's 起订量 is above the product's
  `limit`, v4's too, so the three cheapest within the limit are v2, v3 and v5;
- v3 (and v7) also keep last year's price list, cheaper than today's (outdated);
- a directory page states v6's price below v2's, dated before v6's own list (contradictory);
- a supplier whose whole site stopped in 2024, cheapest of all (outdated);
- a supplier known only from a 软文 on a news site, cheaper still (promotional);
- the quotation site's current page agrees with the suppliers' lists; its page from last year does not.
Every stated price is a `Quote` row with that verdict, so graders compute answers from the world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from sandbox.web import services as web
from sandbox.web.models import Page, PageKind, QuoteStatus, Site, SiteCategory
from sandbox.worlds.world import World


@dataclass(frozen=True)
class Wholesale:
    """A wholesale product the web has many suppliers of."""

    name: str
    slug: str
    unit: str
    spec: str
    others: tuple[tuple[str, float], ...]  # other specifications on price lists, price factor
    price: tuple[int, int]  # fen per unit, range of current prices
    step: int  # prices are multiples of this (fen)
    min_orders: tuple[int, ...]  # 起订量 values a supplier may ask (smallest first)
    limit: int  # the scenarios' 起订量 condition: at most this
    trades: tuple[str, ...]  # trade words in company names
    places: tuple[tuple[str, str, str], ...]  # (province, city, name prefix)
    keywords: tuple[str, ...]  # what a searcher types


WHOLESALE: tuple[Wholesale, ...] = (
    Wholesale(
        "不锈钢保温杯",
        "cup",
        "个",
        "304不锈钢，500ml，真空保温12小时",
        (("316不锈钢，500ml，真空保温24小时", 1.35), ("304不锈钢，350ml，便携款", 0.8)),
        (1850, 3200),
        10,
        (100, 200, 300, 500, 1000, 2000, 3000),
        500,
        ("杯业", "不锈钢制品", "五金制品", "日用品", "真空器皿"),
        (
            ("浙江省", "金华市", "永康市"),
            ("浙江省", "金华市", "武义县"),
            ("浙江省", "宁波市", "宁波"),
            ("浙江省", "杭州市", "杭州富阳"),
            ("广东省", "揭阳市", "揭阳市"),
            ("广东省", "深圳市", "深圳市"),
            ("江苏省", "苏州市", "苏州"),
            ("上海市", "上海市", "上海"),
        ),
        ("保温杯", "不锈钢保温杯"),
    ),
    Wholesale(
        "牛皮纸手提袋",
        "kraftbag",
        "个",
        "120g牛皮纸，32×25×11cm，带纸绳",
        (("150g牛皮纸，40×30×12cm，带纸绳", 1.4), ("100g牛皮纸，21×15×8cm，平口", 0.6)),
        (62, 150),
        1,
        (1000, 2000, 3000, 5000, 10000, 20000),
        5000,
        ("包装材料", "纸品包装", "印刷包装", "纸制品", "环保袋业"),
        (
            ("广东省", "东莞市", "东莞市"),
            ("浙江省", "温州市", "苍南县"),
            ("浙江省", "金华市", "义乌市"),
            ("广东省", "广州市", "广州"),
            ("山东省", "青岛市", "青岛"),
            ("浙江省", "温州市", "龙港市"),
            ("福建省", "厦门市", "厦门"),
            ("安徽省", "合肥市", "合肥"),
        ),
        ("牛皮纸手提袋", "牛皮纸袋", "手提袋"),
    ),
    Wholesale(
        "A4复印纸",
        "a4paper",
        "箱",
        "70g，A4，500张/包，8包/箱",
        (("80g，A4，500张/包，5包/箱", 0.9), ("70g，A3，500张/包，4包/箱", 1.05)),
        (9200, 14800),
        50,
        (10, 20, 30, 50, 100, 200),
        50,
        ("纸业", "办公用品", "文化用品", "纸品贸易"),
        (
            ("山东省", "日照市", "日照"),
            ("山东省", "潍坊市", "潍坊"),
            ("广东省", "广州市", "广州"),
            ("江苏省", "苏州市", "苏州"),
            ("上海市", "上海市", "上海"),
            ("天津市", "天津市", "天津"),
            ("湖北省", "武汉市", "武汉"),
            ("广西壮族自治区", "南宁市", "南宁"),
        ),
        ("A4复印纸", "复印纸", "A4纸"),
    ),
    Wholesale(
        "一次性纸杯",
        "papercup",
        "箱",
        "9盎司（约250ml），食品级淋膜，1000只/箱",
        (("7盎司（约200ml），1000只/箱", 0.85), ("12盎司（约350ml），带盖，500只/箱", 1.2)),
        (9500, 16500),
        50,
        (5, 10, 20, 30, 50, 100),
        20,
        ("纸塑制品", "包装制品", "纸杯", "日用品"),
        (
            ("浙江省", "温州市", "温州"),
            ("广东省", "东莞市", "东莞市"),
            ("河北省", "保定市", "雄县"),
            ("浙江省", "杭州市", "杭州"),
            ("湖南省", "长沙市", "长沙"),
            ("四川省", "成都市", "成都"),
            ("福建省", "漳州市", "漳州"),
            ("广东省", "佛山市", "佛山市"),
        ),
        ("一次性纸杯", "纸杯"),
    ),
    Wholesale(
        "纯棉毛巾",
        "towel",
        "条",
        "100%棉，34×76cm，120g",
        (("100%棉，70×140cm浴巾，450g", 3.2), ("竹纤维，34×76cm，110g", 1.15)),
        (650, 1480),
        5,
        (200, 300, 500, 1000, 2000, 3000, 5000),
        1000,
        ("毛巾", "家纺", "纺织品", "巾被"),
        (
            ("河北省", "保定市", "高阳县"),
            ("江苏省", "南通市", "南通"),
            ("山东省", "滨州市", "滨州"),
            ("山东省", "潍坊市", "潍坊"),
            ("浙江省", "绍兴市", "绍兴"),
            ("河南省", "郑州市", "郑州"),
            ("江苏省", "苏州市", "苏州"),
            ("湖北省", "武汉市", "武汉"),
        ),
        ("纯棉毛巾", "毛巾"),
    ),
)

# 字号 (trade names) of the generated companies, with the letters of their site addresses.
TRADE_NAMES = (
    ("恒泰", "hengtai"),
    ("金宏", "jinhong"),
    ("鸿运", "hongyun"),
    ("华顺", "huashun"),
    ("瑞丰", "ruifeng"),
    ("盛达", "shengda"),
    ("永兴", "yongxing"),
    ("佳美", "jiamei"),
    ("宏图", "hongtu"),
    ("信诚", "xincheng"),
    ("伟业", "weiye"),
    ("东升", "dongsheng"),
    ("鼎新", "dingxin"),
    ("万利", "wanli"),
    ("富源", "fuyuan"),
    ("和盛", "hesheng"),
    ("启航", "qihang"),
    ("众诚", "zhongcheng"),
    ("博雅", "boya"),
    ("新锐", "xinrui"),
    ("华美", "huamei"),
    ("天合", "tianhe"),
    ("丰泽", "fengze"),
    ("利达", "lida"),
    ("光明", "guangming"),
    ("创美", "chuangmei"),
    ("隆昌", "longchang"),
    ("安信", "anxin"),
    ("兴旺", "xingwang"),
    ("联丰", "lianfeng"),
    ("润发", "runfa"),
    ("宝丰", "baofeng"),
    ("金诚", "jincheng"),
    ("顺发", "shunfa"),
    ("达利", "dali"),
    ("浩宇", "haoyu"),
    ("德润", "derun"),
    ("益美", "yimei"),
    ("凯旋", "kaixuan"),
    ("荣昌", "rongchang"),
    ("志远", "zhiyuan"),
    ("嘉信", "jiaxin"),
    ("聚源", "juyuan"),
    ("明扬", "mingyang"),
    ("卓越", "zhuoyue"),
    ("汇通", "huitong"),
    ("正泰", "zhengtai"),
    ("宏达", "hongda"),
    ("协力", "xieli"),
    ("春晖", "chunhui"),
    ("百盛", "baisheng"),
    ("鑫源", "xinyuan"),
    ("广源", "guangyuan"),
    ("优品", "youpin"),
    ("金穗", "jinsui"),
    ("长青", "changqing"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = (
    "建国",
    "海燕",
    "志强",
    "丽娟",
    "伟",
    "静",
    "秀英",
    "明",
    "小红",
    "国庆",
    "晓东",
    "春梅",
    "俊杰",
    "敏",
    "雪",
)
STREETS = (
    "工业园区兴业路",
    "经济开发区创业大道",
    "科技园振兴路",
    "工业区环城北路",
    "开发区长江路",
    "高新区学府路",
)

NOW = datetime(2026, 3, 15, 9, 0, 0)  # the world's epoch (seed_data.generate.EPOCH)


def _day(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A publishing time between two dates (office hours)."""
    days = max(0, (end - start).days)
    return (start + timedelta(days=rng.randint(0, days))).replace(
        hour=rng.randint(8, 17), minute=rng.randrange(60)
    )


def _cn(day: datetime) -> str:
    """A date as Chinese pages write it: 2026年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _round(value: float, step: int) -> int:
    return max(step, int(round(value / step)) * step)


@dataclass
class Supplier:
    """A generated supplier of one product (before its pages exist)."""

    name: str
    letters: str
    province: str
    city: str
    contact: str
    phone: str
    address: str
    price_fen: int
    min_order: int
    role: str  # valid, stale (a site left since 2024), ad (known only from a 软文)
    rank: int = 0  # 1 = cheapest valid
    site: Site | None = None
    price_page: Page | None = None


class WebBuilder:
    """Builds the whole web of one world."""

    def __init__(self, w: World, seed: int) -> None:
        self.w = w
        self.rng = random.Random(f"web-{seed}")
        self.names = list(TRADE_NAMES)
        self.rng.shuffle(self.names)
        self.hosts: set[str] = set()
        self.position = 0

    # -- helpers ------------------------------------------------------------------------------------

    def person(self) -> str:
        """A contact person's name."""
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def mobile(self) -> str:
        """A mobile number."""
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    def site(
        self, slug: str, name: str, category: str, summary: str, nav: list[list[str]], region: str = ""
    ) -> Site:
        """Open a site; its host is www.<slug>.cn (or .com for portals)."""
        self.position += 1
        host = f"www.{slug}.{'cn' if category == SiteCategory.COMPANY else 'com'}"
        self.hosts.add(host)
        return web.add_site(
            self.w,
            slug=slug,
            host=host,
            name=name,
            category=category,
            summary=summary,
            region=region,
            position=self.position,
            nav=nav,
        )

    # -- the wholesale suppliers --------------------------------------------------------------------

    def suppliers(self, product: Wholesale) -> list[Supplier]:
        """Eleven suppliers of a product, with their roles and true prices."""
        rng = self.rng
        low, high = product.price
        prices: list[int] = []
        while len(prices) < 9:
            p = _round(rng.uniform(low, high), product.step)
            if all(abs(p - q) >= product.step * 2 for q in prices):
                prices.append(p)
        prices.sort()
        people = []
        places = list(product.places)
        rng.shuffle(places)
        for n in range(11):
            zh, letters = self.names.pop()
            province, city, prefix = places[n % len(places)]
            people.append(
                Supplier(
                    name=f"{prefix}{zh}{rng.choice(product.trades)}有限公司",
                    letters=f"{letters}-{product.slug}",
                    province=province,
                    city=city,
                    contact=self.person(),
                    phone=self.mobile(),
                    address=f"{province if province != city else ''}{city}{rng.choice(STREETS)}{rng.randint(1, 299)}号",
                    price_fen=0,
                    min_order=0,
                    role="valid",
                )
            )
        small = [m for m in product.min_orders if m <= product.limit]
        large = [m for m in product.min_orders if m > product.limit]
        valid = people[:9]
        for rank, (s, price) in enumerate(zip(valid, prices, strict=True), start=1):
            s.rank, s.price_fen = rank, price
            if rank in (1, 4):
                s.min_order = rng.choice(large)
            elif rank in (2, 3, 5, 6):
                s.min_order = rng.choice(small)
            else:
                s.min_order = rng.choice(product.min_orders)
        stale, ad = people[9], people[10]
        stale.role, stale.min_order = "stale", rng.choice(small)
        stale.price_fen = _round(prices[0] * 0.82, product.step)
        ad.role, ad.min_order = "ad", rng.choice(small)
        ad.price_fen = _round(prices[0] * 0.7, product.step)
        return people

    def company_site(self, product: Wholesale, s: Supplier) -> None:
        """A supplier's own site: home, about, products, price list(s), contact."""
        rng = self.rng
        stale = s.role == "stale"
        base = f"/web/{s.letters}/"
        nav = [
            ["首页", ""],
            ["关于我们", "about"],
            ["产品中心", "products"],
            ["价格表", "prices"],
            ["联系我们", "contact"],
        ]
        site = self.site(
            s.letters,
            s.name,
            SiteCategory.COMPANY,
            f"{product.name}生产与批发，{s.city}",
            nav,
            s.province,
        )
        s.site = site
        founded = rng.randint(1998, 2016)
        if stale:
            updated = _day(rng, datetime(2023, 9, 1), datetime(2024, 6, 30))
            price_day = _day(rng, datetime(2024, 1, 5), updated)
        else:
            updated = _day(rng, datetime(2026, 1, 5), NOW - timedelta(days=3))
            price_day = _day(rng, datetime(2026, 1, 5), updated)
        names = [s.name, product.name]
        home = [
            {"h": f"{s.name}欢迎您"},
            {
                "p": f"{s.name}成立于{founded}年，位于{s.city}，专业生产和批发{product.name}等产品，"
                f"产品远销全国各地。诚邀各地经销商、电商卖家和企业采购洽谈合作。"
            },
            {
                "links": [
                    ["公司简介", base + "about"],
                    ["产品中心", base + "products"],
                    ["最新价格表", base + "prices"],
                    ["联系我们", base + "contact"],
                ]
            },
            {"p": f"版权所有 © {founded}-{updated.year} {s.name}"},
        ]
        web.add_page(self.w, site, "", f"{s.name} - 官方网站", home, published_at=None, names=names)
        about = [
            {"h": "公司简介"},
            {
                "p": f"{s.name}创建于{founded}年，是一家集研发、生产、销售于一体的{product.name}专业厂家。"
                f"公司拥有标准化厂房和多条自动化生产线，通过ISO9001质量管理体系认证，"
                f"可根据客户需求定制规格、颜色和包装（支持印制LOGO）。"
            },
            {
                "kv": [
                    ["所在地区", f"{s.province}{s.city}" if s.province != s.city else s.city],
                    ["成立时间", f"{founded}年"],
                    ["主营产品", product.name],
                    ["经营模式", "生产厂家"],
                ]
            },
        ]
        web.add_page(self.w, site, "about", f"关于我们 - {s.name}", about, published_at=None, names=names)
        rows = [[product.name, product.spec, product.unit]]
        rows += [[product.name, spec, product.unit] for spec, _f in product.others]
        products_page = [
            {"h": "产品中心"},
            {"table": {"head": ["产品名称", "规格", "单位"], "rows": rows}},
            {"p": "批发价格请查看本站价格表，大批量采购可电话议价。"},
        ]
        web.add_page(
            self.w, site, "products", f"产品中心 - {s.name}", products_page, published_at=None, names=names
        )
        current = self.price_page(product, s, site, "prices", price_day, s.price_fen, current=True)
        s.price_page = current
        web.add_quote(
            self.w,
            current,
            **self.quote_fields(product, s, s.price_fen, price_day),
            status=QuoteStatus.OUTDATED if stale else QuoteStatus.VALID,
            note="网站自2024年起未再更新" if stale else "供应商官网当前价格表",
        )
        if s.rank in (3, 7):  # last year's list, still online, cheaper than today's
            old_day = _day(rng, datetime(2025, 2, 1), datetime(2025, 6, 30))
            old_price = _round(s.price_fen * rng.uniform(0.84, 0.9), product.step)
            old = self.price_page(product, s, site, "prices-2025", old_day, old_price, current=False)
            web.add_quote(
                self.w,
                old,
                **self.quote_fields(product, s, old_price, old_day),
                status=QuoteStatus.OUTDATED,
                note="已被新价格表取代的旧价格表",
            )
        contact = [
            {"h": "联系我们"},
            {
                "kv": [
                    ["公司名称", s.name],
                    ["联系人", s.contact],
                    ["手机", s.phone],
                    ["电子邮箱", f"sales@{site.host.removeprefix('www.')}"],
                    ["地址", s.address],
                ]
            },
            {"p": "欢迎来电咨询或来厂考察，工作时间：周一至周六 8:00-17:30。"},
        ]
        web.add_page(self.w, site, "contact", f"联系我们 - {s.name}", contact, published_at=None, names=names)

    def quote_fields(self, product: Wholesale, s: Supplier, price: int, day: datetime) -> dict[str, Any]:
        """The fields of a Quote row about a supplier."""
        return {
            "product": product.name,
            "supplier": s.name,
            "region": s.province,
            "city": s.city,
            "price_fen": price,
            "unit": product.unit,
            "min_order": s.min_order,
            "contact_name": s.contact,
            "contact_phone": s.phone,
            "quoted_at": day,
        }

    def price_page(
        self,
        product: Wholesale,
        s: Supplier,
        site: Site,
        path: str,
        day: datetime,
        price: int,
        *,
        current: bool,
    ) -> Page:
        """A supplier's price list (价格表): the product's main specification and the others."""
        rows = [
            [product.name, product.spec, f"{_yuan(price)}元/{product.unit}", f"{s.min_order}{product.unit}"]
        ]
        for spec, factor in product.others:
            rows.append(
                [
                    product.name,
                    spec,
                    f"{_yuan(_round(price * factor, product.step))}元/{product.unit}",
                    f"{s.min_order}{product.unit}",
                ]
            )
        blocks: list[Any] = [
            {"h": f"{day.year}年{product.name}批发价格表"},
            {"p": f"本价格表自{_cn(day)}起执行，含税出厂价，运费另计。"},
            {"table": {"head": ["产品名称", "规格", "批发单价", "起订量"], "rows": rows}},
            {"p": f"采购热线：{s.phone}（{s.contact}）"},
        ]
        if current and s.rank == 3:
            blocks.insert(2, {"p": "本价格表发布之日起，此前各版本价格表同时作废。"})
        title = f"{day.year}年价格表 - {s.name}" if current else f"{day.year}年价格表（旧） - {s.name}"
        return web.add_page(
            self.w,
            site,
            path,
            title,
            blocks,
            kind=PageKind.PRICE,
            published_at=day,
            names=[s.name, product.name],
        )

    # -- the shared sites ---------------------------------------------------------------------------

    def build(self) -> None:
        """Every site and page of the web."""
        hq = self.site(
            "pifahangqing",
            "全国批发行情网",
            SiteCategory.QUOTATION,
            "日用品、包装、办公用品批发价格行情，每月更新",
            [["首页", ""]],
        )
        directory = self.site(
            "b2bmulu",
            "商贸企业名录网",
            SiteCategory.QUOTATION,
            "企业黄页与产品报价信息（由会员自行发布）",
            [["首页", ""]],
        )
        news = self.site(
            "shangmaonews",
            "中国商贸资讯网",
            SiteCategory.NEWS,
            "电子商务、批发零售与制造业新闻",
            [["首页", ""]],
        )
        expo = self.site(
            "zhanhui",
            "会展信息网",
            SiteCategory.EXPO,
            "国内各类展会、博览会和交易会通知",
            [["首页", ""]],
        )
        hq_links: list[list[str]] = []
        dir_links: list[list[str]] = []
        news_links: list[list[str]] = []
        expo_links: list[list[str]] = []
        for product in WHOLESALE:
            people = self.suppliers(product)
            for s in people:
                if s.role != "ad":
                    self.company_site(product, s)
            valid = [s for s in people if s.role == "valid"]
            hq_links += self.quotation_pages(hq, product, valid, people[9])
            dir_links.append(self.directory_page(directory, product, valid))
            news_links += self.news_pages(news, product, people)
            expo_links += self.expo_pages(expo, product, valid)
        news_links += self.general_news(news)
        self.index_page(
            hq, "全国批发行情网", "每月发布主要日用品、包装材料和办公用品的批发价格行情。", hq_links
        )
        self.index_page(
            directory,
            "商贸企业名录网",
            "企业黄页与产品报价，信息由会员自行发布，本站不保证其真实性。",
            dir_links + self.b2b_members(),
        )
        self.index_page(news, "中国商贸资讯网", "电子商务、批发零售与制造业新闻。", news_links)
        self.index_page(expo, "会展信息网", "国内各类展会、博览会和交易会通知。", expo_links)
        self.shopping_guide()

    def b2b_members(self) -> list[list[str]]:
        """Links to the B2B platform's approved member companies (their company pages)."""
        from sandbox.b2b.company_models import Company, MembershipStatus

        members = self.w.db.scalars(
            select(Company)
            .where(Company.status == MembershipStatus.APPROVED, Company.npc.is_(True))
            .order_by(Company.id)
        )
        return [[f"{c.name}（云商通B2B平台认证会员）", f"/b2b/company/{c.id}"] for c in members]

    def index_page(self, site: Site, title: str, intro: str, links: list[list[str]]) -> None:
        """A shared site's home: its pages, newest first as listed."""
        web.add_page(
            self.w,
            site,
            "",
            title,
            [{"h": title}, {"p": intro}, {"links": links}],
            published_at=None,
            names=[],
        )

    def quotation_pages(
        self, hq: Site, product: Wholesale, valid: list[Supplier], stale: Supplier
    ) -> list[list[str]]:
        """This month's quotation (agrees with the suppliers' lists) and last year's (outdated)."""
        rng = self.rng
        listed = sorted(rng.sample([s for s in valid if s.rank != 6], 6), key=lambda s: s.rank)
        day = _day(rng, datetime(2026, 3, 1), datetime(2026, 3, 12))
        rows = [
            [
                [s.name, f"/web/{s.letters}/"],
                s.city,
                f"{_yuan(s.price_fen)}元/{product.unit}",
                f"{s.min_order}{product.unit}",
                s.phone,
            ]
            for s in listed
        ]
        blocks = [
            {"h": f"{product.name}批发价格行情（{day.year}年{day.month}月）"},
            {
                "p": f"规格：{product.spec}。以下为本站向各生产厂家询得的出厂报价，仅供参考，成交价以厂家确认为准。"
            },
            {"table": {"head": ["供应商", "所在地", "出厂价", "起订量", "联系电话"], "rows": rows}},
            {"p": f"本月{product.name}行情总体平稳，部分厂家因原材料上涨小幅上调出厂价。"},
        ]
        path = f"hq/{product.slug}-{day:%Y%m}"
        page = web.add_page(
            self.w,
            hq,
            path,
            f"{product.name}批发价格行情 {day.year}年{day.month}月",
            blocks,
            kind=PageKind.PRICE,
            published_at=day,
            names=[product.name, *(s.name for s in listed)],
        )
        for s in listed:
            web.add_quote(
                self.w,
                page,
                **self.quote_fields(product, s, s.price_fen, day),
                status=QuoteStatus.VALID,
                note="与供应商官网一致",
            )
        old_day = _day(rng, datetime(2025, 4, 1), datetime(2025, 7, 31))
        old_listed = sorted(rng.sample(valid, 4), key=lambda s: s.rank) + [stale]
        old_rows, old_prices = [], []
        for s in old_listed:
            price = s.price_fen if s is stale else _round(s.price_fen * rng.uniform(0.82, 0.9), product.step)
            old_prices.append(price)
            old_rows.append(
                [s.name, s.city, f"{_yuan(price)}元/{product.unit}", f"{s.min_order}{product.unit}", s.phone]
            )
        old_blocks = [
            {"h": f"{product.name}批发价格行情（{old_day.year}年{old_day.month}月）"},
            {"p": f"规格：{product.spec}。以下报价仅供参考。"},
            {"table": {"head": ["供应商", "所在地", "出厂价", "起订量", "联系电话"], "rows": old_rows}},
        ]
        old_path = f"hq/{product.slug}-{old_day:%Y%m}"
        old = web.add_page(
            self.w,
            hq,
            old_path,
            f"{product.name}批发价格行情 {old_day.year}年{old_day.month}月",
            old_blocks,
            kind=PageKind.PRICE,
            published_at=old_day,
            names=[product.name, *(s.name for s in old_listed)],
        )
        for s, price in zip(old_listed, old_prices, strict=True):
            web.add_quote(
                self.w,
                old,
                **self.quote_fields(product, s, price, old_day),
                status=QuoteStatus.OUTDATED,
                note="一年前的行情",
            )
        return [[page.title, page.url], [old.title, old.url]]

    def directory_page(self, directory: Site, product: Wholesale, valid: list[Supplier]) -> list[str]:
        """A member-posted listing stating v6's price below v2's (contradicting v6's own price list)."""
        s = next(x for x in valid if x.rank == 6)
        v2 = next(x for x in valid if x.rank == 2)
        claimed = v2.price_fen - product.step * self.rng.randint(1, 3)
        own_day = s.price_page.published_at if s.price_page else NOW
        day = _day(self.rng, own_day - timedelta(days=150), own_day - timedelta(days=40))
        blocks = [
            {"h": f"{s.name} 供应{product.name}"},
            {
                "kv": [
                    ["产品", product.name],
                    ["规格", product.spec],
                    ["价格", f"{_yuan(claimed)}元/{product.unit}"],
                    ["起订量", f"{s.min_order}{product.unit}"],
                    ["联系人", s.contact],
                    ["电话", s.phone],
                    ["所在地", s.city],
                ]
            },
            {"p": "本信息由会员自行发布，价格以供应商最新报价为准。"},
        ]
        page = web.add_page(
            self.w,
            directory,
            f"gongying/{product.slug}-{s.letters.split('-')[0]}",
            f"{s.name} 供应{product.name} 批发价{_yuan(claimed)}元",
            blocks,
            kind=PageKind.PRICE,
            published_at=day,
            names=[s.name, product.name],
        )
        web.add_quote(
            self.w,
            page,
            **self.quote_fields(product, s, claimed, day),
            status=QuoteStatus.CONTRADICTORY,
            note="与该供应商官网价格表不一致",
        )
        return [page.title, page.url]

    def news_pages(self, news: Site, product: Wholesale, people: list[Supplier]) -> list[list[str]]:
        """An industry report (no prices), and a 软文 for the ad-only supplier."""
        rng = self.rng
        day = _day(rng, datetime(2026, 1, 10), datetime(2026, 2, 28))
        rise = rng.randint(8, 15)
        report = [
            {"h": f"原材料价格上涨 {product.name}出厂价普遍上调"},
            {
                "p": f"记者近日走访多地生产企业了解到，受原材料和人工成本上涨影响，今年以来{product.name}出厂价普遍上调"
                f"{rise}%左右。业内人士提醒，采购商询价时应以厂家最新发布的价格表为准，网上流传的旧报价已不再适用。"
            },
            {"p": "多家厂家表示，新价格表已在官网公布，老客户的订单在过渡期内仍按原价执行。"},
        ]
        a = web.add_page(
            self.w,
            news,
            f"news/{product.slug}-{day:%Y%m%d}",
            f"原材料价格上涨 {product.name}出厂价普遍上调{rise}%",
            report,
            kind=PageKind.NEWS,
            published_at=day,
            names=[product.name],
        )
        ad = people[10]
        ad_day = _day(rng, datetime(2026, 2, 1), NOW - timedelta(days=2))
        soft = [
            {"ad": "推广"},
            {"h": f"厂家直销！{ad.name}{product.name}全网最低价"},
            {
                "p": f"还在为采购{product.name}发愁？{ad.name}源头工厂直供，{product.spec}，出厂价仅{_yuan(ad.price_fen)}元/{product.unit}，"
                f"全网最低，买到就是赚到！名额有限，先到先得，今天下单再送定制LOGO。"
            },
            {"p": f"订购热线：{ad.phone}（{ad.contact}）"},
        ]
        b = web.add_page(
            self.w,
            news,
            f"tuiguang/{product.slug}-{ad_day:%m%d}",
            f"厂家直销！{product.name}全网最低价仅{_yuan(ad.price_fen)}元",
            soft,
            kind=PageKind.NEWS,
            published_at=ad_day,
            promotional=True,
            names=[ad.name, product.name],
        )
        web.add_quote(
            self.w,
            b,
            **self.quote_fields(product, ad, ad.price_fen, ad_day),
            status=QuoteStatus.PROMOTIONAL,
            note="软文广告，无其他来源证实",
        )
        return [[a.title, a.url], [b.title, b.url]]

    def expo_pages(self, expo: Site, product: Wholesale, valid: list[Supplier]) -> list[list[str]]:
        """A trade-fair notice with exhibitors (linked to their sites), and last year's."""
        rng = self.rng
        links = []
        for year, start in ((2026, datetime(2026, 4, 10)), (2024, datetime(2024, 4, 12))):
            day = _day(rng, start - timedelta(days=80), start - timedelta(days=40))
            exhibitors = sorted(rng.sample(valid, 4), key=lambda s: s.name)
            city = exhibitors[0].city
            session = rng.randint(12, 30) - (2026 - year)
            title = f"{year}第{session}届中国（{city.removesuffix('市')}）{product.name}及日用品博览会通知"
            blocks = [
                {"h": title},
                {
                    "kv": [
                        ["展会时间", f"{_cn(start)}—{start.month}月{start.day + 2}日"],
                        ["展会地点", f"{city}国际会展中心"],
                        ["主办单位", f"{city.removesuffix('市')}市贸促会"],
                    ]
                },
                {
                    "p": f"为促进{product.name}行业交流合作，定于{_cn(start)}举办本届博览会，欢迎各地采购商莅临参观洽谈。"
                },
                {"h": "部分参展企业"},
                {"links": [[s.name, f"/web/{s.letters}/"] for s in exhibitors]},
            ]
            page = web.add_page(
                self.w,
                expo,
                f"notice/{product.slug}-{year}",
                title,
                blocks,
                kind=PageKind.NOTICE,
                published_at=day,
                names=[product.name, *(s.name for s in exhibitors)],
            )
            links.append([page.title, page.url])
        return links

    def general_news(self, news: Site) -> list[list[str]]:
        """E-commerce news without prices (the web's everyday content)."""
        rng = self.rng
        topics = [
            (
                "网络零售额稳步增长 实物商品网上零售占比提升",
                "国家统计局数据显示，全国网上零售额保持增长，实物商品网上零售额占社会消费品零售总额的比重继续提升。",
            ),
            (
                "快递业务量再创新高 农村寄递网络持续完善",
                "邮政管理部门表示，快递服务网络加快向乡村延伸，县乡村三级物流配送体系进一步健全。",
            ),
            (
                "跨境电商综合试验区扩围 中小企业出海迎来新机遇",
                "新一批跨境电子商务综合试验区获批设立，海外仓、跨境支付等配套服务不断完善。",
            ),
            (
                "电子商务经营者须依法公示营业执照信息",
                "市场监管部门提醒，电子商务经营者应当在首页显著位置持续公示营业执照信息。",
            ),
            (
                "直播电商规范发展 主播须如实介绍商品",
                "有关部门发布直播营销行为规范，要求不得虚假宣传、不得使用“最低价”等绝对化用语误导消费者。",
            ),
            (
                "企业采购数字化加速 B2B平台交易活跃",
                "越来越多的企业通过B2B平台询价采购，在线比价、电子合同和网上单证应用日益普及。",
            ),
            (
                "警惕网络虚假广告 “全网最低价”多为夸大宣传",
                "消费者协会提示，部分网络广告以“全网最低”“厂家直销”为噱头，采购前应多方核实报价来源。",
            ),
            (
                "电子发票全面推广 企业开票更便捷",
                "全面数字化的电子发票推广应用，企业可在线开具、接收和查验发票。",
            ),
            (
                "冷链物流提速 生鲜电商配送时效提升",
                "冷链物流基础设施建设加快，生鲜电商的配送时效和损耗率明显改善。",
            ),
            (
                "网络商务信息采集要点：看来源、看日期、多方比对",
                "专家建议，采集网络商务信息时要核实信息来源的权威性，注意发布日期，并对同一信息进行多方比对。",
            ),
            (
                "中小网店如何做好搜索引擎优化",
                "商品标题应准确描述产品属性，避免堆砌关键词；详情页信息完整有助于提高转化率。",
            ),
            ("第三方支付机构加强风险管理", "支付机构持续完善交易风险监测，保障用户资金安全。"),
        ]
        links = []
        for n, (title, text) in enumerate(topics, start=1):
            day = _day(rng, datetime(2025, 9, 1), NOW - timedelta(days=1))
            blocks = [{"h": title}, {"p": text}, {"p": "（本网记者 " + self.person() + "）"}]
            page = web.add_page(
                self.w,
                news,
                f"news/{day:%Y%m%d}-{n:02d}",
                title,
                blocks,
                kind=PageKind.NEWS,
                published_at=day,
                names=[],
            )
            links.append([page.title, page.url])
        return links

    def shopping_guide(self) -> None:
        """A shopping guide linking to the world's shops and goods (their real names and prices)."""
        from sandbox.storefront.models import Category, Product, Shop, ShopStatus

        site = self.site(
            "gouwuzhinan",
            "购物指南网",
            SiteCategory.SHOPPING,
            "网购攻略、好物推荐与店铺导航",
            [["首页", ""], ["店铺导航", "shops"]],
        )
        db = self.w.db
        shops = list(db.scalars(select(Shop).where(Shop.status == ShopStatus.OPEN).order_by(Shop.id)))
        web.add_page(
            self.w,
            site,
            "shops",
            "网上商城店铺导航",
            [
                {"h": "网上商城店铺导航"},
                {"p": "以下店铺均已在网上商城开业，点击进入店铺首页。"},
                {"links": [[s.name, f"/shop/store/{s.id}"] for s in shops]},
            ],
            published_at=None,
            names=[s.name for s in shops],
        )
        links = [["网上商城店铺导航", f"/web/{site.slug}/shops"]]
        for category in db.scalars(select(Category).order_by(Category.position)):
            goods = list(
                db.scalars(
                    select(Product)
                    .where(Product.category_id == category.id)
                    .order_by(Product.sales.desc(), Product.id)
                    .limit(5)
                )
            )
            if not goods:
                continue
            day = _day(self.rng, datetime(2026, 1, 1), NOW - timedelta(days=1))
            rows = [
                [
                    [p.name, f"/shop/p/{p.code}"],
                    p.shop.name,
                    f"{_yuan(min(s.price_fen for s in p.skus))}元起",
                    f"{p.sales}",
                ]
                for p in goods
            ]
            blocks = [
                {"h": f"{category.name}热销榜"},
                {"p": f"根据网上商城近期销量整理的{category.name}热销商品，价格以商品页面为准。"},
                {"table": {"head": ["商品", "店铺", "价格", "销量"], "rows": rows}},
            ]
            page = web.add_page(
                self.w,
                site,
                f"top/{category.position:02d}",
                f"{category.name}热销榜（{day.year}年{day.month}月）",
                blocks,
                kind=PageKind.PAGE,
                published_at=day,
                names=[category.name, *(p.name for p in goods)],
            )
            links.append([page.title, page.url])
        self.index_page(site, "购物指南网", "网购攻略、好物推荐与店铺导航。", links)


def populate(w: World, seed: int) -> None:
    """Fill the base world (the same seed gives the same content)."""
    WebBuilder(w, seed).build()


def identity_fields(seed: int, spec: dict[str, Any], ident: dict[str, Any]) -> None:
    """Add this domain's fields to a candidate identity drawn from the attempt seed (none: the web is
    the same for every candidate)."""


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None,
    params: dict[str, Any] | None,
) -> None:
    """The attempt's own, parameter-dependent content (none: the scenarios read the base web)."""


def product_by_name(name: str) -> Wholesale:
    """A wholesale product by its name."""
    return next(p for p in WHOLESALE if p.name == name)
