"""State checks: read the world database directly."""

from __future__ import annotations

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import text
from sandbox.orders.models import Order, OrderStatus, PaymentStatus
from sandbox.storefront.models import Address, Customer

ADDRESS_LABELS = {
    "recipient": "收货人",
    "phone": "手机号",
    "province": "省",
    "city": "市",
    "district": "区",
    "detail": "详细地址",
    "postcode": "邮编",
}


def candidate_customers(ctx: GradeContext) -> list[Customer]:
    """Storefront accounts the candidate registered during the attempt."""
    return list(ctx.world.db.scalars(select(Customer).where(Customer.by_candidate).order_by(Customer.id)))


@check("state", "storefront.customer_registered")
def customer_registered(ctx: GradeContext, phone: str | None = None) -> CheckResult:
    """The candidate opened a storefront account (with the given phone, if the task names one).

    Half the points when an account exists but with another phone number.
    """
    customers = candidate_customers(ctx)
    if not customers:
        return CheckResult.failed("没有找到考生注册的商城账号")
    right = [c for c in customers if phone is None or text(c.phone) == text(str(phone))]
    c = (right or customers)[0]
    ctx.facts["customer_id"] = c.id
    evidence = [
        text_evidence("用户名", c.username),
        text_evidence("手机号" + (f"（应为 {phone}）" if phone else ""), c.phone),
        text_evidence("注册时间", c.created_at.isoformat(sep=" ")),
    ]
    if not right:
        return CheckResult(0.5, f"已注册商城账号 {c.username}，但手机号不是题目给出的 {phone}", evidence)
    return CheckResult(1.0, f"已注册商城账号 {c.username}", evidence)


def compare_address(given: dict, expected: dict) -> tuple[list[str], list[dict]]:
    """Fields of `given` equal to `expected` (after normalisation), and the evidence field by field."""
    good = [f for f in ADDRESS_LABELS if text(str(given.get(f, ""))) == text(str(expected[f]))]
    evidence = [
        text_evidence(f"{ADDRESS_LABELS[f]}（应为 {expected[f]}）", given.get(f, "")) for f in ADDRESS_LABELS
    ]
    return good, evidence


def address_result(good: list[str], evidence: list[dict], all_right: str) -> CheckResult:
    """Full marks when every field matches, else the share of matching fields, naming the wrong ones."""
    wrong = [ADDRESS_LABELS[f] for f in ADDRESS_LABELS if f not in good]
    if not wrong:
        return CheckResult(1.0, all_right, evidence)
    return CheckResult(len(good) / len(ADDRESS_LABELS), "以下项目不一致：" + "、".join(wrong), evidence)


@check("state", "storefront.address_matches")
def address_matches(ctx: GradeContext, address: dict) -> CheckResult:
    """An address book entry equals the given address; partial credit per matching field."""
    rows = list(
        ctx.world.db.scalars(
            select(Address).join(Address.customer).where(Customer.by_candidate).order_by(Address.id)
        )
    )
    if not rows:
        return CheckResult.failed("考生账号的地址簿中没有收货地址")

    def fields(row: Address) -> dict:
        return {f: getattr(row, f) for f in ADDRESS_LABELS}

    best = max(rows, key=lambda r: (len(compare_address(fields(r), address)[0]), -r.id))
    good, evidence = compare_address(fields(best), address)
    return address_result(good, evidence, "收货地址与题目给出的完全一致")


@check("state", "orders.order_with_line")
def order_with_line(ctx: GradeContext, sku: str, qty: int) -> CheckResult:
    """The candidate has a live order containing exactly `qty` of `sku`."""
    orders = list(
        ctx.world.db.scalars(
            select(Order)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Customer.by_candidate, Order.status != OrderStatus.CLOSED)
            .order_by(Order.id)
        )
    )
    qty = int(qty)
    near = []
    matches = []
    for order in orders:
        for line in order.lines:
            if line.sku_code == sku and line.quantity == qty:
                matches.append((order, line))
            elif line.sku_code == sku:
                near.append(f"订单 {order.number} 数量为 {line.quantity}")
    if matches:
        # A candidate may have ordered twice; the order they went on to pay is the one that counts.
        order, line = min(matches, key=lambda m: (m[0].payment_status != PaymentStatus.PAID, m[0].id))
        ctx.facts["order_no"] = order.number
        ctx.facts["order_customer_id"] = order.customer_id  # whose "我的订单" shows it
        return CheckResult.passed(
            f"订单 {order.number} 含「{line.product_name}」{line.options_label} × {qty}",
            text_evidence("订单号", order.number),
            text_evidence("商品", f"{line.sku_code} {line.product_name} {line.options_label}"),
            text_evidence("数量", line.quantity),
            text_evidence("金额（分）", order.total_fen),
            *(
                [text_evidence("其他符合的订单", [m[0].number for m in matches if m[0] is not order])]
                if len(matches) > 1
                else []
            ),
        )
    if near:
        return CheckResult.failed(f"找到该商品规格的订单，但数量不对（应为 {qty}）：" + "；".join(near))
    bought = [f"{ln.sku_code}×{ln.quantity}" for o in orders for ln in o.lines]
    return CheckResult.failed(
        f"没有找到含 {sku} × {qty} 的有效订单", text_evidence("考生的订单商品", bought or "无")
    )


@check("state", "orders.ship_to_matches")
def ship_to_matches(ctx: GradeContext, address: dict) -> CheckResult:
    """The order found by an earlier item is addressed as the task says (field by field)."""
    number = ctx.facts.get("order_no")
    order = ctx.world.db.scalars(select(Order).where(Order.number == number)).first() if number else None
    if order is None:
        return CheckResult.failed("没有可核对收货地址的订单")
    good, evidence = compare_address(order.ship_to, address)
    return address_result(good, evidence, f"订单 {number} 寄往题目给出的地址")
