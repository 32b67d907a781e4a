"""Opening a shop (商户入驻) and decorating it (店铺装修) up to publishing it.

A merchant applies with the shop's name, type, business licence (统一社会信用代码), contact and the
account its takings settle to. The platform reviews the application (the NPC action
`platform.review_shop`, sandbox/merchant/npc.py): it approves, opening a draft shop with its payment
settings, or rejects with a reason; either way the decision is mailed to the merchant. A rejected
merchant corrects the form and applies again.

A draft shop is invisible to buyers. The merchant decorates it (logo, banner, notice, shop
categories, featured goods), previews it, and publishes it once at least one product is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from sandbox.bank import idcheck
from sandbox.bank import services as bank
from sandbox.bank.models import AccountKind
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.mail import services as mail
from sandbox.merchant.models import ApplicationStatus, SellerAccount, ShopApplication
from sandbox.orders import payments
from sandbox.orders.payment_models import SetupManager
from sandbox.storefront import uploads
from sandbox.storefront.models import Product, ProductStatus, Shop, ShopCategory, ShopStatus
from sandbox.worlds.world import World

SHOP_TYPES = {"personal": N_("个人店"), "enterprise": N_("企业店"), "flagship": N_("旗舰店")}
STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: N_("审核中"),
    ApplicationStatus.APPROVED: N_("已通过"),
    ApplicationStatus.REJECTED: N_("已驳回"),
}
SHOP_STATUS_LABELS = {
    ShopStatus.DRAFT: N_("未发布"),
    ShopStatus.OPEN: N_("营业中"),
    ShopStatus.CLOSED: N_("已关闭"),
}
# Words only a flagship store (旗舰店, a brand's own) may have in its name.
RESERVED_WORDS = ("官方", "旗舰", "专卖", "授权")
SHOP_NAME_RE = re.compile(r"[A-Za-z0-9\u4e00-\u9fa5·（）()&\- ]{2,30}")
CARD_RE = re.compile(r"[0-9]{12,19}")
PLATFORM_MAILBOX = "zhaoshang@mall.mail.sim"
PLATFORM_NAME = "优选商城招商中心"
MAX_NOTICE = 200
MAX_SHOP_CATEGORIES = 20
MAX_FEATURED = 8
APPLICATION_FIELDS = (
    "shop_name",
    "shop_type",
    "licence_no",
    "contact_name",
    "contact_phone",
    "settlement_account_no",
)


class ApplicationInvalid(DomainError):
    """One or more fields of the application are wrong; `errors` maps field -> message key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("开店申请填写有误，请检查标红的项目"))
        self.errors = errors


# --- the application ---------------------------------------------------------------------------


def validate_application(form: dict[str, str]) -> dict[str, str]:
    """Clean the application's fields or raise ApplicationInvalid naming each wrong one."""
    data = {k: " ".join((form.get(k) or "").split()) for k in APPLICATION_FIELDS}
    data["licence_no"] = data["licence_no"].replace(" ", "").upper()
    data["settlement_account_no"] = data["settlement_account_no"].replace(" ", "")
    errors: dict[str, str] = {}
    if not SHOP_NAME_RE.fullmatch(data["shop_name"]):
        errors["shop_name"] = N_("店铺名称须为2-30个字（汉字、字母、数字）")
    if data["shop_type"] not in SHOP_TYPES:
        errors["shop_type"] = N_("请选择店铺类型")
    if len(data["licence_no"]) != 18:
        errors["licence_no"] = N_("统一社会信用代码须为18位")
    elif not idcheck.valid_credit_code(data["licence_no"]):
        errors["licence_no"] = N_("统一社会信用代码校验位不正确，请核对营业执照")
    if not 2 <= len(data["contact_name"]) <= 20:
        errors["contact_name"] = N_("联系人姓名须为2-20个字")
    if not idcheck.valid_mobile(data["contact_phone"]):
        errors["contact_phone"] = N_("请输入11位有效手机号")
    if not CARD_RE.fullmatch(data["settlement_account_no"]):  # whether it exists: the review's question
        errors["settlement_account_no"] = N_("结算银行卡号格式不正确")
    if errors:
        raise ApplicationInvalid(errors)
    return data


