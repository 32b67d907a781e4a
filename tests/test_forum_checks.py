"""The forum's grader checks on a world: the thread in the right board (per criterion), refusals and
hidden posts as evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.checks import forum as checks
from graders.context import GradeContext
from sandbox.forum import npc as forum_npc  # noqa: F401  (registers the actions)
from sandbox.forum import services
from sandbox.scenarios.loader import Scenario
from sandbox.worlds import npc

LOGIN = "merchant.654321@mail.sim"
TITLE = "小店春季上新：楠竹砧板"
BODY = "本店新到一批楠竹砧板，碳化工艺不发霉，活动期间全场包邮，进店领券满100减10。"


@pytest.fixture
def ctx(w, tmp_path: Path) -> GradeContext:  # noqa: ANN001
    """A grading context on a world where the merchant identity has a forum account."""
    services.open_member(w, login=LOGIN, nickname="林晓", password="pw123456", role="merchant")
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
        identities=[{"role": "merchant", "email": LOGIN, "name": "林晓"}],
        world=w,
        evidence_dir=tmp_path / "evidence",
    )


def member(ctx: GradeContext):  # noqa: ANN201
    return services.member_by_login(ctx.world, LOGIN)


def decide(ctx: GradeContext) -> None:
    """The moderator decides every waiting thread (as the `forum.moderate` rule would)."""
    npc.ACTIONS["forum.moderate"](ctx.world, {}, None)


def test_nothing_posted_scores_nothing(ctx: GradeContext) -> None:
    assert checks.thread_in_board(ctx, board="promotion").fraction == 0
    assert checks.no_refused_posts(ctx).fraction == 0  # an empty attempt earns nothing here either
    assert checks.thread_in_board(ctx, board="promotion", role="buyer").feedback == "该身份没有论坛账号"


def test_an_approved_thread_in_the_board_scores_per_criterion(ctx: GradeContext) -> None:
    services.post_thread(ctx.world, member(ctx), "promotion", TITLE, BODY)
    waiting = checks.thread_in_board(ctx, board="网店推广")
    assert waiting.fraction == 0 and "待审核" in waiting.feedback
    decide(ctx)
    full = checks.thread_in_board(ctx, board="网店推广", words=["砧板", "包邮"], title_words="楠竹")
    assert full.fraction == 1.0 and ctx.facts["forum_thread_id"]
    part = checks.thread_in_board(ctx, board="promotion", words=["砧板", "保温杯"], title_words=["竹"])
    assert part.fraction == pytest.approx(3 / 4) and "保温杯" in part.feedback
    assert checks.no_refused_posts(ctx).fraction == 1.0


def test_a_thread_in_the_wrong_board_or_hidden_is_named(ctx: GradeContext) -> None:
    services.post_thread(
        ctx.world, member(ctx), "trade", f"【供应】{TITLE}", "楠竹砧板现货5000块，批发价22.5元。"
    )
    decide(ctx)
    wrong = checks.thread_in_board(ctx, board="promotion")
    assert wrong.fraction == 0 and "供求信息" in wrong.feedback
    services.post_thread(ctx.world, member(ctx), "talk", TITLE, BODY)
    decide(ctx)
    hidden = checks.thread_in_board(ctx, board="talk")
    assert hidden.fraction == 0 and "屏蔽" in hidden.feedback
    assert checks.no_refused_posts(ctx).fraction == 0


def test_refusals_are_counted_and_fail_the_first_time_item(ctx: GradeContext) -> None:
    with pytest.raises(services.RuleBroken):
        services.post_thread(ctx.world, member(ctx), "promotion", f"{TITLE} 13812345678", BODY)
    services.post_thread(ctx.world, member(ctx), "promotion", TITLE, BODY)
    decide(ctx)
    assert checks.thread_in_board(ctx, board="promotion").fraction == 1.0
    first_time = checks.no_refused_posts(ctx)
    assert first_time.fraction == 0 and "contact_in_title" in first_time.feedback
    assert checks.post_refusals(ctx, rule="contact_in_title").fraction == 1.0
    assert checks.post_refusals(ctx, rule="banned_words").fraction == 0
    assert checks.post_refusals(ctx, at_least=2).fraction == 0


def test_contact_details_in_the_body_cost_their_share(ctx: GradeContext) -> None:
    services.post_thread(ctx.world, member(ctx), "promotion", TITLE, BODY + "咨询电话 13812345678")
    decide(ctx)
    scored = checks.thread_in_board(ctx, board="promotion", words=["砧板"])
    assert scored.fraction == pytest.approx(1 / 2) and "13812345678" in scored.feedback
    assert checks.thread_in_board(ctx, board="promotion", words=["砧板"], no_contact=False).fraction == 1.0
