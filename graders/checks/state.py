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
def customer_registered(ctx: GradeContext) -> CheckResult:
    """The candidate opened a storefront account."""
    customers = candidate_customers(ctx)
    if not customers:
        return CheckResult.failed("没有找到考生注册的商城账号")
    c = customers[0]
    ctx.facts["customer_id"] = c.id
    return CheckResult.passed(
        f"已注册商城账号 {c.username}",
        text_evidence("用户名", c.username),
        text_evidence("注册时间", c.created_at.isoformat(sep=" ")),
    )


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

    def matches(row: Address) -> list[str]:
        return [f for f in ADDRESS_LABELS if text(getattr(row, f)) == text(str(address[f]))]

    best = max(rows, key=lambda r: (len(matches(r)), -r.id))
    good = matches(best)
    wrong = [ADDRESS_LABELS[f] for f in ADDRESS_LABELS if f not in good]
    evidence = [
        text_evidence(f"{ADDRESS_LABELS[f]}（应为 {address[f]}）", getattr(best, f)) for f in ADDRESS_LABELS
    ]
    if not wrong:
        ctx.facts["address_id"] = best.id
        return CheckResult(1.0, "收货地址与题目给出的完全一致", evidence)
    return CheckResult(len(good) / len(ADDRESS_LABELS), "以下项目不一致：" + "、".join(wrong), evidence)


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
