"""Seller centre · 商品管理: publish goods with variants and pictures, list and delist them, change
prices in bulk, and keep the shop's shipping templates (运费模板)."""

from __future__ import annotations

from flask import Response, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused
from sandbox.errors import DomainError
from sandbox.merchant import goods, shipping, shops
from sandbox.merchant.views import bp, seller_required
from sandbox.storefront import images, uploads
from sandbox.storefront.models import Product, ProductStatus

BLANK_ROWS = 6


def _files() -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in request.files.getlist("images")]


def _list_page(error: str | None = None, status: int = 200):  # noqa: ANN202
    w = current_world()
    status_filter = request.args.get("status", "")
    page = render_template(
        "merchant/goods.html",
        products=goods.products_of(w, g.shop, status_filter, request.args.get("q", "")),
        status_filter=status_filter,
        status_labels=goods.STATUS_LABELS,
        standing=shops.standing(w, g.seller),
        shop_status_labels=shops.SHOP_STATUS_LABELS,
        error=error,
    )
    return page, status


@bp.get("/goods", endpoint="goods")
@seller_required
def goods_index():
    """The shop's goods with their variants, prices and stock; list, delist, bulk price change."""
    return _list_page()


def _form_page(
    product: Product | None, form: goods.GoodsForm, exc: goods.GoodsInvalid | None = None, status: int = 200
):  # noqa: ANN202
    w = current_world()
    page = render_template(
        "merchant/goods_form.html",
        product=product,
        skus={s.code: s for s in product.skus} if product else {},
        form=form,
        errors=exc.errors if exc else {},
        field_params=exc.field_params if exc else {},
        bad_file=exc.file if exc else "",
        error=refused(exc) if exc else None,
        categories=goods.mall_categories(w),
        templates=shipping.templates_of(w, g.shop),
        shop_categories=shops.shop_categories(w, g.shop),
        blank_rows=BLANK_ROWS,
        max_images=goods.MAX_IMAGES,
        extensions=", ".join(uploads.ALLOWED_EXTENSIONS),
    )
    return page, status


def _edit_form(product: Product) -> goods.GoodsForm:
    """The form of an existing product, as it stands."""
    names = list(product.option_names) + ["", ""]
    return goods.GoodsForm(
        category_id=str(product.category_id),
        title=product.name,
        points=list(product.selling_points or []) + [""] * goods.MAX_POINTS,
        description=product.description,
        shipping_template_id=str(product.shipping_template_id or ""),
        shop_category_id=str(product.shop_category_id or ""),
        option_names=names[:2],
        rows=[
            goods.VariantRow(
                [s.options.get(n, "") for n in product.option_names], f"{s.price_fen / 100:.2f}", "", s.code
            )
            for s in product.skus
        ],
    )


@bp.route("/goods/new", methods=["GET", "POST"])
@seller_required
def goods_new():
    """Publish a new product (商品发布)."""
    if request.method != "POST":
        return _form_page(None, goods.GoodsForm(points=[""] * goods.MAX_POINTS, option_names=["", ""]))
    form = goods.read_form(request.form)
    try:
        product = goods.create_product(
            current_world(), g.shop, form, _files(), list_now=bool(request.form.get("list_now"))
        )
    except goods.GoodsInvalid as exc:
        return _form_page(None, form, exc, exc.status)
    if product.status == ProductStatus.LISTED:
        done(gettext("商品已发布并上架：%(name)s", name=product.name))
    else:
        done(gettext("商品已保存（未上架）：%(name)s", name=product.name))
    return redirect(url_for("merchant.goods"))


@bp.route("/goods/<code>/edit", methods=["GET", "POST"])
@seller_required
def goods_edit(code: str):
    """Edit one of the shop's products (another shop's is not found)."""
    w = current_world()
    product = goods.get_product(w, g.shop, code)
    if request.method != "POST":
        return _form_page(product, _edit_form(product))
    form = goods.read_form(request.form)
    try:
        goods.update_product(w, g.shop, code, form, _files(), request.form.getlist("remove_image"))
    except goods.GoodsInvalid as exc:
        return _form_page(product, form, exc, exc.status)
    done(gettext("商品已保存：%(name)s", name=product.name))
    return redirect(url_for("merchant.goods_edit", code=code))


