"""Catalogue and customer tables of the B2C storefront (world database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.worlds.base import WorldBase


class Shop(WorldBase):
    """A merchant's shop; its takings go to its bank account."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    city: Mapped[str] = mapped_column(String(40))
    bank_account_no: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int] = mapped_column(Integer, default=48)  # tenths of a star
    # ShopStatus: only an open shop and its listed goods are seen in the storefront.
    status: Mapped[str] = mapped_column(String(12), default="open")
    # Decoration (店铺装修): images are rows of `images` (no foreign key: the image rows name the shop).
    logo_image_id: Mapped[int | None] = mapped_column(Integer)
    banner_image_id: Mapped[int | None] = mapped_column(Integer)
    notice: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    shop_categories: Mapped[list[ShopCategory]] = relationship(
        order_by="ShopCategory.position, ShopCategory.id", viewonly=True
    )


class ShopStatus:
    """A shop's state in the storefront."""

    DRAFT = "draft"  # approved by the platform, being decorated, not yet published
    OPEN = "open"  # published: its listed goods are in the storefront
    CLOSED = "closed"


class ProductStatus:
    """Whether buyers see a product."""

    LISTED = "listed"  # 上架
    DELISTED = "delisted"  # 下架 (also a new product before it is first listed)


class ShippingTemplate(WorldBase):
    """A shop's shipping fee rule (运费模板) that its products name; no template means the mall's fees."""

    __tablename__ = "shipping_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    # "free" (包邮) or "per_piece" (first piece, each further piece).
    mode: Mapped[str] = mapped_column(String(12), default="per_piece")
    first_fen: Mapped[int] = mapped_column(Integer, default=0)
    extra_fen: Mapped[int] = mapped_column(Integer, default=0)
    # Goods of at least this amount in one order ship free (None: never).
    free_over_fen: Mapped[int | None] = mapped_column(Integer)


class ShopCategory(WorldBase):
    """A category of a shop's own (店内分类), in the order the shop home lists them."""

    __tablename__ = "shop_categories"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Image(WorldBase):
    """An image a merchant uploaded (logo, banner, product picture), kept in the world as bytes.

    Only decoded, size-checked JPEG, PNG, GIF or WebP files are stored (sandbox/storefront/uploads.py).
    """

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ProductImage(WorldBase):
    """One of a product's pictures, in display order (the first is the main picture)."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Category(WorldBase):
    """A product category."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    products: Mapped[list[Product]] = relationship(back_populates="category")


class Product(WorldBase):
    """A product; what is bought is one of its SKUs (variants)."""

    __tablename__ = "products"
    # The storefront finds a shop's listed goods (and only open shops' goods) through this index.
    __table_args__ = (Index("ix_products_shop_status", "shop_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    brand: Mapped[str] = mapped_column(String(40))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    description: Mapped[str] = mapped_column(Text)
    image_hue: Mapped[int] = mapped_column(Integer, default=200)
    featured: Mapped[bool] = mapped_column(default=False)
    sales: Mapped[int] = mapped_column(Integer, default=0)
    # Option names in display order, e.g. ["颜色", "规格"].
    option_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    # ProductStatus; a delisted product is not found, shown or sold.
    status: Mapped[str] = mapped_column(String(12), default="listed", index=True)
    shipping_template_id: Mapped[int | None] = mapped_column(ForeignKey("shipping_templates.id"))
    # What the merchant says in short under the title (卖点), at most three lines.
    selling_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    shop_category_id: Mapped[int | None] = mapped_column(ForeignKey("shop_categories.id"))
    # Shown among the featured goods of the shop's home.
    shop_featured: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime | None] = mapped_column(DateTime)

    category: Mapped[Category] = relationship(back_populates="products")
    shop: Mapped[Shop] = relationship()
    skus: Mapped[list[Sku]] = relationship(back_populates="product", order_by="Sku.id")
    images: Mapped[list[ProductImage]] = relationship(
        order_by="ProductImage.position, ProductImage.id", cascade="all, delete-orphan"
    )

    @property
    def min_price_fen(self) -> int:
        """The lowest SKU price, shown on listings."""
        return min(s.price_fen for s in self.skus)

    @property
    def available(self) -> int:
        """Units of all SKUs that can still be ordered."""
        return sum(s.available for s in self.skus)


class Sku(WorldBase):
    """A sellable variant: its own code, options, price and stock."""

    __tablename__ = "skus"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    price_fen: Mapped[int] = mapped_column(Integer)
    # Stock is changed only by allocate / release / consume, never edited directly.
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    allocated: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="skus")

    @property
    def available(self) -> int:
        """Units that can still be ordered."""
        return self.quantity - self.allocated

    @property
    def label(self) -> str:
        """Options as shown to a buyer, e.g. '颜色：黑色 / 规格：64GB'."""
        return " / ".join(f"{k}：{v}" for k, v in self.options.items())


class Customer(WorldBase):
    """A storefront member account (NPC shoppers and the candidate's own registrations)."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # True for accounts a candidate made during the attempt (NPC accounts come with the world).
    by_candidate: Mapped[bool] = mapped_column(default=False)

    addresses: Mapped[list[Address]] = relationship(back_populates="customer", order_by="Address.id")


class Address(WorldBase):
    """A delivery address in a customer's address book."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(120))
    postcode: Mapped[str] = mapped_column(String(6))
    is_default: Mapped[bool] = mapped_column(default=False)

    customer: Mapped[Customer] = relationship(back_populates="addresses")

    def one_line(self) -> str:
        """The address as printed on a parcel."""
        return f"{self.province}{self.city}{self.district}{self.detail}"


class CartItem(WorldBase):
    """A SKU and quantity in a customer's cart."""

    __tablename__ = "cart_items"
    __table_args__ = (UniqueConstraint("customer_id", "sku_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)

    sku: Mapped[Sku] = relationship()
