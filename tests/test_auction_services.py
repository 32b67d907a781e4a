"""The auction's services: listing validation, proxy bidding (with a Hypothesis property), increments,
anti-sniping, reserve, buy-it-now, closing, refusals that change nothing, ratings and the NPCs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sandbox.auction import npc as auction_npc  # noqa: F401  (registers the actions)
from sandbox.auction import ratings, services
from sandbox.auction.models import Bid, Lot, LotStatus, Rating
from sandbox.errors import Conflict, DomainError, Forbidden
from sandbox.worlds import npc


def form(**changes) -> services.LotForm:  # noqa: ANN003
    base = {
        "title": "九成新 相机镜头",
        "category": "digital",
        "condition": "like_new",
        "description": "成色很好",
        "start_price": 10000,
        "increment": 1000,
        "days": 3,
        "shipping": "free",
    }
    base.update(changes)
    return services.LotForm(**base)


@pytest.fixture
def people(w):  # noqa: ANN001, ANN201
    """A seller and three bidders."""
    make = services.open_member
    return (
        make(w, login="seller@mail.sim", nickname="卖家阿明", password="pw123456", role="merchant"),
        make(w, login="a@mail.sim", nickname="张小3", password="pw123456", role="buyer"),
        make(w, login="b@mail.sim", nickname="李四", password=None),
        make(w, login="c@mail.sim", nickname="王五六", password=None),
    )


def snapshot(w, lot: Lot) -> tuple:  # noqa: ANN001
    bids = w.db.scalar(select(func.count(Bid.id)).where(Bid.lot_id == lot.id))
    return (lot.current_price, lot.leader_id, lot.ends_at, lot.status, bids)


def test_the_seeded_site_has_npc_members_and_open_lots(w) -> None:  # noqa: ANN001
    lots = services.open_lots(w)
    assert len(lots) >= 5
    assert any(lot.bids for lot in lots) and any(lot.buy_now_price for lot in lots)
    assert all(lot.ends_at > w.now() for lot in lots)
    for lot in lots:
        if lot.leader_id:
            assert lot.leader_id != lot.seller_id
            assert lot.current_price <= max(b.max_amount for b in lot.bids)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"increment": 0}, "increment"),
        ({"reserve_price": 5000}, "reserve_price"),
        ({"buy_now_price": 10000}, "buy_now_price"),
        ({"reserve_price": 30000, "buy_now_price": 20000}, "buy_now_price"),
        ({"days": 0}, "days"),
        ({"days": 8}, "days"),
        ({"start_price": None}, "start_price"),
        ({"title": "a"}, "title"),
        ({"category": "cars"}, "category"),
        ({"shipping": "buyer", "shipping_fee": None}, "shipping_fee"),
    ],
)
def test_listing_refuses_bad_terms_and_stores_nothing(w, people, changes, field) -> None:  # noqa: ANN001
    before = w.db.scalar(select(func.count(Lot.id)))
    with pytest.raises(services.LotInvalid) as caught:
        services.list_lot(w, people[0], form(**changes))
    assert field in caught.value.errors
    assert w.db.scalar(select(func.count(Lot.id))) == before
    assert not [e for e in w.emitted if e.name == "auction.lot_listed"]


def test_listing_records_the_terms_and_ends_on_the_world_clock(w, people) -> None:  # noqa: ANN001
    lot = services.list_lot(
        w, people[0], form(reserve_price=20000, buy_now_price=50000, shipping="buyer", shipping_fee=1200)
    )
    assert lot.ends_at == w.now() + timedelta(days=3)
    assert lot.current_price == 10000 and lot.shipping_fee == 1200
    event = w.events("auction.lot_listed")[-1]
    assert event.payload["reserve_price"] == 20000 and event.payload["buy_now_price"] == 50000


def test_proxy_bidding_raises_the_price_only_as_far_as_needed(w, people) -> None:  # noqa: ANN001
    seller, a, b, c = people
    lot = services.list_lot(w, seller, form())
    services.place_bid(w, a, lot, 30000)
    assert lot.leader_id == a.id and lot.current_price == 10000  # alone: the start price
    assert services.min_next_bid(lot) == 11000
    services.place_bid(w, b, lot, 15000)
    assert lot.leader_id == a.id and lot.current_price == 16000  # b's max + one increment
    services.place_bid(w, c, lot, 29500)
    assert lot.leader_id == a.id and lot.current_price == 30000  # capped at a's max
    services.place_bid(w, b, lot, 40000)
    assert lot.leader_id == b.id and lot.current_price == 31000
    shown = [amount for _, amount in [(bid.id, bid.shown_amount) for bid in lot.bids]]
    assert shown == [10000, 15000, 29500, 31000]
    names = [name for _, name in services.history(lot)]
    assert names == ["李**四", "王**六", "李**四", "张**3"]


def test_a_tie_goes_to_the_earlier_bid(w, people) -> None:  # noqa: ANN001
    seller, a, b, _ = people
    lot = services.list_lot(w, seller, form())
    services.place_bid(w, a, lot, 20000)
    services.place_bid(w, b, lot, 20000)
    assert lot.leader_id == a.id and lot.current_price == 20000


def test_refusals_change_nothing(w, people) -> None:  # noqa: ANN001
    seller, a, b, _ = people
    lot = services.list_lot(w, seller, form())
    services.place_bid(w, a, lot, 20000)
    before = snapshot(w, lot)
    with pytest.raises(DomainError, match="最低出价"):
        services.place_bid(w, b, lot, 10500)  # below price + increment
    with pytest.raises(Forbidden):
        services.place_bid(w, seller, lot, 90000)  # own lot
    with pytest.raises(Forbidden):
        services.place_bid(w, None, lot, 90000)  # not a member
    with pytest.raises(DomainError):
        services.place_bid(w, a, lot, 15000)  # the leader must raise above its own max
    with w.at(lot.ends_at + timedelta(seconds=1)):
        with pytest.raises(Conflict):
            services.place_bid(w, b, lot, 90000)  # after the end
    assert snapshot(w, lot) == before


def test_a_bid_in_the_last_five_minutes_extends_the_end(w, people) -> None:  # noqa: ANN001
    seller, a, b, _ = people
    lot = services.list_lot(w, seller, form())
    end = lot.ends_at
    with w.at(end - timedelta(minutes=10)):
        services.place_bid(w, a, lot, 20000)
    assert lot.ends_at == end and lot.extensions == 0
    with w.at(end - timedelta(minutes=2)):
        services.place_bid(w, b, lot, 30000)
    assert lot.ends_at == end + timedelta(minutes=3) and lot.extensions == 1
    with w.at(end + timedelta(minutes=1)):  # past the first end, before the new one: still open
        services.place_bid(w, a, lot, 40000)
        services.close_due(w)
        assert lot.status == LotStatus.OPEN
    assert lot.ends_at == end + timedelta(minutes=6)
    with w.at(lot.ends_at):
        assert services.close_due(w) >= 1
    assert lot.status == LotStatus.WON and lot.winner_id == a.id and lot.final_price == 31000


def test_below_the_reserve_the_lot_is_unsold(w, people) -> None:  # noqa: ANN001
    seller, a, b, _ = people
    lot = services.list_lot(w, seller, form(reserve_price=50000))
    services.place_bid(w, a, lot, 30000)
    services.place_bid(w, b, lot, 40000)
    with w.at(lot.ends_at):
        services.close_due(w)
    assert lot.status == LotStatus.UNSOLD and lot.winner_id is None
    assert w.events("auction.closed")[-1].payload["reason"] == "below_reserve"


def test_the_price_jumps_to_the_reserve_when_a_max_reaches_it(w, people) -> None:  # noqa: ANN001
    seller, a, _, _ = people
    lot = services.list_lot(w, seller, form(reserve_price=50000))
    services.place_bid(w, a, lot, 60000)
    assert lot.current_price == 50000
    with w.at(lot.ends_at):
        services.close_due(w)
    assert lot.status == LotStatus.WON and lot.final_price == 50000


def test_no_bids_is_unsold(w, people) -> None:  # noqa: ANN001
    lot = services.list_lot(w, people[0], form())
    with w.at(lot.ends_at):
        npc.ACTIONS["auction.close_due"](w, {}, None)
    assert lot.status == LotStatus.UNSOLD


def test_buy_now_ends_the_auction_and_only_before_the_reserve_is_reached(w, people) -> None:  # noqa: ANN001
    seller, a, b, c = people
    lot = services.list_lot(w, seller, form(reserve_price=30000, buy_now_price=60000))
    services.place_bid(w, a, lot, 20000)
    assert services.can_buy_now(w, lot)  # below the reserve: still offered
    with pytest.raises(Forbidden):
        services.buy_now(w, seller, lot)
    services.buy_now(w, b, lot)
    assert lot.status == LotStatus.BOUGHT and lot.winner_id == b.id and lot.final_price == 60000
    with pytest.raises(Conflict):
        services.place_bid(w, c, lot, 90000)
    plain = services.list_lot(w, seller, form(buy_now_price=60000))
    services.place_bid(w, a, plain, 20000)
    before = snapshot(w, plain)
    with pytest.raises(Conflict):  # no reserve: the first bid removes buy-it-now
        services.buy_now(w, b, plain)
    assert snapshot(w, plain) == before


def test_ratings_once_each_side_with_one_reply_and_levels(w, people) -> None:  # noqa: ANN001
    seller, a, b, _ = people
    lot = services.list_lot(w, seller, form())
    services.place_bid(w, a, lot, 20000)
    with pytest.raises(Forbidden):
        ratings.rate(w, a, lot, 1, "")  # not closed yet: no deal
    with w.at(lot.ends_at):
        services.close_due(w)
    with pytest.raises(Forbidden):
        ratings.rate(w, b, lot, 1, "好")  # not a side of the deal
    with pytest.raises(DomainError, match="原因"):
        ratings.rate(w, a, lot, -1, "差")
    rating = ratings.rate(w, a, lot, 1, "卖家发货快，东西很好")
    assert rating.to_id == seller.id and rating.as_role == "buyer"
    with pytest.raises(Conflict):
        ratings.rate(w, a, lot, -1, "我想改成差评可以吗")
    ratings.rate(w, seller, lot, 0, "付款有点慢，其他还好")
    with pytest.raises(Forbidden):
        ratings.reply(w, a, rating.id, "谢谢")  # only the rated side replies
    ratings.reply(w, seller, rating.id, "谢谢惠顾")
    with pytest.raises(Conflict):
        ratings.reply(w, seller, rating.id, "再次感谢")
    rep = ratings.reputation(w, seller)
    assert (rep.score, rep.good, rep.level) == (1, 1, "新手")
    assert ratings.level_of(4) == "1心" and ratings.level_of(251) == "1钻"
    assert w.db.scalar(select(func.count(Rating.id)).where(Rating.lot_id == lot.id)) == 2


def test_the_rating_window_closes_after_fifteen_days(w, people) -> None:  # noqa: ANN001
    seller, a, _, _ = people
    lot = services.list_lot(w, seller, form())
    services.place_bid(w, a, lot, 20000)
    with w.at(lot.ends_at):
        services.close_due(w)
    with w.at(lot.ends_at + timedelta(days=15, minutes=1)):
        assert not ratings.can_rate(w, lot, a)
        with pytest.raises(Conflict):
            ratings.rate(w, a, lot, 1, "")


def test_npc_bidder_and_scheduled_closing(w, people) -> None:  # noqa: ANN001
    seller, a, _, _ = people
    lot = services.list_lot(w, seller, form(title="全新 机械键盘"))
    services.place_bid(w, a, lot, 15000)
    npc.ACTIONS["auction.npc_bid"](w, {"lot": "全新 机械键盘", "bidder": "李四", "max": 30000}, None)
    assert lot.leader.nickname == "李四" and lot.current_price == 16000
    npc.ACTIONS["auction.npc_bid"](w, {"lot": lot.id, "bidder": "王五六", "max": 10000}, None)  # too low
    assert w.events("auction.npc_bid_skipped")
    services.place_bid(w, a, lot, 35000)  # the NPC answers on the event, up to its maximum
    trigger = w.events("auction.bid_placed")[-1]
    npc.ACTIONS["auction.npc_bid"](w, {"bidder": "李四", "max": 50000}, trigger)
    assert lot.leader.nickname == "李四" and lot.current_price == 36000
    with w.at(lot.ends_at):
        npc.ACTIONS[services.CLOSE_STEP](w, {"lot": lot.id}, None)
    assert lot.status == LotStatus.WON and lot.winner.nickname == "李四"


def test_npc_seller_lists_a_lot_ending_within_the_attempt(w, people) -> None:  # noqa: ANN001
    args = {
        "seller": "李四",
        "title": "二手 显示器 24寸",
        "start": 20000,
        "increment": 1000,
        "ends_in": "+20m",
    }
    npc.ACTIONS["auction.npc_list"](w, {**args, "reserve": 30000}, None)
    lot = services.open_lots(w)[0]
    assert lot.title == "二手 显示器 24寸" and lot.ends_at == w.now() + timedelta(minutes=20)
    assert lot.reserve_price == 30000 and lot.shipping == "free"
    with pytest.raises(DomainError):
        npc.ACTIONS["auction.npc_list"](w, {**args, "increment": 0}, None)


def test_masked_names() -> None:
    assert services.mask("张小3") == "张**3"
    assert services.mask("A") == "A**"
    assert services.mask("李四") == "李**四"


BIDS = st.lists(st.tuples(st.integers(1, 3), st.integers(90, 400).map(lambda y: y * 100)), max_size=10)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bids=BIDS, reserve=st.sampled_from([None, 15000, 30000]))
def test_property_the_leader_holds_the_highest_max_and_pays_no_more(w, people, bids, reserve) -> None:  # noqa: ANN001
    seller = people[0]
    lot = services.list_lot(w, seller, form(reserve_price=reserve))
    for who, amount in bids:
        before = snapshot(w, lot)
        try:
            services.place_bid(w, people[who], lot, amount)
        except DomainError:
            assert snapshot(w, lot) == before
    if not lot.bids:
        assert lot.leader_id is None and lot.current_price == lot.start_price
        return
    top = max(b.max_amount for b in lot.bids)
    first_top = min((b for b in lot.bids if b.max_amount == top), key=lambda b: b.id)
    assert lot.leader_id == first_top.bidder_id
    assert lot.start_price <= lot.current_price <= top
    others = [b.max_amount for b in lot.bids if b.bidder_id != lot.leader_id]
    if others:
        assert lot.current_price >= min(top, max(others))
    with w.at(lot.ends_at):
        services.close_lot(w, lot)
    if reserve is not None and top < reserve:
        assert lot.status == LotStatus.UNSOLD
    else:
        assert lot.winner_id == first_top.bidder_id and lot.final_price <= top
