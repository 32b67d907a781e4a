"""Seller centre · 营销中心 and buyers' coupons: creating, refusing bad input, scoping to the shop, 领券."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sandbox.merchant import accounts
from sandbox.orders import promotions
from sandbox.orders.promotion_models import Coupon, CouponClaim, FullReduction, TimedDiscount
from sandbox.storefront import promo_hooks
from sandbox.storefront.models import Customer, Product, Shop, Sku
from tests.test_checkout_pricing import PICKER, coupon, shop_goods, window

PASSWORD = "secret123"


def _seller(candidates, client, login: str = "seller01", shop_id: int | None = None) -> dict:  # noqa: ANN001
    """Give an NPC shop a seller-centre login and sign the client in with it; the shop's facts."""
    w = candidates.world(client, read_only=False)
    shop, skus = shop_goods(w) if shop_id is None else (w.db.get(Shop, shop_id), [])
    accounts.open_account(w, login=login, password=PASSWORD, name="店主", shop=shop)
    other = w.db.scalars(select(Product).where(Product.shop_id != shop.id).order_by(Product.id)).first()
    now = w.now()
    facts = {
        "shop_id": shop.id,
        "skus": [(s.code, s.product.code, s.price_fen) for s in skus],
        "other_product": other.code,
        "other_shop": other.shop_id,
        "from": (now - timedelta(minutes=1)).strftime(PICKER),
        "to": (now + timedelta(days=7)).strftime(PICKER),
        "past": (now - timedelta(days=1)).strftime(PICKER),
    }
    w.commit()
    w.close()
    resp = client.post("/seller/login", data={"login": login, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return facts


@pytest.fixture
def seller(candidates):  # noqa: ANN001, ANN201
    client = candidates.login()
    return client, _seller(candidates, client)


def _state(candidates, client) -> tuple:  # noqa: ANN001
    w = candidates.world(client)
    try:
        return tuple(
            w.db.scalar(select(func.count(m.id))) for m in (Coupon, CouponClaim, FullReduction, TimedDiscount)
        ) + (len(w.events()),)
    finally:
        w.close()


def _coupon_form(facts: dict, **changes: str) -> dict:
    form = {
        "name": "",
        "face": "10",
        "threshold": "100",
        "valid_from": facts["from"],
        "valid_to": facts["to"],
        "total": "200",
        "per_buyer": "2",
    }
    return {**form, **changes}


def test_a_seller_creates_a_coupon_and_sees_it_with_its_figures(candidates, seller) -> None:  # noqa: ANN001
    client, facts = seller
    page = client.get("/seller/promotions/coupons/new").get_data(as_text=True)
    assert 'type="datetime-local"' in page and "营销中心" in page
    resp = client.post("/seller/promotions/coupons/new", data=_coupon_form(facts, name="开业券"))
    assert resp.status_code == 302 and resp.location.endswith("/seller/promotions#coupons")
    w = candidates.world(client)
    c = w.db.scalars(select(Coupon)).one()
    assert (c.shop_id, c.name, c.face_fen, c.threshold_fen, c.total, c.per_buyer) == (
        facts["shop_id"],
        "开业券",
        1000,
        10000,
        200,
        2,
    )
    assert c.rule_label == "满100减10" and w.events("coupon.created")[-1].payload["coupon_id"] == c.id
    w.close()
    page = client.get("/seller/promotions").get_data(as_text=True)
    assert "开业券" in page and "进行中" in page and "已领 0" in page


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"threshold": "5"}, 400, "使用门槛（¥5）必须高于面额（¥10）"),  # the named bad input
        ({"threshold": "10"}, 400, "必须高于面额"),
        ({"face": "0"}, 400, "优惠券面额必须大于 0"),
        ({"face": ""}, 400, "请填写优惠券面额"),
        ({"face": "-5"}, 400, "金额必须是数字"),
        ({"face": "NaN"}, 400, "金额必须是数字"),
        ({"face": "1.234"}, 400, "金额必须是数字"),
        ({"face": "99999999"}, 400, "金额超出范围"),
        ({"total": "0"}, 400, "发放总量必须是"),
        ({"total": "1.5"}, 400, "发放总量必须是"),
        ({"total": "１０"}, 400, "发放总量必须是"),
        ({"per_buyer": "0"}, 400, "每人限领必须是"),
        ({"per_buyer": "3", "total": "2"}, 400, "每人限领张数不能超过发放总量"),
        ({"valid_to": "past"}, 400, "结束时间必须晚于"),
        ({"valid_from": "to", "valid_to": "from"}, 400, "结束时间必须晚于开始时间"),
        ({"valid_to": "2026-13-45T99:99"}, 400, "时间格式不正确"),
        ({"valid_to": ""}, 400, "请填写结束时间"),
        ({"name": "券" * 41}, 400, "活动名称不能超过"),
    ],
)
def test_bad_coupons_are_refused_in_the_form_and_change_nothing(
    candidates, seller, changes: dict, status: int, message: str
) -> None:  # noqa: ANN001
    client, facts = seller
    changes = {k: facts.get(v, v) if k.startswith("valid") else v for k, v in changes.items()}
    before = _state(candidates, client)
    resp = client.post("/seller/promotions/coupons/new", data=_coupon_form(facts, **changes))
    page = resp.get_data(as_text=True)
    assert resp.status_code == status and message in page
    assert 'role="alert"' in page and 'name="face"' in page  # the form again, with the error
    assert _state(candidates, client) == before