def applications(w: World, seller: SellerAccount) -> list[ShopApplication]:
    """The merchant's applications, newest first."""
    q = select(ShopApplication).where(ShopApplication.seller_account_id == seller.id)
    return list(w.db.scalars(q.order_by(ShopApplication.id.desc())))


def latest_application(w: World, seller: SellerAccount) -> ShopApplication | None:
    """The merchant's newest application, if any."""
    found = applications(w, seller)
    return found[0] if found else None


def apply(w: World, seller: SellerAccount, form: dict[str, str]) -> ShopApplication:
    """Submit an application for the platform to review (one at a time; none once there is a shop)."""
    if seller.shop_id is not None:
        raise Conflict(N_("你已经有店铺了"))
    latest = latest_application(w, seller)
    if latest is not None and latest.status == ApplicationStatus.SUBMITTED:
        raise Conflict(N_("你的开店申请正在审核中，请等待审核结果"))
    data = validate_application(form)
    application = ShopApplication(
        seller_account_id=seller.id, status=ApplicationStatus.SUBMITTED, submitted_at=w.now(), **data
    )
    w.db.add(application)
    w.db.flush()
    w.emit(
        "shop.applied",
        application_id=application.id,
        seller=seller.login,
        shop_name=application.shop_name,
        shop_type=application.shop_type,
        licence_no=application.licence_no,
        contact_name=application.contact_name,
        contact_phone=application.contact_phone,
        settlement_account_no=application.settlement_account_no,
    )
    return application


# --- the platform's review ---------------------------------------------------------------------


def review_reason(w: World, application: ShopApplication) -> str:
    """Why the platform rejects the application (a message key), or "" to approve it."""
    name = application.shop_name
    if application.shop_type != "flagship" and any(word in name for word in RESERVED_WORDS):
        return N_("店铺名称含有“官方”“旗舰”“专卖”“授权”等字样，只有旗舰店可以使用")
    if application.shop_type == "flagship" and not name.endswith("旗舰店"):
        return N_("旗舰店的店铺名称须以“旗舰店”结尾")
    if w.db.scalar(select(func.count(Shop.id)).where(Shop.name == name)):
        return N_("店铺名称已被其他店铺使用")
    taken = select(func.count(ShopApplication.id)).where(
        ShopApplication.licence_no == application.licence_no,
        ShopApplication.status == ApplicationStatus.APPROVED,
        ShopApplication.id != application.id,
    )
    if w.db.scalar(taken):
        return N_("该营业执照已开设过店铺，同一执照不能重复开店")
    try:
        account = bank.find_account(w, application.settlement_account_no)
    except NotFound:
        return N_("结算银行卡号不存在，请核对")
    if account.kind in AccountKind.INTERNAL:
        return N_("结算银行卡号不存在，请核对")
    return ""


def review(w: World, application: ShopApplication) -> ShopApplication:
    """Decide an application: approve (opening a draft shop) or reject with a reason; mail the result."""
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(N_("该申请已审核"))
    seller = w.db.get(SellerAccount, application.seller_account_id)
    reason = review_reason(w, application)
    application.decided_at = w.now()
    if reason:
        application.status = ApplicationStatus.REJECTED
        application.reason = reason
        w.emit(
            "shop.rejected",
            application_id=application.id,
            seller=seller.login,
            shop_name=application.shop_name,
            reason=reason,
        )
        _mail(
            w,
            seller,
            f"开店申请未通过：{application.shop_name}",
            f"{seller.name}，您好：\n\n您提交的开店申请（店铺名称：{application.shop_name}）未通过审核。"
            f"\n驳回理由：{reason}\n\n请登录卖家中心修改后重新提交申请。\n\n{PLATFORM_NAME}",
        )
        return application
    shop = Shop(
        name=application.shop_name,
        city="",
        bank_account_no=application.settlement_account_no,
        rating=50,
        status=ShopStatus.DRAFT,
    )
    w.db.add(shop)
    w.db.flush()
    application.status = ApplicationStatus.APPROVED
    application.shop_id = shop.id
    seller.shop_id = shop.id
    payments.open_setup(w, shop, managed_by=SetupManager.CANDIDATE)
    w.emit(
        "shop.approved",
        application_id=application.id,
        seller=seller.login,
        shop_id=shop.id,
        shop_name=shop.name,
    )
    _mail(
        w,
        seller,
        f"开店申请已通过：{shop.name}",
        f"{seller.name}，您好：\n\n恭喜！您的开店申请已通过审核，店铺「{shop.name}」（店铺编号 {shop.id}）已开通。"
        "\n店铺目前为“未发布”状态，买家还看不到它。请登录卖家中心完成店铺装修、发布商品，"
        f"然后发布店铺。\n\n{PLATFORM_NAME}",
    )
    return application


