"""The search engine's units: the query parser, segmentation, BM25 ordering, the operators, filters,
snippet escaping, the index kept in step with events (also when the world is read-only)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from sandbox.domains import create_world_schema
from sandbox.search import indexer, services
from sandbox.search.parser import MAX_QUERY, parse
from sandbox.search.segment import NameMatcher, fold, query_units, text_terms
from sandbox.search.snippets import snippet
from sandbox.worlds.base import WorldMeta
from sandbox.worlds.clock import WorldClock
from sandbox.worlds.public import PublicDoc, Source
from sandbox.worlds.store import new_engine
from sandbox.worlds.world import World

EPOCH = datetime(2026, 3, 15, 9, 0, 0)


def doc(key: str, title: str, body: str, **more: object) -> PublicDoc:
    """A test document of the source `t`."""
    fields = {"site": "www.test.cn", "kind": "page", "published_at": datetime(2026, 3, 1), **more}
    return PublicDoc(
        source="t", key=key, url=f"/web/{fields['site']}/{key}", title=title, body=body, **fields
    )


class Tiny:
    """A world with nothing public but the test source's documents."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.docs: dict[str, PublicDoc] = {}
        self.source = Source(
            name="t",
            documents=lambda w: list(self.docs.values()),
            document=lambda w, key: self.docs.get(key),
            events=("t.changed",),
            changed=lambda w, ev: [ev.payload["key"]],
        )
        monkeypatch.setattr(indexer, "sources", lambda: [self.source])
        self.engine = new_engine(tmp_path / "tiny.sqlite")
        create_world_schema(self.engine)
        self.w = World(Session(self.engine), WorldClock(EPOCH, None))
        self.w.db.add(WorldMeta(id=1, base="default", seed=1, epoch=EPOCH, clock_scale=1.0))
        self.w.db.flush()

    def add(self, *docs: PublicDoc) -> None:
        """Put documents in the source (not yet indexed)."""
        for d in docs:
            self.docs[d.key] = d

    def build(self, *docs: PublicDoc) -> None:
        """Index these documents from scratch."""
        self.add(*docs)
        indexer.build(self.w)

    def urls(self, q: str, **kw: object) -> list[str]:
        """The addresses of the first page of results."""
        return [h.url for h in services.run(self.w, q, record=False, **kw).hits]

    def keys(self, q: str, **kw: object) -> list[str]:
        """The keys (last path part) of the first page of results."""
        return [u.rsplit("/", 1)[1] for u in self.urls(q, **kw)]


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    t = Tiny(tmp_path, monkeypatch)
    yield t
    t.w.close()
    t.engine.dispose()


# --- the parser --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "words", "phrases", "exclude", "sites", "intitle"),
    [
        ("保温杯 批发", ["保温杯", "批发"], [], [], [], []),
        ('"不锈钢保温杯" 报价', ["报价"], ["不锈钢保温杯"], [], [], []),
        ("“不锈钢 保温杯”", [], ["不锈钢 保温杯"], [], [], []),
        ('保温杯 -儿童 -"二手 货"', ["保温杯"], [], ["儿童", "二手 货"], [], []),
        ("site:WWW.Example.cn 价格", ["价格"], [], [], ["www.example.cn"], []),
        ("site：http://www.a.cn/x/y", [], [], [], ["www.a.cn"], []),
        ('intitle:报价 intitle:"A4 纸"', [], [], [], [], ["报价", "a4 纸"]),
        ('"unclosed phrase', [], ["unclosed phrase"], [], [], []),
        ("- site: intitle:", ["-", "site:", "intitle:"], [], [], [], []),
        ("ＡＢＣ　１２３", ["abc", "123"], [], [], [], []),
    ],
)
def test_parser_reads_the_operators(q, words, phrases, exclude, sites, intitle) -> None:  # noqa: ANN001
    p = parse(q)
    assert (p.words, p.phrases, p.exclude, p.sites, p.intitle) == (words, phrases, exclude, sites, intitle)


def test_parser_cuts_long_queries_and_drops_control_characters() -> None:
    p = parse("保" * 500)
    assert p.truncated and len(p.q) == MAX_QUERY
    assert parse("a\x00b\x1fc").q == "a b c"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_raises(text: str) -> None:
    p = parse(text)
    assert len(p.q) <= MAX_QUERY
    assert all(h and " " not in h for h in p.sites)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("保温杯价格\"-:site intitle%_\\'*.()[]^$|?+")), max_size=60))
def test_queries_never_raise(text: str) -> None:
    matcher = NameMatcher(["恒达包装"])
    query_units(text, matcher)
    parse(text)


# --- segmentation -----------------------------------------------------------------------------


def test_dictionary_words_are_terms_wherever_they_stand() -> None:
    terms = text_terms("优质不锈钢保温杯子批发价格，Ａ４复印纸", NameMatcher([]))
    assert {"不锈钢", "保温杯", "杯子", "批发", "价格", "批发价格", "a4", "复印纸"} <= set(terms)
    assert "的" not in text_terms("我的杯子", NameMatcher([]))


