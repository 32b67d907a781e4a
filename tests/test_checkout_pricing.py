"""Checkout pricing with promotions: limited-time prices, 满减, coupons, shipping templates.

Properties (Hypothesis): the lines' discounts add up to the order's discount, no line and no order goes
below zero (实付款 at least ¥0.01), and what the buyer pays through the platform is the order's total.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.orders import promotions
from sandbox.orders import services as orders
from sandbox.orders.models import SHIPPING_METHODS, Order
from sandbox.orders.promotion_models import Coupon, CouponClaim, FullReduction, OrderPromotion, TimedDiscount
from sandbox.storefront.models import Customer, Product, ShippingTemplate, Shop, Sku
from tests.conftest import first_address_id
from tests.platform_pay import pay_and_return

PICKER = "%Y-%m-%dT%H:%M"


# --- the split ------------------------------------------------------------------------------------


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine draws slowly
@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=8), st.data())
def test_shares_add_up_and_never_exceed_a_line(weights: list[int], data) -> None:  # noqa: ANN001
    total = sum(weights)
    amount = data.draw(st.integers(0, max(total - 1, 0)))
    parts = promotions.share(amount, weights)
    assert sum(parts) == (amount if total else 0)
    assert all(0 <= p <= wt for p, wt in zip(parts, weights, strict=True))


# --- worlds with promotions ----------------------------------------------------------------------


def shop_goods(w, skus: int = 3, max_price: int = 20000) -> tuple[Shop, list[Sku]]:  # noqa: ANN001
    """An open shop with `skus` products, one variant of each in stock (20 or more), at most `max_price`."""
    rows = list(
        w.db.scalars(
            select(Sku)
            .join(Sku.product)
            .where(Sku.quantity - Sku.allocated >= 20, Sku.price_fen <= max_price, Sku.price_fen >= 1000)
            .order_by(Sku.id)
        )
    )
    by_shop: dict[int, list[Sku]] = {}
    for sku in rows:  # one variant per product
        found = by_shop.setdefault(sku.product.shop_id, [])
        if all(s.product_id != sku.product_id for s in found):
            found.append(sku)
    shop_id, found = next((k, v) for k, v in by_shop.items() if len(v) >= skus)
    return w.db.get(Shop, shop_id), found[:skus]


def window(w, days: int = 7) -> dict[str, str]:  # noqa: ANN001
    """A validity running from a minute ago for `days` days, as the seller centre's form sends it."""
    now = w.now()
    return {
        "valid_from": (now - timedelta(minutes=1)).strftime(PICKER),
        "valid_to": (now + timedelta(days=days)).strftime(PICKER),
    }


def coupon(w, shop, face: str, threshold: str, total: str = "100", per_buyer: str = "1", **kw) -> Coupon:  # noqa: ANN001, ANN003
    return promotions.create_coupon(
        w,
        shop,
        name=kw.pop("name", None),
        face=face,
        threshold=threshold,
        total=total,
        per_buyer=per_buyer,
        **{**window(w), **kw},
    )


def customer_of(w, username: str = "buyer_01") -> Customer:  # noqa: ANN001
    return w.db.scalars(select(Customer).where(Customer.username == username)).one()


@pytest.fixture
def world(candidates, shopper):  # noqa: ANN001, ANN201
    """The shopper's world, writable (changes kept only if the test commits)."""
    w = candidates.world(shopper, read_only=False)
    yield w
    w.close()


@pytest.fixture
def goods(world):  # noqa: ANN001, ANN201
    """(shop id, variant ids) of a shop with three variants in stock."""
    shop, skus = shop_goods(world)
    return shop.id, [s.id for s in skus]


# --- properties of a quote -----------------------------------------------------------------------


