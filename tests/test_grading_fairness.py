"""Grading gives exactly what was earned: which object is graded, extra goods, Chinese text, gated items.

Orders are placed through the web client as a candidate would; the checks read the world.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from graders import normalise as n
from graders.checks import CHECK_INFO, CHECKS, load_builtin
from graders.context import GradeContext
from graders.selection import Judged, choose
from sandbox.orders.models import Order
from sandbox.storefront.models import Product, Sku
from tests.conftest import first_address_id
from tests.platform_pay import pay, pay_and_return

# --- normalisers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("梁 鑫", "梁鑫"),
        ("长江路484号 21栋", "长江路484号21栋"),
        ("长江路 484 号　21 栋 101 室", "长江路484号21栋101室"),
        ("浙江省 杭州市", "浙江省杭州市"),
        ("New   York  Road", "New York Road"),  # Latin words keep one space
        ("ＡＢＣ 梁", "ABC梁"),
    ],
)
def test_text_ignores_whitespace_where_chinese_does(given: str, expected: str) -> None:
    assert n.text(given) == expected
    assert n.normalise("text", given) == n.normalise("text", expected)


def test_text_still_tells_latin_words_apart() -> None:
    assert n.text("New York") != n.text("NewYork")


@pytest.mark.parametrize(
    "given",
    [
        "订单号：202603151526170001",
        "订单号:202603151526170001",
        "订单号 2026 0315 1526 1700 01",
        "订单编号： 202603151526170001",
        "Order No.: 202603151526170001",
        "#202603151526170001",
        "２０２６０３１５１５２６１７０００１",
    ],
)
def test_id_tolerates_a_leading_label(given: str) -> None:
    assert n.identifier(given) == "202603151526170001"


def test_id_keeps_letters_of_the_identifier() -> None:
    assert n.identifier("运单号：SF1234-5678") == "SF12345678"
    assert n.identifier("SF1234") != n.identifier("1234")


# --- the selection rule -------------------------------------------------------------------------------


def _judged(*rows: tuple[str, float]) -> list[Judged[str]]:
    return [Judged(name, fraction, [] if fraction else ["不符合"], name) for name, fraction in rows]


def test_the_named_object_is_graded_when_it_qualifies() -> None:
    choice = choose(_judged(("A", 1.0), ("B", 1.0)), named=lambda o: o == "B", named_text="B")
    assert choice.chosen.obj == "B" and "答题卡" in choice.why
    assert [j.obj for j in choice.others] == ["A"]


def test_a_named_object_that_does_not_qualify_gives_way_to_the_best() -> None:
    choice = choose(_judged(("A", 0.0), ("B", 0.5), ("C", 1.0)), named=lambda o: o == "A", named_text="A")
    assert choice.chosen.obj == "C" and "不符合要求" in choice.why


def test_a_named_object_that_does_not_exist_is_said_so() -> None:
    choice = choose(_judged(("A", 1.0)), named=lambda o: False, named_text="X9")
    assert choice.chosen.obj == "A" and "不存在" in choice.why


def test_without_a_name_the_best_then_the_rank_then_the_oldest() -> None:
    assert choose(_judged(("A", 0.5), ("B", 1.0))).chosen.obj == "B"
    assert choose(_judged(("A", 1.0), ("B", 1.0)), rank=lambda o: o != "B").chosen.obj == "B"
    assert choose(_judged(("A", 1.0), ("B", 1.0))).chosen.obj == "A"


def test_nothing_qualifies() -> None:
    choice = choose(_judged(("A", 0.0)))
    assert choice.chosen is None and [j.obj for j in choice.others] == ["A"]


def test_evidence_names_the_graded_object_and_lists_the_others() -> None:
    choice = choose(_judged(("A", 0.0), ("B", 1.0)))
    ev = {e["label"]: e["value"] for e in choice.evidence("订单")}
    assert ev["评分的订单"].startswith("B（") and ev["其他订单"] == ["A：不符合"]


# --- order checks on a real world --------------------------------------------------------------------


def _two_variant_product(candidates, client) -> tuple[Sku, Sku]:  # noqa: ANN001
    w = candidates.world(client)
    try:
        for product in w.db.scalars(select(Product).order_by(Product.id)):
            skus = [s for s in product.skus if s.quantity - s.allocated >= 10 and s.price_fen <= 20000]
            if len(skus) >= 2:
                return skus[0], skus[1]
    finally:
        w.close()
    raise AssertionError("no product with two variants in stock")


def _order(candidates, client, lines: list[tuple[str, int]], method: str = "express") -> str:  # noqa: ANN001
    for code, qty in lines:
        assert client.post("/shop/cart/add", data={"sku": code, "quantity": str(qty)}).status_code == 302
    resp = client.post(
        "/shop/checkout",
        data={"address_id": first_address_id(candidates, client), "shipping_method": method},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.location.split("/")[-2]


def _pay(candidates, client, number: str) -> None:  # noqa: ANN001
    """Pay at the platform's cashier by card and come back to the shop, as a candidate does."""
    ident = candidates.attempt_of(client).identities[0]
    resp = pay_and_return(client, number, ident)
    assert resp.status_code == 302 and resp.location.endswith(f"/shop/orders/{number}")


