"""Storefront pages: home, search, product, shop homes, member login, address book, cart."""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import (
    current_world,
    customer_required,
    done,
    refused,
    session_world,
    set_session_world,
)
from sandbox.errors import DomainError
from sandbox.parsing import query_int
from sandbox.safety import safe_next
from sandbox.storefront import images, promo_hooks, uploads
from sandbox.storefront import services as shop
from sandbox.storefront.models import Product
from seed_data.lists import REGIONS

MAX_PAGE = 10_000
bp = Blueprint("storefront", __name__, url_prefix="/shop")


def _safe_next(default: str) -> str:
    return safe_next(request.values.get("next"), default)


@bp.app_context_processor
def storefront_context():
    """Member and cart count for the storefront header."""
    w = g.get("world")
    if w is None or request.blueprint not in ("storefront", "orders"):
        return {}
    customer = shop.get_customer(w, session_world().get("customer"))
    count = sum(i.quantity for i in shop.cart_items(w, customer)) if customer else 0
    return {"customer": customer, "cart_count": count, "categories": shop.categories(w)}


@bp.app_template_global()
def product_picture_url(product: Product) -> str:
    """The product's main picture in the storefront: its first uploaded image, else the drawn one."""
    if product.images:
        return url_for("storefront.image", image_id=product.images[0].image_id)
    return url_for("storefront.product_image", code=product.code)


@bp.app_template_global()
def shop_image_url(image_id: int) -> str:
    """An uploaded image of a published shop."""
    return url_for("storefront.image", image_id=image_id)


@bp.get("/")
def index():
    """Home page with categories and featured goods."""
    return render_template("storefront/index.html", featured=shop.featured_products(current_world(), 12))


@bp.get("/search")
def search():
    """Search with category and price filters and sorting."""
    w = current_world()
    args = request.args
    error = None
    try:
        min_fen = shop.parse_price_yuan(args.get("min"))
        max_fen = shop.parse_price_yuan(args.get("max"))
    except DomainError as exc:
        error, min_fen, max_fen = refused(exc), None, None
    try:
        category_id = query_int("category")
        page = query_int("page", 1, low=1, high=MAX_PAGE)
    except DomainError as exc:
        error, category_id, page = refused(exc), None, 1
    sort = args.get("sort") if args.get("sort") in shop.SORTS else "default"
    result = shop.search(w, args.get("q", "").strip()[:50], category_id, min_fen, max_fen, sort, page)
    status = 400 if error else 200
    return render_template(
        "storefront/search.html", result=result, error=error, sort=sort, category_id=category_id
    ), status


@bp.get("/p/<code>")
def product(code: str):
    """Product page with pictures, selling points, variants, price, stock and promotions."""
    w = current_world()
    p = shop.get_product(w, code)
    return render_template("storefront/product.html", product=p, promo_badges=promo_hooks.badges_for(w, p))


@bp.get("/store/<int:shop_id>")
def store(shop_id: int):
    """A published shop's home: banner, logo, notice, its categories, featured and listed goods."""
    w = current_world()
    try:
        category_id = query_int("category")
    except DomainError:
        category_id = None
    home = shop.shop_home(w, shop.open_shop(w, shop_id), category_id)
    return render_template("storefront/store.html", home=home, preview=False)


@bp.get("/img/u/<int:image_id>")
def image(image_id: int):
    """An image a published shop uploaded (served as an inert image, never as a document)."""
    return uploads.image_response(shop.shop_image(current_world(), image_id))