def _mail(w: World, seller: SellerAccount, subject: str, text: str) -> None:
    """The platform's letter to the merchant's mailbox (none if the merchant has no mailbox)."""
    if not seller.email or mail.mailbox_by_address(w, seller.email) is None:
        return
    sender = mail.open_mailbox(w, PLATFORM_MAILBOX, PLATFORM_NAME)
    mail.send(w, sender, [seller.email], subject, text, actor="system")


def pending_applications(w: World) -> list[ShopApplication]:
    """Applications waiting for the platform, oldest first."""
    q = select(ShopApplication).where(ShopApplication.status == ApplicationStatus.SUBMITTED)
    return list(w.db.scalars(q.order_by(ShopApplication.id)))


def get_application(w: World, application_id: object) -> ShopApplication:
    """An application by id, or NotFound."""
    application = w.db.get(ShopApplication, application_id) if isinstance(application_id, int) else None
    if application is None:
        raise NotFound(N_("开店申请不存在"))
    return application


# --- what the seller centre says about the shop ------------------------------------------------


@dataclass
class Standing:
    """Where the merchant's shop stands, and why buyers do or do not see it."""

    state: str  # none | submitted | rejected | draft | open | closed
    reason: str = ""  # a message key: the rejection's reason


def standing(w: World, seller: SellerAccount) -> Standing:
    """The shop's state as the seller centre explains it (审核中 / 已驳回：理由 / 未发布 / 营业中)."""
    if seller.shop is not None:
        return Standing(seller.shop.status)
    latest = latest_application(w, seller)
    if latest is None:
        return Standing("none")
    return Standing(latest.status, latest.reason)


# --- decoration --------------------------------------------------------------------------------


def _decorated(w: World, shop: Shop, part: str, **payload: object) -> None:
    w.emit("shop.decorated", shop_id=shop.id, part=part, **payload)


def set_image(w: World, shop: Shop, part: str, filename: str | None, data: bytes) -> None:
    """Upload the shop's logo (店标) or banner (店招); the file must be a real picture."""
    if part not in ("logo", "banner"):
        raise NotFound(N_("页面不存在"))
    image = uploads.store_image(w, shop.id, uploads.check_image(filename, data))
    setattr(shop, f"{part}_image_id", image.id)
    _decorated(w, shop, part, image_id=image.id, sha256=image.sha256, size=image.size)


def set_notice(w: World, shop: Shop, text: str) -> None:
    """Set the shop's notice (店铺公告); empty removes it."""
    text = "\n".join(line.rstrip() for line in (text or "").strip().splitlines())
    if len(text) > MAX_NOTICE:
        raise DomainError(N_("店铺公告不能超过 %(max)s 个字"), max=MAX_NOTICE)
    shop.notice = text
    _decorated(w, shop, "notice", notice=text)


def shop_categories(w: World, shop: Shop) -> list[ShopCategory]:
    """The shop's own categories, in order."""
    q = select(ShopCategory).where(ShopCategory.shop_id == shop.id)
    return list(w.db.scalars(q.order_by(ShopCategory.position, ShopCategory.id)))


def get_shop_category(w: World, shop: Shop, category_id: object) -> ShopCategory:
    """One of the shop's categories (another shop's is not found)."""
    category = w.db.get(ShopCategory, category_id) if isinstance(category_id, int) else None
    if category is None or category.shop_id != shop.id:
        raise NotFound(N_("店内分类不存在"))
    return category


