"""Goods (商品发布): a shop's products with their variants (SKUs), pictures, listing and prices.

Every function takes the signed-in shop and finds only that shop's goods: another shop's product or
variant is "not found" (404), never changed. A form is validated as a whole and refused with every
wrong field named; nothing is stored unless all of it is right (pictures included). A variant's
opening stock (期初库存) is set once, when the variant is created, through orders.stock; after that
stock changes only through the warehouse.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.orders import stock
from sandbox.parsing import parse_yuan
from sandbox.storefront import uploads
from sandbox.storefront.models import (
    Category,
    Image,
    Product,
    ProductImage,
    ProductStatus,
    ShippingTemplate,
    Shop,
    ShopCategory,
    Sku,
)
from sandbox.worlds.world import World

MAX_PRICE_FEN = 100_000_000  # ¥1,000,000 for one unit
MAX_OPENING_STOCK = 99_999
MAX_VARIANTS = 30
MAX_OPTIONS = 2
MAX_IMAGES = 6
MAX_POINTS = 3
MAX_POINT_LEN = 30
MAX_DESCRIPTION = 2000
MAX_PERCENT = Decimal(500)
MIN_PERCENT = Decimal(-90)
STATUS_LABELS = {ProductStatus.LISTED: N_("已上架"), ProductStatus.DELISTED: N_("已下架")}
_STOCK_RE = re.compile(r"[0-9]{1,6}")
_PERCENT_RE = re.compile(r"[+-]?[0-9]{1,4}(\.[0-9]{1,2})?")


class GoodsInvalid(DomainError):
    """A goods form with wrong fields; `errors` maps field (or `row-N`) -> message key."""

    def __init__(
        self,
        errors: dict[str, str],
        params: dict[str, dict[str, Any]] | None = None,
        status: int = 400,
        file: str = "",
    ):
        super().__init__(N_("商品信息填写有误，请检查标红的项目"), status=status)
        self.errors = errors
        self.field_params = params or {}
        self.file = file  # the picture that was refused, if one was


@dataclass
class VariantRow:
    """One variant as typed: its option values, price (yuan) and opening stock; `code` if it exists."""

    values: list[str]
    price: str
    stock: str = ""
    code: str = ""


@dataclass
class GoodsForm:
    """A product form as typed (text fields untouched; the service validates)."""

    category_id: str = ""
    title: str = ""
    points: list[str] = field(default_factory=list)
    description: str = ""
    shipping_template_id: str = ""
    shop_category_id: str = ""
    option_names: list[str] = field(default_factory=list)
    rows: list[VariantRow] = field(default_factory=list)


def read_form(form: Any) -> GoodsForm:
    """A GoodsForm from a request's form (rows are the parallel lists v_opt1, v_opt2, v_price, v_stock;
    an existing variant's row carries its code in v_code)."""

    def column(name: str, n: int) -> list[str]:
        values = list(form.getlist(name))
        return (values + [""] * n)[:n]

    n = len(form.getlist("v_price"))
    opt1, opt2, prices, stocks, codes = (
        column(c, n) for c in ("v_opt1", "v_opt2", "v_price", "v_stock", "v_code")
    )
    names = [form.get("option1", ""), form.get("option2", "")]
    rows = [
        VariantRow([opt1[i], opt2[i]], prices[i], stocks[i], codes[i].strip())
        for i in range(n)
        if codes[i].strip() or any(x.strip() for x in (opt1[i], opt2[i], prices[i], stocks[i]))
    ]
    return GoodsForm(
        category_id=form.get("category_id", ""),
        title=form.get("title", ""),
        points=[form.get(f"point{i}", "") for i in range(1, MAX_POINTS + 1)],
        description=form.get("description", ""),
        shipping_template_id=form.get("shipping_template_id", ""),
        shop_category_id=form.get("shop_category_id", ""),
        option_names=names,
        rows=rows,
    )