@bp.get("/img/<code>.svg")
def product_image(code: str):
    """A generated picture of the product (served by the sandbox: exam halls are offline)."""
    p = shop.get_product(current_world(), code)
    resp = Response(images.product_svg(p), mimetype="image/svg+xml")
    resp.cache_control.max_age = 3600
    return resp


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Open a member account."""
    if request.method != "POST":  # GET and HEAD only look
        return render_template("storefront/register.html")
    f = request.form
    try:
        customer = shop.register(
            current_world(), f.get("username"), f.get("password"), f.get("password_confirm"), f.get("phone")
        )
    except shop.RegistrationInvalid as exc:
        return render_template(
            "storefront/register.html", error=refused(exc), form=f, errors=exc.errors
        ), exc.status
    set_session_world(customer=customer.id)
    done(gettext("注册成功，欢迎你，%(name)s", name=customer.username))
    return redirect(_safe_next(url_for("storefront.index")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Member login."""
    if request.method != "POST":  # GET and HEAD only look
        return render_template("storefront/login.html")
    try:
        customer = shop.authenticate(
            current_world(), request.form.get("username"), request.form.get("password")
        )
    except DomainError as exc:
        return render_template(
            "storefront/login.html", error=refused(exc), username=request.form.get("username", "")
        ), exc.status
    set_session_world(customer=customer.id)
    done(gettext("登录成功"))
    return redirect(_safe_next(url_for("storefront.index")))


@bp.post("/logout")
def logout():
    """Member logout."""
    set_session_world(customer=None)
    return redirect(url_for("storefront.index"))


@bp.get("/addresses")
@customer_required
def addresses():
    """The address book with a form to add one."""
    return render_template("storefront/addresses.html", regions=REGIONS, form={}, errors={})


@bp.post("/addresses")
@customer_required
def add_address():
    """Add an address (every field validated)."""
    try:
        shop.add_address(
            current_world(), g.customer, request.form, make_default=bool(request.form.get("is_default"))
        )
    except shop.AddressInvalid as exc:
        return render_template(
            "storefront/addresses.html",
            regions=REGIONS,
            form=request.form,
            errors=exc.errors,
            error=refused(exc),
        ), 400
    done(gettext("收货地址已保存"))
    return redirect(_safe_next(url_for("storefront.addresses")))


@bp.post("/addresses/<int:address_id>/delete")
@customer_required
def delete_address(address_id: int):
    """Remove an address."""
    shop.delete_address(current_world(), g.customer, address_id)
    done(gettext("收货地址已删除"))
    return redirect(url_for("storefront.addresses"))


@bp.post("/addresses/<int:address_id>/default")
@customer_required
def default_address(address_id: int):
    """Make an address the default."""
    shop.set_default_address(current_world(), g.customer, address_id)
    done(gettext("已设为默认地址"))
    return redirect(url_for("storefront.addresses"))


@bp.get("/cart")
@customer_required
def cart():
    """The cart."""
    w = current_world()
    items = shop.cart_items(w, g.customer)
    return render_template(
        "storefront/cart.html",
        items=items,
        unavailable=shop.unavailable_cart_items(w, g.customer),
        total=sum(i.sku.price_fen * i.quantity for i in items),
    )


@bp.post("/cart/add")
@customer_required
def cart_add():
    """Add a variant to the cart (price and stock come from the server, never the form)."""
    quantity = shop.parse_quantity(request.form.get("quantity"))
    if request.form.get("buy_now"):  # 立即购买: straight to checkout with this item alone
        line = shop.direct_line(current_world(), request.form.get("sku"), quantity)
        return redirect(url_for("orders.checkout", sku=line.sku.code, qty=line.quantity))
    item = shop.add_to_cart(current_world(), g.customer, request.form.get("sku"), quantity)
    done(gettext("已加入购物车：%(name)s × %(qty)s", name=item.sku.product.name, qty=quantity))
    return redirect(url_for("storefront.cart"))


@bp.post("/cart/<int:item_id>/quantity")
@customer_required
def cart_quantity(item_id: int):
    """Change the quantity of a cart line."""
    shop.change_cart_quantity(current_world(), g.customer, item_id, request.form.get("quantity"))
    done(gettext("数量已更新"))
    return redirect(url_for("storefront.cart"))


@bp.post("/cart/<int:item_id>/remove")
@customer_required
def cart_remove(item_id: int):
    """Remove a cart line."""
    shop.remove_from_cart(current_world(), g.customer, item_id)
    done(gettext("已从购物车移除"))
    return redirect(url_for("storefront.cart"))
