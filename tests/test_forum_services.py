"""The forum's services: each board rule refuses a post with its name (nothing stored, the refusal
recorded), duplicates and daily limits on the world clock, the flood limit, the moderator NPC, pictures,
the seeded boards, and the search source."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from sandbox.errors import Conflict, DomainError
from sandbox.forum import npc as forum_npc  # noqa: F401  (registers the actions)
from sandbox.forum import public_docs, rules, services
from sandbox.forum.models import Board, PostImage, PostStatus, Reply, Thread
from sandbox.mail import services as mail
from sandbox.worlds import npc
from sandbox.worlds.base import Event

LOGIN = "merchant.123456@mail.sim"
GOOD_PROMO = (
    "小店春季上新：竹制砧板",
    "本店新到一批楠竹砧板，碳化工艺不发霉，活动期间全场包邮，进店领券满100减10。",
)


@pytest.fixture
def member(w):  # noqa: ANN001, ANN201
    """A candidate's forum account with a mailbox."""
    mail.open_mailbox(w, LOGIN, "林晓")
    return services.open_member(w, login=LOGIN, nickname="林晓", password="secret88", role="merchant")


def threads(w) -> int:  # noqa: ANN001
    return w.db.scalar(select(func.count(Thread.id))) or 0


def refusals(w) -> list[Event]:  # noqa: ANN001
    return w.events("forum.post_refused")


def png(size: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (20, 120, 60)).save(out, format="PNG")
    return out.getvalue()


# --- the seeded forum ---------------------------------------------------------------------------


def test_the_world_has_the_boards_with_their_rules_and_realistic_threads(w) -> None:  # noqa: ANN001
    boards = {b.slug: b for b in services.boards(w)}
    assert [b.name for b in services.boards(w)] == ["供求信息", "行业资讯", "网店推广", "经验交流"]
    assert boards["trade"].title_tags == ["【供应】", "【求购】"] and boards["trade"].contact_in_body
    assert boards["promotion"].promotion and boards["promotion"].daily_limit == 1
    assert not boards["news"].promotion and not boards["news"].contact_in_body
    counts = services.board_counts(w)
    assert all(counts.get(b.id, 0) >= 3 for b in boards.values())
    trade = services.board_threads(w, boards["trade"], None)
    assert trade.pages >= 2 and len(trade.items) == services.PAGE_SIZE  # enough for a second page
    assert all(t.title.startswith(("【供应】", "【求购】")) for t in trade.items)
    titles = " ".join(t.title for t in w.db.scalars(select(Thread)))
    assert "保温杯" in titles and "火锅底料" in titles  # the B2B platform's companies post their offers
    assert w.db.scalar(select(func.count(Reply.id))) >= 10
    shown = rules.board_rules(boards["trade"])
    assert "title_tag" in [r.rule for r in shown] and "no_promotion" in [r.rule for r in shown]
    assert "daily_limit" in [r.rule for r in rules.board_rules(boards["promotion"])]


# --- upfront rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("board", "title", "body", "rule", "found"),
    [
        ("talk", "短标题", "这是一段足够长的正文内容，讨论开店经验。", "title_length", ""),
        (
            "talk",
            "开店第一个月的经验总结" * 5,
            "这是一段足够长的正文内容，讨论开店经验。",
            "title_length",
            "",
        ),
        ("talk", "开店一个月的经验总结", "太短", "body_length", ""),
        (
            "trade",
            "【供应】保温杯 电话13812345678",
            "宁波工厂直供保温杯，量大从优。",
            "contact_in_title",
            "13812345678",
        ),
        (
            "talk",
            "开店交流 weixin:shop2026",
            "这是一段足够长的正文内容，讨论开店经验。",
            "contact_in_title",
            "weixin:shop2026",
        ),
        (
            "talk",
            "开店经验分享 www.myshop.com",
            "这是一段足够长的正文内容，讨论开店经验。",
            "contact_in_title",
            "www.myshop.com",
        ),
        ("promotion", "全网最低价竹砧板促销", "楠竹砧板，活动期间包邮，欢迎选购。", "banned_words", "最低价"),
        ("promotion", "竹砧板春季促销活动", "国家级品质，楠竹砧板，活动期间包邮。", "banned_words", "国家级"),
        ("trade", "不锈钢保温杯大量现货", "宁波工厂直供保温杯，量大从优。", "title_tag", "不锈钢保温杯"),
        (
            "news",
            "保温杯出口行情分析",
            "详情请咨询 QQ 12345678，欢迎交流行情。",
            "contact_in_body",
            "QQ 12345678",
        ),
        (
            "talk",
            "开店一个月的经验总结",
            "有问题发邮件到 shop@example.com 一起交流。",
            "contact_in_body",
            "shop@example.com",
        ),
    ],
)
def test_each_rule_refuses_the_post_with_its_name_and_stores_nothing(
    w,
    member,
    board: str,
    title: str,
    body: str,
    rule: str,
    found: str,  # noqa: ANN001
) -> None:
    before = threads(w)
    with pytest.raises(services.RuleBroken) as refused:
        services.post_thread(w, member, board, title, body)
    assert refused.value.status == 400
    assert refused.value.broken.rule == rule
    assert refused.value.key == rules.RULE_NAMES[rule]
    assert refused.value.broken.detail == found or rule.endswith("length") or rule == "title_tag"
    w.rollback()
    assert threads(w) == before  # nothing of the post is stored …
    (event,) = refusals(w)  # … but the refusal is on record
    assert event.payload["rule"] == rule and event.payload["board"] == board
    assert event.payload["user"] == LOGIN and event.payload["kind"] == "thread"