def _ctx(candidates, client, rt, answers: dict | None = None) -> GradeContext:  # noqa: ANN001
    load_builtin()
    w = candidates.world(client)
    return GradeContext(rt.scenarios.get("b2c-purchase"), {}, answers or {}, [], w, rt.store.root)


def _run(name: str, ctx: GradeContext, **args):  # noqa: ANN003, ANN202
    kind = next(k for k, nm in CHECKS if nm == name)
    return CHECKS[(kind, name)](ctx, **args)


def _evidence(result) -> dict:  # noqa: ANN001
    return {e["label"]: e["value"] for e in result.evidence}


def test_a_corrected_order_reported_on_the_sheet_is_graded(candidates, shopper, rt) -> None:  # noqa: ANN001
    right, _ = _two_variant_product(candidates, shopper)
    wrong = _order(candidates, shopper, [(right.code, 3)])
    _pay(candidates, shopper, wrong)  # a paid order cannot be cancelled
    fixed = _order(candidates, shopper, [(right.code, 2)])
    _pay(candidates, shopper, fixed)
    ctx = _ctx(candidates, shopper, rt, {"order_no": f"订单号：{fixed}"})
    result = _run("orders.order_with_line", ctx, sku=right.code, qty=2, answer_field="order_no")
    answer = _run("answer.order_number", ctx, field="order_no")
    ctx.world.close()
    assert result.fraction == 1.0 and ctx.facts["order_no"] == fixed
    assert answer.fraction == 1.0
    ev = _evidence(result)
    assert ev["评分的订单"].startswith(f"订单 {fixed}") and "答题卡" in ev["评分的订单"]
    assert any(wrong in other and "数量不对" in other for other in ev["其他订单"])


def test_bought_twice_the_reported_order_is_graded(candidates, shopper, rt) -> None:  # noqa: ANN001
    right, _ = _two_variant_product(candidates, shopper)
    first = _order(candidates, shopper, [(right.code, 2)])
    second = _order(candidates, shopper, [(right.code, 2)])
    _pay(candidates, shopper, first)
    _pay(candidates, shopper, second)
    for reported in (first, second):
        ctx = _ctx(candidates, shopper, rt, {"order_no": reported})
        _run("orders.order_with_line", ctx, sku=right.code, qty=2, answer_field="order_no")
        answer = _run("answer.order_number", ctx, field="order_no")
        ctx.world.close()
        assert ctx.facts["order_no"] == reported and answer.fraction == 1.0


def test_without_a_report_the_paid_order_is_graded(candidates, shopper, rt) -> None:  # noqa: ANN001
    right, _ = _two_variant_product(candidates, shopper)
    _order(candidates, shopper, [(right.code, 2)])
    paid = _order(candidates, shopper, [(right.code, 2)])
    _pay(candidates, shopper, paid)
    ctx = _ctx(candidates, shopper, rt, {"order_no": "不记得了"})
    result = _run("orders.order_with_line", ctx, sku=right.code, qty=2, answer_field="order_no")
    ctx.world.close()
    assert ctx.facts["order_no"] == paid and "不存在" in _evidence(result)["评分的订单"]


