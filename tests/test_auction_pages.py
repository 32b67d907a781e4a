"""The auction's pages: the 云鹊通行证 login, the lots, listing with bad input (400, Chinese message,
nothing stored), bidding refusals with their statuses, escaping, another member's lot, the member's own
page and profile, ratings and replies, paying at the platform's cashier, pictures, and hostile values on
every auction route."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import func, select

from sandbox.auction import ratings, services
from sandbox.auction.models import Lot
from tests.platform_pay import GATEWAY_DO, pay_at, request_fields
from tests.test_hostile_routes import HOSTILE, fill

GOOD = {
    "title": "九成新 机械键盘 青轴",
    "category": "digital",
    "condition": "like_new",
    "description": "用了三个月<script>alert(1)</script>，键帽无打油。",
    "start_price": "100",
    "increment": "10",
    "reserve_price": "150",
    "buy_now_price": "300",
    "days": "3",
    "shipping": "buyer",
    "shipping_fee": "12.5",
}


def buyer(client) -> dict:  # noqa: ANN001
    return next(i for i in client.attempt.identities if i["role"] == "buyer")


def auction_login(candidates, ticket: str = "T0001"):  # noqa: ANN001, ANN201
    client = candidates.login(ticket)
    client.attempt = candidates.attempt_of(client)
    ident = buyer(client)
    resp = client.post(
        "/auction/login", data={"login": ident["email"], "password": ident["platform_password"]}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client


def lot_count(candidates, client) -> int:  # noqa: ANN001
    w = candidates.world(client)
    try:
        return w.db.scalar(select(func.count(Lot.id))) or 0
    finally:
        w.close()


def seeded_lot(candidates, client) -> tuple[int, int]:  # noqa: ANN001
    """An open seeded lot without buy-it-now restrictions: (id, minimum next bid in fen)."""
    w = candidates.world(client)
    try:
        lot = services.open_lots(w)[-1]
        return lot.id, services.min_next_bid(lot)
    finally:
        w.close()


def test_login_and_the_lots(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    client.attempt = candidates.attempt_of(client)
    home = client.get("/auction/").get_data(as_text=True)
    assert 'data-role="open-lots"' in home and "剩" in home
    assert client.get("/auction/sell").status_code == 302  # not signed in: sent to the login
    wrong = client.post("/auction/login", data={"login": buyer(client)["email"], "password": "nope"})
    assert wrong.status_code == 401 and "账号或密码错误" in wrong.get_data(as_text=True)
    ident = buyer(client)
    ok = client.post(
        "/auction/login",
        data={"login": ident["email"], "password": ident["platform_password"], "next": "/auction/my"},
    )
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/auction/my")
    mine = client.get("/auction/my").get_data(as_text=True)
    assert ident["name"] in mine and 'data-role="to-rate"' in mine


def test_listing_bad_input_is_refused_with_nothing_stored(candidates) -> None:  # noqa: ANN001
    client = auction_login(candidates)
    before = lot_count(candidates, client)
    for changes, message in (
        ({"increment": "0"}, "加价幅度须大于0"),
        ({"reserve_price": "50"}, "保留价不能低于起拍价"),
        ({"buy_now_price": "abc"}, "金额必须是数字"),
        ({"days": "30"}, "拍卖时长须为1–7天"),
        ({"title": ""}, "标题需2–60个字"),
    ):
        resp = client.post("/auction/sell", data={**GOOD, **changes})
        page = resp.get_data(as_text=True)
        assert resp.status_code == 400, changes
        assert message in page and "拍品信息填写有误" in page
    assert lot_count(candidates, client) == before


def test_listing_then_escaped_page_and_bid_refusals(candidates) -> None:  # noqa: ANN001
    client = auction_login(candidates)
    resp = client.post("/auction/sell", data=GOOD)
    assert resp.status_code == 302
    lot_url = resp.headers["Location"]
    page = client.get(lot_url).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "买家付邮" in page and "12.50" in page and 'data-role="edit-link"' in page
    own = client.post(f"{lot_url}/bid", data={"max_amount": "500"})
    assert own.status_code == 403 and "不能对自己的拍品出价" in own.get_data(as_text=True)
    # Another candidate's member: the seller's edit page is not theirs; bad bids are refused.
    other = auction_login(candidates, "T0002")
    lot_id, floor = seeded_lot(candidates, other)
    assert other.get("/auction/lot/999999").status_code == 404
    low = other.post(f"/auction/lot/{lot_id}/bid", data={"max_amount": f"{(floor - 1) / 100:.2f}"})
    assert low.status_code == 400 and "出价不能低于最低出价" in low.get_data(as_text=True)
    bad = other.post(f"/auction/lot/{lot_id}/bid", data={"max_amount": "12.345"})
    assert bad.status_code == 400 and "金额必须是数字" in bad.get_data(as_text=True)
    ok = other.post(f"/auction/lot/{lot_id}/bid", data={"max_amount": f"{(floor + 5000) / 100:.2f}"})
    assert ok.status_code == 302
    shown = other.get(f"/auction/lot/{lot_id}").get_data(as_text=True)
    name = buyer(other)["name"]
    assert f"{name[0]}**{name[-1]}" in shown  # the history masks the bidder
    mine = other.get("/auction/my").get_data(as_text=True)
    assert f'data-lot-id="{lot_id}"' in mine


def test_another_members_lot_cannot_be_edited(candidates) -> None:  # noqa: ANN001
    client = auction_login(candidates)
    lot_id, _ = seeded_lot(candidates, client)
    assert client.get(f"/auction/lot/{lot_id}/edit").status_code == 403
    resp = client.post(f"/auction/lot/{lot_id}/edit", data={"description": "改掉"})
    assert resp.status_code == 403 and "只能修改自己的拍品" in resp.get_data(as_text=True)
    page = client.get(f"/auction/lot/{lot_id}").get_data(as_text=True)
    seller = re.search(r"/auction/member/(\d+)", page)[1]
    profile = client.get(f"/auction/member/{seller}").get_data(as_text=True)
    assert 'data-role="level"' in profile and "信用积分" in profile
    assert client.get("/auction/member/999999").status_code == 404


def test_a_deal_is_rated_once_and_the_rating_replied_to(candidates) -> None:  # noqa: ANN001
    client = auction_login(candidates)
    lot_url = client.post("/auction/sell", data=GOOD).headers["Location"]
    lot_id = int(lot_url.rsplit("/", 1)[1])
    w = candidates.world(client, read_only=False)
    lot = services.get_lot(w, lot_id)
    npc_buyer = services.member_by_login(w, "npc001@paimai.sim")
    services.buy_now(w, npc_buyer, lot)  # an NPC buys it at once: a deal
    ratings.rate(w, npc_buyer, lot, 1, "宝贝很好，卖家人也好")
    w.commit()
    w.close()
    page = client.get(lot_url).get_data(as_text=True)
    assert 'data-role="rate-form"' in page and "宝贝很好" in page
    bad = client.post(f"{lot_url}/rate", data={"score": "-1", "comment": "差"})
    assert bad.status_code == 400 and "请写明原因" in bad.get_data(as_text=True)
    assert client.post(f"{lot_url}/rate", data={"score": "1", "comment": "爽快的买家"}).status_code == 302
    again = client.post(f"{lot_url}/rate", data={"score": "-1", "comment": "改成差评试试看"})
    assert again.status_code == 409 and "评价不能修改" in again.get_data(as_text=True)
    me = re.search(r'/auction/member/(\d+)" data-role="auction-user"', page)[1]
    profile = client.get(f"/auction/member/{me}").get_data(as_text=True)
    rating_id = re.search(r'data-rating-id="(\d+)"', profile)[1]
    assert 'data-role="reply-form"' in profile
    assert client.post(f"/auction/rating/{rating_id}/reply", data={"reply": "谢谢支持"}).status_code == 302
    twice = client.post(f"/auction/rating/{rating_id}/reply", data={"reply": "再谢"})
    assert twice.status_code == 409
    profile = client.get(f"/auction/member/{me}").get_data(as_text=True)
    assert "谢谢支持" in profile and '<strong data-role="score">1</strong>' in profile


def test_the_winner_pays_at_the_platforms_cashier(candidates) -> None:  # noqa: ANN001
    client = auction_login(candidates)
    w = candidates.world(client)
    lot = next(lot for lot in services.open_lots(w) if services.can_buy_now(w, lot))
    lot_id, due = lot.id, lot.buy_now_price + lot.shipping_fee
    w.close()
    assert client.post(f"/auction/lot/{lot_id}/pay").status_code == 403  # not won yet
    assert client.post(f"/auction/lot/{lot_id}/buy").status_code == 302
    page = client.get(f"/auction/lot/{lot_id}").get_data(as_text=True)
    assert 'data-role="pay-form"' in page
    resp = client.post(f"/auction/lot/{lot_id}/pay")
    fields = request_fields(resp)
    assert resp.status_code == 200 and fields["method"] == "alipay.trade.page.pay"
    assert f'"total_amount":"{due // 100}.{due % 100:02d}"' in fields["biz_content"]
    cashier = client.post(GATEWAY_DO, data=fields)
    assert cashier.status_code == 303
    ident = buyer(client)
    paid = pay_at(client, cashier.location, ident["account_no"], ident["payment_password"])
    assert paid.status_code in (200, 302, 303), paid.get_data(as_text=True)
    back = client.get(f"/auction/pay/return?out_trade_no=PM{lot_id:08d}")
    assert back.status_code == 302
    page = client.get(f"/auction/lot/{lot_id}").get_data(as_text=True)
    assert 'data-role="paid"' in page and "已付款" in page
    again = client.post(f"/auction/lot/{lot_id}/pay")
    assert again.status_code == 409 and "该拍品已付款" in again.get_data(as_text=True)
    ship = client.post(f"/auction/lot/{lot_id}/ship", data={"carrier": "中通", "waybill_no": "ZT12345678"})
    assert ship.status_code == 403 and "只有卖家可以发货" in ship.get_data(as_text=True)
    early = client.post(f"/auction/lot/{lot_id}/receive")
    assert early.status_code == 409 and "卖家发货后才能确认收货" in early.get_data(as_text=True)


def test_hostile_values_on_every_auction_route_never_fail(candidates) -> None:  # noqa: ANN001
    client = auction_login(candidates)
    rules = [r for r in client.application.url_map.iter_rules() if r.endpoint.startswith("auction.")]
    fields = ("max_amount", "score", "comment", "reply", "carrier", "waybill_no", "description", *GOOD)
    for rule in rules:
        if rule.endpoint == "auction.logout":
            continue
        for value in HOSTILE:
            path = fill(rule.rule, value)
            if "GET" in rule.methods:
                resp = client.get(path, query_string={"out_trade_no": value[:100], "next": value[:100]})
                assert resp.status_code < 500, (rule.rule, value)
            if "POST" in rule.methods:
                resp = client.post(path, data=dict.fromkeys(fields, value))
                assert resp.status_code < 500, (rule.rule, value)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 90, 30)).save(out, format="PNG")
    return out.getvalue()


def test_pictures_of_a_lot_are_checked_and_served_safely(candidates) -> None:  # noqa: ANN001
    client = auction_login(candidates)
    before = lot_count(candidates, client)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    bad = client.post(
        "/auction/sell",
        data={**GOOD, "images": [(io.BytesIO(svg), "a.svg")]},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "SVG" in bad.get_data(as_text=True)
    many = client.post(
        "/auction/sell",
        data={**GOOD, "images": [(io.BytesIO(png()), f"{n}.png") for n in range(4)]},
        content_type="multipart/form-data",
    )
    assert many.status_code == 400 and "最多3张图片" in many.get_data(as_text=True)
    assert lot_count(candidates, client) == before
    ok = client.post(
        "/auction/sell",
        data={**GOOD, "images": [(io.BytesIO(png()), "kb.png")]},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    page = client.get(ok.headers["Location"]).get_data(as_text=True)
    src = re.search(r'<img src="(/auction/image/\d+)"', page)[1]
    picture = client.get(src)
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/auction/image/999999").status_code == 404