def test_contact_details_are_allowed_in_the_body_where_the_board_says_so(w, member) -> None:  # noqa: ANN001
    thread = services.post_thread(
        w,
        member,
        "trade",
        "【供应】竹制砧板 厂家直销",
        "楠竹砧板现货5000块，批发价22.5元。联系电话 13812345678。",
    )
    assert thread.status == PostStatus.PENDING
    assert w.events("forum.thread_posted")[-1].payload == {
        "thread_id": thread.id,
        "board": "trade",
        "board_name": "供求信息",
        "user": LOGIN,
        "title": "【供应】竹制砧板 厂家直销",
        "images": 0,
    }


def test_a_form_without_board_title_or_body_names_the_fields(w, member) -> None:  # noqa: ANN001
    with pytest.raises(services.PostInvalid) as bad:
        services.post_thread(w, member, "nosuch", "", "")
    assert set(bad.value.errors) == {"board", "title", "body"}
    assert not refusals(w)  # a form error is not a rule broken


def test_a_duplicate_within_a_world_day_is_refused_and_allowed_a_day_later(w, member) -> None:  # noqa: ANN001
    title, body = "开店一个月的经验总结", "头一个月主要做了选品、主图和详情页，分享几点体会。"
    first = services.post_thread(w, member, "talk", title, body)
    start = first.created_at
    with w.at(start + timedelta(hours=23, minutes=59)):
        with pytest.raises(services.RuleBroken) as again:
            services.post_thread(
                w, member, "talk", " 开店一个月的 经验总结", "换了正文也算重复发帖，因为标题相同。"
            )
        assert again.value.broken.rule == "duplicate"
    w.rollback()
    with w.at(start + timedelta(hours=24, minutes=1)):
        second = services.post_thread(w, member, "talk", title, body)
    assert second.id != first.id


def test_the_promotion_board_allows_one_thread_per_world_day(w, member) -> None:  # noqa: ANN001
    day = w.now().replace(hour=10, minute=0)
    with w.at(day):
        services.post_thread(w, member, "promotion", *GOOD_PROMO)
    with w.at(day + timedelta(hours=3)):
        with pytest.raises(services.RuleBroken) as limited:
            services.post_thread(
                w, member, "promotion", "小店另一款新品：竹筷子", "楠竹筷子十双装，包邮，进店领券。"
            )
        assert limited.value.broken.rule == "daily_limit"
    w.rollback()
    with w.at(day + timedelta(days=1)):
        services.post_thread(
            w, member, "promotion", "小店另一款新品：竹筷子", "楠竹筷子十双装，包邮，进店领券。"
        )


