"""Storefront services: catalogue queries, shop homes, member accounts, address book, cart.

Buyers see only listed goods of open shops: search, the home page, category pages, product pages, shop
homes, the cart and checkout all go through `_visible` / `is_visible`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.parsing import parse_yuan
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.storefront.models import (
    Address,
    CartItem,
    Category,
    Customer,
    Image,
    Product,
    ProductStatus,
    Shop,
    ShopCategory,
    ShopStatus,
    Sku,
)
from sandbox.worlds.world import World
from seed_data.lists import REGIONS

MAX_QUANTITY = 999
PAGE_SIZE = 24
SORTS = {"default", "price_asc", "price_desc", "sales"}
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_\u4e00-\u9fa5]{3,20}$")


# --- catalogue ---------------------------------------------------------------------------------


def categories(w: World) -> list[Category]:
    """All categories in display order."""
    return list(w.db.scalars(select(Category).order_by(Category.position)))


def _visible(stmt):  # noqa: ANN001, ANN202
    """Only what buyers may see: listed goods of open shops (joined on the shop's status)."""
    return stmt.join(Shop, Shop.id == Product.shop_id).where(
        Shop.status == ShopStatus.OPEN, Product.status == ProductStatus.LISTED
    )


def is_visible(product: Product) -> bool:
    """Whether buyers may see and buy the product."""
    return product.status == ProductStatus.LISTED and product.shop.status == ShopStatus.OPEN


CARD_LOADS = (selectinload(Product.skus), selectinload(Product.images))


def featured_products(w: World, limit: int = 8) -> list[Product]:
    """Products the shops promote on the home page."""
    q = _visible(select(Product).where(Product.featured))
    q = q.order_by(Product.sales.desc(), Product.id).limit(limit)
    return list(w.db.scalars(q.options(*CARD_LOADS)))


MAX_PRICE_FILTER_FEN = 1_000_000_000  # ten million yuan


def parse_price_yuan(raw: str | None) -> int | None:
    """Turn a price filter typed in yuan into fen; blank means no bound (NaN, inf: refused)."""
    return parse_yuan(raw, high_fen=MAX_PRICE_FILTER_FEN)


@dataclass
class SearchResult:
    """One page of search results."""

    products: list[Product]
    total: int
    page: int
    pages: int


def search(
    w: World,
    q: str = "",
    category_id: int | None = None,
    min_fen: int | None = None,
    max_fen: int | None = None,
    sort: str = "default",
    page: int = 1,
) -> SearchResult:
    """Search by keyword with category and price filters, sorted and paged."""
    price = select(Sku.product_id, func.min(Sku.price_fen).label("price")).group_by(Sku.product_id).subquery()
    stmt = _visible(select(Product).join(price, price.c.product_id == Product.id))
    for word in q.split():
        like = f"%{word}%"
        stmt = stmt.where(
            or_(Product.name.like(like), Product.brand.like(like), Product.description.like(like))
        )
    if category_id:
        stmt = stmt.where(Product.category_id == category_id)
    if min_fen is not None:
        stmt = stmt.where(price.c.price >= min_fen)
    if max_fen is not None:
        stmt = stmt.where(price.c.price <= max_fen)
    total = w.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = {
        "price_asc": (price.c.price.asc(), Product.id),
        "price_desc": (price.c.price.desc(), Product.id),
        "sales": (Product.sales.desc(), Product.id),
    }.get(sort, (Product.featured.desc(), Product.sales.desc(), Product.id))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    stmt = stmt.order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).options(*CARD_LOADS)
    return SearchResult(list(w.db.scalars(stmt)), total, page, pages)


def get_product(w: World, code: str) -> Product:
    """A product buyers may see, by its code; NotFound for none, a delisted one or a closed shop's."""
    product = w.db.scalars(select(Product).where(Product.code == code).options(*CARD_LOADS)).first()
    if product is None:
        raise NotFound(N_("商品不存在"))
    if not is_visible(product):
        raise NotFound(N_("该商品已下架，或所在店铺尚未开业"))
    return product