def _tiers(facts: dict, *rows: tuple[str, str], **extra: str) -> dict:
    form = {"name": "", "valid_from": facts["from"], "valid_to": facts["to"], "scope": "all", **extra}
    for n, (over, off) in enumerate(rows, start=1):
        form[f"over_{n}"], form[f"off_{n}"] = over, off
    return form


def test_full_reduction_tiers_and_scope(candidates, seller) -> None:  # noqa: ANN001
    client, facts = seller
    resp = client.post(
        "/seller/promotions/full-reductions/new", data=_tiers(facts, ("200", "20"), ("300", "40"))
    )
    assert resp.status_code == 302
    own = facts["skus"][0][1]
    form = _tiers(facts, ("99.9", "10"), scope="products")
    resp = client.post("/seller/promotions/full-reductions/new", data={**form, "products": [own]})
    assert resp.status_code == 302
    w = candidates.world(client)
    rules = list(w.db.scalars(select(FullReduction).order_by(FullReduction.id)))
    assert rules[0].tiers == [{"over_fen": 20000, "off_fen": 2000}, {"over_fen": 30000, "off_fen": 4000}]
    assert rules[0].product_ids == [] and rules[0].rule_label == "满200减20，满300减40"
    assert rules[1].product_ids == [w.db.scalars(select(Product.id).where(Product.code == own)).one()]
    assert rules[1].rule_label == "满99.9减10"
    w.close()


@pytest.mark.parametrize(
    ("rows", "extra", "status", "message"),
    [
        ((), {}, 400, "请至少填写一级满减优惠"),
        ((("100", "100"),), {}, 400, "减额必须低于满额"),
        ((("100", "0"),), {}, 400, "减额必须大于 0"),
        ((("100", ""),), {}, 400, "满额与减额都要填写"),
        ((("200", "20"), ("100", "30")), {}, 400, "逐级递增"),
        ((("200", "20"), ("300", "10")), {}, 400, "逐级递增"),
        ((("200", "20"),), {"scope": "products"}, 400, "请选择参加满减的商品"),
        ((("200", "20"),), {"scope": "elsewhere"}, 400, "请选择满减的适用范围"),
        ((("200", "20"),), {"scope": "products", "products": "other"}, 404, "商品不存在"),
    ],
)
def test_bad_full_reductions_are_refused(candidates, seller, rows, extra, status: int, message: str) -> None:  # noqa: ANN001
    client, facts = seller
    extra = {k: facts["other_product"] if v == "other" else v for k, v in extra.items()}
    before = _state(candidates, client)
    resp = client.post("/seller/promotions/full-reductions/new", data=_tiers(facts, *rows, **extra))
    assert resp.status_code == status and message in resp.get_data(as_text=True)
    assert _state(candidates, client) == before


def _discount(facts: dict, **changes: str) -> dict:
    sku, product, _ = facts["skus"][0]
    form = {"product": product, "sku": "", "mode": "percent", "value": "8.5"}
    return {**form, "valid_from": facts["from"], "valid_to": facts["to"], **changes}