def test_a_flood_is_refused_with_429_until_a_minute_passes(w, member) -> None:  # noqa: ANN001
    start = w.now()
    for n in range(rules.FLOOD_POSTS):
        with w.at(start + timedelta(seconds=n)):
            services.post_thread(
                w, member, "talk", f"经验交流第{n + 1}帖：选品", "这是一段足够长的正文内容，讨论选品。"
            )
    with w.at(start + timedelta(seconds=10)):
        with pytest.raises(services.RuleBroken) as flood:
            services.post_thread(
                w, member, "talk", "经验交流第4帖：选品", "这是一段足够长的正文内容，讨论选品。"
            )
    assert flood.value.status == 429 and flood.value.broken.rule == "rate_limit"
    assert 1 <= flood.value.retry_after <= 60
    assert not refusals(w)  # a flood is not recorded event by event
    with w.at(start + timedelta(seconds=61)):
        services.post_thread(w, member, "talk", "经验交流第4帖：选品", "这是一段足够长的正文内容，讨论选品。")


def test_the_flood_window_is_a_real_minute_on_a_fast_clock(w, member) -> None:  # noqa: ANN001
    w.clock.scale = 30.0  # a world minute passes in two real seconds
    start = w.now()
    for n in range(rules.FLOOD_POSTS):
        with w.at(start + timedelta(minutes=n)):
            services.post_thread(
                w, member, "talk", f"快时钟下的第{n + 1}帖", "这是一段足够长的正文内容，讨论选品。"
            )
    with w.at(start + timedelta(minutes=5)):  # ten real seconds later: still within a real minute
        with pytest.raises(services.RuleBroken) as flood:
            services.post_thread(w, member, "talk", "快时钟下的第4帖", "这是一段足够长的正文内容，讨论选品。")
    assert flood.value.status == 429


# --- replies ------------------------------------------------------------------------------------


def test_replies_follow_their_rules_and_only_published_threads_take_them(w, member) -> None:  # noqa: ANN001
    published = services.latest_threads(w, 1)[0]
    reply = services.post_reply(w, member, published, "请问支持一件代发吗？")
    assert reply.status == PostStatus.PENDING
    with pytest.raises(services.RuleBroken) as contact:
        services.post_reply(w, member, published, "详聊加我微信 wx:abc12345")
    assert contact.value.broken.rule == "contact_in_reply"
    w.rollback()
    mine = services.post_thread(w, member, "talk", "开店一个月的经验总结", "头一个月主要做了选品和主图。")
    with pytest.raises(Conflict):
        services.post_reply(w, member, mine, "自己先顶一下。")


# --- the moderator ------------------------------------------------------------------------------


def test_the_moderator_approves_a_clean_post_after_a_world_minute(w, member) -> None:  # noqa: ANN001
    rules_ = [{"on": "forum.thread_posted", "do": "forum.moderate", "args": {"after": "+1m"}}]
    thread = services.post_thread(w, member, "promotion", *GOOD_PROMO)
    posted = thread.created_at
    npc.run_due(w, rules_)
    assert thread.status == PostStatus.PENDING  # not yet: a minute must pass on the world clock
    with w.at(posted + timedelta(minutes=1)):
        npc.run_due(w, rules_)
    assert thread.status == PostStatus.APPROVED and thread.decided_at == posted + timedelta(minutes=1)
    (approved,) = w.events("forum.thread_approved")
    assert approved.payload["thread_id"] == thread.id and approved.payload["board"] == "promotion"


def test_promotion_outside_its_board_is_hidden_with_the_reason_and_mailed(w, member) -> None:  # noqa: ANN001
    thread = services.post_thread(w, member, "talk", *GOOD_PROMO)
    npc.run_due(w, [{"on": "forum.thread_posted", "do": "forum.moderate"}])
    assert thread.status == PostStatus.HIDDEN and thread.rule == "no_promotion"
    assert thread.reason == rules.RULE_NAMES["no_promotion"] and "包邮" in thread.reason_detail
    (hidden,) = w.events("forum.thread_hidden")
    assert hidden.payload["rule"] == "no_promotion" and hidden.payload["user"] == LOGIN
    box = mail.mailbox_by_address(w, LOGIN)
    (letter,) = mail.folder(w, box, "inbox")
    shown = mail.show(letter)
    assert "未通过审核" in shown.subject and "网店推广" in shown.text


def test_mail_false_hides_without_a_letter(w, member) -> None:  # noqa: ANN001
    services.post_thread(w, member, "news", *GOOD_PROMO)
    npc.run_due(w, [{"on": "forum.thread_posted", "do": "forum.moderate", "args": {"mail": False}}])
    assert w.events("forum.thread_hidden")
    assert not mail.folder(w, mail.mailbox_by_address(w, LOGIN), "inbox")


