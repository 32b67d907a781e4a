"""Checks about the seller centre: shops, goods, promotions, order handling and after-sales.

The shop graded is the merchant identity's (its seller-centre login); its goods are found by title.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.checks.ui import screenshot
from graders.context import GradeContext
from graders.normalise import phone as phone_digits
from graders.normalise import text
from graders.selection import Judged, choose
from sandbox.merchant import design_kit
from sandbox.merchant.models import ApplicationStatus, SellerAccount, ShopApplication
from sandbox.merchant.shops import SHOP_TYPES
from sandbox.scenarios.loader import fmt_yuan
from sandbox.storefront.models import Image, Product, ProductStatus, Shop, ShopCategory, ShopStatus


def _seller(ctx: GradeContext, role: str = "merchant") -> SellerAccount | None:
    """The seller-centre account of the identity with this role."""
    ident = next((i for i in ctx.identities if i["role"] == role), None)
    if ident is None:
        return None
    q = select(SellerAccount).where(SellerAccount.login == ident.get("shop_login", ""))
    return ctx.world.db.scalars(q).first()


def _shop(ctx: GradeContext) -> Shop | None:
    """The merchant identity's shop, if it has one."""
    seller = _seller(ctx)
    return seller.shop if seller is not None else None


def _applications(ctx: GradeContext, seller: SellerAccount) -> list[ShopApplication]:
    q = select(ShopApplication).where(ShopApplication.seller_account_id == seller.id)
    return list(ctx.world.db.scalars(q.order_by(ShopApplication.id)))


def _application_lines(apps: list[ShopApplication]) -> list[str]:
    return [
        f"{a.submitted_at:%m-%d %H:%M} {a.shop_name}（{a.status}{'：' + a.reason if a.reason else ''}）"
        for a in apps
    ]


@check("state", "merchant.shop_opened", sets=("shop_id",))
def shop_opened(
    ctx: GradeContext,
    name: str,
    shop_type: str,
    licence: str,
    contact: dict[str, str] | None = None,
    settlement: str = "identity",
) -> CheckResult:
    """The merchant's application was approved and its shop opened with the given details.

    The approved application is compared field by field (shop name, type, credit code, contact name and
    phone, and the settlement card: the merchant identity's own card for `settlement: identity`); the
    item earns the share of fields that are right. Nothing without an approved application.
    Sets `shop_id`.
    """
    seller = _seller(ctx)
    if seller is None:
        return CheckResult.failed("世界中没有商户身份的卖家中心账号")
    apps = _applications(ctx, seller)
    approved = [a for a in apps if a.status == ApplicationStatus.APPROVED]
    history = text_evidence("开店申请记录", _application_lines(apps) or "（无）")
    if not approved or seller.shop is None:
        reason = "没有提交开店申请" if not apps else "开店申请没有通过审核"
        return CheckResult.failed(reason, history)
    app = approved[-1]
    ctx.facts["shop_id"] = seller.shop.id
    merchant = next(i for i in ctx.identities if i["role"] == "merchant")
    expected = {
        "店铺名称": (name, app.shop_name, text),
        "店铺类型": (
            SHOP_TYPES.get(shop_type, shop_type),
            SHOP_TYPES.get(app.shop_type, app.shop_type),
            text,
        ),
        "统一社会信用代码": (licence, app.licence_no, lambda v: text(v).upper()),
    }
    if contact:
        expected["联系人"] = (contact["name"], app.contact_name, text)
        expected["联系电话"] = (contact["phone"], app.contact_phone, phone_digits)
    if settlement == "identity":
        expected["结算银行卡号"] = (merchant["account_no"], app.settlement_account_no, text)
    evidence = [text_evidence(f"{label}（应为 {want}）", got) for label, (want, got, _) in expected.items()]
    wrong = [label for label, (want, got, norm) in expected.items() if norm(str(want)) != norm(str(got))]
    evidence.append(history)
    if not wrong:
        return CheckResult(1.0, f"店铺「{app.shop_name}」已通过审核开通，信息正确", evidence)
    fraction = (len(expected) - len(wrong)) / len(expected)
    return CheckResult(fraction, f"店铺已开通，但以下信息与题目不符：{'、'.join(wrong)}", evidence)


@check("state", "merchant.shop_published")
def shop_published(ctx: GradeContext) -> CheckResult:
    """The merchant's shop is published (open to buyers)."""
    shop = _shop(ctx)
    if shop is None:
        return CheckResult.failed("商户还没有店铺")
    evidence = [
        text_evidence("店铺状态", shop.status),
        text_evidence("发布时间", str(shop.published_at or "—")),
    ]
    if shop.status == ShopStatus.OPEN:
        return CheckResult(1.0, f"店铺「{shop.name}」已发布", evidence)
    return CheckResult(0.0, f"店铺「{shop.name}」尚未发布", evidence)


