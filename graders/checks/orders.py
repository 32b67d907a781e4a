"""Checks about orders: which order is graded, what it holds, where it goes, whether it was paid and
how "my orders" shows it."""

from __future__ import annotations

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.checks.storefront import address_result, compare_address
from graders.checks.ui import screenshot
from graders.context import GradeContext
from graders.normalise import identifier
from graders.selection import Judged, choose
from sandbox.orders.models import SHIPPING_METHODS, Order, OrderLine, OrderStatus, PaymentStatus
from sandbox.storefront.models import Category, Customer, Product, Sku

# The share of an order item earned when the order also holds goods the task did not ask for
# (with `extra_lines: wrong`), or was sent by another shipping method than the task names.
EXTRA_LINES_FRACTION = 0.5
WRONG_SHIPPING_FRACTION = 0.5


def candidate_orders(ctx: GradeContext) -> list[Order]:
    """The candidate's live (not closed) orders, oldest first."""
    return list(
        ctx.world.db.scalars(
            select(Order)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Customer.by_candidate, Order.status != OrderStatus.CLOSED)
            .order_by(Order.id)
        )
    )


def order_facts(order: Order) -> dict:
    """What later items may compare with: the graded order's number and amounts (fen)."""
    return {
        "number": order.number,
        "total_fen": order.total_fen,
        "goods_total_fen": order.goods_total_fen,
        "shipping_fee_fen": order.shipping_fee_fen,
        "shipping_method": order.shipping_method,
        "paid": order.payment_status == PaymentStatus.PAID,
        "paid_fen": order.total_fen if order.payment_status == PaymentStatus.PAID else 0,
    }


def _cheapest_skus(ctx: GradeContext, category: str | None) -> set[str]:
    """Codes of the lowest-priced SKUs in stock (of a category): any of them is 'the cheapest'."""
    q = select(Sku.code, Sku.price_fen).join(Sku.product).where(Sku.quantity > 0)
    if category:
        q = q.join(Product.category).where(Category.name == category)
    rows = list(ctx.world.db.execute(q))
    if not rows:
        return set()
    low = min(price for _, price in rows)
    return {code for code, price in rows if price == low}


def unpaid(order: Order) -> bool:
    """Sort key putting paid orders first (the one the candidate went on to pay counts)."""
    return order.payment_status != PaymentStatus.PAID


def _line_label(line: OrderLine) -> str:
    return f"「{line.product_name}」{line.options_label}×{line.quantity}"


def _line_category(ctx: GradeContext, line: OrderLine) -> str:
    sku = ctx.world.db.get(Sku, line.sku_id)
    return sku.product.category.name if sku else ""


