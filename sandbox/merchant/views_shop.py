"""Seller centre · 店铺管理: apply for a shop (商户入驻), decorate it (店铺装修), preview and publish it."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused
from sandbox.errors import DomainError
from sandbox.merchant import goods, shops
from sandbox.merchant.views import bp, seller_required
from sandbox.parsing import query_int
from sandbox.storefront import services as storefront
from sandbox.storefront import uploads


def _shop_page(
    form: dict | None = None, errors: dict | None = None, error: str | None = None, status: int = 200
):  # noqa: ANN202
    w = current_world()
    standing = shops.standing(w, g.seller)
    latest = shops.latest_application(w, g.seller)
    if form is None and latest is not None and latest.status == shops.ApplicationStatus.REJECTED:
        form = {f: getattr(latest, f) for f in shops.APPLICATION_FIELDS}  # to correct and send again
    page = render_template(
        "merchant/shop.html",
        standing=standing,
        applications=shops.applications(w, g.seller),
        form=form or {},
        errors=errors or {},
        error=error,
        shop_types=shops.SHOP_TYPES,
        status_labels=shops.STATUS_LABELS,
        shop_status_labels=shops.SHOP_STATUS_LABELS,
        listed=shops.listed_count(w, g.shop) if g.shop else 0,
        categories=shops.shop_categories(w, g.shop) if g.shop else [],
        featured=[p for p in goods.products_of(w, g.shop) if p.shop_featured] if g.shop else [],
    )
    return page, status


@bp.get("/shop")
@seller_required(shop=False)
def shop():
    """The shop: the application form and its review, or the shop's state and what is left to do."""
    return _shop_page()


@bp.post("/shop/apply")
@seller_required(shop=False)
def shop_apply():
    """Send the application (商户入驻) to the platform's review."""
    try:
        shops.apply(current_world(), g.seller, request.form)
    except shops.ApplicationInvalid as exc:
        return _shop_page(request.form, exc.errors, refused(exc), exc.status)
    except DomainError as exc:
        return _shop_page(request.form, None, refused(exc), exc.status)
    done(gettext("开店申请已提交，平台审核结果将通过邮件通知你"))
    return redirect(url_for("merchant.shop"))


def _decorate_page(error: str | None = None, status: int = 200, notice: str | None = None):  # noqa: ANN202
    w = current_world()
    page = render_template(
        "merchant/shop_decorate.html",
        categories=shops.shop_categories(w, g.shop),
        products=goods.products_of(w, g.shop),
        notice=g.shop.notice if notice is None else notice,
        error=error,
        max_featured=shops.MAX_FEATURED,
        max_notice=shops.MAX_NOTICE,
        extensions=", ".join(uploads.ALLOWED_EXTENSIONS),
    )
    return page, status


@bp.get("/shop/decorate")
@seller_required
def shop_decorate():
    """店铺装修: logo, banner, notice, shop categories, featured goods."""
    return _decorate_page()


def _decorated(action, *args, message: str):  # noqa: ANN001, ANN002, ANN202
    """Run a decoration service; back to the page with its message, or the page with the error."""
    try:
        action(current_world(), g.shop, *args)
    except DomainError as exc:
        return _decorate_page(refused(exc), exc.status, notice=request.form.get("notice"))
    done(message)
    return redirect(url_for("merchant.shop_decorate"))


@bp.post("/shop/image/<part>")
@seller_required
def shop_image_upload(part: str):
    """Upload the logo (店标) or the banner (店招)."""
    file = request.files.get("image")
    data = file.read() if file else b""
    return _decorated(
        shops.set_image, part, file.filename if file else "", data, message=gettext("图片已上传")
    )


@bp.post("/shop/notice")
@seller_required
def shop_notice():
    """Save the shop's notice (店铺公告)."""
    return _decorated(shops.set_notice, request.form.get("notice", ""), message=gettext("店铺公告已保存"))


@bp.post("/shop/categories")
@seller_required
def shop_category_add():
    """Add a shop category (店内分类)."""
    return _decorated(shops.add_category, request.form.get("name", ""), message=gettext("店内分类已添加"))


@bp.post("/shop/categories/<int:category_id>/rename")
@seller_required
def shop_category_rename(category_id: int):
    """Rename a shop category."""
    return _decorated(
        shops.rename_category, category_id, request.form.get("name", ""), message=gettext("店内分类已重命名")
    )


@bp.post("/shop/categories/<int:category_id>/move")
@seller_required
def shop_category_move(category_id: int):
    """Move a shop category up or down."""
    return _decorated(
        shops.move_category, category_id, request.form.get("direction", ""), message=gettext("顺序已调整")
    )


@bp.post("/shop/categories/<int:category_id>/delete")
@seller_required
def shop_category_delete(category_id: int):
    """Delete a shop category (its goods stay, uncategorised)."""
    return _decorated(shops.delete_category, category_id, message=gettext("店内分类已删除"))


@bp.post("/shop/featured")
@seller_required
def shop_featured():
    """Choose the goods featured on the shop's home (掌柜推荐)."""
    return _decorated(shops.set_featured, request.form.getlist("code"), message=gettext("掌柜推荐已保存"))


@bp.get("/shop/preview")
@seller_required
def shop_preview():
    """The shop's home as buyers will see it once published (marked 预览)."""
    w = current_world()
    try:
        category_id = query_int("category")
    except DomainError:
        category_id = None
    return render_template(
        "storefront/store.html",
        home=storefront.shop_home(w, g.shop, category_id),
        preview=True,
        back_url=url_for("merchant.shop_decorate"),
        image_url=lambda image_id: url_for("merchant.image", image_id=image_id),
        picture_url=lambda p: url_for("merchant.goods_picture", code=p.code),
        product_url=lambda p: url_for("merchant.goods_edit", code=p.code),
        store_url=lambda cid: url_for("merchant.shop_preview", category=cid),
    )


@bp.post("/shop/publish")
@seller_required
def shop_publish():
    """Publish the shop: buyers see it and its listed goods from now on."""
    try:
        shops.publish(current_world(), g.shop)
    except DomainError as exc:
        return _shop_page(error=refused(exc), status=exc.status)
    done(gettext("店铺已发布，买家现在可以在商城中看到你的店铺和上架商品"))
    return redirect(url_for("merchant.shop"))


@bp.get("/img/<int:image_id>")
@seller_required
def image(image_id: int):
    """An image the shop uploaded (the shop's own only)."""
    return uploads.image_response(goods.shop_image(current_world(), g.shop, image_id))
