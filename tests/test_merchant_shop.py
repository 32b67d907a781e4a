"""Opening a shop (商户入驻), the platform's review by NPC, decoration, publishing, and what buyers see.

Until a shop is published neither it nor its goods are seen in the storefront (search, home, category
pages, product pages, the shop home, the cart, checkout), and the seller centre says why.
"""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from sandbox.mail import services as mail
from sandbox.mail.models import Message
from sandbox.merchant import design_kit, npc, shops
from sandbox.merchant.models import SellerAccount, ShopApplication
from sandbox.orders.payment_models import ShopPaymentSetup
from sandbox.storefront.models import Product, Shop, ShopCategory
from sandbox.worlds import npc as world_npc
from sandbox.worlds.store import open_world

LICENCE = "91330106MA2H7Q3K53"
OTHER_LICENCE = "92320583MA1R8T6L2E"


def start_practice(app, rt, scenario_id: str):  # noqa: ANN001, ANN201
    """A trainee's practice attempt of a scenario: the client (logged in to it) and the attempt."""
    from sandbox.control.models import Attempt

    client = app.test_client()
    assert (
        client.post("/staff/login", data={"username": "trainee", "password": "train1234"}).status_code == 302
    )
    assert client.post(f"/practice/start/{scenario_id}").status_code == 302
    with client.session_transaction() as sess:
        attempt_id = sess["attempt_id"]
    db = rt.control.session()
    attempt = db.get(Attempt, attempt_id)
    db.close()
    return client, attempt


def seller_login(client, ident: dict) -> None:  # noqa: ANN001
    """Sign in to the seller centre as the merchant identity."""
    resp = client.post(
        "/seller/login", data={"login": ident["shop_login"], "password": ident["shop_password"]}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)


@pytest.fixture
def merchant(app, rt, exam):  # noqa: ANN001, ANN201
    """A practice attempt of shop-setup (a merchant without a shop), signed in to the seller centre."""
    client, attempt = start_practice(app, rt, "shop-setup")
    client.attempt = attempt
    client.ident = next(i for i in attempt.identities if i["role"] == "merchant")
    seller_login(client, client.ident)
    return client


def application(ident: dict, **changes: str) -> dict[str, str]:
    """A valid application form for the identity, with changes."""
    return {
        "shop_name": "云栖茶舍",
        "shop_type": "enterprise",
        "licence_no": LICENCE,
        "contact_name": "王小明",
        "contact_phone": "13912345678",
        "settlement_account_no": ident["account_no"],
        **changes,
    }


def world(client, write: bool = False):  # noqa: ANN001, ANN201
    """The client's world (read-only unless `write`)."""
    return open_world(client.attempt.world_path, read_only=not write)


def review_pending(client) -> None:  # noqa: ANN001
    """The platform reviews every waiting application now."""
    w = world(client, write=True)
    for app in shops.pending_applications(w):
        shops.review(w, app)
    w.commit()
    w.close()


def open_shop_for(client) -> None:  # noqa: ANN001
    """Apply and have the application approved."""
    assert client.post("/seller/shop/apply", data=application(client.ident)).status_code == 302
    review_pending(client)


def png(size: tuple[int, int] = (240, 240), fmt: str = "PNG") -> bytes:
    """A small picture."""
    out = io.BytesIO()
    PILImage.new("RGB", size, (10, 120, 200)).save(out, fmt)
    return out.getvalue()


def new_product(client, title: str = "云栖 明前龙井绿茶", list_now: bool = True, **extra) -> str:  # noqa: ANN001, ANN003
    """Publish a product through the goods form; its code."""
    w = world(client)
    category_id = w.db.scalars(select(ShopCategory.id)).first()  # noqa: F841  (shop categories optional)
    from sandbox.storefront.models import Category

    mall = w.db.scalars(select(Category.id).order_by(Category.position)).first()
    w.close()
    data = {
        "category_id": str(mall),
        "title": title,
        "point1": "明前采摘",
        "option1": "规格",
        "option2": "",
        "v_code": ["", ""],
        "v_opt1": ["50g罐装", "100g罐装"],
        "v_opt2": ["", ""],
        "v_price": ["68.00", "128.00"],
        "v_stock": ["40", "30"],
        "description": "清香回甘",
        **({"list_now": "1"} if list_now else {}),
        **extra,
    }
    resp = client.post("/seller/goods/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    w = world(client)
    code = w.db.scalars(select(Product.code).where(Product.name == title).order_by(Product.id.desc())).first()
    w.close()
    return code


# --- the application and the platform's review -----------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"shop_name": "x"}, "shop_name", "店铺名称须为2-30个字"),
        ({"shop_name": "<script>"}, "shop_name", "店铺名称须为2-30个字"),
        ({"shop_type": "mall"}, "shop_type", "请选择店铺类型"),
        ({"licence_no": "91330106MA2H7Q3K5"}, "licence_no", "统一社会信用代码须为18位"),
        ({"licence_no": "91330106MA2H7Q3K54"}, "licence_no", "校验位不正确"),
        ({"contact_phone": "12345678901"}, "contact_phone", "请输入11位有效手机号"),
        ({"contact_name": "王"}, "contact_name", "联系人姓名须为2-20个字"),
        ({"settlement_account_no": "6222 abc"}, "settlement_account_no", "结算银行卡号格式不正确"),
    ],
)
def test_a_bad_application_names_the_field_and_changes_nothing(merchant, changes, field, message) -> None:  # noqa: ANN001
    resp = merchant.post("/seller/shop/apply", data=application(merchant.ident, **changes))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in page and f'data-error-for="{field}"' in page
    w = world(merchant)
    assert w.db.scalar(select(func.count(ShopApplication.id))) == 0
    w.close()


