"""The winner pays through 云鹊支付 into the site's escrow account: a signed page.pay request, the
platform's signed notification marks the lot paid once, the return only makes the site ask; forged
notifications and wrong payers change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sandbox.auction import npc as auction_npc  # noqa: F401  (registers the actions and the receiver)
from sandbox.auction import payments, ratings, services
from sandbox.auction.models import LotStatus
from sandbox.bank import services as bank
from sandbox.bank.models import AccountKind, Bank
from sandbox.errors import Conflict, DomainError, Forbidden
from sandbox.gateway import notify
from sandbox.gateway import services as gateway


def won_lot(w):  # noqa: ANN001, ANN201
    """A lot the buyer won (¥120 + ¥8 shipping), and the buyer and seller."""
    seller = services.open_member(w, login="seller@mail.sim", nickname="卖家阿明", password=None)
    buyer = services.open_member(w, login="buyer@mail.sim", nickname="买家小林", password="pw123456")
    form = services.LotForm(
        title="二手 显示器",
        category="digital",
        condition="good",
        start_price=12000,
        increment=1000,
        days=1,
        shipping="buyer",
        shipping_fee=800,
    )
    lot = services.list_lot(w, seller, form)
    services.place_bid(w, buyer, lot, 20000)
    with w.at(lot.ends_at):
        services.close_lot(w, lot)
    return lot, buyer, seller


def card(w):  # noqa: ANN001, ANN201
    the_bank = w.db.scalars(select(Bank).order_by(Bank.id)).first()
    account = bank.open_account(
        w,
        bank_code=the_bank.code,
        number=bank.new_card_number(w, the_bank),
        holder="买家小林",
        kind=AccountKind.PERSONAL,
        payment_password="135790",
    )
    bank.fund(w, account, 100_000)
    return account


def test_the_winner_pays_into_escrow_and_the_notification_marks_it_paid(w) -> None:  # noqa: ANN001
    lot, buyer, seller = won_lot(w)
    assert payments.amount_due(lot) == 12800
    with pytest.raises(Forbidden):
        payments.payment_request(w, seller, lot)
    params = payments.payment_request(w, buyer, lot)
    assert params == payments.payment_request(w, buyer, lot)  # the same request again
    assert '"total_amount":"128.00"' in params["biz_content"]
    payer = card(w)
    trade = gateway.create_trade(w, params)
    gateway.pay_with_card(w, trade, payer.number, "135790", None)
    assert lot.status == LotStatus.PAID and lot.trade_no == trade.trade_no
    escrow = bank.find_account(w, payments.ESCROW_ACCOUNT_NO)
    assert bank.balance(w, escrow) == 12800 and bank.balance(w, payer) == 100_000 - 12800
    assert [e.payload["via"] for e in w.events("auction.paid")] == ["notify"]
    with pytest.raises(Conflict):
        payments.payment_request(w, buyer, lot)
    assert payments.confirm_by_query(w, lot)  # already paid: nothing more recorded
    assert len(w.events("auction.paid")) == 1
    assert ratings.can_rate(w, lot, buyer)  # a paid deal can still be rated


def test_a_forged_notification_changes_nothing_and_the_query_confirms(w, monkeypatch) -> None:  # noqa: ANN001
    lot, buyer, _ = won_lot(w)
    params = payments.payment_request(w, buyer, lot)
    forged = {
        "app_id": params["app_id"],
        "out_trade_no": payments.out_trade_no(lot),
        "total_amount": "128.00",
        "trade_status": "TRADE_SUCCESS",
        "trade_no": "2026FAKE",
        "sign": "AAAA",
    }
    assert payments.receive_notification(w, payments.NOTIFY_PATH, forged) == "fail"
    assert lot.status == LotStatus.WON
    assert not payments.confirm_by_query(w, lot)  # not paid at the platform
    trade = gateway.create_trade(w, params)
    monkeypatch.setitem(notify._RECEIVERS, payments.NOTIFY_PATH, lambda *_: "fail")  # the site is down
    gateway.pay_with_card(w, trade, card(w).number, "135790", None)
    assert lot.status == LotStatus.WON  # no notification reached the site
    assert payments.confirm_by_query(w, lot) and lot.status == LotStatus.PAID
    assert [e.payload["via"] for e in w.events("auction.paid")] == ["query"]


def test_an_unsold_or_open_lot_cannot_be_paid(w) -> None:  # noqa: ANN001
    seller = services.open_member(w, login="s2@mail.sim", nickname="卖家", password=None)
    buyer = services.open_member(w, login="b2@mail.sim", nickname="买家", password=None)
    form = services.LotForm(
        title="全新 保温杯", category="home", condition="new", start_price=5000, increment=500, days=1
    )
    lot = services.list_lot(w, seller, form)
    services.place_bid(w, buyer, lot, 6000)
    with pytest.raises(Forbidden):  # not won yet: nobody is the winner
        payments.payment_request(w, buyer, lot)
    assert lot.payment_request is None


def test_after_payment_the_seller_ships_and_the_buyer_confirms(w) -> None:  # noqa: ANN001
    lot, buyer, seller = won_lot(w)
    with pytest.raises(Conflict):
        services.ship(w, seller, lot, "中通快递", "ZT1234567890")  # not paid yet
    trade = gateway.create_trade(w, payments.payment_request(w, buyer, lot))
    gateway.pay_with_card(w, trade, card(w).number, "135790", None)
    with pytest.raises(Forbidden):
        services.ship(w, buyer, lot, "中通快递", "ZT1234567890")
    with pytest.raises(DomainError):
        services.ship(w, seller, lot, "中通快递", "12")
    assert lot.status == LotStatus.PAID
    with pytest.raises(Conflict):
        services.confirm_receipt(w, buyer, lot)
    services.ship(w, seller, lot, "中通快递", "ZT1234567890")
    with pytest.raises(Forbidden):
        services.confirm_receipt(w, seller, lot)
    services.confirm_receipt(w, buyer, lot)
    assert lot.status == LotStatus.COMPLETED and lot.waybill_no == "ZT1234567890"
    assert ratings.can_rate(w, lot, buyer) and ratings.can_rate(w, lot, seller)


def test_after_the_trade_closes_unpaid_a_new_request_is_signed(w) -> None:  # noqa: ANN001
    lot, buyer, _ = won_lot(w)
    first = payments.payment_request(w, buyer, lot)
    gateway.create_trade(w, first)  # the buyer reached the cashier, then left
    assert payments.payment_request(w, buyer, lot) == first  # still open: the same request
    later = w.now() + timedelta(minutes=31)
    with w.at(later):
        second = payments.payment_request(w, buyer, lot)  # the trade closed unpaid
        assert payments.out_trade_no(lot) == f"PM{lot.id:08d}R2" and second != first
        assert payments.lot_of_trade(w, f"PM{lot.id:08d}") is None  # the old number is done
        trade = gateway.create_trade(w, second)
        gateway.pay_with_card(w, trade, card(w).number, "135790", None)
    assert lot.status == LotStatus.PAID


def two_bidders_lot(w):  # noqa: ANN001, ANN201
    """A lot won by 买家小林 (max ¥200) over 次高小王 (max ¥180); reserve ¥150."""
    seller = services.open_member(w, login="seller3@mail.sim", nickname="卖家老周", password=None)
    buyer = services.open_member(w, login="buyer@mail.sim", nickname="买家小林", password=None)
    second = services.open_member(w, login="second@mail.sim", nickname="次高小王", password=None)
    form = services.LotForm(
        title="九成新 相机",
        category="digital",
        condition="good",
        start_price=10000,
        increment=1000,
        reserve_price=15000,
        days=1,
    )
    lot = services.list_lot(w, seller, form)
    services.place_bid(w, second, lot, 18000)
    services.place_bid(w, buyer, lot, 20000)
    with w.at(lot.ends_at):
        services.close_lot(w, lot)
    assert lot.winner_id == buyer.id and lot.final_price == 19000
    assert lot.pay_by == lot.closed_at + services.PAY_WITHIN
    return lot, buyer, second, seller


def test_an_unpaid_deal_lapses_at_its_deadline_and_goes_to_the_next_bidder(w) -> None:  # noqa: ANN001
    lot, buyer, second, seller = two_bidders_lot(w)
    with w.at(lot.pay_by - timedelta(minutes=1)):
        assert not services.lapse_unpaid(w, lot)  # not yet
        with pytest.raises(Conflict):  # only a lapsed deal can go to the next bidder
            services.offer_to_next_bidder(w, seller, lot)
    with w.at(lot.pay_by):
        assert services.lapse_unpaid(w, lot)
        assert lot.status == LotStatus.LAPSED
        with pytest.raises(Conflict):  # too late to pay
            payments.payment_request(w, buyer, lot)
        with pytest.raises(Forbidden):
            services.offer_to_next_bidder(w, buyer, lot)
        assert services.next_bidder(lot) == (second, 18000)
        assert services.offer_to_next_bidder(w, seller, lot) == second
    assert lot.status == LotStatus.WON and lot.winner_id == second.id and lot.final_price == 18000
    assert lot.passed_over == [buyer.id] and lot.pay_by > lot.closed_at + services.PAY_WITHIN
    with pytest.raises(Forbidden):  # the passed-over buyer can no longer pay
        payments.payment_request(w, buyer, lot)
    trade = gateway.create_trade(w, payments.payment_request(w, second, lot))
    gateway.pay_with_card(w, trade, card(w).number, "135790", None)
    assert lot.status == LotStatus.PAID
    escrow = bank.find_account(w, payments.ESCROW_ACCOUNT_NO)
    assert bank.balance(w, escrow) == 18000  # the second buyer's maximum, nothing from the first
    assert [e.payload["buyer"] for e in w.events("auction.second_chance")] == ["second@mail.sim"]


def test_the_deadline_runs_on_the_world_clock_and_waits_for_a_payment_under_way(w) -> None:  # noqa: ANN001
    lot, buyer, _, _ = two_bidders_lot(w)
    with w.at(lot.pay_by - timedelta(minutes=5)):  # at the cashier at the last moment
        gateway.create_trade(w, payments.payment_request(w, buyer, lot))
    with w.at(lot.pay_by):
        assert npc_run(w) and lot.status == LotStatus.WON  # the trade is still open: wait for it
    with w.at(lot.pay_by + timedelta(minutes=40)):
        npc_run(w)
        assert lot.status == LotStatus.LAPSED  # the trade closed unpaid, then the deal lapsed
    assert len(w.events("auction.payment_lapsed")) == 1


def test_a_payment_made_before_the_deadline_is_kept(w) -> None:  # noqa: ANN001
    lot, buyer, _, seller = two_bidders_lot(w)
    monkey_down = dict(notify._RECEIVERS)
    notify._RECEIVERS[payments.NOTIFY_PATH] = lambda *_: "fail"  # the notification never arrives
    try:
        trade = gateway.create_trade(w, payments.payment_request(w, buyer, lot))
        gateway.pay_with_card(w, trade, card(w).number, "135790", None)
    finally:
        notify._RECEIVERS.clear()
        notify._RECEIVERS.update(monkey_down)
    assert lot.status == LotStatus.WON
    with w.at(lot.pay_by):
        assert not services.lapse_unpaid(w, lot)  # the site asks the platform first
    assert lot.status == LotStatus.PAID
    with pytest.raises(Conflict):
        services.offer_to_next_bidder(w, seller, lot)


def test_no_next_bidder_below_the_reserve(w) -> None:  # noqa: ANN001
    seller = services.open_member(w, login="seller4@mail.sim", nickname="卖家", password=None)
    buyer = services.open_member(w, login="b4@mail.sim", nickname="买家甲", password=None)
    low = services.open_member(w, login="b5@mail.sim", nickname="买家乙", password=None)
    form = services.LotForm(
        title="全新 台灯",
        category="home",
        condition="new",
        start_price=5000,
        increment=500,
        reserve_price=9000,
        days=1,
    )
    lot = services.list_lot(w, seller, form)
    services.place_bid(w, low, lot, 7000)
    services.place_bid(w, buyer, lot, 10000)
    with w.at(lot.ends_at):
        services.close_lot(w, lot)
    with w.at(lot.pay_by):
        services.lapse_unpaid(w, lot)
        assert services.next_bidder(lot) is None
        with pytest.raises(Conflict):
            services.offer_to_next_bidder(w, seller, lot)
    assert lot.status == LotStatus.LAPSED and lot.winner_id == buyer.id


def npc_run(w) -> bool:  # noqa: ANN001
    """Run what the world scheduled up to now (the runner every request touches)."""
    from sandbox.worlds import npc

    npc.run_due(w, [])
    return True