def test_payment_counts_once_the_shop_knows_of_it(candidates, shopper, rt, monkeypatch) -> None:  # noqa: ANN001
    """Paid at the platform but the shop's notify URL failed: not yet paid for grading, and the
    feedback says why; back at the shop (which then queries the platform) it counts."""
    from sandbox.orders import payments

    right, _ = _two_variant_product(candidates, shopper)
    number = _order(candidates, shopper, [(right.code, 2)])
    ident = candidates.attempt_of(shopper).identities[0]
    with monkeypatch.context() as patched:
        patched.setattr(payments, "receive_notification", lambda *a, **k: "fail")  # the shop is down
        resp = pay(shopper, number, ident["account_no"], ident["payment_password"])
    assert resp.status_code == 303
    ctx = _ctx(candidates, shopper, rt, {"order_no": number})
    _run("orders.order_with_line", ctx, sku=right.code, qty=2, answer_field="order_no")
    unconfirmed = _run("payment.succeeded_for_order", ctx)
    ctx.world.close()
    assert unconfirmed.fraction == 0 and "商城尚未确认收款" in unconfirmed.feedback
    assert shopper.get(resp.location).status_code == 302  # the return: the shop asks the platform
    ctx = _ctx(candidates, shopper, rt, {"order_no": number})
    _run("orders.order_with_line", ctx, sku=right.code, qty=2, answer_field="order_no")
    confirmed = _run("payment.succeeded_for_order", ctx)
    ctx.world.close()
    assert confirmed.fraction == 1 and "商户主动查询交易" in _evidence(confirmed)["商城确认方式"]


def test_extra_goods_are_wrong_when_the_check_says_so(candidates, shopper, rt) -> None:  # noqa: ANN001
    right, other = _two_variant_product(candidates, shopper)
    number = _order(candidates, shopper, [(right.code, 2), (other.code, 1)])
    ctx = _ctx(candidates, shopper, rt)
    wrong = _run("orders.order_with_line", ctx, sku=right.code, qty=2, extra_lines="wrong")
    allowed = _run("orders.order_with_line", ctx, sku=right.code, qty=2)
    ctx.world.close()
    assert wrong.fraction == 0.5 and "题目未要求的商品" in wrong.feedback
    assert other.label in wrong.feedback or other.code in str(wrong.evidence)
    assert allowed.fraction == 1.0 and ctx.facts["order_no"] == number
    # The evidence lists every line of the order, not only the matching one.
    assert len(_evidence(allowed)["商品"]) == 2


def test_an_order_without_extras_beats_one_with_them(candidates, shopper, rt) -> None:  # noqa: ANN001
    right, other = _two_variant_product(candidates, shopper)
    _order(candidates, shopper, [(right.code, 2), (other.code, 1)])
    clean = _order(candidates, shopper, [(right.code, 2)])
    ctx = _ctx(candidates, shopper, rt)
    result = _run("orders.order_with_line", ctx, sku=right.code, qty=2, extra_lines="wrong")
    ctx.world.close()
    assert result.fraction == 1.0 and ctx.facts["order_no"] == clean


def test_order_matching_by_category_price_cheapest_and_shipping(candidates, shopper, rt) -> None:  # noqa: ANN001
    w = candidates.world(shopper)
    cheapest = w.db.scalars(
        select(Sku).join(Sku.product).where(Sku.quantity > 10).order_by(Sku.price_fen, Sku.id)
    ).first()
    category = cheapest.product.category.name
    price = cheapest.price_fen
    w.close()
    number = _order(candidates, shopper, [(cheapest.code, 1)], method="sf")
    ctx = _ctx(candidates, shopper, rt)
    found = _run("orders.order_matching", ctx, category=category, cheapest=True, max_price_fen=price, qty=1)
    assert found.fraction == 1.0 and ctx.facts["order"]["number"] == number
    assert ctx.facts["order"]["shipping_fee_fen"] == 1800
    slow = _run("orders.order_matching", ctx, category=category, shipping_method="express")
    assert slow.fraction == 0.5 and "配送方式" in slow.feedback
    too_cheap = _run("orders.order_matching", ctx, max_price_fen=price - 1)
    assert too_cheap.fraction == 0.0
    ctx.world.close()


