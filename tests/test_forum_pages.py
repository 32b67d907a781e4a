"""The forum's pages: the 云鹊通行证 login, posting and the refusals (rule named, form kept, nothing
stored, 429 for a flood), escaping, pictures, pagination, the author's own posts, isolation between two
candidates, and hostile input."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from sandbox.forum import rules, services
from sandbox.forum.models import PostImage, PostStatus, Thread

PROMO = {
    "board": "promotion",
    "title": "小店春季上新：竹制砧板",
    "body": "本店新到一批楠竹砧板，碳化工艺不发霉，活动期间全场包邮，进店领券满100减10。",
}


def buyer(client) -> dict:  # noqa: ANN001
    """The buyer identity of the client's attempt."""
    return next(i for i in client.attempt.identities if i["role"] == "buyer")


def forum_login(candidates, ticket: str = "T0001"):  # noqa: ANN001, ANN201
    """A candidate client signed in to the forum as its buyer identity."""
    client = candidates.login(ticket)
    client.attempt = candidates.attempt_of(client)
    ident = buyer(client)
    resp = client.post("/forum/login", data={"login": ident["email"], "password": ident["platform_password"]})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client


def world_of(candidates, client, write: bool = False):  # noqa: ANN001, ANN201
    return candidates.world(client, read_only=not write)


def moderate_all(candidates, client) -> None:  # noqa: ANN001
    """The moderator decides every waiting post now."""
    w = world_of(candidates, client, write=True)
    for thread in services.pending_threads(w):
        services.moderate_thread(w, thread)
    for reply in services.pending_replies(w):
        services.moderate_reply(w, reply)
    w.commit()
    w.close()