# --- shop homes --------------------------------------------------------------------------------


def open_shop(w: World, shop_id: int) -> Shop:
    """A shop buyers may visit (published), or NotFound."""
    shop = w.db.get(Shop, shop_id)
    if shop is None or shop.status != ShopStatus.OPEN:
        raise NotFound(N_("店铺不存在或尚未开业"))
    return shop


@dataclass
class ShopHome:
    """What a shop's home shows: its decoration, featured goods and listed goods."""

    shop: Shop
    categories: list[ShopCategory]
    featured: list[Product]
    products: list[Product]
    category: ShopCategory | None


def shop_home(w: World, shop: Shop, category_id: int | None = None) -> ShopHome:
    """A shop's home (also for the merchant's preview of a shop not yet published)."""
    listed = select(Product).where(Product.shop_id == shop.id, Product.status == ProductStatus.LISTED)
    listed = listed.options(*CARD_LOADS).order_by(Product.id)
    products = list(w.db.scalars(listed))
    categories = list(
        w.db.scalars(
            select(ShopCategory)
            .where(ShopCategory.shop_id == shop.id)
            .order_by(ShopCategory.position, ShopCategory.id)
        )
    )
    category = next((c for c in categories if c.id == category_id), None)
    shown = [p for p in products if p.shop_category_id == category.id] if category else products
    return ShopHome(shop, categories, [p for p in products if p.shop_featured], shown, category)


def shop_image(w: World, image_id: int) -> Image:
    """An uploaded image of a published shop (logo, banner, product picture), or NotFound."""
    image = w.db.get(Image, image_id)
    if image is None or w.db.get(Shop, image.shop_id).status != ShopStatus.OPEN:
        raise NotFound(N_("图片不存在"))
    return image


def get_sku(w: World, code: str) -> Sku:
    """A SKU by its code, or NotFound (whether buyers may see it or not: stock moves use it too)."""
    sku = w.db.scalars(select(Sku).where(Sku.code == (code or "").strip())).first()
    if sku is None:
        raise NotFound(N_("商品规格不存在"))
    return sku


def buyable_sku(w: World, code: str) -> Sku:
    """A SKU a buyer may put in the cart or buy: its product listed, its shop open."""
    sku = get_sku(w, code)
    if not is_visible(sku.product):
        raise Conflict(N_("该商品已下架或店铺尚未开业，暂不能购买"))
    return sku


# --- members -----------------------------------------------------------------------------------


class RegistrationInvalid(DomainError):
    """One or more registration fields are wrong; `errors` maps field -> message key."""

    def __init__(self, errors: dict[str, str], status: int = 400):
        super().__init__(N_("注册信息有误，请检查标红的项目"), status=status)
        self.errors = errors


def register(w: World, username: str, password: str, confirm: str, phone: str) -> Customer:
    """Create a member account for the candidate; every wrong field is named at once."""
    username = (username or "").strip()
    phone = (phone or "").strip()
    password = password or ""
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = N_("用户名须为3-20位字母、数字、下划线或汉字")
    elif w.db.scalars(select(Customer).where(Customer.username == username)).first():
        errors["username"] = N_("用户名已被注册")
    if not PHONE_RE.match(phone):
        errors["phone"] = N_("请输入11位有效手机号")
    if len(password) < 6 or len(password) > 64:
        errors["password"] = N_("密码长度须为6-64位")
    if password != (confirm or ""):
        errors["password_confirm"] = N_("两次输入的密码不一致")
    if errors:
        taken = errors.get("username") == N_("用户名已被注册") and len(errors) == 1
        raise RegistrationInvalid(errors, status=409 if taken else 400)
    customer = Customer(
        username=username,
        phone=phone,
        password_hash=hash_world_secret(password),
        created_at=w.now(),
        by_candidate=True,
    )
    w.db.add(customer)
    w.db.flush()
    w.emit("customer.registered", customer_id=customer.id, username=username)
    return customer


