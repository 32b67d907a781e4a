"""Uploads: only decoded JPEG, PNG, GIF or WebP pictures are stored; anything else is refused with a
clear message and nothing changes; stored pictures are served inertly (type, nosniff, no scripts)."""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from sandbox.errors import DomainError
from sandbox.storefront import uploads
from sandbox.storefront.models import Image, Product
from tests.test_merchant_shop import merchant, new_product, open_shop_for, png, world  # noqa: F401

SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>'
)


@pytest.fixture
def shop(merchant):  # noqa: ANN001, ANN201, F811
    """The merchant with an approved (draft) shop."""
    open_shop_for(merchant)
    return merchant


def picture(fmt: str, size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def image_count(client) -> int:  # noqa: ANN001
    w = world(client)
    try:
        return w.db.scalar(select(func.count(Image.id)))
    finally:
        w.close()


@pytest.mark.parametrize(
    ("name", "fmt", "content_type"),
    [
        ("a.png", "PNG", "image/png"),
        ("a.JPG", "JPEG", "image/jpeg"),
        ("a.gif", "GIF", "image/gif"),
        ("a.webp", "WEBP", "image/webp"),
    ],
)
def test_real_pictures_are_accepted(name: str, fmt: str, content_type: str) -> None:
    checked = uploads.check_image(name, picture(fmt))
    assert checked.content_type == content_type and (checked.width, checked.height) == (64, 64)


@pytest.mark.parametrize(
    ("name", "data", "message", "status"),
    [
        ("notes.png", b"just some text, not a picture", "文件不是有效的图片", 400),
        ("logo.svg", SVG_WITH_SCRIPT, "不支持 SVG", 400),
        ("logo.png", SVG_WITH_SCRIPT, "不支持 SVG", 400),  # an SVG under a picture's name
        ("logo.png", b'<?xml version="1.0"?>\n' + SVG_WITH_SCRIPT, "不支持 SVG", 400),
        ("photo.jpg", picture("PNG"), "扩展名与图片实际格式（PNG）不符", 400),
        ("photo", picture("PNG"), "扩展名与图片实际格式（PNG）不符", 400),
        ("page.bmp", picture("BMP"), "文件不是有效的图片", 400),
        ("cut.png", picture("PNG")[:60], "文件不是有效的图片", 400),
        ("bomb.png", picture("PNG", (20000, 20000)), "图片尺寸过大", 400),
        ("dot.png", picture("PNG", (4, 4)), "图片太小", 400),
        ("big.png", b"\x89PNG" + b"0" * uploads.MAX_IMAGE_BYTES, "图片不能超过 2 MB", 413),
        ("empty.png", b"", "请选择要上传的图片文件", 400),
    ],
)
def test_bad_files_are_refused(name: str, data: bytes, message: str, status: int) -> None:
    with pytest.raises(DomainError) as caught:
        uploads.check_image(name, data)
    assert message in str(caught.value) and caught.value.status == status


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("logo.svg", SVG_WITH_SCRIPT, 400),
        ("logo.png", b"MZ\x90\x00 an executable", 400),
        ("logo.jpg", picture("PNG"), 400),
        ("logo.png", picture("PNG", (20000, 20000)), 400),
        ("logo.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 10), 413),  # over the request limit
    ],
)
def test_a_bad_logo_upload_changes_nothing(shop, name: str, data: bytes, status: int) -> None:  # noqa: ANN001
    resp = shop.post(
        "/seller/shop/image/logo",
        data={"image": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert resp.status_code == status
    assert image_count(shop) == 0
    w = world(shop)
    assert not w.events("shop.decorated")
    w.close()


def test_a_bad_product_picture_refuses_the_whole_product(shop) -> None:  # noqa: ANN001
    w = world(shop)
    before = w.db.scalar(select(func.count(Product.id)))
    w.close()
    data = {
        "category_id": "1",
        "title": "拾光 复古牛皮手账本",
        "option1": "规格",
        "v_code": [""],
        "v_opt1": ["A5"],
        "v_opt2": [""],
        "v_price": ["39.90"],
        "v_stock": ["50"],
        "images": [(io.BytesIO(picture("PNG")), "cover.png"), (io.BytesIO(SVG_WITH_SCRIPT), "detail.png")],
    }
    resp = shop.post("/seller/goods/new", data=data, content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "detail.png" in page and "不支持 SVG" in page
    w = world(shop)
    assert w.db.scalar(select(func.count(Product.id))) == before and image_count(shop) == 0
    w.close()
    data["images"] = [(io.BytesIO(picture("PNG")), "cover.png"), (io.BytesIO(picture("JPEG")), "detail.jpg")]
    assert shop.post("/seller/goods/new", data=data, content_type="multipart/form-data").status_code == 302
    assert image_count(shop) == 2


def test_pictures_are_served_inertly_and_only_once_the_shop_is_open(shop) -> None:  # noqa: ANN001
    code = new_product(shop, images=[(io.BytesIO(picture("GIF")), "cover.gif")])
    w = world(shop)
    product = w.db.scalars(select(Product).where(Product.code == code)).one()
    image_id = product.images[0].image_id
    w.close()
    assert shop.get(f"/shop/img/u/{image_id}").status_code == 404  # the shop is not published
    own = shop.get(f"/seller/img/{image_id}")
    assert own.status_code == 200 and own.mimetype == "image/gif"
    assert shop.get(f"/seller/goods/{code}/picture").mimetype == "image/gif"
    assert shop.post("/seller/shop/publish").status_code == 302
    resp = shop.get(f"/shop/img/u/{image_id}")
    assert resp.status_code == 200 and resp.mimetype == "image/gif"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        "default-src 'none'" in resp.headers["Content-Security-Policy"]
        and "sandbox" in resp.headers["Content-Security-Policy"]
    )
    page = shop.get(f"/shop/p/{code}").get_data(as_text=True)
    assert f"/shop/img/u/{image_id}" in page  # the uploaded picture replaces the drawn one
    assert shop.get("/seller/img/999999").status_code == 404


def test_the_same_picture_uploaded_twice_is_stored_once(shop) -> None:  # noqa: ANN001
    data = png()
    for part in ("logo", "banner"):
        resp = shop.post(
            f"/seller/shop/image/{part}",
            data={"image": (io.BytesIO(data), "same.png")},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 302
    assert image_count(shop) == 1
    assert (
        shop.post("/seller/shop/image/favicon", data={}, content_type="multipart/form-data").status_code
        == 404
    )