@bp.post("/goods/<code>/list")
@seller_required
def goods_list_one(code: str):
    """List (上架) a product."""
    try:
        product = goods.set_listed(current_world(), g.shop, code, True)
    except DomainError as exc:
        return _list_page(refused(exc), exc.status)
    done(gettext("已上架：%(name)s", name=product.name))
    return redirect(url_for("merchant.goods"))


@bp.post("/goods/<code>/delist")
@seller_required
def goods_delist(code: str):
    """Delist (下架) a product."""
    try:
        product = goods.set_listed(current_world(), g.shop, code, False)
    except DomainError as exc:
        return _list_page(refused(exc), exc.status)
    done(gettext("已下架：%(name)s", name=product.name))
    return redirect(url_for("merchant.goods"))


@bp.post("/goods/prices")
@seller_required
def goods_prices():
    """Change the price of the ticked variants at once (all or nothing)."""
    f = request.form
    try:
        changed = goods.bulk_price(
            current_world(), g.shop, f.getlist("sku"), f.get("mode", ""), f.get("value", "")
        )
    except DomainError as exc:
        return _list_page(refused(exc), exc.status)
    done(gettext("已修改 %(n)s 个规格的价格", n=len(changed)))
    return redirect(url_for("merchant.goods"))


@bp.get("/goods/<code>/picture")
@seller_required
def goods_picture(code: str):
    """The product's main picture as the merchant sees it (also before the shop is published)."""
    product = goods.get_product(current_world(), g.shop, code)
    if product.images:
        return uploads.image_response(goods.shop_image(current_world(), g.shop, product.images[0].image_id))
    return Response(images.product_svg(product), mimetype="image/svg+xml")


# --- shipping templates ------------------------------------------------------------------------


def _shipping_page(
    form: dict | None = None,
    errors: dict | None = None,
    error: str | None = None,
    status: int = 200,
    editing: int | None = None,
):  # noqa: ANN202
    page = render_template(
        "merchant/goods_shipping.html",
        templates=shipping.templates_of(current_world(), g.shop),
        modes=shipping.MODES,
        form=form or {},
        errors=errors or {},
        error=error,
        editing=editing,
    )
    return page, status


@bp.get("/goods/shipping")
@seller_required
def goods_shipping():
    """The shop's shipping templates and a form to add one."""
    editing = request.args.get("edit", "")
    if editing.isdigit() and len(editing) < 12:
        t = shipping.get_template(current_world(), g.shop, int(editing))
        form = {
            "name": t.name,
            "mode": t.mode,
            "first": f"{t.first_fen / 100:.2f}",
            "extra": f"{t.extra_fen / 100:.2f}",
            "free_over": f"{t.free_over_fen / 100:.2f}" if t.free_over_fen else "",
        }
        return _shipping_page(form, editing=t.id)
    return _shipping_page()


@bp.post("/goods/shipping")
@seller_required
def goods_shipping_save():
    """Add a template, or save the one being edited."""
    w = current_world()
    raw_id = request.form.get("template_id", "")
    editing = int(raw_id) if raw_id.isdigit() and len(raw_id) < 12 else None
    try:
        if editing is not None:
            shipping.update_template(w, g.shop, editing, request.form)
        else:
            shipping.create_template(w, g.shop, request.form)
    except shipping.TemplateInvalid as exc:
        return _shipping_page(request.form, exc.errors, refused(exc), exc.status, editing)
    except DomainError as exc:
        return _shipping_page(request.form, None, refused(exc), exc.status, editing)
    done(gettext("运费模板已保存"))
    return redirect(url_for("merchant.goods_shipping"))


@bp.post("/goods/shipping/<int:template_id>/delete")
@seller_required
def goods_shipping_delete(template_id: int):
    """Delete a template no product uses."""
    try:
        shipping.delete_template(current_world(), g.shop, template_id)
    except DomainError as exc:
        return _shipping_page(error=refused(exc), status=exc.status)
    done(gettext("运费模板已删除"))
    return redirect(url_for("merchant.goods_shipping"))
