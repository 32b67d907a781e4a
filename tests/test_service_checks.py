"""The service grader checks on a world: nothing done scores nothing, a well-handled chat scores all,
late answers and forbidden promises cost their share, a script's outcome with evidence."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from graders.checks import service as checks
from graders.context import GradeContext
from sandbox import domains
from sandbox.errors import DomainError
from sandbox.orders.models import Order
from sandbox.scenarios.loader import Scenario
from sandbox.service import services
from sandbox.service.models import Conversation
from sandbox.storefront.models import Customer, Shop
from sandbox.worlds import npc

domains.load_npc_actions()


@pytest.fixture
def ctx(w, tmp_path: Path) -> GradeContext:  # noqa: ANN001
    shop = w.db.scalars(select(Shop).order_by(Shop.id)).first()
    scenario = Scenario(
        folder=tmp_path,
        data={
            "id": "unit",
            "version": 1,
            "title": {"zh": "单元"},
            "minutes": 10,
            "world": {"base": "default"},
            "tasks": [{"id": "t", "text": {"zh": "任务"}}],
            "rubric": [],
        },
    )
    return GradeContext(
        scenario=scenario,
        params={},
        answers={},
        identities=[{"role": "merchant", "shop_name": shop.name, "name": "林晓"}],
        world=w,
        evidence_dir=tmp_path / "evidence",
    )


def shop(ctx: GradeContext) -> Shop:
    return ctx.world.db.scalars(select(Shop).order_by(Shop.id)).first()


def place(w, here: Shop, number: str) -> Order:  # noqa: ANN001
    """A paid order of the shop by the world's first customer."""
    customer = w.db.scalars(select(Customer).order_by(Customer.id)).first()
    order = Order(
        number=number,
        customer_id=customer.id,
        shop_id=here.id,
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


def test_nothing_done_scores_nothing(ctx: GradeContext) -> None:
    assert checks.conversations_resolved(ctx).fraction == 0
    assert checks.first_response_within(ctx).fraction == 0
    assert checks.no_forbidden_promises(ctx).fraction == 0
    assert checks.outcome(ctx, script="stock", outcome="order_placed").fraction == 0
    services.open_conversation(ctx.world, shop(ctx), "stock", "小鹿")
    assert checks.first_response_within(ctx).fraction == 0
    assert checks.no_forbidden_promises(ctx).feedback == "没有回复过买家"


def test_a_well_handled_chat_scores_all(ctx: GradeContext) -> None:
    w = ctx.world
    start = w.now()
    with w.at(start):
        conv = services.open_conversation(w, shop(ctx), "stock", "小鹿")
    with w.at(start + timedelta(seconds=25)):
        services.reply(w, conv, "有现货，今天下单今天发")
    with w.at(start + timedelta(minutes=2)):
        npc.run_due(w, [])
        services.resolve(w, conv)
    assert checks.conversations_resolved(ctx).fraction == 1
    assert checks.first_response_within(ctx, seconds=30).fraction == 1
    assert checks.first_response_within(ctx, seconds=10).fraction == 0
    assert checks.no_forbidden_promises(ctx).fraction == 1
    result = checks.outcome(ctx, script="stock", outcome="order_placed")
    assert result.fraction == 1 and "小鹿" in result.evidence[0]["value"]
    assert checks.conversations_resolved(ctx, count=2).fraction == 0.5


def test_a_late_answer_and_a_forbidden_promise(ctx: GradeContext) -> None:
    w = ctx.world
    start = w.now()
    with w.at(start):
        a = services.open_conversation(w, shop(ctx), "discount", "王女士")
        b = services.open_conversation(w, shop(ctx), "shipping", "陈先生")
    with w.at(start + timedelta(seconds=20)):
        services.reply(w, a, "百分之百正品，保证最低价")
    with w.at(start + timedelta(minutes=5)):
        services.reply(w, b, "24小时内发货")
    assert checks.first_response_within(ctx, seconds=60).fraction == 0.5
    result = checks.no_forbidden_promises(ctx)
    assert result.fraction == 0 and "保证最低价" in result.evidence[0]["value"]


def test_replied_with_and_transferred_with_the_buyers_order(ctx: GradeContext) -> None:
    w = ctx.world
    here = shop(ctx)
    assert checks.replied_with(ctx, script="discount", words="满99减10").fraction == 0
    assert checks.transferred(ctx, script="refund").fraction == 0
    conv = services.open_conversation(w, here, "discount", "王女士")
    services.reply(w, conv, "亲，可以领店铺优惠券 满99 减10")
    assert checks.replied_with(ctx, script="discount", words="满99减10").fraction == 1
    assert checks.replied_with(ctx, script="discount", words="满199减20").fraction == 0
    first = place(w, here, "SV0001")
    second = place(w, here, "SV0002")
    npc.ACTIONS["service.buyer_arrives"](w, {"script": "refund", "order": 2}, None)
    refund = w.db.scalars(select(Conversation).where(Conversation.script_id == "refund")).one()
    assert refund.order_number == second.number and second.number in refund.messages[0].text
    assert checks.transferred(ctx, script="refund").fraction == 0
    services.transfer(w, refund, here, first.number, "破损")
    result = checks.transferred(ctx, script="refund")
    assert result.fraction == 0 and second.number in result.feedback
    with w.at(w.now()):
        npc.ACTIONS["service.buyer_arrives"](w, {"script": "refund", "order": 2}, None)
    again = w.db.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
    services.transfer(w, again, here, second.number, "破损")
    assert checks.transferred(ctx, script="refund").fraction == 1
    with pytest.raises(DomainError):
        npc.ACTIONS["service.buyer_arrives"](w, {"script": "refund", "order": 3}, None)
