"""A shop's shipping templates (运费模板): 包邮, or a fee for the first piece and each further one,
free above an order amount if the shop says so. Checkout reads them (orders); the shop writes them here."""

from __future__ import annotations

from sqlalchemy import func, select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.parsing import parse_yuan
from sandbox.storefront.models import Product, ShippingTemplate, Shop
from sandbox.worlds.world import World

MODES = {"free": N_("包邮"), "per_piece": N_("按件计费")}
MAX_FEE_FEN = 100_000  # ¥1,000 a piece
MAX_FREE_OVER_FEN = 100_000_000
MAX_TEMPLATES = 20


class TemplateInvalid(DomainError):
    """A template form with wrong fields; `errors` maps field -> message key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(N_("运费模板填写有误，请检查标红的项目"))
        self.errors = errors


def templates_of(w: World, shop: Shop) -> list[ShippingTemplate]:
    """The shop's templates, oldest first."""
    q = select(ShippingTemplate).where(ShippingTemplate.shop_id == shop.id)
    return list(w.db.scalars(q.order_by(ShippingTemplate.id)))


def get_template(w: World, shop: Shop, template_id: int) -> ShippingTemplate:
    """One of the shop's templates; another shop's is NotFound."""
    template = w.db.get(ShippingTemplate, template_id)
    if template is None or template.shop_id != shop.id:
        raise NotFound(N_("运费模板不存在"))
    return template


def _fee(raw: str, errors: dict[str, str], key: str, high: int) -> int | None:
    try:
        fen = parse_yuan(raw, high_fen=10**12)
    except DomainError as exc:
        errors[key] = exc.key
        return None
    if fen is not None and fen > high:
        errors[key] = N_("金额超出范围")
    return fen


def validate(w: World, shop: Shop, form: dict[str, str], keep: ShippingTemplate | None = None) -> dict:
    """Clean a template form or raise TemplateInvalid naming each wrong field."""
    errors: dict[str, str] = {}
    name = " ".join((form.get("name") or "").split())
    if not 1 <= len(name) <= 20:
        errors["name"] = N_("模板名称须为1-20个字")
    elif any(t.name == name and t is not keep for t in templates_of(w, shop)):
        errors["name"] = N_("已有同名的运费模板")
    mode = form.get("mode") or ""
    if mode not in MODES:
        errors["mode"] = N_("请选择计费方式")
    first = _fee(form.get("first", ""), errors, "first", MAX_FEE_FEN)
    extra = _fee(form.get("extra", ""), errors, "extra", MAX_FEE_FEN)
    free_over = _fee(form.get("free_over", ""), errors, "free_over", MAX_FREE_OVER_FEN)
    if mode == "per_piece" and "first" not in errors and first is None:
        errors["first"] = N_("请填写首件运费")
    if free_over is not None and free_over <= 0 and "free_over" not in errors:
        errors["free_over"] = N_("包邮门槛须大于 0，不设门槛请留空")
    if errors:
        raise TemplateInvalid(errors)
    if mode == "free":
        return {"name": name, "mode": mode, "first_fen": 0, "extra_fen": 0, "free_over_fen": None}
    return {
        "name": name,
        "mode": mode,
        "first_fen": first or 0,
        "extra_fen": extra or 0,
        "free_over_fen": free_over,
    }


def create_template(w: World, shop: Shop, form: dict[str, str]) -> ShippingTemplate:
    """Add a shipping template to the shop."""
    if len(templates_of(w, shop)) >= MAX_TEMPLATES:
        raise DomainError(N_("运费模板最多 %(max)s 个"), max=MAX_TEMPLATES)
    data = validate(w, shop, form)
    template = ShippingTemplate(shop_id=shop.id, **data)
    w.db.add(template)
    w.db.flush()
    w.emit(
        "shipping_template.created",
        shop_id=shop.id,
        template_id=template.id,
        template_name=template.name,
        mode=template.mode,
        first_fen=template.first_fen,
        extra_fen=template.extra_fen,
        free_over_fen=template.free_over_fen,
    )
    return template


def update_template(w: World, shop: Shop, template_id: int, form: dict[str, str]) -> ShippingTemplate:
    """Change a template (the goods naming it follow the change)."""
    template = get_template(w, shop, template_id)
    data = validate(w, shop, form, keep=template)
    for key, value in data.items():
        setattr(template, key, value)
    w.emit(
        "shipping_template.updated",
        shop_id=shop.id,
        template_id=template.id,
        template_name=template.name,
        mode=template.mode,
        first_fen=template.first_fen,
        extra_fen=template.extra_fen,
        free_over_fen=template.free_over_fen,
    )
    return template


def delete_template(w: World, shop: Shop, template_id: int) -> None:
    """Remove a template no product names."""
    template = get_template(w, shop, template_id)
    used = w.db.scalar(select(func.count(Product.id)).where(Product.shipping_template_id == template.id))
    if used:
        raise Conflict(N_("有 %(n)s 件商品正在使用该运费模板，不能删除"), n=used)
    w.db.delete(template)
    w.emit("shipping_template.deleted", shop_id=shop.id, template_id=template.id, template_name=template.name)