def authenticate(w: World, username: str, password: str) -> Customer:
    """The member with these credentials, or an error that does not say which was wrong."""
    customer = w.db.scalars(select(Customer).where(Customer.username == (username or "").strip())).first()
    if customer is None or not check_secret(customer.password_hash, password or ""):
        raise DomainError(N_("用户名或密码错误"), status=401)
    w.emit("customer.logged_in", customer_id=customer.id)
    return customer


# --- address book ------------------------------------------------------------------------------

ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail", "postcode")


class AddressInvalid(DomainError):
    """One or more address fields are wrong; `errors` maps field -> message key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("收货地址填写有误，请检查标红的项目"))
        self.errors = errors


def validate_address(form: dict[str, str]) -> dict[str, str]:
    """Clean address fields or raise AddressInvalid naming each wrong field."""
    data = {k: (form.get(k) or "").strip() for k in ADDRESS_FIELDS}
    errors: dict[str, str] = {}
    if not 2 <= len(data["recipient"]) <= 20:
        errors["recipient"] = N_("收货人姓名须为2-20个字")
    if not PHONE_RE.match(data["phone"]):
        errors["phone"] = N_("请输入11位有效手机号")
    cities = REGIONS.get(data["province"])
    if cities is None:
        errors["province"] = N_("请选择省份")
    elif data["city"] not in cities:
        errors["city"] = N_("请选择城市")
    elif data["district"] not in cities[data["city"]][0]:
        errors["district"] = N_("请选择区/县")
    if not 5 <= len(data["detail"]) <= 120:
        errors["detail"] = N_("详细地址须为5-120个字")
    if not re.fullmatch(r"[0-9]{6}", data["postcode"]):
        errors["postcode"] = N_("邮编须为6位数字")
    if errors:
        raise AddressInvalid(errors)
    return data


def add_address(w: World, customer: Customer, form: dict[str, str], make_default: bool = False) -> Address:
    """Add a validated address; the first one becomes the default."""
    data = validate_address(form)
    first = not customer.addresses
    if first or make_default:
        for other in customer.addresses:
            other.is_default = False
    address = Address(customer=customer, is_default=first or make_default, **data)
    w.db.add(address)
    w.db.flush()
    w.emit("address.added", customer_id=customer.id, address_id=address.id, **data)
    return address


def _row_id(value: object) -> int:
    """An id from a form or URL; anything that is not a whole number finds nothing."""
    try:
        return int(value or 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def get_address(w: World, customer: Customer, address_id: int | str | None) -> Address:
    """One of this customer's addresses, or NotFound."""
    address = w.db.get(Address, _row_id(address_id))
    if address is None or address.customer_id != customer.id:
        raise NotFound(N_("收货地址不存在"))
    return address


def delete_address(w: World, customer: Customer, address_id: int | str) -> None:
    """Remove an address from the book."""
    address = get_address(w, customer, address_id)
    w.db.delete(address)
    w.emit("address.deleted", customer_id=customer.id, address_id=address.id)


def set_default_address(w: World, customer: Customer, address_id: int | str) -> None:
    """Make one address the default."""
    address = get_address(w, customer, address_id)
    for other in customer.addresses:
        other.is_default = other.id == address.id
    w.emit("address.default_set", customer_id=customer.id, address_id=address.id)


# --- cart --------------------------------------------------------------------------------------


def parse_quantity(raw: object) -> int:
    """A quantity typed by a buyer: a whole number from 1 to MAX_QUANTITY."""
    text = str(raw if raw is not None else "").strip()
    if not text.isdigit() or not text.isascii():
        raise DomainError(N_("购买数量必须是正整数"))
    if len(text) > 6 or int(text) > MAX_QUANTITY:
        raise DomainError(N_("单次购买数量不能超过 %(max)s 件"), max=MAX_QUANTITY)
    value = int(text)
    if value < 1:
        raise DomainError(N_("购买数量必须是正整数"))
    return value