def thread_count(candidates, client) -> int:  # noqa: ANN001
    w = world_of(candidates, client)
    try:
        return w.db.scalar(select(func.count(Thread.id))) or 0
    finally:
        w.close()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_login_with_the_identity_email_and_platform_password(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    client.attempt = candidates.attempt_of(client)
    ident = buyer(client)
    page = client.get("/forum/login").get_data(as_text=True)
    assert 'data-role="forum-login"' in page and "云鹊通行证" in page
    wrong = client.post("/forum/login", data={"login": ident["email"], "password": "nope"})
    assert wrong.status_code == 401 and "账号或密码错误" in wrong.get_data(as_text=True)
    assert client.get("/forum/post").status_code == 302  # not signed in: sent to the login
    ok = client.post(
        "/forum/login",
        data={"login": ident["email"].upper(), "password": ident["platform_password"], "next": "/forum/mine"},
    )
    assert ok.status_code == 302 and ok.location.endswith("/forum/mine")
    home = client.get("/forum/").get_data(as_text=True)
    assert f'data-role="forum-user">{ident["name"]}<' in home
    evil = client.post(
        "/forum/login",
        data={"login": ident["email"], "password": ident["platform_password"], "next": "//evil.example/x"},
    )
    assert evil.location.endswith("/forum/")  # no open redirect
    w = world_of(candidates, client)
    assert [e.payload["user"] for e in w.events("forum.signed_in")] == [ident["email"], ident["email"]]
    w.close()


def test_the_pages_show_boards_rules_threads_and_pages(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    home = client.get("/forum/").get_data(as_text=True)
    for slug, name in (
        ("trade", "供求信息"),
        ("news", "行业资讯"),
        ("promotion", "网店推广"),
        ("talk", "经验交流"),
    ):
        assert f'data-board="{slug}"' in home and name in home
    board = client.get("/forum/board/trade").get_data(as_text=True)
    assert 'data-rule="title_tag"' in board and "【供应】或【求购】" in board
    assert 'data-rule="contact_in_body"' not in board  # the trade board allows contact details in the body
    assert board.count('class="thread-row"') == services.PAGE_SIZE and 'rel="next"' in board
    second = client.get("/forum/board/trade?page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and 'class="thread-row"' in second
    thread_id = int(re.search(r'data-thread-id="(\d+)"', board).group(1))
    page = client.get(f"/forum/thread/{thread_id}").get_data(as_text=True)
    assert 'data-role="thread-title"' in page and 'data-status="approved"' in page
    assert client.get("/forum/board/nosuch").status_code == 404
    assert client.get("/forum/board/trade?page=abc").status_code == 400
    assert client.get("/forum/board/%00").status_code == 404
    assert client.get("/forum/thread/99999999").status_code == 404


def test_a_post_breaking_a_rule_is_refused_with_the_rule_named_and_the_form_kept(candidates) -> None:  # noqa: ANN001
    client = forum_login(candidates)
    before = thread_count(candidates, client)
    resp = client.post(
        "/forum/post", data={**PROMO, "title": "竹砧板促销 电话13812345678", "body": PROMO["body"]}
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert (
        'data-rule="contact_in_title"' in page and "标题中不得含有联系方式" in page and "13812345678" in page
    )
    assert 'value="竹砧板促销 电话13812345678"' in page and PROMO["body"] in page  # the form is kept
    assert '<option value="promotion" selected>' in page
    assert thread_count(candidates, client) == before
    tagless = client.post("/forum/post", data={**PROMO, "board": "trade"})
    assert tagless.status_code == 400 and 'data-rule="title_tag"' in tagless.get_data(as_text=True)
    missing = client.post("/forum/post", data={"board": "", "title": "", "body": ""})
    assert missing.status_code == 400 and 'data-error-for="board"' in missing.get_data(as_text=True)
    w = world_of(candidates, client)
    assert [e.payload["rule"] for e in w.events("forum.post_refused")] == ["contact_in_title", "title_tag"]
    w.close()


def test_a_post_waits_for_the_moderator_seen_only_by_its_author(candidates) -> None:  # noqa: ANN001
    client = forum_login(candidates)
    resp = client.post("/forum/post", data=PROMO)
    assert resp.status_code == 302
    thread_id = int(resp.location.rsplit("/", 1)[1])
    page = client.get(resp.location).get_data(as_text=True)
    assert 'data-status="pending"' in page and "待审核" in page
    mine = client.get("/forum/mine").get_data(as_text=True)
    assert f'data-thread-id="{thread_id}" data-status="pending" data-board="promotion"' in mine
    visitor = candidates.login()  # the same candidate's world, not signed in to the forum
    assert visitor.get(f"/forum/thread/{thread_id}").status_code == 404
    assert PROMO["title"] not in visitor.get("/forum/board/promotion").get_data(as_text=True)
    moderate_all(candidates, client)
    assert PROMO["title"] in visitor.get("/forum/board/promotion").get_data(as_text=True)
    assert visitor.get(f"/forum/thread/{thread_id}").status_code == 200


def test_a_hidden_post_shows_its_author_the_reason(candidates) -> None:  # noqa: ANN001
    client = forum_login(candidates)
    resp = client.post("/forum/post", data={**PROMO, "board": "talk"})
    assert resp.status_code == 302
    moderate_all(candidates, client)
    mine = client.get("/forum/mine").get_data(as_text=True)
    assert 'data-status="hidden"' in mine and "推广内容请发到“网店推广”版" in mine
    page = client.get(resp.location).get_data(as_text=True)
    assert 'data-role="thread-reason"' in page and 'data-role="reply-form"' not in page


def test_script_in_a_post_is_escaped_on_display(candidates) -> None:  # noqa: ANN001
    client = forum_login(candidates)
    resp = client.post(
        "/forum/post",
        data={
            "board": "talk",
            "title": "<b>选品</b>心得<script>x</script>",
            "body": "正文里的脚本 <script>alert('xss')</script> <img src=x onerror=alert(1)> 不会执行。",
        },
    )
    assert resp.status_code == 302
    moderate_all(candidates, client)
    visitor = candidates.login()
    for path in (resp.location, "/forum/board/talk", "/forum/"):
        page = visitor.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<b>选品" not in page and "<img src=x" not in page
        assert "&lt;b&gt;选品&lt;/b&gt;" in page
    page = visitor.get(resp.location).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page


def test_a_flood_of_posts_is_refused_with_429_and_a_message(candidates) -> None:  # noqa: ANN001
    client = forum_login(candidates)
    before = thread_count(candidates, client)
    for n in range(rules.FLOOD_POSTS):
        data = {
            "board": "talk",
            "title": f"选品经验分享之{n + 10}",
            "body": "这是一段足够长的正文内容，讨论选品。",
        }
        assert client.post("/forum/post", data=data).status_code == 302
    resp = client.post("/forum/post", data={**data, "title": "选品经验分享之九十九"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 429 and 'data-rule="rate_limit"' in page
    assert "发帖过于频繁" in page and "秒后再试" in page and int(resp.headers["Retry-After"]) >= 1
    assert 'value="选品经验分享之九十九"' in page
    assert thread_count(candidates, client) == before + rules.FLOOD_POSTS


def test_pictures_are_validated_stored_and_served_inertly(candidates) -> None:  # noqa: ANN001
    client = forum_login(candidates)
    svg = (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), "x.svg")
    bad = client.post("/forum/post", data={**PROMO, "images": [svg]}, content_type="multipart/form-data")
    assert bad.status_code == 400 and "SVG" in bad.get_data(as_text=True)
    assert 'value="小店春季上新：竹制砧板"' in bad.get_data(as_text=True)
    good = client.post(
        "/forum/post",
        data={**PROMO, "images": [(io.BytesIO(png()), "a.png")]},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    w = world_of(candidates, client)
    (picture,) = w.db.scalars(select(PostImage))
    w.close()
    served = client.get(f"/forum/image/{picture.id}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert f"/forum/image/{picture.id}" in client.get(good.location).get_data(as_text=True)
    visitor = candidates.login()
    assert visitor.get(f"/forum/image/{picture.id}").status_code == 404  # not public while it waits


def test_replies_go_through_the_rules_and_the_moderator(candidates) -> None:  # noqa: ANN001
    client = forum_login(candidates)
    board = client.get("/forum/board/talk").get_data(as_text=True)
    thread_id = int(re.search(r'data-thread-id="(\d+)"', board).group(1))
    refused = client.post(f"/forum/thread/{thread_id}/reply", data={"body": "加我QQ 12345678 细聊"})
    assert refused.status_code == 400 and 'data-rule="contact_in_reply"' in refused.get_data(as_text=True)
    assert "加我QQ 12345678 细聊" in refused.get_data(as_text=True)
    ok = client.post(f"/forum/thread/{thread_id}/reply", data={"body": "谢谢分享，很有帮助。"})
    assert ok.status_code == 302
    assert "待审核" in client.get(f"/forum/thread/{thread_id}").get_data(as_text=True)
    moderate_all(candidates, client)
    visitor = candidates.login()
    assert "谢谢分享，很有帮助。" in visitor.get(f"/forum/thread/{thread_id}").get_data(as_text=True)


def test_two_candidates_never_see_each_others_forum(candidates) -> None:  # noqa: ANN001
    alice = forum_login(candidates, "T0001")
    bob = forum_login(candidates, "T0002")
    resp = alice.post("/forum/post", data=PROMO)
    thread_id = int(resp.location.rsplit("/", 1)[1])
    moderate_all(candidates, alice)
    assert alice.get(f"/forum/thread/{thread_id}").status_code == 200
    assert bob.get(f"/forum/thread/{thread_id}").status_code == 404
    assert PROMO["title"] not in bob.get("/forum/board/promotion").get_data(as_text=True)
    assert PROMO["title"] not in bob.get("/forum/mine").get_data(as_text=True)
    # Bob's own identity is not Alice's: Alice's credentials do not open Bob's forum.
    ident = buyer(alice)
    other = bob.post("/forum/login", data={"login": ident["email"], "password": ident["platform_password"]})
    assert buyer(alice)["email"] != buyer(bob)["email"] and other.status_code == 401
    w = world_of(candidates, bob)
    assert w.db.scalar(select(func.count(Thread.id)).where(Thread.status == PostStatus.PENDING)) == 0
    w.close()


@pytest.mark.parametrize("path", ["/forum/post", "/forum/thread/1/reply"])
def test_posting_without_a_forum_login_goes_to_the_login(candidates, path: str) -> None:  # noqa: ANN001
    client = candidates.login()
    resp = client.post(
        path, data={"board": "talk", "title": "标题五个字", "body": "这是一段足够长的正文内容。"}
    )
    assert resp.status_code == 302 and "/forum/login" in resp.location


def test_the_search_engine_finds_a_post_once_the_moderator_approves_it(candidates) -> None:  # noqa: ANN001
    client = forum_login(candidates)
    seeded = client.get("/search/?q=火锅底料&type=forum").get_data(as_text=True)
    assert 'data-url="/forum/thread/' in seeded  # the seeded threads are indexed with the world
    post = {
        **PROMO,
        "title": "小店上新：紫檀木梳礼盒",
        "body": "紫檀木梳礼盒新到，手工打磨，活动期间全场包邮，进店领券。",
    }
    resp = client.post("/forum/post", data=post)
    url = resp.location[resp.location.index("/forum/thread/") :]
    assert f'data-url="{url}"' not in client.get("/search/?q=紫檀木梳").get_data(as_text=True)  # waiting
    moderate_all(candidates, client)
    found = client.get("/search/?q=紫檀木梳").get_data(as_text=True)
    assert f'data-url="{url}"' in found and 'data-kind="forum"' in found


HOSTILE = [
    ("/forum/image/99999999999999999999", 404),
    ("/forum/thread/9223372036854775808", 404),
    ("/forum/board/a%00b", 404),
    ("/forum/board/" + "x" * 5000, 404),
    ("/forum/post?board=%3Cscript%3E", 200),
    ("/forum/thread/1?page=NaN", 400),
    ("/forum/login?next=javascript:alert(1)", 200),
]


def test_hostile_values_are_refused_cleanly(candidates) -> None:  # noqa: ANN001
    client = forum_login(candidates)
    for path, status in HOSTILE:
        resp = client.get(path)
        assert resp.status_code == status, path
        body = resp.get_data(as_text=True).split("</head>", 1)[-1].replace("<script src=", "")
        assert "<script>" not in body, path