def test_timed_discounts_by_rate_or_price(candidates, seller) -> None:  # noqa: ANN001
    client, facts = seller
    assert client.post("/seller/promotions/timed-discounts/new", data=_discount(facts)).status_code == 302
    sku, product, price = facts["skus"][1]
    form = _discount(facts, product=product, sku=sku, mode="price", value=f"{(price - 1) / 100:.2f}")
    assert client.post("/seller/promotions/timed-discounts/new", data=form).status_code == 302
    w = candidates.world(client)
    rows = list(w.db.scalars(select(TimedDiscount).order_by(TimedDiscount.id)))
    assert (rows[0].percent, rows[0].sku_id, rows[0].rule_label) == (85, None, "8.5折")
    assert rows[1].price_fen == price - 1
    w.close()


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"value": "10"}, 400, "折扣必须在 0.1 到 9.9 折之间"),
        ({"value": "0"}, 400, "折扣必须在 0.1 到 9.9 折之间"),
        ({"value": "8.55"}, 400, "折扣必须在 0.1 到 9.9 折之间"),
        ({"value": "abc"}, 400, "折扣必须在 0.1 到 9.9 折之间"),
        ({"mode": "price", "value": "1"}, 400, "按折扣价设置时请选择具体规格"),
        ({"mode": "price", "sku": "own", "value": "0"}, 400, "折扣价必须大于 0 且低于原价"),
        ({"mode": "price", "sku": "own", "value": "same"}, 400, "折扣价必须大于 0 且低于原价"),
        ({"mode": "gift"}, 400, "请选择折扣方式"),
        ({"product": "other"}, 404, "商品不存在"),
        ({"sku": "NOPE-01"}, 404, "商品规格不存在"),
    ],
)
def test_bad_timed_discounts_are_refused(
    candidates, seller, changes: dict, status: int, message: str
) -> None:  # noqa: ANN001
    client, facts = seller
    sku, _, price = facts["skus"][0]
    names = {"own": sku, "same": f"{price / 100:.2f}", "other": facts["other_product"]}
    changes = {k: names.get(v, v) for k, v in changes.items()}
    before = _state(candidates, client)
    resp = client.post("/seller/promotions/timed-discounts/new", data=_discount(facts, **changes))
    assert resp.status_code == status and message in resp.get_data(as_text=True)
    assert _state(candidates, client) == before


def test_overlapping_timed_discounts_on_a_product_are_refused(candidates, seller) -> None:  # noqa: ANN001
    client, facts = seller
    assert client.post("/seller/promotions/timed-discounts/new", data=_discount(facts)).status_code == 302
    before = _state(candidates, client)
    resp = client.post("/seller/promotions/timed-discounts/new", data=_discount(facts, value="9"))
    assert resp.status_code == 409 and "已有限时折扣" in resp.get_data(as_text=True)
    assert _state(candidates, client) == before


def test_another_shops_promotion_is_not_reachable(candidates, seller) -> None:  # noqa: ANN001
    client, facts = seller
    w = candidates.world(client, read_only=False)
    other = w.db.get(Shop, facts["other_shop"])
    theirs = coupon(w, other, "5", "50", name="别家券")
    rule = promotions.create_full_reduction(w, other, name="别家满减", tiers=[("100", "10")], **window(w))
    ids = (theirs.id, rule.id)
    w.commit()
    w.close()
    before = _state(candidates, client)
    for path in (
        f"/seller/promotions/coupons/{ids[0]}/end",
        f"/seller/promotions/full-reductions/{ids[1]}/end",
    ):
        resp = client.post(path)
        assert resp.status_code == 404 and "活动不存在" in resp.get_data(as_text=True), path
    assert client.post("/seller/promotions/gifts/1/end").status_code == 404
    assert client.get("/seller/promotions/gifts/new").status_code == 404
    assert client.post("/seller/promotions/coupons/99999999999/end").status_code == 404
    assert _state(candidates, client) == before
    page = client.get("/seller/promotions").get_data(as_text=True)
    assert "别家券" not in page and "别家满减" not in page