def test_world_names_are_the_user_dictionary() -> None:
    names = NameMatcher(["恒达包装", "恒达"])
    assert {"恒达包装", "恒达"} <= set(text_terms("杭州恒达包装有限公司", names))
    assert [u.text for u in query_units("恒达包装 纸箱", names)] == ["恒达包装", "纸箱"]
    # Without the name, the unknown word is a literal (matched as a substring).
    units = query_units("恒达纸箱", NameMatcher([]))
    assert [(u.text, u.literal) for u in units] == [("恒达", True), ("纸箱", False)]


def test_fold_keeps_length_and_lowers() -> None:
    text = "ＡＢＣ保温杯Ｘ１，iPhone"
    assert fold(text) == "abc保温杯x1，iphone" and len(fold(text)) == len(text)


# --- ranking and operators --------------------------------------------------------------------


def test_bm25_prefers_title_and_frequency(tiny) -> None:  # noqa: ANN001
    filler = "公司介绍。" * 10
    tiny.build(
        doc("body-once", "公司新闻", filler + "我们也卖保温杯。"),
        doc("title", "保温杯批发", filler + "欢迎选购。"),
        doc("body-many", "产品介绍", filler + "保温杯，保温杯，保温杯的价格。"),
        doc("none", "茶叶", "龙井茶 白茶"),
    )
    assert tiny.keys("保温杯") == ["title", "body-many", "body-once"]


def test_every_word_must_match_else_partial_results_are_marked(tiny) -> None:  # noqa: ANN001
    tiny.build(doc("a", "保温杯", "不锈钢保温杯批发"), doc("b", "纸箱", "瓦楞纸箱批发"))
    assert tiny.keys("保温杯 批发") == ["a"]
    r = services.run(tiny.w, "保温杯 纸箱", record=False)
    assert r.relaxed and {h.url.rsplit("/", 1)[1] for h in r.hits} == {"a", "b"}
    assert any("部分关键词" in key for key, _ in r.notices)


def test_operators(tiny) -> None:  # noqa: ANN001
    tiny.build(
        doc("steel", "不锈钢保温杯报价", "304不锈钢保温杯，500ml"),
        doc("split", "保温杯和不锈钢勺子", "保温杯 另有不锈钢餐具"),
        doc("kids", "儿童保温杯", "儿童不锈钢保温杯", site="shop.kids.cn"),
        doc("other", "不锈钢保温杯", "不锈钢保温杯 出厂价", site="www.other.com"),
    )
    assert set(tiny.keys("保温杯 不锈钢")) == {"steel", "split", "kids", "other"}
    assert set(tiny.keys('"不锈钢保温杯"')) == {"steel", "kids", "other"}
    assert set(tiny.keys("保温杯 -儿童")) == {"steel", "split", "other"}
    assert set(tiny.keys('保温杯 -"不锈钢保温杯"')) == {"split"}
    assert tiny.keys("保温杯 site:kids.cn") == ["kids"]
    assert set(tiny.keys("保温杯 site:www.test.cn")) == {"steel", "split"}
    assert tiny.keys("intitle:报价") == ["steel"]
    assert tiny.keys('intitle:报价 "不锈钢保温杯" -儿童 site:test.cn') == ["steel"]
    assert set(tiny.keys("site:www.other.com")) == {"other"}  # a site alone lists its pages


def test_single_characters_and_unknown_words_match_as_substrings(tiny) -> None:  # noqa: ANN001
    tiny.build(doc("a", "恒达纸品", "恒达纸品厂"), doc("b", "杯", "一个杯"), doc("c", "达人", "恒心"))
    assert tiny.keys("恒达") == ["a"]
    assert tiny.keys("杯") == ["b"]


def test_filters(tiny) -> None:  # noqa: ANN001
    tiny.build(
        doc("old", "纸箱报价", "纸箱", kind="price", published_at=datetime(2025, 6, 1)),
        doc("new", "纸箱新闻", "纸箱", kind="news", published_at=datetime(2026, 3, 1)),
        doc("undated", "纸箱公司", "纸箱", kind="page", published_at=None, site="a.b.cn"),
    )
    assert tiny.keys("纸箱", kind="price") == ["old"]
    assert tiny.keys("纸箱", site="b.cn") == ["undated"]
    assert tiny.keys("纸箱", date_from=date(2026, 1, 1)) == ["new"]
    assert tiny.keys("纸箱", date_to=date(2025, 12, 31)) == ["old"]
    assert tiny.keys("纸箱", date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)) == ["new"]


def test_pagination(tiny) -> None:  # noqa: ANN001
    tiny.build(*(doc(f"d{n:02d}", f"纸箱 {n}", "纸箱" * (n + 1)) for n in range(25)))
    first = services.run(tiny.w, "纸箱", record=False)
    third = services.run(tiny.w, "纸箱", page=3, record=False)
    assert (first.total, first.pages, len(first.hits), len(third.hits)) == (25, 3, 10, 5)
    beyond = services.run(tiny.w, "纸箱", page=99, record=False)
    assert beyond.page == 3


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE search_docs; --",
        "%",
        "_",
        "\\",
        ".*(a|b)+$",
        "[^a-z]",
        "！！！",
        "的",
        "   ",
        "%' OR 1=1 --",
    ],
)
def test_hostile_queries_answer_nothing_and_change_nothing(tiny, q: str) -> None:  # noqa: ANN001
    tiny.build(doc("a", "纸箱", "纸箱 100% 好"), doc("b", "杯", "一个杯"))
    r = services.run(tiny.w, q, record=False)
    assert r.total == 0
    assert indexer.state(tiny.w).docs == 2


