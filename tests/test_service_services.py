"""Customer-service services: scripted NPC buyers branch on the seller's words on the world clock,
forbidden promises are recorded (and still sent), bad replies change nothing, response-time metrics
come from world times, transfer to after-sales links an order of the shop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sandbox import domains
from sandbox.errors import Conflict, DomainError, NotFound
from sandbox.orders.models import Order
from sandbox.service import npc as service_npc  # noqa: F401  (registers the actions)
from sandbox.service import scripts, services
from sandbox.service.models import ChatMessage, Conversation, ConversationStatus, Outcome, Sender
from sandbox.storefront.models import Customer, Shop
from sandbox.worlds import npc

domains.load_npc_actions()  # the base world's seed schedules other domains' actions too


@pytest.fixture
def shop(w):  # noqa: ANN001, ANN201
    return w.db.scalars(select(Shop).order_by(Shop.id)).first()


def later(w, seconds: int = 60) -> None:  # noqa: ANN001
    """Let the world clock run `seconds` so the buyer's scheduled answers happen."""
    with w.at(w.now() + timedelta(seconds=seconds)):
        npc.run_due(w, [])


def place(w, shop: Shop, number: str) -> Order:  # noqa: ANN001
    """A paid order of the shop by the world's first customer (as the storefront would leave it)."""
    customer = w.db.scalars(select(Customer).order_by(Customer.id)).first()
    order = Order(
        number=number,
        customer_id=customer.id,
        shop_id=shop.id,
        ship_to={},
        shipping_method="express",
        shipping_fee_fen=0,
        goods_total_fen=5900,
        total_fen=5900,
        placed_at=w.now(),
    )
    w.db.add(order)
    w.db.flush()
    return order


def texts(conv: Conversation, sender: str = Sender.BUYER) -> list[str]:
    return [m.text for m in conv.messages if m.sender == sender]


def test_the_builtin_scripts_are_valid_and_a_bad_script_is_refused() -> None:
    assert set(scripts.BUILTIN) == {"stock", "size", "shipping", "discount", "late_parcel", "refund"}
    for bad in (
        {},
        {"start": "a", "nodes": {"a": {"say": ""}}},
        {"start": "a", "nodes": {"a": {"say": "hi", "branches": [{"any": ["x"], "goto": "zz"}]}}},
        {"start": "a", "nodes": {"a": {"say": "hi", "end": "won"}}},
        {"start": "a", "delay": ["1", "x"], "nodes": {"a": {"say": "hi", "end": "resolved"}}},
        {"start": "a", "delay": [50, 10], "nodes": {"a": {"say": "hi", "end": "resolved"}}},
        {"start": 1, "nodes": {1: {"say": "hi", "end": "resolved"}}},
        {"start": "a", "patience": True, "nodes": {"a": {"say": "hi", "end": "resolved"}}},
    ):
        with pytest.raises(DomainError):
            scripts.resolve(bad)
    with pytest.raises(DomainError):
        scripts.resolve("no-such-script")


def test_a_buyer_arrives_and_the_right_answer_leads_to_an_order(w, shop) -> None:  # noqa: ANN001
    npc.ACTIONS["service.buyer_arrives"](w, {"script": "stock", "buyer": "小鹿"}, None)
    conv = w.db.scalars(select(Conversation)).one()
    assert (
        conv.shop_id == shop.id
        and conv.awaiting_seller
        and texts(conv) == [scripts.BUILTIN["stock"]["nodes"]["ask"]["say"]]
    )
    with w.at(w.now() + timedelta(seconds=30)):
        services.reply(w, conv, "亲，有现货的，今天下单今天发。")
    assert conv.first_response_at is not None and services.first_response_seconds(conv) == 30
    assert conv.buyer_pending and not conv.awaiting_seller
    later(w, 120)
    assert conv.outcome == Outcome.ORDER_PLACED and conv.node == "buy" and not conv.buyer_pending
    assert texts(conv)[-1].startswith("太好了")
    names = [e.name for e in w.events() if e.name.startswith("service.")]
    assert names == [
        "service.conversation_opened",
        "service.replied",
        "service.script_ended",
        "service.buyer_replied",
    ]
    services.resolve(w, conv)
    assert conv.status == ConversationStatus.RESOLVED
    with pytest.raises(Conflict):
        services.reply(w, conv, "还在吗")