def _image_part(ctx: GradeContext, shop: Shop, seller: SellerAccount, part: str) -> tuple[float, str]:
    """A logo or banner: the designer's file 1, another picture 0.5, none 0."""
    image_id = getattr(shop, f"{part}_image_id")
    image = ctx.world.db.get(Image, image_id) if image_id else None
    if image is None:
        return 0.0, "未上传"
    wanted = design_kit.logo_png(seller.login) if part == "logo" else design_kit.banner_png(seller.login)
    if image.data == wanted:
        return 1.0, f"{image.filename}（设计师提供的图片）"
    return 0.5, f"{image.filename}（不是设计师提供的图片）"


@check("state", "merchant.shop_decorated")
def shop_decorated(
    ctx: GradeContext,
    notice: str | None = None,
    categories: list[str] | None = None,
    featured: list[str] | None = None,
    logo: bool = True,
    banner: bool = True,
) -> CheckResult:
    """The shop is decorated: logo and banner (the designer's files; another picture earns half),
    the notice as given, the shop categories named, the goods (by title) featured on its home.

    Each asked part weighs the same; within categories and featured goods, each name counts alike.
    """
    seller = _seller(ctx)
    shop = seller.shop if seller is not None else None
    if shop is None:
        return CheckResult.failed("商户还没有店铺")
    parts: list[tuple[str, float, str]] = []
    for part, wanted, label in (("logo", logo, "店标"), ("banner", banner, "店招")):
        if wanted:
            score, shown = _image_part(ctx, shop, seller, part)
            parts.append((label, score, shown))
    if notice is not None:
        right = text(shop.notice) == text(notice)
        parts.append((f"店铺公告（应为 {notice}）", 1.0 if right else 0.0, shop.notice or "（空）"))
    if categories:
        own = [
            c.name for c in ctx.world.db.scalars(select(ShopCategory).where(ShopCategory.shop_id == shop.id))
        ]
        have = sum(1 for c in categories if text(c) in {text(o) for o in own})
        parts.append(
            (f"店内分类（应有 {'、'.join(categories)}）", have / len(categories), "、".join(own) or "（无）")
        )
    if featured:
        shown = [
            p.name
            for p in ctx.world.db.scalars(
                select(Product).where(
                    Product.shop_id == shop.id, Product.shop_featured, Product.status == ProductStatus.LISTED
                )
            )
        ]
        have = sum(1 for t in featured if text(t) in {text(s) for s in shown})
        parts.append(
            (f"掌柜推荐（应有 {'、'.join(featured)}）", have / len(featured), "、".join(shown) or "（无）")
        )
    if not parts:
        return CheckResult(1.0, "没有要求的装修项目")
    fraction = sum(score for _, score, _ in parts) / len(parts)
    evidence = [text_evidence(label, shown) for label, _, shown in parts]
    missing = [label.split("（")[0] for label, score, _ in parts if score < 1]
    if not missing:
        return CheckResult(1.0, "店铺装修完整", evidence)
    return CheckResult(fraction, f"店铺装修不完整或有误：{'、'.join(missing)}", evidence)


def _judge_product(
    ctx: GradeContext, p: Product, good: dict[str, Any], shop_category: str | None
) -> Judged[Product]:
    """How well a product matches the good asked for, and what is wrong with it."""
    faults: list[str] = []
    weights: list[tuple[float, float]] = []  # (weight, earned share)
    listed = p.status == ProductStatus.LISTED
    weights.append((1, 1.0 if listed else 0.0))
    if not listed:
        faults.append("未上架")
    right_category = text(p.category.name) == text(good["category"])
    weights.append((1, 1.0 if right_category else 0.0))
    if not right_category:
        faults.append(f"类目为“{p.category.name}”，应为“{good['category']}”")
    names_right = [text(n) for n in p.option_names] == [text(n) for n in good["options"]]
    weights.append((1, 1.0 if names_right else 0.0))
    if not names_right:
        faults.append(f"规格名称为 {'/'.join(p.option_names)}，应为 {'/'.join(good['options'])}")
    by_values = {tuple(text(v) for v in s.options.values()): s for s in p.skus}
    variant_shares = []
    for v in good["variants"]:
        sku = by_values.get(tuple(text(x) for x in v["options"].values()))
        if sku is None:
            variant_shares.append(0.0)
            faults.append(f"缺少规格 {v['label']}")
            continue
        share = 0.0
        if sku.price_fen == int(v["price_fen"]):
            share += 0.5
        else:
            faults.append(f"{v['label']} 价格为 ¥{fmt_yuan(sku.price_fen)}，应为 ¥{fmt_yuan(v['price_fen'])}")
        if sku.quantity == int(v["stock"]):
            share += 0.5
        else:
            faults.append(f"{v['label']} 库存为 {sku.quantity}，应为 {v['stock']}")
        variant_shares.append(share)
    extra = len(p.skus) - sum(1 for s in variant_shares if s > 0)
    if extra > 0:
        faults.append(f"多出 {extra} 个题目未要求的规格")
    denominator = max(len(good["variants"]), len(good["variants"]) + extra)
    weights.append((6, sum(variant_shares) / denominator))
    if shop_category:
        in_it = p.shop_category_id is not None and text(
            ctx.world.db.get(ShopCategory, p.shop_category_id).name
        ) == text(shop_category)
        weights.append((1, 1.0 if in_it else 0.0))
        if not in_it:
            faults.append(f"未归入店内分类“{shop_category}”")
    fraction = sum(w * s for w, s in weights) / sum(w for w, _ in weights)
    return Judged(p, fraction, faults, f"商品 {p.code}「{p.name}」")