def test_snippets_escape_the_document(tiny) -> None:  # noqa: ANN001
    tiny.build(doc("x", "<b>纸箱</b>", "前言" * 50 + "<script>alert('纸箱')</script> 纸箱批发" + "后记" * 50))
    hit = services.run(tiny.w, "纸箱", record=False).hits[0]
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "<mark>纸箱</mark>" in hit.snippet and str(hit.snippet).startswith("…")
    assert str(hit.title) == "&lt;b&gt;<mark>纸箱</mark>&lt;/b&gt;"


def test_snippet_picks_the_window_with_most_words() -> None:
    text = "纸箱" + "无关内容" * 40 + "保温杯 批发 纸箱" + "无关内容" * 40
    s = str(snippet(text, ["保温杯", "批发", "纸箱"]))
    assert "<mark>保温杯</mark>" in s and "<mark>批发</mark>" in s


# --- keeping up with events -------------------------------------------------------------------


def test_published_content_is_found_in_the_same_unit_of_work(tiny) -> None:  # noqa: ANN001
    tiny.build(doc("a", "纸箱", "纸箱"))
    assert tiny.keys("保温杯") == []
    tiny.add(doc("b", "保温杯新品", "保温杯"))
    tiny.w.emit("t.changed", key="b")  # not committed, not even flushed
    assert tiny.keys("保温杯") == ["b"]
    del tiny.docs["a"]
    tiny.w.emit("t.changed", key="a")
    assert tiny.keys("纸箱") == []
    assert indexer.state(tiny.w).docs == 1


def test_changed_document_is_reindexed(tiny) -> None:  # noqa: ANN001
    tiny.build(doc("a", "纸箱", "纸箱 报价"))
    tiny.add(doc("a", "保温杯", "保温杯 报价"))
    tiny.w.emit("t.changed", key="a")
    assert tiny.keys("纸箱") == [] and tiny.keys("保温杯") == ["a"]
    assert tiny.keys("报价") == ["a"]


def test_new_names_recut_the_documents_that_mention_them(tiny) -> None:  # noqa: ANN001
    tiny.build(doc("a", "新闻", "鑫达瑞包装今日开业"))
    tiny.add(doc("b", "鑫达瑞包装", "公司主页", names=("鑫达瑞包装",)))
    tiny.w.emit("t.changed", key="b")
    assert set(tiny.keys("鑫达瑞包装")) == {"a", "b"}


def test_a_read_only_world_searches_pending_changes_in_memory(tiny) -> None:  # noqa: ANN001
    tiny.build(doc("a", "纸箱", "纸箱"), doc("b", "纸箱 旧", "纸箱"))
    tiny.w.commit()
    tiny.add(doc("c", "纸箱 新", "纸箱 新品"))
    del tiny.docs["b"]
    tiny.w.emit("t.changed", key="c")
    tiny.w.emit("t.changed", key="b")
    tiny.w.commit()
    tiny.w.read_only = True
    assert set(tiny.keys("纸箱")) == {"a", "c"}
    assert tiny.keys("新品") == ["c"]
    assert tiny.keys("纸箱 -新品") == ["a"]
    assert indexer.state(tiny.w).docs == 2  # nothing written


def test_every_query_is_an_event(tiny) -> None:  # noqa: ANN001
    tiny.build(doc("a", "纸箱", "纸箱"), doc("b", "杯", "杯"))
    services.run(tiny.w, 'site:test.cn 纸箱 -"旧货"', kind="page", page=1)
    (ev,) = tiny.w.events("search.query")
    p = ev.payload
    assert p["q"] == 'site:test.cn 纸箱 -"旧货"' and p["terms"] == ["纸箱"]
    assert p["sites"] == ["test.cn"] and p["exclude"] == ["旧货"]
    assert p["filters"] == {"type": "page", "site": "", "from": "", "to": ""}
    assert (p["page"], p["total"], p["urls"]) == (1, 1, ["/web/www.test.cn/a"])
    assert ev.at == EPOCH


def test_build_is_deterministic(tiny) -> None:  # noqa: ANN001
    docs = [doc(f"k{n}", f"标题{n} 纸箱", f"正文 保温杯 {n}", names=(f"公司{n}号",)) for n in range(20)]
    tiny.build(*docs)
    from sqlalchemy import text

    first = [
        tiny.w.db.execute(text(f"select * from {t} order by 1, 2")).all()
        for t in ("search_terms", "search_postings")
    ]
    tiny.build()
    again = [
        tiny.w.db.execute(text(f"select * from {t} order by 1, 2")).all()
        for t in ("search_terms", "search_postings")
    ]
    assert first == again