def test_the_platform_approves_opens_a_draft_shop_and_mails_the_merchant(merchant) -> None:  # noqa: ANN001
    assert merchant.post("/seller/shop/apply", data=application(merchant.ident)).status_code == 302
    page = merchant.get("/seller/shop").get_data(as_text=True)
    assert "审核中" in page and 'http-equiv="refresh"' in page
    assert merchant.post("/seller/shop/apply", data=application(merchant.ident)).status_code == 409
    review_pending(merchant)
    w = world(merchant)
    seller = w.db.scalars(select(SellerAccount)).one()
    shop = seller.shop
    assert (
        shop.status == "draft"
        and shop.name == "云栖茶舍"
        and shop.bank_account_no == merchant.ident["account_no"]
    )
    assert (
        w.db.scalars(select(ShopPaymentSetup).where(ShopPaymentSetup.shop_id == shop.id)).one().managed_by
        == "candidate"
    )
    subjects = [m.subject for m in w.db.scalars(select(Message).where(Message.folder == "inbox"))]
    assert "开店申请已通过：云栖茶舍" in subjects
    assert [e.name for e in w.events() if e.name.startswith("shop.")] == ["shop.applied", "shop.approved"]
    w.close()
    page = merchant.get("/seller/shop").get_data(as_text=True)
    assert 'data-state="draft"' in page and "未发布" in page
    assert merchant.post("/seller/shop/apply", data=application(merchant.ident)).status_code == 409


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"shop_name": "云栖官方旗舰店"}, "只有旗舰店可以使用"),
        ({"shop_type": "flagship"}, "旗舰店的店铺名称须以“旗舰店”结尾"),
        ({"settlement_account_no": "6222020000000000006"}, "结算银行卡号不存在"),
    ],
)
def test_the_platform_rejects_with_a_reason_and_the_merchant_applies_again(merchant, changes, reason) -> None:  # noqa: ANN001
    bad = application(merchant.ident, **changes)
    assert merchant.post("/seller/shop/apply", data=bad).status_code == 302
    review_pending(merchant)
    page = merchant.get("/seller/shop").get_data(as_text=True)
    assert "已驳回：" in page and reason in page
    assert f'value="{bad["shop_name"]}"' in page  # the form comes back filled in, to correct
    w = world(merchant)
    assert w.db.scalar(select(func.count(Shop.id)).where(Shop.name == bad["shop_name"])) == 0
    letter = w.db.scalars(
        select(Message).where(Message.subject.like("开店申请未通过%"), Message.folder == "inbox")
    ).one()
    assert reason in mail.show(letter).text
    w.close()
    assert merchant.post("/seller/shop/apply", data=application(merchant.ident)).status_code == 302
    review_pending(merchant)
    w = world(merchant)
    assert w.db.scalars(select(SellerAccount)).one().shop.name == "云栖茶舍"
    w.close()