@check("state", "merchant.product_listed")
def product_listed(ctx: GradeContext, good: dict[str, Any], shop_category: str | None = None) -> CheckResult:
    """A product of the merchant's shop with the good's title is listed with the right mall category,
    option names and variants (price and opening stock of each), and in `shop_category` if given.

    Variants weigh 6, listing, category, option names (and the shop category) 1 each; a variant earns
    half for its price and half for its stock, and variants not asked for lower the variants' share.
    Among several products of that title, the best is graded and the others are listed.
    """
    shop = _shop(ctx)
    if shop is None:
        return CheckResult.failed("商户还没有店铺")
    products = list(
        ctx.world.db.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.id))
    )
    same = [p for p in products if text(p.name) == text(good["title"])]
    if not same:
        titles = "、".join(p.name for p in products) or "（无）"
        return CheckResult.failed(
            f"店铺中没有标题为「{good['title']}」的商品", text_evidence("店铺商品", titles)
        )
    choice = choose([_judge_product(ctx, p, good, shop_category) for p in same])
    if choice.chosen is None:
        judged = _judge_product(ctx, same[0], good, shop_category)
        return CheckResult(0.0, "；".join(judged.faults), *[choice.evidence("商品")])
    chosen = choice.chosen
    p = chosen.obj
    evidence = [
        text_evidence(
            "商品", f"{p.code} {p.name}（{'已上架' if p.status == ProductStatus.LISTED else '未上架'}）"
        ),
        text_evidence("类目", p.category.name),
        text_evidence("规格", [f"{s.label}：¥{fmt_yuan(s.price_fen)}，库存 {s.quantity}" for s in p.skus]),
        *(choice.evidence("商品") if len(same) > 1 else []),
    ]
    if not chosen.faults:
        return CheckResult(1.0, f"商品「{p.name}」已按要求发布并上架", evidence)
    return CheckResult(chosen.fraction, "；".join(chosen.faults), evidence)


def _shown_variants(page: Any) -> dict[tuple[str, ...], str]:
    """The product page's variants: option values -> the price shown."""
    out = {}
    rows = page.locator(".variant[data-sku]")
    for i in range(rows.count()):
        row = rows.nth(i)
        options = json.loads(row.get_attribute("data-options") or "{}")
        out[tuple(text(v) for v in options.values())] = row.get_attribute("data-price") or ""
    return out


@check("ui", "merchant.storefront_shows_goods")
def storefront_shows_goods(ctx: GradeContext, goods: list[dict[str, Any]]) -> CheckResult:
    """A shopper searching the storefront for each good's title finds it and, on its page, every
    variant at its price; each good counts alike (in part by the share of its prices shown right).
    Screenshots of each product page are kept."""
    earned = 0.0
    evidence: list[dict[str, Any]] = []
    faults: list[str] = []
    for n, good in enumerate(goods, start=1):
        page = ctx.ui.open(f"/shop/search?q={quote(good['title'])}")
        card = page.locator("a.good").filter(has_text=good["title"]).first
        if page.locator("a.good").filter(has_text=good["title"]).count() == 0:
            faults.append(f"搜索「{good['title']}」找不到该商品")
            evidence.append(screenshot(ctx, f"search-{n}"))
            continue
        card.click()
        page.locator('[data-role="product-name"]').wait_for()
        shown = _shown_variants(page)
        right = 0
        for v in good["variants"]:
            price = shown.get(tuple(text(x) for x in v["options"].values()))
            if price == f"¥{fmt_yuan(v['price_fen'])}":
                right += 1
            else:
                faults.append(
                    f"「{good['title']}」{v['label']} 显示 {price or '无此规格'}，应为 ¥{fmt_yuan(v['price_fen'])}"
                )
        earned += right / len(good["variants"])
        evidence.append(
            text_evidence(f"商品页 {good['title']}", [f"{'/'.join(k)} {p}" for k, p in shown.items()])
        )
        evidence.append(screenshot(ctx, f"product-{n}"))
    fraction = earned / len(goods) if goods else 1.0
    if not faults:
        return CheckResult(1.0, "买家在商城中搜到了全部商品，价格正确", evidence)
    return CheckResult(fraction, "；".join(faults), evidence)
