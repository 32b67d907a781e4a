"""Goods (商品发布): variants with their own prices and opening stock, editing, listing, bulk prices,
shipping templates; bad input is refused whole, and another shop's goods are not reachable (404)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.storefront.models import Category, Product, ShippingTemplate, Shop, Sku
from tests.test_merchant_shop import merchant, new_product, open_shop_for, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("merchant")


@pytest.fixture
def shop(merchant):  # noqa: ANN001, ANN201, F811
    """The merchant with an approved (draft) shop."""
    open_shop_for(merchant)
    return merchant


def form(**changes) -> dict:  # noqa: ANN003
    """A valid goods form: two colours by two sizes."""
    data = {
        "category_id": "1",
        "title": "山野 户外速干T恤",
        "point1": "速干透气",
        "point2": "UPF50+",
        "option1": "颜色",
        "option2": "尺码",
        "v_code": ["", "", "", ""],
        "v_opt1": ["黑色", "黑色", "灰色", "灰色"],
        "v_opt2": ["M", "L", "M", "L"],
        "v_price": ["79.00", "79", "79.5", "89.90"],
        "v_stock": ["30", "30", "25", "0"],
        "description": "轻量速干",
        "list_now": "1",
    }
    data.update(changes)
    return data


def post(client, path: str, data: dict):  # noqa: ANN001, ANN201
    return client.post(path, data=data, content_type="multipart/form-data")


def counts(client) -> tuple[int, int]:  # noqa: ANN001
    w = world(client)
    try:
        return w.db.scalar(select(func.count(Product.id))), w.db.scalar(select(func.count(Sku.id)))
    finally:
        w.close()


def own_product(client, code: str) -> Product:  # noqa: ANN001
    w = world(client)
    product = w.db.scalars(select(Product).where(Product.code == code)).one()
    product.skus, product.status  # noqa: B018  (load before closing)
    w.close()
    return product


def test_a_product_with_variants_prices_and_opening_stock(shop) -> None:  # noqa: ANN001
    assert shop.get("/seller/goods/new").status_code == 200
    resp = post(shop, "/seller/goods/new", form())
    assert resp.status_code == 302, resp.get_data(as_text=True)
    w = world(shop)
    product = w.db.scalars(select(Product).where(Product.name == "山野 户外速干T恤")).one()
    assert product.status == "listed" and product.option_names == ["颜色", "尺码"]
    assert product.selling_points == ["速干透气", "UPF50+"]
    assert [(s.options, s.price_fen, s.quantity) for s in product.skus] == [
        ({"颜色": "黑色", "尺码": "M"}, 7900, 30),
        ({"颜色": "黑色", "尺码": "L"}, 7900, 30),
        ({"颜色": "灰色", "尺码": "M"}, 7950, 25),
        ({"颜色": "灰色", "尺码": "L"}, 8990, 0),
    ]
    codes = [s.code for s in product.skus]
    assert len(set(codes)) == 4 and all(c.startswith(product.code + "-") for c in codes)
    created = w.events("product.created")[-1].payload
    assert created["code"] == product.code and [s["opening_stock"] for s in created["skus"]] == [
        30,
        30,
        25,
        0,
    ]
    w.close()
    page = shop.get("/seller/goods").get_data(as_text=True)
    assert product.code in page and "¥79.50" in page and "未发布" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"v_price": ["0", "79", "79", "79"]}, "价格必须大于 0"),
        ({"v_price": ["-1", "79", "79", "79"]}, "金额必须是数字"),
        ({"v_price": ["1.001", "79", "79", "79"]}, "金额必须是数字"),
        ({"v_price": ["abc", "79", "79", "79"]}, "金额必须是数字"),
        ({"v_price": ["1000000.01", "79", "79", "79"]}, "价格不能超过"),
        ({"v_price": ["", "79", "79", "79"]}, "请填写价格"),
        ({"v_stock": ["-3", "1", "1", "1"]}, "期初库存须为"),
        ({"v_stock": ["2.5", "1", "1", "1"]}, "期初库存须为"),
        ({"v_stock": ["100000", "1", "1", "1"]}, "期初库存须为"),
        ({"v_opt2": ["M", "M", "M", "L"]}, "规格组合重复"),
        ({"v_opt1": ["", "黑色", "灰色", "灰色"]}, "每个规格都要填写规格值"),
        ({"option1": "", "option2": ""}, "请至少填写一个规格名称"),
        ({"option2": "颜色"}, "规格名称不能重复"),
        ({"title": "T"}, "商品标题须为2-60个字"),
        ({"category_id": "999999"}, "请选择商品类目"),
        ({"point3": "x" * 31}, "卖点最多3条"),
    ],
)
def test_bad_goods_forms_are_refused_whole(shop, changes: dict, message: str) -> None:  # noqa: ANN001
    before = counts(shop)
    resp = post(shop, "/seller/goods/new", form(**changes))
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert counts(shop) == before


def test_edit_prices_add_a_variant_and_list_delist(shop) -> None:  # noqa: ANN001
    code = new_product(shop, list_now=False)
    product = own_product(shop, code)
    assert product.status == "delisted"
    first, second = product.skus
    page = shop.get(f"/seller/goods/{code}/edit").get_data(as_text=True)
    assert f'value="{first.code}"' in page and "68.00" in page
    data = {
        "category_id": "1",
        "title": "云栖 明前龙井绿茶 特级",
        "v_code": [first.code, second.code, ""],
        "v_opt1": ["", "", "250g礼盒装"],
        "v_opt2": ["", "", ""],
        "v_price": ["66.00", "128.00", "298"],
        "v_stock": ["999", "", "12"],  # an existing variant's stock is not edited here
    }
    assert post(shop, f"/seller/goods/{code}/edit", data).status_code == 302
    product = own_product(shop, code)
    assert product.name == "云栖 明前龙井绿茶 特级"
    assert [(s.price_fen, s.quantity) for s in product.skus] == [(6600, 40), (12800, 30), (29800, 12)]
    w = world(shop)
    changed = [e.payload for e in w.events("product.price_changed")]
    w.close()
    assert changed == [
        {
            "code": code,
            "sku": first.code,
            "shop_id": product.shop_id,
            "old_price_fen": 6800,
            "price_fen": 6600,
            "via": "edit",
        }
    ]
    assert shop.post(f"/seller/goods/{code}/list").status_code == 302
    assert shop.post(f"/seller/goods/{code}/list").status_code == 409
    assert own_product(shop, code).status == "listed"
    assert shop.post(f"/seller/goods/{code}/delist").status_code == 302
    assert own_product(shop, code).status == "delisted"


def test_bulk_price_change_is_all_or_nothing(shop) -> None:  # noqa: ANN001
    code = new_product(shop)
    a, b = (s.code for s in own_product(shop, code).skus)
    resp = shop.post("/seller/goods/prices", data={"sku": [a, b], "mode": "percent", "value": "-10"})
    assert resp.status_code == 302
    assert [s.price_fen for s in own_product(shop, code).skus] == [6120, 11520]
    resp = shop.post("/seller/goods/prices", data={"sku": [a, b], "mode": "set", "value": "99.90"})
    assert resp.status_code == 302
    assert [s.price_fen for s in own_product(shop, code).skus] == [9990, 9990]
    for data, status in [
        ({"sku": [a, "P00001-01"], "mode": "set", "value": "1.00"}, 404),  # another shop's variant
        ({"sku": [a, b], "mode": "set", "value": "0"}, 400),
        ({"sku": [a, b], "mode": "set", "value": "-5"}, 400),
        ({"sku": [a, b], "mode": "percent", "value": "-100"}, 400),
        ({"sku": [a, b], "mode": "percent", "value": "abc"}, 400),
        ({"sku": [], "mode": "set", "value": "1"}, 400),
        ({"sku": [a], "mode": "double", "value": "1"}, 400),
    ]:
        resp = shop.post("/seller/goods/prices", data=data)
        assert resp.status_code == status, (data, resp.status_code)
        assert [s.price_fen for s in own_product(shop, code).skus] == [9990, 9990]
    # One variant would go over the maximum: neither changes.
    shop.post("/seller/goods/prices", data={"sku": [a], "mode": "set", "value": "200000"})
    resp = shop.post("/seller/goods/prices", data={"sku": [a, b], "mode": "percent", "value": "500"})
    assert resp.status_code == 400 and "超出允许范围" in resp.get_data(as_text=True)
    assert [s.price_fen for s in own_product(shop, code).skus] == [20000000, 9990]


def test_another_shops_goods_are_not_reachable(shop) -> None:  # noqa: ANN001
    w = world(shop)
    other = w.db.scalars(select(Product).join(Shop).where(Shop.name.like("%旗舰店"))).first()
    other_code, other_sku, price = other.code, other.skus[0].code, other.skus[0].price_fen
    template = w.db.scalars(select(ShippingTemplate)).first()
    w.close()
    assert shop.get(f"/seller/goods/{other_code}/edit").status_code == 404
    assert post(shop, f"/seller/goods/{other_code}/edit", form()).status_code == 404
    assert shop.post(f"/seller/goods/{other_code}/delist").status_code == 404
    assert shop.get(f"/seller/goods/{other_code}/picture").status_code == 404
    assert (
        shop.post(
            "/seller/goods/prices", data={"sku": [other_sku], "mode": "set", "value": "0.01"}
        ).status_code
        == 404
    )
    code = new_product(shop)
    data = form(v_code=[own_product(shop, code).skus[0].code, "", "", ""])
    assert (
        post(shop, f"/seller/goods/{code}/edit", dict(data, v_code=[other_sku, "", "", ""])).status_code
        == 404
    )
    if template is not None:
        assert post(shop, "/seller/goods/new", form(shipping_template_id=str(template.id))).status_code == 404
        assert shop.post(f"/seller/goods/shipping/{template.id}/delete").status_code == 404
    w = world(shop)
    other = w.db.scalars(select(Product).where(Product.code == other_code)).one()
    assert other.status == "listed" and other.skus[0].price_fen == price
    w.close()


def test_shipping_templates(shop) -> None:  # noqa: ANN001
    assert shop.get("/seller/goods/shipping").status_code == 200
    good = {"name": "江浙沪包邮", "mode": "per_piece", "first": "8", "extra": "2.50", "free_over": "99"}
    assert shop.post("/seller/goods/shipping", data=good).status_code == 302
    assert shop.post("/seller/goods/shipping", data=good).status_code == 400  # same name
    for bad in (
        {"name": "", "mode": "free"},
        {"name": "x", "mode": "by_weight"},
        {"name": "x", "mode": "per_piece", "first": "-1"},
        {"name": "x", "mode": "per_piece", "first": "1001"},
        {"name": "x", "mode": "per_piece", "first": "5", "free_over": "0"},
    ):
        assert shop.post("/seller/goods/shipping", data=bad).status_code == 400, bad
    assert shop.post("/seller/goods/shipping", data={"name": "全国包邮", "mode": "free"}).status_code == 302
    w = world(shop)
    rows = {t.name: t for t in w.db.scalars(select(ShippingTemplate).where(ShippingTemplate.shop_id != 0))}
    ours = rows["江浙沪包邮"]
    assert (ours.mode, ours.first_fen, ours.extra_fen, ours.free_over_fen) == ("per_piece", 800, 250, 9900)
    assert (rows["全国包邮"].first_fen, rows["全国包邮"].free_over_fen) == (0, None)
    category = w.db.scalars(select(Category.id)).first()
    w.close()
    code = new_product(shop, shipping_template_id=str(ours.id), category_id=str(category))
    assert own_product(shop, code).shipping_template_id == ours.id
    resp = shop.post(f"/seller/goods/shipping/{ours.id}/delete")
    assert resp.status_code == 409 and "正在使用" in resp.get_data(as_text=True)
    edit = dict(good, template_id=str(ours.id), first="10")
    assert shop.post("/seller/goods/shipping", data=edit).status_code == 302
    w = world(shop)
    assert w.db.get(ShippingTemplate, ours.id).first_fen == 1000
    w.close()


def test_goods_pages_need_a_shop(merchant) -> None:  # noqa: ANN001, F811
    resp = merchant.get("/seller/goods")
    assert resp.status_code == 302 and resp.location.endswith("/seller/")
    assert merchant.get("/seller/shop").status_code == 200  # the application form