def test_a_taken_name_or_a_licence_already_used_is_rejected(merchant) -> None:  # noqa: ANN001
    w = world(merchant, write=True)
    taken = w.db.scalars(select(Shop.name).where(Shop.name.like("%生活馆"))).first()
    other = SellerAccount(login="other", password_hash="x", name="别人", email="", created_at=w.now())
    w.db.add(other)
    w.db.flush()
    w.db.add(
        ShopApplication(
            seller_account_id=other.id,
            shop_name="别人的店",
            shop_type="personal",
            licence_no=LICENCE,
            contact_name="别人",
            contact_phone="13800000000",
            settlement_account_no=merchant.ident["account_no"],
            status="approved",
            submitted_at=w.now(),
        )
    )
    w.commit()
    w.close()
    merchant.post(
        "/seller/shop/apply", data=application(merchant.ident, shop_name=taken, licence_no=OTHER_LICENCE)
    )
    review_pending(merchant)
    assert "店铺名称已被其他店铺使用" in merchant.get("/seller/shop").get_data(as_text=True)
    merchant.post("/seller/shop/apply", data=application(merchant.ident))
    review_pending(merchant)
    assert "同一执照不能重复开店" in merchant.get("/seller/shop").get_data(as_text=True)


def test_the_npc_rule_reviews_after_its_delay_on_the_world_clock(merchant) -> None:  # noqa: ANN001
    assert merchant.post("/seller/shop/apply", data=application(merchant.ident)).status_code == 302
    rules = [{"on": "shop.applied", "do": "platform.review_shop", "args": {"after": "+3m"}}]
    now = time.time()
    w = open_world(merchant.attempt.world_path, real_now=lambda: now)
    world_npc.run_due(w, rules)
    assert shops.pending_applications(w)  # scheduled, not yet due
    w.commit()
    w.close()
    w = open_world(merchant.attempt.world_path, real_now=lambda: now + 3 * 60 / 30 + 1)  # clock_scale 30
    world_npc.run_due(w, rules)
    assert not shops.pending_applications(w)
    assert w.db.scalars(select(SellerAccount)).one().shop is not None
    w.commit()
    w.close()


def test_the_designer_mails_the_logo_and_banner(merchant) -> None:  # noqa: ANN001
    w = world(merchant)
    letter = w.db.scalars(
        select(Message).where(Message.subject == "店铺装修素材：店标和店招", Message.folder == "inbox")
    ).one()
    files = [(f.filename, f.data) for f in (mail.attachment(letter, i) for i in range(2))]
    w.close()
    assert letter.sender == npc.DESIGNER_MAILBOX
    login = merchant.ident["shop_login"]
    assert files == [("logo.png", design_kit.logo_png(login)), ("banner.png", design_kit.banner_png(login))]


# --- decoration, preview, publishing, visibility ---------------------------------------------------