# --- lookups -----------------------------------------------------------------------------------


def products_of(w: World, shop: Shop, status: str = "", q: str = "") -> list[Product]:
    """The shop's products, newest first, by listing status and a word of the title or code."""
    stmt = select(Product).where(Product.shop_id == shop.id)
    if status in STATUS_LABELS:
        stmt = stmt.where(Product.status == status)
    q = (q or "").strip()[:40]
    if q:
        stmt = stmt.where(or_(Product.name.contains(q), Product.code == q))
    stmt = stmt.options(selectinload(Product.skus), selectinload(Product.images))
    return list(w.db.scalars(stmt.order_by(Product.id.desc())))


def get_product(w: World, shop: Shop, code: str) -> Product:
    """One of the shop's products by code; another shop's (or none) is NotFound."""
    product = w.db.scalars(
        select(Product).where(Product.code == (code or "").strip(), Product.shop_id == shop.id)
    ).first()
    if product is None:
        raise NotFound(N_("商品不存在"))
    return product


def shop_image(w: World, shop: Shop, image_id: int) -> Image:
    """An image the shop uploaded; another shop's is NotFound."""
    image = w.db.get(Image, image_id)
    if image is None or image.shop_id != shop.id:
        raise NotFound(N_("图片不存在"))
    return image


def mall_categories(w: World) -> list[Category]:
    """The mall's categories a product is filed under."""
    return list(w.db.scalars(select(Category).order_by(Category.position)))


# --- validation --------------------------------------------------------------------------------