def _category_name(w: World, shop: Shop, raw: str, keep: ShopCategory | None = None) -> str:
    name = " ".join((raw or "").split())
    if not 1 <= len(name) <= 20:
        raise DomainError(N_("分类名称须为1-20个字"))
    same = [c for c in shop_categories(w, shop) if c.name == name and c is not keep]
    if same:
        raise Conflict(N_("已有同名的店内分类"))
    return name


def add_category(w: World, shop: Shop, name: str) -> ShopCategory:
    """Add a shop category at the end."""
    existing = shop_categories(w, shop)
    if len(existing) >= MAX_SHOP_CATEGORIES:
        raise DomainError(N_("店内分类最多 %(max)s 个"), max=MAX_SHOP_CATEGORIES)
    category = ShopCategory(
        shop_id=shop.id,
        name=_category_name(w, shop, name),
        position=max((c.position for c in existing), default=0) + 1,
    )
    w.db.add(category)
    w.db.flush()
    _decorated(w, shop, "categories", action="added", category=category.name)
    return category


def rename_category(w: World, shop: Shop, category_id: object, name: str) -> ShopCategory:
    """Rename a shop category."""
    category = get_shop_category(w, shop, category_id)
    old, category.name = category.name, _category_name(w, shop, name, keep=category)
    _decorated(w, shop, "categories", action="renamed", old=old, category=category.name)
    return category


def move_category(w: World, shop: Shop, category_id: object, direction: str) -> None:
    """Move a shop category one place up or down."""
    category = get_shop_category(w, shop, category_id)
    ordered = shop_categories(w, shop)
    i = ordered.index(category)
    j = i - 1 if direction == "up" else i + 1
    if direction not in ("up", "down") or not 0 <= j < len(ordered):
        return
    ordered[i], ordered[j] = ordered[j], ordered[i]
    for position, c in enumerate(ordered, start=1):
        c.position = position
    _decorated(w, shop, "categories", action="moved", order=[c.name for c in ordered])


def delete_category(w: World, shop: Shop, category_id: object) -> None:
    """Remove a shop category; its goods stay, uncategorised."""
    category = get_shop_category(w, shop, category_id)
    for product in w.db.scalars(select(Product).where(Product.shop_category_id == category.id)):
        product.shop_category_id = None
    w.db.delete(category)
    _decorated(w, shop, "categories", action="deleted", category=category.name)


def set_featured(w: World, shop: Shop, codes: list[str]) -> list[str]:
    """Choose the goods featured on the shop's home (掌柜推荐, at most MAX_FEATURED of its own)."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if len(wanted) > MAX_FEATURED:
        raise DomainError(N_("掌柜推荐最多选择 %(max)s 件商品"), max=MAX_FEATURED)
    products = list(w.db.scalars(select(Product).where(Product.shop_id == shop.id)))
    own = {p.code for p in products}
    if any(code not in own for code in wanted):
        raise NotFound(N_("商品不存在"))
    for p in products:
        p.shop_featured = p.code in wanted
    _decorated(w, shop, "featured", goods=wanted)
    return wanted


# --- publishing --------------------------------------------------------------------------------


def listed_count(w: World, shop: Shop) -> int:
    """How many of the shop's goods are listed (上架)."""
    q = select(func.count(Product.id)).where(
        Product.shop_id == shop.id, Product.status == ProductStatus.LISTED
    )
    return w.db.scalar(q) or 0


def publish(w: World, shop: Shop) -> None:
    """Open the shop to buyers; it needs a name and at least one listed product."""
    if shop.status == ShopStatus.OPEN:
        raise Conflict(N_("店铺已经发布"))
    if shop.status != ShopStatus.DRAFT:
        raise Conflict(N_("店铺已关闭，不能发布"))
    if listed_count(w, shop) == 0:
        raise Conflict(N_("店铺至少要有一件上架的商品才能发布"))
    shop.status = ShopStatus.OPEN
    shop.published_at = w.now()
    w.emit("shop.published", shop_id=shop.id, shop_name=shop.name, listed=listed_count(w, shop))