def test_decoration_preview_and_publishing(merchant) -> None:  # noqa: ANN001
    open_shop_for(merchant)
    logo = design_kit.logo_png(merchant.ident["shop_login"])
    resp = merchant.post(
        "/seller/shop/image/logo",
        data={"image": (io.BytesIO(logo), "logo.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    resp = merchant.post(
        "/seller/shop/image/banner",
        data={"image": (io.BytesIO(png((1200, 300))), "banner.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert merchant.post("/seller/shop/notice", data={"notice": "新店开张"}).status_code == 302
    assert merchant.post("/seller/shop/categories", data={"name": "明前新茶"}).status_code == 302
    assert merchant.post("/seller/shop/categories", data={"name": "明前新茶"}).status_code == 409
    assert merchant.post("/seller/shop/categories", data={"name": "茶具"}).status_code == 302
    w = world(merchant)
    first, second = w.db.scalars(select(ShopCategory).order_by(ShopCategory.position)).all()
    shop_id = first.shop_id
    w.close()
    assert (
        merchant.post(f"/seller/shop/categories/{second.id}/move", data={"direction": "up"}).status_code
        == 302
    )
    assert merchant.post("/seller/shop/publish").status_code == 409  # nothing listed yet
    code = new_product(merchant, shop_category_id=str(first.id))
    assert merchant.post("/seller/shop/featured", data={"code": [code]}).status_code == 302
    assert merchant.post("/seller/shop/featured", data={"code": ["P00001"]}).status_code == 404  # not its own

    # Before publishing: invisible everywhere, with reasons in the seller centre.
    assert merchant.get(f"/shop/store/{shop_id}").status_code == 404
    resp = merchant.get(f"/shop/p/{code}")
    assert resp.status_code == 404 and "尚未开业" in resp.get_data(as_text=True)
    assert code not in merchant.get("/shop/search?q=龙井").get_data(as_text=True)
    preview = merchant.get("/seller/shop/preview").get_data(as_text=True)
    assert 'data-role="preview"' in preview and "新店开张" in preview and code in preview
    assert 'data-category="茶具"' in preview.split('data-category="明前新茶"')[0]  # moved up
    assert "未发布" in merchant.get("/seller/goods").get_data(as_text=True)

    assert merchant.post("/seller/shop/publish").status_code == 302
    home = merchant.get(f"/shop/store/{shop_id}").get_data(as_text=True)
    assert 'data-role="logo"' in home and 'data-role="banner"' in home and "新店开张" in home
    assert 'data-role="featured"' in home and code in home
    assert code in merchant.get("/shop/search?q=龙井").get_data(as_text=True)
    product = merchant.get(f"/shop/p/{code}").get_data(as_text=True)
    assert f"/shop/store/{shop_id}" in product and "明前采摘" in product
    w = world(merchant)
    logo_id = w.db.get(Shop, shop_id).logo_image_id
    names = [e.name for e in w.events() if e.name.startswith(("shop.", "product."))]
    w.close()
    image = merchant.get(f"/shop/img/u/{logo_id}")
    assert image.status_code == 200 and image.data == logo and image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in image.headers["Content-Security-Policy"]
    assert names.count("shop.decorated") >= 5 and "shop.published" in names and "product.listed" in names


def test_delisted_goods_leave_the_storefront_and_the_cart_refuses_them(merchant) -> None:  # noqa: ANN001
    open_shop_for(merchant)
    code = new_product(merchant)
    assert merchant.post("/seller/shop/publish").status_code == 302
    from tests.conftest import shop_member

    shop_member(merchant)
    sku = f"{code}-01"
    assert merchant.post("/shop/cart/add", data={"sku": sku, "quantity": "1"}).status_code == 302
    assert merchant.post(f"/seller/goods/{code}/delist").status_code == 302
    assert merchant.get(f"/shop/p/{code}").status_code == 404
    assert code not in merchant.get("/shop/search?q=龙井").get_data(as_text=True)
    resp = merchant.post("/shop/cart/add", data={"sku": sku, "quantity": "1"})
    assert resp.status_code == 409 and "已下架" in resp.get_data(as_text=True)
    resp = merchant.post("/shop/cart/add", data={"sku": sku, "quantity": "1", "buy_now": "1"})
    assert resp.status_code == 409
    cart = merchant.get("/shop/cart").get_data(as_text=True)
    assert 'data-role="unavailable"' in cart and "去结算" not in cart
    checkout = merchant.get("/shop/checkout")
    assert checkout.status_code == 302  # nothing buyable: back to the cart
    assert merchant.get(f"/shop/checkout?sku={sku}&qty=1").status_code == 409


# --- the checks ----------------------------------------------------------------------------------


def grade_context(client, tmp_path):  # noqa: ANN001, ANN201
    """A grading context on the client's world (read-only), as the grader sees it."""
    from graders.context import GradeContext

    return GradeContext(
        scenario=None,
        params={},
        answers={},
        identities=client.attempt.identities,
        world=world(client),
        evidence_dir=tmp_path,
    )


def test_checks_score_the_shop_and_its_goods_in_part(merchant, tmp_path) -> None:  # noqa: ANN001
    from graders.checks import merchant as checks

    ctx = grade_context(merchant, tmp_path)
    assert checks.shop_opened(ctx, "云栖茶舍", "enterprise", LICENCE).fraction == 0
    ctx.world.close()
    bad_phone = application(merchant.ident, contact_phone="13900000000")
    assert merchant.post("/seller/shop/apply", data=bad_phone).status_code == 302
    review_pending(merchant)
    code = new_product(merchant)
    ctx = grade_context(merchant, tmp_path)
    contact = {"name": "王小明", "phone": "13912345678"}
    result = checks.shop_opened(ctx, "云栖茶舍", "enterprise", LICENCE, contact=contact)
    assert result.fraction == pytest.approx(5 / 6) and "联系电话" in result.feedback
    assert checks.shop_published(ctx).fraction == 0
    decorated = checks.shop_decorated(ctx, notice="新店开张", categories=["明前新茶"], featured=["x"])
    assert decorated.fraction == 0
    variants = [
        {"options": {"规格": "50g罐装"}, "label": "50g罐装", "price_fen": 6800, "stock": 40},
        {"options": {"规格": "100g罐装"}, "label": "100g罐装", "price_fen": 12900, "stock": 30},
    ]
    category = ctx.world.db.scalars(select(Product).where(Product.code == code)).one().category.name
    good = {"title": "云栖 明前龙井绿茶", "category": category, "options": ["规格"], "variants": variants}
    result = checks.product_listed(ctx, good)
    assert result.fraction == pytest.approx(7.5 / 9) and "应为 ¥129.00" in result.feedback
    assert checks.product_listed(ctx, dict(good, title="别的商品")).fraction == 0
    result = checks.product_listed(ctx, good, shop_category="明前新茶")
    assert result.fraction == pytest.approx(7.5 / 10) and "未归入店内分类" in result.feedback
    ctx.world.close()