def _check_stock(sku: Sku, quantity: int) -> None:
    if quantity > sku.available:
        raise DomainError(N_("库存不足，该规格仅剩 %(available)s 件"), status=409, available=sku.available)


def _cart_query(customer: Customer):  # noqa: ANN202
    q = select(CartItem).where(CartItem.customer_id == customer.id).order_by(CartItem.id)
    return q.options(selectinload(CartItem.sku).selectinload(Sku.product).selectinload(Product.shop))


def cart_items(w: World, customer: Customer) -> list[CartItem]:
    """The cart lines that can be bought now, oldest first (what checkout takes).

    A line whose product was delisted, or whose shop is not open, stays in the cart but is left out.
    """
    return [i for i in w.db.scalars(_cart_query(customer)) if is_visible(i.sku.product)]


def unavailable_cart_items(w: World, customer: Customer) -> list[CartItem]:
    """Cart lines that cannot be bought now (delisted goods, goods of a shop not open)."""
    return [i for i in w.db.scalars(_cart_query(customer)) if not is_visible(i.sku.product)]


@dataclass
class DirectLine:
    """One variant bought with 立即购买: checked out alone, the cart left as it is."""

    sku: Sku
    quantity: int


def direct_line(w: World, sku_code: str, raw_quantity: object) -> DirectLine:
    """A variant and quantity to buy at once (stock checked; prices always the server's)."""
    quantity = parse_quantity(raw_quantity)
    sku = buyable_sku(w, sku_code)
    _check_stock(sku, quantity)
    return DirectLine(sku, quantity)


def add_to_cart(w: World, customer: Customer, sku_code: str, raw_quantity: object) -> CartItem:
    """Add a quantity of a SKU to the cart (merging with a line already there)."""
    quantity = parse_quantity(raw_quantity)
    sku = buyable_sku(w, sku_code)
    item = w.db.scalars(
        select(CartItem).where(CartItem.customer_id == customer.id, CartItem.sku_id == sku.id)
    ).first()
    new_quantity = quantity + (item.quantity if item else 0)
    if new_quantity > MAX_QUANTITY:
        raise DomainError(N_("单次购买数量不能超过 %(max)s 件"), max=MAX_QUANTITY)
    _check_stock(sku, new_quantity)
    if item is None:
        item = CartItem(customer_id=customer.id, sku=sku, quantity=new_quantity)
        w.db.add(item)
    else:
        item.quantity = new_quantity
    w.db.flush()
    w.emit(
        "cart.item_added",
        customer_id=customer.id,
        sku=sku.code,
        quantity=quantity,
        cart_quantity=new_quantity,
    )
    return item


def _cart_item(w: World, customer: Customer, item_id: int | str) -> CartItem:
    item = w.db.get(CartItem, _row_id(item_id))
    if item is None or item.customer_id != customer.id:
        raise NotFound(N_("购物车中没有这件商品"))
    return item


def change_cart_quantity(w: World, customer: Customer, item_id: int | str, raw_quantity: object) -> CartItem:
    """Set the quantity of a cart line."""
    quantity = parse_quantity(raw_quantity)
    item = _cart_item(w, customer, item_id)
    buyable_sku(w, item.sku.code)
    _check_stock(item.sku, quantity)
    item.quantity = quantity
    w.emit("cart.quantity_changed", customer_id=customer.id, sku=item.sku.code, quantity=quantity)
    return item


def remove_from_cart(w: World, customer: Customer, item_id: int | str) -> None:
    """Take a line out of the cart."""
    item = _cart_item(w, customer, item_id)
    w.db.delete(item)
    w.emit("cart.item_removed", customer_id=customer.id, sku=item.sku.code)


def get_customer(w: World, customer_id: int | None) -> Customer | None:
    """The customer by id (from the session), if any."""
    return w.db.get(Customer, customer_id) if customer_id else None