@check("state", "orders.order_matching", sets=("order_no", "order", "order_customer_id"))
def order_matching(
    ctx: GradeContext,
    sku: str | None = None,
    qty: int | None = None,
    category: str | None = None,
    min_price_fen: int | None = None,
    max_price_fen: int | None = None,
    cheapest: bool = False,
    shipping_method: str | None = None,
    extra_lines: str = "allowed",
    answer_field: str | None = None,
) -> CheckResult:
    """The candidate has a live order with a line meeting every condition given.

    Line conditions: `sku` (variant code), `category`, unit price within `min_price_fen` ..
    `max_price_fen`, `cheapest` (the lowest-priced variant in stock, of `category` if given),
    and `qty` (quantity). Order conditions: `shipping_method` (express | sf); another method earns
    half. `extra_lines`: "allowed" (other goods in the order are ignored, but listed) or "wrong"
    (the order earns half and the feedback names them). The graded order is the one named in the
    answer field `answer_field`, if it qualifies, else the best qualifying one (paid first).
    Sets `order_no`, `order_customer_id` (whose "my orders" shows it) and `order` (number,
    total_fen, goods_total_fen, shipping_fee_fen, shipping_method, paid, paid_fen).
    """
    if extra_lines not in ("allowed", "wrong"):
        raise ValueError("extra_lines must be 'allowed' or 'wrong'")
    if shipping_method is not None and shipping_method not in SHIPPING_METHODS:
        raise ValueError(f"unknown shipping method {shipping_method!r}")
    orders = candidate_orders(ctx)
    if not orders:
        return CheckResult.failed("考生没有有效订单")
    qty = None if qty is None else int(qty)
    cheapest_codes = _cheapest_skus(ctx, category) if cheapest else None

    def line_fits(line: OrderLine) -> bool:
        """The line is the goods the task asks for (quantity aside)."""
        return (
            (sku is None or line.sku_code == sku)
            and (category is None or _line_category(ctx, line) == category)
            and (min_price_fen is None or line.unit_price_fen >= int(min_price_fen))
            and (max_price_fen is None or line.unit_price_fen <= int(max_price_fen))
            and (cheapest_codes is None or line.sku_code in cheapest_codes)
        )

    judged = []
    right_lines: dict[int, list[OrderLine]] = {}  # per order: the lines that are what the task asks
    for order in orders:
        fitting = [ln for ln in order.lines if line_fits(ln)]
        right = right_lines[order.id] = [ln for ln in fitting if qty is None or ln.quantity == qty]
        faults: list[str] = []
        if not fitting:
            faults.append("没有题目要求的商品：" + "、".join(_line_label(ln) for ln in order.lines))
            fraction = 0.0
        elif not right:
            faults.append("数量不对：" + "、".join(f"{_line_label(ln)}（应为 {qty}）" for ln in fitting))
            fraction = 0.0
        else:
            fraction = 1.0
            extras = [ln for ln in order.lines if ln not in right]
            if extras and extra_lines == "wrong":
                faults.append("还有题目未要求的商品：" + "、".join(_line_label(ln) for ln in extras))
                fraction *= EXTRA_LINES_FRACTION
            if shipping_method is not None and order.shipping_method != shipping_method:
                faults.append(f"配送方式不是{SHIPPING_METHODS[shipping_method]['label']}")
                fraction *= WRONG_SHIPPING_FRACTION
        paid = order.payment_status == PaymentStatus.PAID
        judged.append(
            Judged(order, fraction, faults, f"订单 {order.number}（{'已付款' if paid else '未付款'}）")
        )

    given = (ctx.answers.get(answer_field) or "").strip() if answer_field else ""
    choice = choose(
        judged,
        named=(lambda o: identifier(o.number) == identifier(given)) if given else None,
        named_text=given,
        rank=unpaid,
    )
    if choice.chosen is None:
        nearest = [j.obj for j in judged if any(f.startswith("数量不对") for f in j.faults)]
        if not nearest:
            return CheckResult.failed("没有找到符合题目要求的有效订单", *choice.evidence("订单"))
        # For the information of items that build on this one (see engine).
        near_order = min(nearest, key=lambda o: (unpaid(o), o.id))
        ctx.near_facts.update(
            order_no=near_order.number,
            order_customer_id=near_order.customer_id,
            order=order_facts(near_order),
        )
        return CheckResult.failed(f"找到该商品的订单，但数量不对（应为 {qty}）", *choice.evidence("订单"))
    order = choice.chosen.obj
    ctx.facts["order_no"] = order.number
    ctx.facts["order_customer_id"] = order.customer_id
    ctx.facts["order"] = order_facts(order)
    right = right_lines[order.id]
    evidence = [
        text_evidence("订单号", order.number),
        text_evidence("商品", [f"{ln.sku_code} {_line_label(ln)}" for ln in order.lines]),
        text_evidence("金额（分）", order.total_fen),
        *choice.evidence("订单"),
    ]
    described = f"订单 {order.number} 含" + "、".join(_line_label(ln) for ln in right)
    if choice.chosen.faults:
        return CheckResult(
            choice.chosen.fraction, described + "，但" + "；".join(choice.chosen.faults), evidence
        )
    return CheckResult(1.0, described, evidence)