def test_the_same_text_cross_posted_to_another_board_is_hidden(w, member) -> None:  # noqa: ANN001
    body = "楠竹砧板现货5000块，批发价22.5元，支持定制尺寸，欢迎采购商洽谈。"
    first = services.post_thread(w, member, "trade", "【供应】竹制砧板 厂家直销", body)
    second = services.post_thread(w, member, "talk", "竹制砧板的选购经验", body)
    npc.run_due(w, [{"at": "+0m", "do": "forum.moderate"}])  # an at: rule decides everything waiting
    assert first.status == PostStatus.APPROVED
    assert second.status == PostStatus.HIDDEN and second.rule == "cross_post"
    assert second.reason_detail == "供求信息"


def test_a_promotional_reply_outside_the_promotion_board_is_hidden(w, member) -> None:  # noqa: ANN001
    thread = next(t for t in services.latest_threads(w, 50) if t.board.slug == "talk")
    reply = services.post_reply(w, member, thread, "本店砧板限时特价，全场包邮，欢迎选购。")
    npc.run_due(w, [{"on": "forum.reply_posted", "do": "forum.moderate"}])
    assert reply.status == PostStatus.HIDDEN and reply.rule == "no_promotion"
    assert w.events("forum.reply_hidden")[0].payload["thread_id"] == thread.id
    with pytest.raises(Conflict):
        services.moderate_reply(w, reply)


# --- pictures -----------------------------------------------------------------------------------


def test_pictures_are_checked_and_stored_in_the_world(w, member) -> None:  # noqa: ANN001
    thread = services.post_thread(w, member, "promotion", *GOOD_PROMO, files=[("a.png", png()), ("", b"")])
    (picture,) = w.db.scalars(select(PostImage).where(PostImage.thread_id == thread.id))
    assert picture.content_type == "image/png" and picture.width == 32 and picture.reply_id is None
    assert services.visible_image(w, picture.id, member) is picture  # its author sees it while it waits
    with pytest.raises(DomainError):
        services.visible_image(w, picture.id, None)  # a visitor does not


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ([("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")], 400),
        ([("fake.png", b"not an image at all")], 400),
        ([("a.jpg", png())], 400),  # the extension does not match the content
        ([("big.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 1))], 413),
        ([(f"{n}.png", png()) for n in range(rules.MAX_IMAGES + 1)], 400),
    ],
)
def test_bad_pictures_are_refused_and_nothing_is_stored(w, member, files, status: int) -> None:  # noqa: ANN001
    before = threads(w)
    with pytest.raises(DomainError) as refused:
        services.post_thread(w, member, "promotion", *GOOD_PROMO, files=files)
    assert refused.value.status == status
    w.rollback()
    assert threads(w) == before and not w.db.scalar(select(func.count(PostImage.id)))


# --- search -------------------------------------------------------------------------------------


def test_the_search_source_lists_published_threads_and_follows_the_moderator(w, member) -> None:  # noqa: ANN001
    docs = list(public_docs.documents(w))
    assert len(docs) == w.db.scalar(select(func.count(Thread.id)).where(Thread.status == PostStatus.APPROVED))
    doc = docs[0]
    assert doc.source == "forum" and doc.kind == "forum" and doc.url == f"/forum/thread/{doc.key}"
    assert doc.site == public_docs.SITE and doc.names
    thread = services.post_thread(w, member, "promotion", *GOOD_PROMO)
    assert public_docs.document(w, str(thread.id)) is None  # waiting: not public
    npc.run_due(w, [{"on": "forum.thread_posted", "do": "forum.moderate"}])
    (approved,) = w.events("forum.thread_approved")
    assert approved.name in public_docs.SOURCE.events
    assert list(public_docs.SOURCE.changed(w, approved)) == [str(thread.id)]
    found = public_docs.document(w, str(thread.id))
    assert found.title == GOOD_PROMO[0] and "楠竹砧板" in found.body
    assert public_docs.document(w, "abc") is None and public_docs.document(w, "9" * 30) is None


def test_every_board_in_the_seed_keeps_its_rules(w) -> None:  # noqa: ANN001
    """Seeded threads follow their boards' upfront rules (they are what a candidate reads first)."""
    for thread in w.db.scalars(select(Thread)):
        board = w.db.get(Board, thread.board_id)
        broken = rules.check_thread(board, thread.title, thread.body)
        assert broken is None or broken.rule == "banned_words", (thread.title, broken)