TIER = st.tuples(st.integers(100, 40000), st.integers(1, 5000))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    quantities=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    percent=st.one_of(st.none(), st.integers(1, 99)),
    tiers=st.lists(TIER, min_size=0, max_size=3),
    face=st.integers(1, 30000),
    threshold_extra=st.one_of(st.just(None), st.integers(1, 50000)),
    template=st.one_of(
        st.none(),
        st.tuples(st.sampled_from(["free", "per_piece"]), st.integers(0, 3000), st.integers(0, 1000)),
    ),
    free_over=st.one_of(st.none(), st.integers(1, 60000)),
)
def test_a_quote_adds_up_and_never_goes_below_a_fen(
    world, goods, quantities, percent, tiers, face, threshold_extra, template, free_over
) -> None:  # noqa: ANN001
    w, (shop_id, sku_ids) = world, goods
    try:
        shop, skus = w.db.get(Shop, shop_id), [w.db.get(Sku, i) for i in sku_ids]
        items = list(zip(skus, quantities, strict=False))
        if percent is not None:
            promotions.create_timed_discount(
                w,
                shop,
                name=None,
                product_code=items[0][0].product.code,
                sku_code=None,
                mode="percent",
                value=f"{percent / 10:g}",
                **window(w),
            )
        # Tiers made ascending in both amounts, each taking less than it asks.
        rows: list[tuple[int, int]] = []
        over = off = 0
        for step_over, step_off in sorted(tiers):
            over, off = over + step_over, min(off + step_off, over + step_over - 1)
            if not rows or off > rows[-1][1]:
                rows.append((over, off))
        if rows:
            typed = [(f"{o / 100:.2f}", f"{f / 100:.2f}") for o, f in rows]
            promotions.create_full_reduction(w, shop, name=None, tiers=typed, **window(w))
        threshold = 0 if threshold_extra is None else face + threshold_extra
        coupon(w, shop, f"{face / 100:.2f}", f"{threshold / 100:.2f}")
        if template is not None:
            mode, first, extra = template
            t = ShippingTemplate(
                shop_id=shop.id,
                name="模板",
                mode=mode,
                first_fen=first,
                extra_fen=extra,
                free_over_fen=free_over,
            )
            w.db.add(t)
            w.db.flush()
            items[0][0].product.shipping_template_id = t.id
        quote = promotions.quote_shop(w, customer_of(w), shop, items)
        assert sum(line.discount_fen for line in quote.lines) == quote.discount_fen
        assert all(0 <= line.discount_fen <= line.subtotal_fen for line in quote.lines)
        assert all(line.paid_fen >= 0 for line in quote.lines)
        for method in SHIPPING_METHODS:
            assert quote.total_fen(method) >= 1
            assert quote.total_fen(method) == quote.goods_fen - quote.discount_fen + quote.shipping[method]
            assert quote.shipping[method] >= 0
        assert quote.shipping["sf"] - quote.shipping["express"] == 1000  # 顺丰's surcharge on every parcel
        charged = quote.charged_fen
        if quote.reduction is not None:
            reached = [t for t in quote.reduction.tiers if t["over_fen"] <= charged]
            assert quote.reduction_fen == reached[-1]["off_fen"]
        elif rows:
            assert rows[0][0] > charged  # no tier reached
        base = charged - quote.reduction_fen
        if quote.coupon is not None:
            c = quote.coupon.coupon
            assert (base >= c.threshold_fen) if c.threshold_fen else (base > c.face_fen)
        else:
            assert (base < threshold) if threshold else (base <= face)
    finally:
        w.rollback()


def test_shipping_templates_and_the_mall_fee(world) -> None:  # noqa: ANN001
    w = world
    shop, (a, b, c) = shop_goods(w)
    per_piece = ShippingTemplate(shop_id=shop.id, name="按件", mode="per_piece", first_fen=600, extra_fen=200)
    free = ShippingTemplate(shop_id=shop.id, name="包邮", mode="free")
    w.db.add_all([per_piece, free])
    w.db.flush()
    a.product.shipping_template_id = per_piece.id
    quote = promotions.quote_shop(w, None, shop, [(a, 3)])
    assert quote.shipping == {"express": 600 + 2 * 200, "sf": 1000 + 1000}
    per_piece.free_over_fen = a.price_fen * 3
    assert promotions.quote_shop(w, None, shop, [(a, 3)]).shipping == {"express": 0, "sf": 1000}
    per_piece.free_over_fen = a.price_fen * 3 + 1
    quote = promotions.quote_shop(w, None, shop, [(a, 3)])
    assert quote.shipping["express"] == 1000 and any("包邮" in n.key for n in quote.shipping_notes)
    b.product.shipping_template_id = free.id
    assert promotions.quote_shop(w, None, shop, [(b, 2)]).shipping == {"express": 0, "sf": 1000}
    # One parcel per order: the highest fee of its goods (no template: the mall's 普通快递 fee).
    assert promotions.quote_shop(w, None, shop, [(b, 1), (c, 1)]).shipping == {"express": 800, "sf": 1800}
    w.rollback()


