"""State checks: read the world database directly."""

from __future__ import annotations

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import identifier, text
from graders.normalise import phone as phone_digits
from graders.selection import Judged, choose
from sandbox.orders.models import SHIPPING_METHODS, Order, OrderLine, OrderStatus, PaymentStatus
from sandbox.storefront.models import Address, Category, Customer, Product, Sku

ADDRESS_LABELS = {
    "recipient": "收货人",
    "phone": "手机号",
    "province": "省",
    "city": "市",
    "district": "区",
    "detail": "详细地址",
    "postcode": "邮编",
}
# The share of an order item earned when the order also holds goods the task did not ask for
# (with `extra_lines: wrong`), or was sent by another shipping method than the task names.
EXTRA_LINES_FRACTION = 0.5
WRONG_SHIPPING_FRACTION = 0.5


def candidate_customers(ctx: GradeContext) -> list[Customer]:
    """Storefront accounts the candidate registered during the attempt."""
    return list(ctx.world.db.scalars(select(Customer).where(Customer.by_candidate).order_by(Customer.id)))


@check("state", "storefront.customer_registered", sets=("customer_id",))
def customer_registered(ctx: GradeContext, phone: str | None = None) -> CheckResult:
    """The candidate opened a storefront account (with the given phone, if the task names one).

    Half the points when an account exists but with another phone number. When the candidate opened
    several accounts, the one with the right phone is graded and the others are listed.
    Sets `customer_id` (the graded account).
    """
    customers = candidate_customers(ctx)
    if not customers:
        return CheckResult.failed("没有找到考生注册的商城账号")
    judged = [
        Judged(
            c,
            1.0 if phone is None or phone_digits(c.phone) == phone_digits(str(phone)) else 0.5,
            []
            if phone is None or phone_digits(c.phone) == phone_digits(str(phone))
            else [f"手机号为 {c.phone}"],
            f"账号 {c.username}",
        )
        for c in customers
    ]
    choice = choose(judged)
    c = choice.chosen.obj
    ctx.facts["customer_id"] = c.id
    evidence = [
        text_evidence("用户名", c.username),
        text_evidence("手机号" + (f"（应为 {phone}）" if phone else ""), c.phone),
        text_evidence("注册时间", c.created_at.isoformat(sep=" ")),
        *(choice.evidence("账号") if len(customers) > 1 else []),
    ]
    if choice.chosen.fraction < 1:
        return CheckResult(0.5, f"已注册商城账号 {c.username}，但手机号不是题目给出的 {phone}", evidence)
    return CheckResult(1.0, f"已注册商城账号 {c.username}", evidence)


def compare_address(given: dict, expected: dict) -> tuple[list[str], list[dict]]:
    """Fields of `given` equal to `expected` (after normalisation), and the evidence field by field."""

    def same(f: str) -> bool:
        norm = phone_digits if f == "phone" else text
        return norm(str(given.get(f, ""))) == norm(str(expected[f]))

    good = [f for f in ADDRESS_LABELS if same(f)]
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


def _address_fields(row: Address) -> dict:
    return {f: getattr(row, f) for f in ADDRESS_LABELS}


@check("state", "storefront.address_matches")
def address_matches(ctx: GradeContext, address: dict) -> CheckResult:
    """An address book entry equals the given address; partial credit per matching field.

    Of several entries, the one closest to the task's address is graded; the others are listed.
    """
    rows = list(
        ctx.world.db.scalars(
            select(Address).join(Address.customer).where(Customer.by_candidate).order_by(Address.id)
        )
    )
    if not rows:
        return CheckResult.failed("考生账号的地址簿中没有收货地址")
    judged = []
    for row in rows:
        good, _ = compare_address(_address_fields(row), address)
        wrong = [ADDRESS_LABELS[f] for f in ADDRESS_LABELS if f not in good]
        judged.append(
            Judged(
                row,
                len(good) / len(ADDRESS_LABELS),
                ["不一致：" + "、".join(wrong)] if wrong else [],
                f"地址 {row.recipient} {row.province}{row.city}{row.district}{row.detail}",
            )
        )
    choice = choose(judged)
    best = choice.chosen.obj if choice.chosen else rows[0]
    good, evidence = compare_address(_address_fields(best), address)
    if len(rows) > 1:
        evidence += choice.evidence("地址")
    return address_result(good, evidence, "收货地址与题目给出的完全一致")


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
    for order in orders:
        fitting = [ln for ln in order.lines if line_fits(ln)]
        right = [ln for ln in fitting if qty is None or ln.quantity == qty]
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
        rank=lambda o: o.payment_status != PaymentStatus.PAID,
    )
    if choice.chosen is None:
        nearest = [j.obj for j in judged if any(f.startswith("数量不对") for f in j.faults)]
        if nearest:  # for the information of items that build on this one (see engine)
            near_order = min(nearest, key=lambda o: (o.payment_status != PaymentStatus.PAID, o.id))
            ctx.near_facts.update(
                order_no=near_order.number,
                order_customer_id=near_order.customer_id,
                order=order_facts(near_order),
            )
        near = [f for j in judged for f in j.faults if f.startswith("数量不对")]
        if near:
            return CheckResult.failed(f"找到该商品的订单，但数量不对（应为 {qty}）", *choice.evidence("订单"))
        return CheckResult.failed("没有找到符合题目要求的有效订单", *choice.evidence("订单"))
    order = choice.chosen.obj
    ctx.facts["order_no"] = order.number
    ctx.facts["order_customer_id"] = order.customer_id
    ctx.facts["order"] = order_facts(order)
    right = [ln for ln in order.lines if line_fits(ln) and (qty is None or ln.quantity == qty)]
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
