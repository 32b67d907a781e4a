"""Search engine: prints `index <N> docs per s`, `p95 <N> ms` per query over a world of 20,000
documents (synthetic Chinese business pages from a benchmark source), and `like p95 <N> ms (ratio
<x>)` for a plain SQL LIKE scan answering the same query mix in the same run.

`python benchmarks/search.py [--docs 20000] [--queries 300]` (about two minutes on 2 cores, most of
it the indexing).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import and_, func, or_, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from benchmarks._common import percentile  # noqa: E402
from sandbox.domains import create_world_schema  # noqa: E402
from sandbox.search import indexer, services  # noqa: E402
from sandbox.search.indexer import DOCS  # noqa: E402
from sandbox.search.segment import tokenizer  # noqa: E402
from sandbox.worlds.base import WorldMeta  # noqa: E402
from sandbox.worlds.clock import WorldClock  # noqa: E402
from sandbox.worlds.public import PublicDoc, Source  # noqa: E402
from sandbox.worlds.store import new_engine  # noqa: E402
from sandbox.worlds.world import World  # noqa: E402

EPOCH = datetime(2026, 3, 15, 9, 0, 0)
CITIES = [
    "杭州",
    "宁波",
    "温州",
    "义乌",
    "苏州",
    "无锡",
    "东莞",
    "深圳",
    "广州",
    "佛山",
    "泉州",
    "厦门",
    "青岛",
    "临沂",
]
STEMS = [
    "恒达",
    "鑫源",
    "华美",
    "金诚",
    "宏运",
    "永盛",
    "天润",
    "博远",
    "佳和",
    "瑞丰",
    "鼎新",
    "汇通",
    "顺发",
    "启明",
]
TRADES = ["包装", "五金", "纸业", "塑业", "纺织", "电子", "茶业", "食品", "家居", "杯业"]
PRODUCTS = [
    ("不锈钢保温杯", "个"),
    ("牛皮纸手提袋", "个"),
    ("A4复印纸", "箱"),
    ("瓦楞纸箱", "个"),
    ("一次性纸杯", "箱"),
    ("蓝牙耳机", "副"),
    ("充电宝", "个"),
    ("全棉毛巾", "条"),
    ("龙井茶", "斤"),
    ("气泡膜", "卷"),
    ("快递袋", "个"),
    ("数据线", "根"),
]
PHRASES = [
    "厂家直销，质量保证，欢迎来电咨询。",
    "支持来图来样定制，量大从优。",
    "本公司拥有多条现代化生产线，年产能稳定。",
    "产品通过质量体系认证，远销海内外。",
    "全国包邮，支持货到付款与月结。",
    "价格随原材料行情浮动，以最新报价为准。",
    "诚招各地代理商和经销商，共谋发展。",
    "行业资讯：近期原材料价格上涨，出厂价普遍上调。",
]
KINDS = ["page", "news", "price", "notice", "forum", "listing"]


def synthetic(n: int, seed: int = 14) -> list[PublicDoc]:
    """`n` business pages in Chinese: company sites, price lists, news, notices, posts."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        city, stem, trade = rng.choice(CITIES), rng.choice(STEMS), rng.choice(TRADES)
        company = f"{city}{stem}{trade}有限公司"
        product, unit = rng.choice(PRODUCTS)
        other = rng.choice(PRODUCTS)[0]
        price = rng.randint(50, 50_000) / 100
        kind = rng.choice(KINDS)
        site = f"www.{rng.choice(['hd', 'xy', 'hm', 'jc', 'hy', 'ys', 'tr', 'by'])}{i % 700}.cn"
        title = {
            "price": f"{product}批发价格表 - {company}",
            "news": f"{product}市场行情：{city}地区价格走势",
            "notice": f"{city}国际{trade}展览会招展通知",
        }.get(kind, f"{company} 供应{product}")
        body = (
            f"{company}位于{city}，主营{product}、{other}等产品。"
            f"{product}批发价{price:.2f}元/{unit}，起订量{rng.randint(1, 50) * 100}{unit}。"
            + "".join(rng.sample(PHRASES, 4))
            + f"联系人：{rng.choice('王李张刘陈杨赵黄周吴')}经理，电话13{rng.randint(100000000, 999999999)}。"
        )
        docs.append(
            PublicDoc(
                source="bench",
                key=f"{i:06d}",
                url=f"/web/{site}/p{i}",
                title=title,
                body=body,
                site=site,
                kind=kind,
                published_at=EPOCH - timedelta(days=rng.randint(0, 720)),
                names=(company, product, other),  # as the world's sources name companies and products
            )
        )
    return docs