def test_answer_compared_with_a_value_of_the_graded_order(candidates, shopper, rt) -> None:  # noqa: ANN001
    right, _ = _two_variant_product(candidates, shopper)
    number = _order(candidates, shopper, [(right.code, 2)], method="sf")
    _pay(candidates, shopper, number)
    w = candidates.world(shopper)
    order = w.db.scalars(select(Order).where(Order.number == number)).one()
    total = order.total_fen
    w.close()
    yuan = f"¥{total // 100}.{total % 100:02d}"
    ctx = _ctx(
        candidates, shopper, rt, {"paid": yuan, "fee": "18元", "no": f"订单号 {number}", "bad": "1.00"}
    )
    _run("orders.order_with_line", ctx, sku=right.code, qty=2)
    assert _run("answer.matches_fact", ctx, field="paid", fact="order.paid_fen", type="money").fraction == 1
    assert (
        _run("answer.matches_fact", ctx, field="fee", fact="order.shipping_fee_fen", type="money").fraction
        == 1
    )
    assert _run("answer.matches_fact", ctx, field="no", fact="order.number", type="id").fraction == 1
    bad = _run("answer.matches_fact", ctx, field="bad", fact="order.total_fen", type="money")
    empty = _run("answer.matches_fact", ctx, field="missing", fact="order.total_fen", type="money")
    ctx.world.close()
    assert bad.fraction == 0 and _evidence(bad)["应为"] == f"{total // 100}.{total % 100:02d} 元"
    assert empty.fraction == 0 and empty.feedback == "答题卡未填写"


def test_event_count(candidates, shopper, rt) -> None:  # noqa: ANN001
    right, _ = _two_variant_product(candidates, shopper)
    number = _order(candidates, shopper, [(right.code, 1)])
    ident = candidates.attempt_of(shopper).identities[0]
    for _ in range(2):  # refused at the platform's cashier
        resp = pay(shopper, number, ident["account_no"], "wrong-one")
        assert resp.status_code == 401
    ctx = _ctx(candidates, shopper, rt)
    twice = _run("event.count", ctx, event="payment.password_failed", at_least=2, at_most=2)
    thrice = _run("event.count", ctx, event="payment.password_failed", at_least=3)
    by_npc = _run("event.count", ctx, event="payment.password_failed", actor="npc")
    ctx.world.close()
    assert twice.fraction == 1 and _evidence(twice)["记录到的次数"] == 2
    assert thrice.fraction == 0 and by_npc.fraction == 0


def test_checks_declare_what_they_set_and_need() -> None:
    load_builtin()
    assert "order_no" in CHECK_INFO[("state", "orders.order_matching")]["sets"]
    assert "order_no" in CHECK_INFO[("event", "payment.succeeded_for_order")]["needs"]
    assert all(set(info) == {"sets", "needs"} for info in CHECK_INFO.values())


# --- skipped items still tell the examiner what happened ----------------------------------------------


def test_gated_items_show_what_they_would_have_been(harness) -> None:  # noqa: ANN001
    """wrong_quantity: the order item fails, so payment is not scored, but its evidence is shown."""
    from pathlib import Path

    solution = Path(__file__).resolve().parent.parent / "scenarios" / "b2c-purchase" / "tests"
    attempt = harness.new_attempt("b2c-purchase", 31)
    harness.solve(attempt, solution / "wrong_quantity.py")
    harness.submit(attempt)
    run = harness.grade(attempt)
    by_id = {i.item_id: i for i in run.items}
    assert run.score == 25
    paid = by_id["paid"]
    assert paid.status == "skipped" and paid.points == 0
    assert paid.feedback.startswith("不计分：前置评分项order-right未得分")
    # The examiner still sees that the order with the wrong quantity was paid, and shown as 待发货.
    assert "若计分，本项将通过" in paid.feedback and "付款" in paid.feedback
    assert paid.would_be == "passed" and paid.evidence
    visible = by_id["visible"]
    assert visible.status == "skipped" and visible.would_be == "passed"
    assert any(e["type"] == "screenshot" for e in visible.evidence)
    assert by_id["order-number"].would_be == "passed"  # the number written is that order's


@pytest.mark.parametrize("given", ["13800138000", "138 0013 8000", "+86 138-0013-8000", "８６13800138000"])
def test_phone_is_its_digits(given: str) -> None:
    assert n.normalise("phone", given) == "13800138000"


def test_an_answer_is_compared_as_its_field_is_declared(tmp_path) -> None:  # noqa: ANN001
    from sandbox.scenarios.loader import Scenario

    load_builtin()
    scenario = Scenario(
        tmp_path,
        {
            "id": "unit",
            "version": 1,
            "title": {"zh": "单元"},
            "minutes": 5,
            "world": {"base": "default"},
            "tasks": [{"id": "t", "text": {"zh": "t"}, "answers": [{"id": "price", "type": "money"}]}],
            "rubric": [],
        },
    )
    ctx = GradeContext(scenario, {}, {"price": "¥1,234.5"}, [], None, tmp_path)
    assert _run("answer.equals", ctx, field="price", expected="1234.50").fraction == 1
    assert _run("answer.equals", ctx, field="price", expected="1234.50", type="text").fraction == 0