def test_the_best_coupon_is_preselected_and_none_may_be_chosen(world) -> None:  # noqa: ANN001
    w = world
    shop, (sku, *_) = shop_goods(w)
    goods = sku.price_fen * 4
    small = coupon(w, shop, "1", "0", name="小券")
    big = coupon(w, shop, "5", f"{(goods - 100) / 100:.2f}", name="大券")
    too_far = coupon(w, shop, "9", f"{(goods + 1) / 100:.2f}", name="差一点")
    quote = promotions.quote_shop(w, customer_of(w), shop, [(sku, 4)])
    assert quote.coupon.coupon.id == big.id and quote.coupon_fen == 500
    unusable = next(o for o in quote.options if o.coupon.id == too_far.id)
    assert not unusable.usable and unusable.why_not.params["short"] == "¥0.01"
    assert {o.coupon.id for o in quote.options} == {small.id, big.id, too_far.id}
    assert promotions.quote_shop(w, customer_of(w), shop, [(sku, 4)], "none").coupon is None
    assert promotions.quote_shop(w, customer_of(w), shop, [(sku, 4)], f"coupon-{small.id}").coupon_fen == 100
    w.rollback()


# --- through the pages: order, pay, money --------------------------------------------------------


def _setup_promotions(candidates, shopper) -> dict:  # noqa: ANN001
    w = candidates.world(shopper, read_only=False)
    shop, (a, b, _) = shop_goods(w)
    promotions.create_timed_discount(
        w,
        shop,
        name="周末特价",
        product_code=a.product.code,
        sku_code=None,
        mode="percent",
        value="9",
        **window(w),
    )
    goods = promotions.quote_shop(w, None, shop, [(a, 2), (b, 3)], "none").charged_fen
    rule = promotions.create_full_reduction(
        w, shop, name="店铺满减", tiers=[(f"{(goods - 500) / 100:.2f}", "3")], **window(w)
    )
    c = coupon(w, shop, "2", f"{(goods - 800) / 100:.2f}", name="店铺券")
    info = {
        "shop_id": shop.id,
        "a": a.code,
        "b": b.code,
        "coupon": c.id,
        "rule": rule.id,
        "timed_a": a.price_fen * 2 - ((a.price_fen * 90 + 50) // 100) * 2,
    }
    w.commit()
    w.close()
    return info


def test_an_order_records_its_discounts_and_the_buyer_pays_exactly_its_total(candidates, shopper) -> None:  # noqa: ANN001
    info = _setup_promotions(candidates, shopper)
    for code, qty in ((info["a"], 2), (info["b"], 3)):
        assert shopper.post("/shop/cart/add", data={"sku": code, "quantity": str(qty)}).status_code == 302
    page = shopper.get("/shop/checkout").get_data(as_text=True)
    assert "店铺满减" in page and "店铺券" in page and "周末特价" in page and "提交订单时自动领取" in page
    resp = shopper.post(
        "/shop/checkout",
        data={
            "address_id": first_address_id(candidates, shopper),
            "shipping_method": "express",
            "total_fen": "1",
            "discount_fen": "999999",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    number = resp.location.split("/")[-2]
    w = candidates.world(shopper)
    order = w.db.scalars(select(Order).where(Order.number == number)).one()
    assert order.discount_fen == info["timed_a"] + 300 + 200
    assert sum(line.discount_fen for line in order.lines) == order.discount_fen
    assert order.total_fen == order.goods_total_fen - order.discount_fen + order.shipping_fee_fen
    claim = w.db.scalars(select(CouponClaim).where(CouponClaim.coupon_id == info["coupon"])).one()
    assert claim.used_order_no == number
    kinds = {
        r.kind: r.amount_fen
        for r in w.db.scalars(select(OrderPromotion).where(OrderPromotion.order_no == number))
    }
    assert kinds == {"timed_discount": info["timed_a"], "full_reduction": 300, "coupon": 200}
    placed = [e for e in w.events("order.placed") if e.payload["order_no"] == number][0].payload
    assert (
        placed["discount_fen"] == order.discount_fen and placed["promotions"]["coupon_id"] == info["coupon"]
    )
    assert [e.payload["order_no"] for e in w.events("coupon.used")] == [number]
    repriced = promotions.reprice_order(w, order)
    assert repriced.discount_fen == order.discount_fen
    assert [q.discount_fen for q in repriced.lines] == [line.discount_fen for line in order.lines]
    ident = candidates.attempt_of(shopper).identities[0]
    before = bank.balance(w, bank.find_account(w, ident["account_no"]))
    w.close()
    pay_and_return(shopper, number, ident)
    w = candidates.world(shopper)
    order = w.db.scalars(select(Order).where(Order.number == number)).one()
    assert order.payment_status == "paid"
    assert before - bank.balance(w, bank.find_account(w, ident["account_no"])) == order.total_fen
    w.close()


def _place(candidates, shopper, code: str, qty: int, **form: str):  # noqa: ANN001, ANN202
    return shopper.post(
        "/shop/checkout",
        data={
            "address_id": first_address_id(candidates, shopper),
            "shipping_method": "express",
            "sku": code,
            "qty": str(qty),
            **form,
        },
    )


def _counts(candidates, client) -> tuple:  # noqa: ANN001
    w = candidates.world(client)
    try:
        return (
            w.db.scalar(select(func.count(Order.id))),
            w.db.scalar(select(func.count(CouponClaim.id))),
            w.db.scalar(select(func.count(CouponClaim.id)).where(CouponClaim.used_order_no.is_not(None))),
            len(w.events()),
        )
    finally:
        w.close()


def test_coupons_that_cannot_be_used_are_refused_and_nothing_changes(candidates, shopper) -> None:  # noqa: ANN001
    w = candidates.world(shopper, read_only=False)
    shop, (sku, *_) = shop_goods(w)
    goods = sku.price_fen * 2
    ok = coupon(w, shop, "1", "0", name="可用券", per_buyer="2", total="5")
    far = coupon(w, shop, "2", f"{(goods + 100) / 100:.2f}", name="门槛太高")
    ended = coupon(w, shop, "1", "0", name="已结束")
    promotions.claim_coupon(w, customer_of(w), ended.id)
    ended.ended_at = w.now()
    foreign = coupon(w, w.db.scalars(select(Shop).where(Shop.id != shop.id)).first(), "1", "0", name="别家券")
    stranger = w.db.scalars(select(Customer).where(Customer.username != "buyer_01")).first()
    theirs = promotions.claim_coupon(w, stranger, ok.id)
    mine_ended = w.db.scalars(select(CouponClaim).where(CouponClaim.coupon_id == ended.id)).one()
    ids = {"ok": ok.id, "far": far.id, "foreign": foreign.id, "theirs": theirs.id, "ended": mine_ended.id}
    w.commit()
    w.close()
    before = _counts(candidates, shopper)
    cases = [
        (f"claim-{ids['theirs']}", 404, "优惠券不存在"),
        (f"coupon-{ids['foreign']}", 409, "不能用于本店"),
        (f"claim-{ids['ended']}", 409, "已过期"),
        (f"coupon-{ids['far']}", 409, "还差"),
        ("coupon-99999999", 404, "优惠券不存在"),
        ("claim-abc", 400, "优惠券选择无效"),
    ]
    for value, status, text in cases:
        resp = _place(candidates, shopper, sku.code, 2, **{f"coupon_{shop.id}": value})
        assert resp.status_code == status, (value, resp.status_code)
        assert text in resp.get_data(as_text=True), value
        assert _counts(candidates, shopper) == before, value
    # The usable one works; once used it is refused (the second claim of the limit is then taken).
    resp = _place(candidates, shopper, sku.code, 2, **{f"coupon_{shop.id}": f"coupon-{ids['ok']}"})
    assert resp.status_code == 302
    w = candidates.world(shopper)
    used = w.db.scalars(select(CouponClaim).where(CouponClaim.used_order_no.is_not(None))).one()
    w.close()
    before = _counts(candidates, shopper)
    resp = _place(candidates, shopper, sku.code, 2, **{f"coupon_{shop.id}": f"claim-{used.id}"})
    assert resp.status_code == 409 and "已使用" in resp.get_data(as_text=True)
    assert _counts(candidates, shopper) == before


def test_cancelling_an_unpaid_order_gives_the_coupon_back(candidates, shopper) -> None:  # noqa: ANN001
    w = candidates.world(shopper, read_only=False)
    shop, (sku, *_) = shop_goods(w)
    c = coupon(w, shop, "1", "0", name="退回券")
    w.commit()
    w.close()
    resp = _place(candidates, shopper, sku.code, 1)
    number = resp.location.split("/")[-2]
    w = candidates.world(shopper, read_only=False)
    order = w.db.scalars(select(Order).where(Order.number == number)).one()
    assert order.discount_fen == 100
    orders.cancel_order(w, customer_of(w), number)  # the buyer cancels the unpaid order
    claim = w.db.scalars(select(CouponClaim).where(CouponClaim.coupon_id == c.id)).one()
    assert claim.used_order_no is None
    assert [e.payload["order_no"] for e in w.emitted if e.name == "coupon.returned"] == [number]
    quote = promotions.quote_shop(w, customer_of(w), shop, [(sku, 1)])
    assert quote.coupon is not None and quote.coupon.claim is not None and quote.coupon.claim.id == claim.id
    w.rollback()
    w.close()


def test_limited_time_prices_show_on_checkout_lines(candidates, shopper) -> None:  # noqa: ANN001
    w = candidates.world(shopper, read_only=False)
    shop, (sku, *_) = shop_goods(w)
    price = sku.price_fen - 100
    promotions.create_timed_discount(
        w,
        shop,
        name="限时特价",
        product_code=sku.product.code,
        sku_code=sku.code,
        mode="price",
        value=f"{price / 100:.2f}",
        **window(w),
    )
    w.commit()
    w.close()
    page = shopper.get(f"/shop/checkout?sku={sku.code}&qty=2").get_data(as_text=True)
    assert f'<s class="muted small">¥{sku.price_fen // 100:,}.{sku.price_fen % 100:02d}</s>' in page
    assert "限时特价" in page and "−¥2.00" in page
    w = candidates.world(shopper)
    assert w.db.scalar(select(func.count(TimedDiscount.id))) == 1
    assert w.db.scalar(select(func.count(FullReduction.id))) == 0
    assert w.db.get(Product, sku.product_id).shop_id == shop.id
    w.close()


def test_the_product_page_shows_a_limited_time_price_with_the_normal_one_struck(candidates, shopper) -> None:  # noqa: ANN001
    w = candidates.world(shopper, read_only=False)
    shop, (sku, *_) = shop_goods(w)
    price = sku.price_fen - 100
    promotions.create_timed_discount(
        w,
        shop,
        name="限时特价",
        product_code=sku.product.code,
        sku_code=sku.code,
        mode="price",
        value=f"{price / 100:.2f}",
        **window(w),
    )
    code, normal = sku.product.code, sku.price_fen
    w.commit()
    w.close()
    page = shopper.get(f"/shop/p/{code}").get_data(as_text=True)
    row = page[page.index(f'data-sku="{sku.code}"') :][:1500]
    assert f'<span class="price">¥{price // 100:,}.{price % 100:02d}</span>' in row
    assert (
        f'<del class="muted small" data-role="normal-price">¥{normal // 100:,}.{normal % 100:02d}</del>'
        in row
    )