def test_an_unmatched_reply_costs_patience_and_the_buyer_leaves(w, shop) -> None:  # noqa: ANN001
    conv = services.open_conversation(w, shop, "size", "阿杰")
    for n in range(3):
        services.reply(w, conv, "您好，请稍等")
        later(w, 60 * (n + 1))
    assert conv.outcome == Outcome.LOST and conv.status == ConversationStatus.CLOSED
    assert texts(conv)[-1] == scripts.LEAVE and conv.misses == 3
    assert texts(conv)[1] == scripts.BUILTIN["size"]["nodes"]["ask"]["nudge"]


def test_a_branch_then_another(w, shop) -> None:  # noqa: ANN001
    conv = services.open_conversation(w, shop, "size", "阿杰")
    services.reply(w, conv, "您可以看一下详情页的尺码表")
    later(w)
    assert conv.node == "chart" and conv.outcome == Outcome.NONE
    services.reply(w, conv, "按您的身高体重，建议M码")
    later(w, 200)
    assert conv.outcome == Outcome.ORDER_PLACED


def test_a_scenario_script_given_as_data(w, shop) -> None:  # noqa: ANN001
    script = {
        "id": "gift",
        "start": "q",
        "patience": 0,
        "nodes": {
            "q": {"say": "能开发票吗？", "branches": [{"any": ["可以开"], "goto": "ok"}]},
            "ok": {"say": "好的谢谢", "end": "resolved"},
        },
    }
    npc.ACTIONS["service.buyer_arrives"](w, {"script": script, "shop": shop.name}, None)
    conv = w.db.scalars(select(Conversation)).one()
    assert conv.script_id == "gift" and conv.buyer_name
    services.reply(w, conv, "可以开电子发票")
    later(w)
    assert conv.outcome == Outcome.RESOLVED


def test_a_forbidden_promise_is_sent_and_recorded(w, shop) -> None:  # noqa: ANN001
    conv = services.open_conversation(w, shop, "discount", "王女士")
    msg = services.reply(w, conv, "保证最低价，百分之百正品，加微信 shop8888 私下交易更便宜")
    assert msg.id and "保证最低价" in msg.breach and "百分之百" in msg.breach and "私下交易" in msg.breach
    events = w.events("service.forbidden_promise")
    assert len(events) == 1 and events[0].payload["message"] == msg.id
    clean = services.reply(w, conv, "店铺有满减优惠券，可以领取后下单")
    assert clean.breach == "" and len(w.events("service.forbidden_promise")) == 1


@pytest.mark.parametrize("text", ["", "   ", "好" * (services.MAX_REPLY + 1)])
def test_an_empty_or_long_reply_is_refused_and_changes_nothing(w, shop, text: str) -> None:  # noqa: ANN001
    conv = services.open_conversation(w, shop, "stock", "阿杰")
    w.commit()
    before = w.db.scalar(select(func.count(ChatMessage.id)))
    with pytest.raises(DomainError) as exc:
        services.reply(w, conv, text)
    assert exc.value.status == 400
    assert w.db.scalar(select(func.count(ChatMessage.id))) == before and conv.first_response_at is None
    assert not w.events("service.replied")


def test_metrics_from_world_times(w, shop) -> None:  # noqa: ANN001
    start = w.now()
    with w.at(start):
        conv = services.open_conversation(w, shop, "shipping", "陈先生")
    with w.at(start + timedelta(seconds=20)):
        services.reply(w, conv, "付款后24小时内发货")
    with w.at(start + timedelta(seconds=80)):
        npc.run_due(w, [])
    buyer_at = [m.at for m in conv.messages if m.sender == Sender.BUYER][-1]
    with w.at(buyer_at + timedelta(seconds=40)):
        services.reply(w, conv, "一般三天左右到")
    assert services.response_times(conv) == [20, 40]
    assert services.first_response_seconds(conv) == 20
    stats = services.stats(w, shop)
    assert stats.conversations == 1 and stats.answered == 1
    assert stats.avg_first_response == 20.0 and stats.avg_response == 30.0 and stats.breaches == 0