def _own_id(w: World, model: type, shop: Shop, raw: str) -> int | None:
    """An optional id of one of the shop's rows (template, shop category); NotFound for another's."""
    raw = (raw or "").strip()
    if not raw:
        return None
    row = w.db.get(model, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    if row is None or row.shop_id != shop.id:
        raise NotFound(N_("所选的运费模板或店内分类不存在"))
    return row.id


def parse_price(raw: str) -> int:
    """A unit price typed in yuan: more than 0, at most MAX_PRICE_FEN."""
    fen = parse_yuan(raw, high_fen=10**12)
    if fen is None:
        raise DomainError(N_("请填写价格"))
    if fen <= 0:
        raise DomainError(N_("价格必须大于 0"))
    if fen > MAX_PRICE_FEN:
        raise DomainError(N_("价格不能超过 %(max)s 元"), max=f"{MAX_PRICE_FEN // 100:,}")
    return fen


def parse_stock(raw: str) -> int:
    """An opening stock: a whole number from 0 to MAX_OPENING_STOCK (blank is 0)."""
    text = (raw or "").strip()
    if not text:
        return 0
    if not _STOCK_RE.fullmatch(text) or int(text) > MAX_OPENING_STOCK:
        raise DomainError(N_("期初库存须为 0-%(max)s 的整数"), max=MAX_OPENING_STOCK)
    return int(text)


@dataclass
class CleanGoods:
    """A validated goods form."""

    category_id: int
    title: str
    points: list[str]
    description: str
    shipping_template_id: int | None
    shop_category_id: int | None
    option_names: list[str]
    new_variants: list[tuple[dict[str, str], int, int]]  # (options, price_fen, opening stock)
    prices: dict[str, int]  # existing variant code -> price_fen


def _error(errors: dict[str, str], params: dict, key: str, exc: DomainError) -> None:
    errors[key] = exc.key
    params[key] = dict(exc.params)


def validate(w: World, shop: Shop, form: GoodsForm, product: Product | None = None) -> CleanGoods:
    """Check a whole goods form (for a new product, or an edit of `product`); GoodsInvalid names
    every wrong field and row."""
    errors: dict[str, str] = {}
    params: dict[str, dict[str, Any]] = {}
    raw = (form.category_id or "").strip()
    category = w.db.get(Category, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    if category is None:
        errors["category_id"] = N_("请选择商品类目")
    title = " ".join((form.title or "").split())
    if not 2 <= len(title) <= 60:
        errors["title"] = N_("商品标题须为2-60个字")
    points = [" ".join(p.split()) for p in form.points if p and p.strip()]
    if len(points) > MAX_POINTS or any(len(p) > MAX_POINT_LEN for p in points):
        errors["points"] = N_("卖点最多3条，每条不超过30个字")
    description = (form.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = N_("商品描述不能超过2000个字")
    template_id = _own_id(w, ShippingTemplate, shop, form.shipping_template_id)
    shop_category_id = _own_id(w, ShopCategory, shop, form.shop_category_id)
    if product is not None:
        names = list(product.option_names)
    else:
        names = [" ".join(n.split()) for n in form.option_names if n and n.strip()]
        if not names:
            errors["options"] = N_("请至少填写一个规格名称，如“颜色”或“规格”")
        elif len(set(names)) != len(names) or any(len(n) > 10 for n in names):
            errors["options"] = N_("规格名称不能重复，每个不超过10个字")
    existing = {s.code: s for s in product.skus} if product is not None else {}
    combos = {tuple(s.options.get(n, "") for n in names) for s in existing.values()}
    new_variants: list[tuple[dict[str, str], int, int]] = []
    prices: dict[str, int] = {}
    for index, row in enumerate(form.rows, start=1):
        key = f"row-{index}"
        try:
            if row.code:
                if row.code not in existing:
                    raise NotFound(N_("商品规格不存在"))
                prices[row.code] = parse_price(row.price)
                continue
            values = [" ".join(v.split()) for v in row.values[: len(names)]]
            if not names or any(not v or len(v) > 20 for v in values):
                raise DomainError(N_("每个规格都要填写规格值（不超过20个字）"))
            if tuple(values) in combos:
                raise DomainError(N_("规格组合重复：%(combo)s"), combo=" / ".join(values))
            combos.add(tuple(values))
            new_variants.append(
                (dict(zip(names, values, strict=True)), parse_price(row.price), parse_stock(row.stock))
            )
        except NotFound:
            raise
        except DomainError as exc:
            _error(errors, params, key, exc)
    if (
        not existing
        and not new_variants
        and "options" not in errors
        and not any(k.startswith("row-") for k in errors)
    ):
        errors["variants"] = N_("请至少添加一个规格（SKU）并填写价格")
    if len(existing) + len(new_variants) > MAX_VARIANTS:
        errors["variants"] = N_("一个商品最多 %(max)s 个规格")
        params["variants"] = {"max": MAX_VARIANTS}
    if errors:
        raise GoodsInvalid(errors, params)
    return CleanGoods(
        category_id=category.id,
        title=title,
        points=points,
        description=description,
        shipping_template_id=template_id,
        shop_category_id=shop_category_id,
        option_names=names,
        new_variants=new_variants,
        prices=prices,
    )


def check_uploads(files: list[tuple[str, bytes]], already: int = 0) -> list[uploads.CheckedImage]:
    """Check every uploaded picture (blank file inputs are skipped); GoodsInvalid on the first bad one."""
    files = [(name, data) for name, data in files if name or data]
    if already + len(files) > MAX_IMAGES:
        raise GoodsInvalid({"images": N_("商品图片最多 %(max)s 张")}, {"images": {"max": MAX_IMAGES}})
    checked = []
    for name, data in files:
        try:
            checked.append(uploads.check_image(name, data))
        except DomainError as exc:
            raise GoodsInvalid(
                {"images": exc.key}, {"images": dict(exc.params)}, status=exc.status, file=name
            ) from None
    return checked


# --- creating and editing ----------------------------------------------------------------------


def _new_code(w: World, shop: Shop) -> str:
    """A product code unique in the world: S, the shop's number, the shop's product sequence."""
    n = (w.db.scalar(select(func.count(Product.id)).where(Product.shop_id == shop.id)) or 0) + 1
    while True:
        code = f"S{shop.id:03d}{n:03d}"
        if w.db.scalar(select(func.count(Product.id)).where(Product.code == code)) == 0:
            return code
        n += 1


def _sku_label(options: dict[str, str]) -> str:
    return " / ".join(f"{k}：{v}" for k, v in options.items())


def _add_variants(w: World, product: Product, variants: list[tuple[dict[str, str], int, int]]) -> list[dict]:
    """Create variants with their opening stock; what was created, for the event."""
    taken = {s.code for s in product.skus}
    n = len(product.skus)
    created = []
    for options, price_fen, opening in variants:
        n += 1
        code = f"{product.code}-{n:02d}"
        while code in taken or w.db.scalar(select(func.count(Sku.id)).where(Sku.code == code)):
            n += 1
            code = f"{product.code}-{n:02d}"
        taken.add(code)
        product.skus.append(Sku(code=code, options=options, price_fen=price_fen, quantity=0))
        w.db.flush()
        if opening:
            stock.opening(w, code, opening, f"期初库存 {product.code}")
        created.append({"sku": code, "options": options, "price_fen": price_fen, "opening_stock": opening})
    return created


def _attach_images(w: World, shop: Shop, product: Product, checked: list[uploads.CheckedImage]) -> None:
    position = max((pi.position for pi in product.images), default=0)
    for item in checked:
        image = uploads.store_image(w, shop.id, item)
        position += 1
        product.images.append(ProductImage(image_id=image.id, position=position))


def create_product(
    w: World, shop: Shop, form: GoodsForm, files: list[tuple[str, bytes]], list_now: bool = False
) -> Product:
    """Publish a new product with its variants, opening stock and pictures (listed at once if asked)."""
    clean = validate(w, shop, form)
    checked = check_uploads(files)
    code = _new_code(w, shop)
    product = Product(
        code=code,
        name=clean.title,
        brand=shop.name[:40],
        category_id=clean.category_id,
        shop_id=shop.id,
        description=clean.description,
        image_hue=hashlib.sha256(code.encode()).digest()[0] * 360 // 256,
        featured=False,
        sales=0,
        option_names=clean.option_names,
        status=ProductStatus.LISTED if list_now else ProductStatus.DELISTED,
        shipping_template_id=clean.shipping_template_id,
        selling_points=clean.points,
        shop_category_id=clean.shop_category_id,
        created_at=w.now(),
    )
    w.db.add(product)
    w.db.flush()
    skus = _add_variants(w, product, clean.new_variants)
    _attach_images(w, shop, product, checked)
    w.db.flush()
    w.emit(
        "product.created",
        code=code,
        shop_id=shop.id,
        title=clean.title,
        category=w.db.get(Category, clean.category_id).name,
        option_names=clean.option_names,
        skus=skus,
        images=len(checked),
        status=product.status,
    )
    if list_now:
        w.emit("product.listed", code=code, shop_id=shop.id)
    return product


def update_product(
    w: World,
    shop: Shop,
    code: str,
    form: GoodsForm,
    files: list[tuple[str, bytes]],
    remove_images: list[str] | None = None,
) -> Product:
    """Edit a product: its text, category, template, prices; add variants (with opening stock) and
    pictures, remove pictures. Stock of existing variants is not edited here (warehouse moves)."""
    product = get_product(w, shop, code)
    clean = validate(w, shop, form, product)
    remove = {int(x) for x in (remove_images or []) if str(x).isdigit() and len(str(x)) < 12}
    keep = [pi for pi in product.images if pi.id not in remove]
    if remove - {pi.id for pi in product.images}:
        raise NotFound(N_("图片不存在"))
    checked = check_uploads(files, already=len(keep))
    product.name = clean.title
    product.category_id = clean.category_id
    product.selling_points = clean.points
    product.description = clean.description
    product.shipping_template_id = clean.shipping_template_id
    product.shop_category_id = clean.shop_category_id
    for pi in [pi for pi in product.images if pi.id in remove]:
        product.images.remove(pi)
    for sku in product.skus:
        new = clean.prices.get(sku.code)
        if new is not None and new != sku.price_fen:
            _change_price(w, shop, sku, new, "edit")
    added = _add_variants(w, product, clean.new_variants)
    _attach_images(w, shop, product, checked)
    w.db.flush()
    w.emit(
        "product.updated",
        code=product.code,
        shop_id=shop.id,
        title=product.name,
        added_skus=added,
        images_added=len(checked),
        images_removed=len(remove),
    )
    return product


def set_listed(w: World, shop: Shop, code: str, listed: bool) -> Product:
    """List (上架) or delist (下架) one of the shop's products."""
    product = get_product(w, shop, code)
    wanted = ProductStatus.LISTED if listed else ProductStatus.DELISTED
    if product.status == wanted:
        raise Conflict(N_("商品已经是上架状态") if listed else N_("商品已经是下架状态"))
    if listed and not product.skus:
        raise Conflict(N_("商品没有规格，不能上架"))
    product.status = wanted
    if listed:
        w.emit("product.listed", code=product.code, shop_id=shop.id)
    else:
        w.emit("product.delisted", code=product.code, shop_id=shop.id)
    return product


# --- prices ------------------------------------------------------------------------------------


def _change_price(w: World, shop: Shop, sku: Sku, new_fen: int, via: str) -> None:
    old, sku.price_fen = sku.price_fen, new_fen
    w.emit(
        "product.price_changed",
        code=sku.product.code,
        sku=sku.code,
        shop_id=shop.id,
        old_price_fen=old,
        price_fen=new_fen,
        via=via,
    )


def _percent(raw: str) -> Decimal:
    text = (raw or "").strip().rstrip("%").strip()
    try:
        value = Decimal(text) if _PERCENT_RE.fullmatch(text) else None
    except InvalidOperation:  # pragma: no cover - the pattern refuses what Decimal cannot read
        value = None
    if value is None or not MIN_PERCENT <= value <= MAX_PERCENT or value == 0:
        raise DomainError(
            N_("调价比例须为 %(low)s%% 到 +%(high)s%% 之间的非零数"), low=MIN_PERCENT, high=MAX_PERCENT
        )
    return value


def bulk_price(w: World, shop: Shop, sku_codes: list[str], mode: str, value: str) -> list[Sku]:
    """Change the price of the chosen variants: set one price, or move each by a percentage.

    All or nothing: if any chosen variant is not the shop's, or any new price would be out of range,
    no price changes.
    """
    codes = list(dict.fromkeys(c.strip() for c in sku_codes if c and c.strip()))
    if not codes:
        raise DomainError(N_("请先勾选要改价的商品规格"))
    skus = list(
        w.db.scalars(select(Sku).join(Sku.product).where(Sku.code.in_(codes), Product.shop_id == shop.id))
    )
    if len(skus) != len(codes):
        raise NotFound(N_("商品规格不存在"))
    if mode == "set":
        new_prices = {s.code: parse_price(value) for s in skus}
    elif mode == "percent":
        factor = (Decimal(100) + _percent(value)) / Decimal(100)
        new_prices = {
            s.code: int((Decimal(s.price_fen) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            for s in skus
        }
        for s in skus:
            if not 0 < new_prices[s.code] <= MAX_PRICE_FEN:
                raise DomainError(
                    N_("规格 %(sku)s 调价后的价格超出允许范围（0.01 - %(max)s 元）"),
                    sku=s.code,
                    max=f"{MAX_PRICE_FEN // 100:,}",
                )
    else:
        raise DomainError(N_("请选择改价方式"))
    changed = []
    for s in sorted(skus, key=lambda s: s.id):
        if new_prices[s.code] != s.price_fen:
            _change_price(w, shop, s, new_prices[s.code], "bulk")
            changed.append(s)
    return changed
