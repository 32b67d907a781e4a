"""The auction's grader checks: the listed lot's terms (share of criteria), a lot won within a budget,
and the ratings given to the other side of every deal."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.checks import auction as checks
from graders.context import GradeContext
from sandbox.auction import ratings, services
from sandbox.scenarios.loader import Scenario

LOGIN = "buyer.654321@mail.sim"


@pytest.fixture
def ctx(w, tmp_path: Path) -> GradeContext:  # noqa: ANN001
    """A grading context where the buyer identity has an auction account."""
    services.open_member(w, login=LOGIN, nickname="林晓", password="pw123456", role="buyer")
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
        identities=[{"role": "buyer", "email": LOGIN, "name": "林晓"}],
        world=w,
        evidence_dir=tmp_path / "evidence",
    )


def me(ctx: GradeContext):  # noqa: ANN201
    return services.member_by_login(ctx.world, LOGIN)


def lot_form(**changes) -> services.LotForm:  # noqa: ANN003
    base = {
        "title": "闲置 蓝牙音箱",
        "category": "digital",
        "condition": "like_new",
        "start_price": 5000,
        "increment": 500,
        "days": 3,
        "shipping": "free",
    }
    return services.LotForm(**{**base, **changes})


def test_lot_listed_scores_the_terms(ctx: GradeContext) -> None:
    assert checks.lot_listed(ctx).fraction == 0.0
    services.list_lot(ctx.world, me(ctx), lot_form(reserve_price=8000))
    result = checks.lot_listed(
        ctx, title_words="蓝牙音箱", start_price=5000, increment=500, reserve_price=8000, shipping="free"
    )
    assert result.fraction == 1.0 and ctx.facts["auction_lot_id"]
    half = checks.lot_listed(ctx, start_price=5000, buy_now_price=20000)
    assert half.fraction == 0.5 and "一口价" in half.feedback


def test_won_within_budget_and_rated_counterpart(ctx: GradeContext) -> None:
    w = ctx.world
    seller = services.open_member(w, login="npc.seller@paimai.sim", nickname="卖家阿明", password=None)
    lot = services.list_lot(w, seller, lot_form(title="九成新 单反相机"))
    assert checks.won_within_budget(ctx, budget=10**6).fraction == 0.0
    assert checks.rated_counterpart(ctx).fraction == 0.0
    services.place_bid(w, me(ctx), lot, 9000)
    with w.at(lot.ends_at):
        services.close_lot(w, lot)
    price = lot.final_price
    assert price == 5000
    assert checks.won_within_budget(ctx, budget=price).fraction == 1.0
    assert checks.won_within_budget(ctx, budget=price - 1).fraction == 0.5
    assert checks.won_within_budget(ctx, budget=price, paid=True).fraction == 0.5  # not paid yet
    assert checks.won_within_budget(ctx, budget=price, title_words="单反").fraction == 1.0
    assert checks.won_within_budget(ctx, budget=price, title_words="不存在的词").fraction == 0.0
    with w.at(lot.ends_at):
        ratings.rate(w, me(ctx), lot, 1, "很好")
    assert checks.rated_counterpart(ctx).fraction == 1.0
    assert checks.rated_counterpart(ctx, score=-1).fraction == 0.0


def test_days_and_bids_over_the_budget(ctx: GradeContext) -> None:
    w = ctx.world
    services.list_lot(w, me(ctx), lot_form(days=5))
    assert checks.lot_listed(ctx, days=5).fraction == 1.0
    assert checks.lot_listed(ctx, days=3, start_price=5000).fraction == 0.5
    seller = services.open_member(w, login="npc.seller@paimai.sim", nickname="卖家阿明", password=None)
    lot = services.list_lot(w, seller, lot_form(title="全新 乐高 积木"))
    assert checks.bid_over_budget(ctx, budget=8000).fraction == 0.0  # no bid at all
    services.place_bid(w, me(ctx), lot, 8000)
    assert checks.bid_over_budget(ctx, budget=8000, title_words="乐高").fraction == 0.0
    services.place_bid(w, me(ctx), lot, 9000)  # the price stays at the start: the maximum broke the rule
    assert lot.current_price == 5000
    assert checks.bid_over_budget(ctx, budget=8000, title_words="乐高").fraction == 1.0
    assert checks.bid_over_budget(ctx, budget=8000, title_words="相机").fraction == 0.0