def test_ending_a_coupon_early_stops_claims_and_use(candidates, seller) -> None:  # noqa: ANN001
    client, facts = seller
    client.post("/seller/promotions/coupons/new", data=_coupon_form(facts, name="早停券"))
    w = candidates.world(client)
    coupon_id = w.db.scalars(select(Coupon.id)).one()
    w.close()
    assert client.post(f"/seller/promotions/coupons/{coupon_id}/end").status_code == 302
    assert "已结束" in client.get("/seller/promotions").get_data(as_text=True)
    resp = client.post(f"/seller/promotions/coupons/{coupon_id}/end")
    assert resp.status_code == 409 and "活动已结束" in resp.get_data(as_text=True)


# --- buyers ---------------------------------------------------------------------------------------


def test_claiming_coupons_respects_stock_limit_and_validity(candidates, shopper) -> None:  # noqa: ANN001
    w = candidates.world(shopper, read_only=False)
    shop, _ = shop_goods(w)
    two_each = coupon(w, shop, "5", "50", total="3", per_buyer="2", name="每人两张")
    soon = promotions.create_coupon(
        w,
        shop,
        name="明天开始",
        face="5",
        threshold="50",
        total="9",
        per_buyer="1",
        valid_from=(w.now() + timedelta(days=1)).strftime(PICKER),
        valid_to=(w.now() + timedelta(days=3)).strftime(PICKER),
    )
    stranger = w.db.scalars(select(Customer).where(Customer.username != "buyer_01")).first()
    promotions.claim_coupon(w, stranger, two_each.id)
    ids = (two_each.id, soon.id)
    w.commit()
    w.close()
    claim = f"/shop/coupons/{ids[0]}/claim"
    assert shopper.post(claim, data={"next": "/shop/"}).status_code == 302
    resp = shopper.post(claim)
    assert resp.status_code == 302 and resp.location.endswith("/shop/coupons/")
    resp = shopper.post(claim)  # the limit of two per buyer (and the third and last coupon is gone)
    assert resp.status_code == 409 and "优惠券已被领完" in resp.get_data(as_text=True)
    page = shopper.get("/shop/coupons/").get_data(as_text=True)
    assert page.count("每人两张") == 2 and "可使用" in page
    resp = shopper.post(f"/shop/coupons/{ids[1]}/claim")
    assert resp.status_code == 409 and "还未到领取时间" in resp.get_data(as_text=True)
    assert shopper.post("/shop/coupons/99999999/claim").status_code == 404
    w = candidates.world(shopper)
    assert w.db.scalar(select(func.count(CouponClaim.id))) == 3
    w.close()


def test_a_buyer_is_limited_per_coupon(candidates, shopper) -> None:  # noqa: ANN001
    w = candidates.world(shopper, read_only=False)
    shop, _ = shop_goods(w)
    one = coupon(w, shop, "5", "50", total="100", per_buyer="1", name="每人一张").id
    w.commit()
    w.close()
    assert shopper.post(f"/shop/coupons/{one}/claim").status_code == 302
    resp = shopper.post(f"/shop/coupons/{one}/claim")
    assert resp.status_code == 409 and "每人限领 1 张" in resp.get_data(as_text=True)


def test_product_badges_list_running_promotions(candidates, shopper, app) -> None:  # noqa: ANN001
    from flask import render_template

    w = candidates.world(shopper, read_only=False)
    shop, (sku, *_) = shop_goods(w)
    coupon(w, shop, "5", "50", name="店铺券")
    promotions.create_full_reduction(w, shop, name="满减", tiers=[("200", "20")], **window(w))
    promotions.create_timed_discount(
        w,
        shop,
        name="特价",
        product_code=sku.product.code,
        sku_code=None,
        mode="percent",
        value="8",
        **window(w),
    )
    product = w.db.get(Sku, sku.id).product
    badges = promo_hooks.badges_for(w, product)
    assert [(b["tag"], b["label"]) for b in badges] == [
        ("限时折扣", "8折"),
        ("满减", "满200减20"),
        ("优惠券", "满50减5"),
    ]
    with app.test_request_context("/shop/p/x"):
        html = render_template("storefront/_promo_badges.html", promo_badges=badges, is_grader=False)
    assert "领券" in html and f"/shop/coupons/{badges[2]['coupon_id']}/claim" in html
    w.rollback()
    w.close()