def query_mix(n: int, seed: int = 15) -> list[str]:
    """What candidates type: products, companies, two words, phrases, operators, one character."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        product = rng.choice(PRODUCTS)[0]
        city, stem = rng.choice(CITIES), rng.choice(STEMS)
        out.append(
            rng.choice(
                [
                    product,
                    f"{product} 批发",
                    f"{product} 价格 {city}",
                    f'"{product}" 报价',
                    f"{stem}{rng.choice(TRADES)}",
                    f"{product} -展览会",
                    f"intitle:价格 {product}",
                    f"{product} site:www.hd{rng.randrange(700)}.cn",
                    f"{city} {rng.choice(TRADES)} 有限公司",
                    "杯",
                ]
            )
        )
    return out


def like_scan(w: World, q: str) -> tuple[int, list[str]]:
    """The same query as a plain SQL LIKE over the stored text (every word, newest first)."""
    words, sites = [], []
    for part in q.replace('"', " ").split():
        if part.startswith("site:"):
            sites.append(part[5:])
        elif part.startswith("intitle:"):
            words.append(part[8:])
        elif not part.startswith("-"):
            words.append(part)
    c = DOCS.c
    cond = [or_(c.title.like(f"%{x}%"), c.body.like(f"%{x}%")) for x in words]
    cond += [c.site == s for s in sites]
    total = w.db.scalar(select(func.count()).select_from(DOCS).where(and_(*cond)))
    rows = w.db.execute(select(c.url).where(and_(*cond)).order_by(c.published_at.desc()).limit(10)).all()
    return total, [r[0] for r in rows]


def main() -> None:
    """Build, index and query a world; print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    docs = synthetic(args.docs)
    source = Source(name="bench", documents=lambda w: docs, document=lambda w, key: None)
    indexer.sources = lambda: [source]  # this world's only public content
    path = Path(tempfile.mkdtemp(prefix="sandbox-bench-search-")) / "world.sqlite"
    engine = new_engine(path)
    create_world_schema(engine)
    w = World(Session(engine), WorldClock(EPOCH, None))
    w.db.add(WorldMeta(id=1, base="default", seed=1, epoch=EPOCH, clock_scale=1.0))
    w.commit()
    tokenizer()  # the dictionary loads once per process, not per index
    started = time.perf_counter()
    indexed = indexer.build(w)
    w.commit()
    spent = time.perf_counter() - started
    queries = query_mix(args.queries)
    services.run(w, queries[0])  # warm the statement caches
    w.rollback()
    ours, like = [], []
    for q in queries:
        t = time.perf_counter()
        services.run(w, q)  # as a request does: sync, query, record the event
        ours.append((time.perf_counter() - t) * 1000)
        w.rollback()
        t = time.perf_counter()
        like_scan(w, q)
        like.append((time.perf_counter() - t) * 1000)
    p95, like95 = percentile(ours, 95), percentile(like, 95)
    print(f"index {indexed / spent:.0f} docs per s")
    print(f"p95 {p95:.1f} ms")
    print(f"like p95 {like95:.1f} ms (ratio {like95 / p95:.1f})")
    print(f"# {indexed} documents indexed in {spent:.1f} s, {len(queries)} queries", file=sys.stderr)
    w.close()
    engine.dispose()


if __name__ == "__main__":
    main()