@check("state", "orders.order_with_line", sets=("order_no", "order", "order_customer_id"))
def order_with_line(
    ctx: GradeContext,
    sku: str,
    qty: int,
    extra_lines: str = "allowed",
    answer_field: str | None = None,
) -> CheckResult:
    """The candidate has a live order containing exactly `qty` of variant `sku`.

    The same as orders.order_matching with only `sku` and `qty` (and `extra_lines`, `answer_field`).
    """
    return order_matching(ctx, sku=sku, qty=qty, extra_lines=extra_lines, answer_field=answer_field)


@check("state", "orders.ship_to_matches", needs=("order_no",))
def ship_to_matches(ctx: GradeContext, address: dict) -> CheckResult:
    """The order found by an earlier item is addressed as the task says (field by field)."""
    number = ctx.facts.get("order_no")
    order = ctx.world.db.scalars(select(Order).where(Order.number == number)).first() if number else None
    if order is None:
        return CheckResult.failed("没有可核对收货地址的订单")
    good, evidence = compare_address(order.ship_to, address)
    return address_result(good, evidence, f"订单 {number} 寄往题目给出的地址")


@check("event", "payment.succeeded_for_order", needs=("order_no",))
def payment_succeeded_for_order(ctx: GradeContext) -> CheckResult:
    """The order found by an earlier item was paid by the candidate at the platform, and the shop knows."""
    number = ctx.facts.get("order_no")
    if not number:
        return CheckResult.failed("没有可核对付款的订单")
    paid_by_candidate = [
        ev
        for ev in ctx.world.events("gateway.trade_paid")
        if ev.payload.get("out_trade_no") == number and ev.actor == "candidate"
    ]
    recorded = [ev for ev in ctx.world.events("payment.succeeded") if ev.payload.get("order_no") == number]
    if paid_by_candidate and recorded:
        pay, shop = paid_by_candidate[0], recorded[0]
        how = {"notify": "支付平台异步通知（已验签）", "query": "商户主动查询交易"}.get(
            shop.payload.get("via"), "—"
        )
        return CheckResult.passed(
            f"订单 {number} 已于 {pay.at:%Y-%m-%d %H:%M:%S} 在支付平台付款，商城已确认",
            text_evidence(
                "支付事件", f"#{pay.id} gateway.trade_paid（交易号 {pay.payload.get('trade_no')}）"
            ),
            text_evidence("付款账号", pay.payload.get("account_no")),
            text_evidence("付款方式", pay.payload.get("channel")),
            text_evidence("金额（分）", pay.payload.get("amount_fen")),
            text_evidence("商城确认方式", f"#{shop.id} payment.succeeded，{how}"),
        )
    if paid_by_candidate:
        return CheckResult.failed(f"订单 {number} 已在支付平台付款，但商城尚未确认收款")
    return CheckResult.failed(f"订单 {number} 没有付款记录")


@check("ui", "storefront.order_shows_status", needs=("order_no", "order_customer_id"))
def order_shows_status(ctx: GradeContext, status: str) -> CheckResult:
    """On 'my orders', the order found earlier shows the given status label."""
    number = ctx.facts.get("order_no")
    if not number:
        return CheckResult.failed("没有可在页面上核对的订单")
    page = ctx.ui.open("/shop/orders/")
    row = page.locator(f'[data-order-no="{number}"]')
    if row.count() == 0:
        return CheckResult.failed(f"“我的订单”页面上找不到订单 {number}", screenshot(ctx, "order-list"))
    shown = row.locator('[data-role="status"]').inner_text().strip()
    evidence = [text_evidence("页面显示状态", shown), screenshot(ctx, "order-row", row)]
    if shown == status:
        return CheckResult(1.0, f"“我的订单”中订单 {number} 显示为“{status}”", evidence)
    return CheckResult(0.0, f"订单 {number} 显示为“{shown}”，应为“{status}”", evidence)