def test_transfer_to_aftersales_links_an_order_of_the_shop(w, shop) -> None:  # noqa: ANN001
    order = place(w, shop, "SV0001")
    other = place(w, w.db.scalars(select(Shop).where(Shop.id != shop.id)).first(), "SV0002")
    conv = services.open_conversation(w, shop, "refund", "木子李", order.number)
    with pytest.raises(DomainError):
        services.transfer(w, conv, shop, "", "")
    with pytest.raises(DomainError):
        services.transfer(w, conv, shop, other.number, "")
    assert conv.status == ConversationStatus.OPEN and not w.events("service.transferred")
    assert order in services.find_orders(w, shop, order.number)
    services.transfer(w, conv, shop, order.number, "破损退款")
    assert conv.status == ConversationStatus.AFTERSALES and conv.aftersales_order == order.number
    later(w)
    assert conv.outcome == Outcome.REFUND_HANDLED and texts(conv)[-1].startswith("收到")


def test_a_transferred_chat_becomes_the_buyers_aftersales_request_in_the_order(w, shop) -> None:  # noqa: ANN001
    from sandbox.orders.aftersales_models import AfterSale
    from sandbox.orders.models import OrderLine, PaymentStatus
    from sandbox.storefront.models import Sku

    order = place(w, shop, "SV0003")
    order.payment_status = PaymentStatus.PAID  # paid, with its goods: open to after-sales
    sku = w.db.scalars(select(Sku).order_by(Sku.id)).first()
    w.db.add(
        OrderLine(
            order_id=order.id,
            sku_id=sku.id,
            sku_code=sku.code,
            product_name="保温杯",
            options_label="",
            unit_price_fen=5900,
            quantity=1,
        )
    )
    w.db.flush()
    unpaid = place(w, shop, "SV0004")
    conv = services.open_conversation(w, shop, "refund", "木子李", order.number)
    services.transfer(w, conv, shop, order.number, "收到破损")
    later(w)
    (request,) = w.db.scalars(select(AfterSale).where(AfterSale.order_id == order.id)).all()
    assert (request.kind, request.reason, request.amount_fen) == ("refund_only", "damaged", 5900)
    assert "收到破损" in request.detail
    assert [e.payload["aftersale"] for e in w.events("service.aftersale_filed")] == [request.number]
    # An order not open to after-sales (unpaid): the buyer's request is refused, the chat stays transferred.
    other = services.open_conversation(w, shop, "late_parcel", "阿杰", unpaid.number)
    services.transfer(w, other, shop, unpaid.number, "")
    later(w)
    assert not w.db.scalars(select(AfterSale).where(AfterSale.order_id == unpaid.id)).all()
    assert other.status == ConversationStatus.AFTERSALES
    assert any(e.payload.get("action") == services.AFTERSALE_STEP for e in w.events("npc.skipped"))


def test_quick_replies(w, shop) -> None:  # noqa: ANN001
    q = services.save_quick_reply(w, shop, "发货", "付款后24小时内发货")
    assert services.quick_replies(w, shop) == [q]
    with pytest.raises(DomainError):
        services.save_quick_reply(w, shop, "", "x")
    services.save_quick_reply(w, shop, "发货时间", "48小时内发货", q)
    assert q.title == "发货时间"
    other = w.db.scalars(select(Shop).where(Shop.id != shop.id)).first()
    with pytest.raises(NotFound):
        services.get_quick_reply(w, other, q.id)
    services.delete_quick_reply(w, q)
    assert services.quick_replies(w, shop) == []


def test_a_scenario_rule_brings_buyers_and_a_bad_script_is_skipped(w, shop) -> None:  # noqa: ANN001
    rules = [
        {"at": "+1m", "do": "service.buyer_arrives", "args": {"script": "late_parcel", "shop": shop.name}},
        {"at": "+2m", "do": "service.buyer_arrives", "args": {"script": {"start": "x", "nodes": {}}}},
    ]
    with w.at(w.clock.epoch + timedelta(minutes=3)):
        npc.run_due(w, rules)
    conv = w.db.scalars(select(Conversation)).one()
    assert conv.script_id == "late_parcel" and conv.shop_id == shop.id and "快递" in conv.messages[0].text
    skipped = w.events("npc.skipped")
    assert len(skipped) == 1 and "nodes" in skipped[0].payload["reason"]
