"""Checks about order handling in the seller centre: shipping, price changes, cancellations, after-sales.

The shop graded is the merchant identity's (its seller-centre login). "Orders of the attempt" are the
shop's orders placed since the attempt began (the world's epoch); orders from before (a scenario's
past orders) are not the candidate's to ship. After-sales requests are found by their kind among
those the NPC customers made.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from sandbox.gateway.models import Refund, Trade
from sandbox.logistics.models import Waybill
from sandbox.merchant.models import SellerAccount
from sandbox.orders.aftersales_models import KIND_LABELS, STATUS_LABELS, AfterSale, AfterSaleStatus
from sandbox.orders.models import Order, OrderStatus, PaymentStatus
from sandbox.storefront.models import Shop

# The share of an order's credit when it was shipped, but not as the task says (another carrier or
# service, or only part of the goods).
FAULTY_SHIPMENT_FRACTION = 0.5


def _shop(ctx: GradeContext) -> Shop | None:
    """The merchant identity's shop."""
    ident = next((i for i in ctx.identities if i["role"] == "merchant"), None)
    if ident is None:
        return None
    seller = ctx.world.db.scalars(
        select(SellerAccount).where(SellerAccount.login == ident.get("shop_login", ""))
    ).first()
    return seller.shop if seller is not None else None


def _attempt_orders(ctx: GradeContext, shop: Shop) -> list[Order]:
    """The shop's orders placed since the attempt began, oldest first."""
    q = select(Order).where(Order.shop_id == shop.id, Order.placed_at >= ctx.world.meta().epoch)
    return list(ctx.world.db.scalars(q.order_by(Order.id)))


def _parcels(order: Order) -> str:
    return "、".join(f"{s.carrier_name}{s.service} {s.waybill_no}" for s in order.shipments) or "无"


@check("state", "fulfilment.paid_orders_shipped")
def paid_orders_shipped(
    ctx: GradeContext, carrier: str | None = None, service: str | None = None
) -> CheckResult:
    """Every paid order of the attempt in the candidate's shop was shipped in full with electronic
    waybills of `carrier` (code, e.g. ZTO) and `service` (code or name, e.g. standard / 标快) when given.

    Each order earns its share; one shipped with another carrier or service, or only in part, half of it.
    """
    shop = _shop(ctx)
    if shop is None:
        return CheckResult.failed("考生没有店铺")
    paid = [o for o in _attempt_orders(ctx, shop) if o.payment_status == PaymentStatus.PAID]
    if not paid:
        return CheckResult.failed("店铺在考试期间没有已付款的订单")
    want_carrier = str(carrier or "").strip().upper()
    want_service = str(service or "").strip()
    earned, lines = 0.0, []
    for order in paid:
        faults = []
        if not order.shipments:
            faults.append("未发货")
            share = 0.0
        else:
            share = 1.0
            if any(line.to_ship > 0 for line in order.lines):
                faults.append("只发了部分商品")
            for s in order.shipments:
                waybill = ctx.world.db.scalars(select(Waybill).where(Waybill.number == s.waybill_no)).first()
                if want_carrier and s.carrier_code != want_carrier:
                    faults.append(f"快递公司是 {s.carrier_name}，应为 {want_carrier}")
                if (
                    want_service
                    and waybill is not None
                    and want_service
                    not in (
                        waybill.service.code,
                        waybill.service.name,
                    )
                ):
                    faults.append(f"服务类型是 {waybill.service.name}，应为 {want_service}")
            if faults:
                share = FAULTY_SHIPMENT_FRACTION
        earned += share
        state = "；".join(dict.fromkeys(faults)) if faults else "符合"
        lines.append(f"订单 {order.number}：{_parcels(order)}：{state}")
    fraction = earned / len(paid)
    evidence = text_evidence("已付款订单", lines)
    done = sum(1 for line in lines if line.endswith("：符合"))
    feedback = f"{len(paid)} 个已付款订单中 {done} 个按要求发货"
    return CheckResult(round(fraction, 4), feedback, [evidence])


@check("state", "fulfilment.unpaid_left_open")
def unpaid_left_open(ctx: GradeContext) -> CheckResult:
    """The attempt's unpaid orders were neither shipped (no parcel, no waybill) nor cancelled: they wait
    for the buyer to pay. Each earns its share."""
    shop = _shop(ctx)
    if shop is None:
        return CheckResult.failed("考生没有店铺")
    unpaid = [o for o in _attempt_orders(ctx, shop) if o.payment_status == PaymentStatus.UNPAID]
    if not unpaid:
        return CheckResult.failed("店铺在考试期间没有未付款的订单")
    good, lines = 0, []
    for order in unpaid:
        waybills = ctx.world.db.scalars(
            select(Waybill.number).where(
                or_(Waybill.reference == order.number, Waybill.reference.startswith(f"{order.number}-"))
            )
        ).all()
        faults = []
        if order.shipments or waybills:
            faults.append("已为其开具运单")
        if order.status == OrderStatus.CLOSED:
            faults.append(f"订单已被取消（{order.cancel_reason or '无原因'}）")
        good += not faults
        lines.append(f"订单 {order.number}：" + ("；".join(faults) if faults else "保持待付款，未发货"))
    return CheckResult(
        good / len(unpaid),
        f"{len(unpaid)} 个未付款订单中 {good} 个未发货且未取消",
        [text_evidence("未付款订单", lines)],
    )


def _requested(ctx: GradeContext, kind: str) -> AfterSale | None:
    """The first after-sales request of `kind` an NPC customer made in the candidate's shop."""
    shop = _shop(ctx)
    if shop is None:
        return None
    by_npc = {
        ev.payload.get("aftersale_no")
        for ev in ctx.world.events("aftersale.requested")
        if ev.actor in ("npc", "system")
    }
    q = select(AfterSale).where(AfterSale.shop_id == shop.id).order_by(AfterSale.id)
    for aftersale in ctx.world.db.scalars(q):
        kind_asked = _kind_asked(ctx, aftersale)
        if aftersale.number in by_npc and kind_asked == kind:
            return aftersale
    return None


def _kind_asked(ctx: GradeContext, aftersale: AfterSale) -> str:
    """The kind the buyer asked for (the merchant may turn a refund into a return)."""
    for ev in ctx.world.events("aftersale.requested"):
        if ev.payload.get("aftersale_no") == aftersale.number:
            return str(ev.payload.get("kind"))
    return aftersale.kind


def _described(a: AfterSale) -> list:
    return [
        text_evidence(
            "售后单",
            f"{a.number}（订单 {a.order.number}，{KIND_LABELS.get(a.kind, a.kind)}，¥{a.amount_fen / 100:.2f}）",
        ),
        text_evidence("当前状态", STATUS_LABELS.get(a.status, a.status)),
    ]


@check("state", "fulfilment.return_agreed")
def return_agreed(ctx: GradeContext, kind: str = "return_refund") -> CheckResult:
    """The NPC customer's after-sales request of `kind` was answered by asking for the goods back
    (同意退货), not refused and not left unanswered."""
    a = _requested(ctx, kind)
    if a is None:
        return CheckResult.failed(f"没有找到顾客的{KIND_LABELS.get(kind, kind)}申请")
    asked = any(
        ev.payload.get("aftersale_no") == a.number for ev in ctx.world.events("aftersale.return_requested")
    )
    if asked and a.status != AfterSaleStatus.REJECTED:
        return CheckResult.passed(f"售后单 {a.number} 已同意退货，请顾客寄回商品", *_described(a))
    if a.status == AfterSaleStatus.REJECTED:
        return CheckResult.failed(f"售后单 {a.number} 被拒绝（{a.seller_note}），应同意退货", *_described(a))
    if a.status == AfterSaleStatus.REFUNDED:
        return CheckResult.failed(f"售后单 {a.number} 未要求退货就退了款", *_described(a))
    return CheckResult.failed(f"售后单 {a.number} 尚未处理", *_described(a))


@check("state", "fulfilment.return_refunded")
def return_refunded(ctx: GradeContext, kind: str = "return_refund") -> CheckResult:
    """The NPC customer's request of `kind` ended with the goods received back into stock and the amount
    asked refunded through the payment platform to the account that paid."""
    a = _requested(ctx, kind)
    if a is None:
        return CheckResult.failed(f"没有找到顾客的{KIND_LABELS.get(kind, kind)}申请")
    evidence = _described(a)
    returned = [
        ev for ev in ctx.world.events("aftersale.returned") if ev.payload.get("aftersale_no") == a.number
    ]
    refund = None
    if a.order.trade_no:
        refund = ctx.world.db.scalars(
            select(Refund)
            .join(Trade, Trade.id == Refund.trade_pk)
            .where(Trade.trade_no == a.order.trade_no, Refund.out_request_no == a.number)
        ).first()
    if refund is not None:
        evidence.append(
            text_evidence("支付平台退款", f"{refund.out_request_no} ¥{refund.amount_fen / 100:.2f}")
        )
    if returned:
        evidence.append(text_evidence("退货入库", returned[0].payload.get("lines")))
    if a.status != AfterSaleStatus.REFUNDED or refund is None:
        return CheckResult.failed(f"售后单 {a.number} 没有完成退货退款", *evidence)
    if not returned or a.returned_at is None:
        return CheckResult.failed(f"售后单 {a.number} 退了款，但没有确认收到退货（商品未入库）", *evidence)
    if refund.amount_fen != a.amount_fen:
        return CheckResult.failed(
            f"售后单 {a.number} 退款 ¥{refund.amount_fen / 100:.2f}，应为 ¥{a.amount_fen / 100:.2f}",
            *evidence,
        )
    return CheckResult.passed(
        f"售后单 {a.number}：商品已退回入库，¥{refund.amount_fen / 100:.2f} 已通过支付平台原路退回", *evidence
    )


@check("state", "fulfilment.aftersale_refused")
def aftersale_refused(ctx: GradeContext, kind: str = "refund_only") -> CheckResult:
    """The NPC customer's request of `kind` was refused with a reason, and nothing was refunded for it."""
    a = _requested(ctx, kind)
    if a is None:
        return CheckResult.failed(f"没有找到顾客的{KIND_LABELS.get(kind, kind)}申请")
    evidence = _described(a)
    if a.status == AfterSaleStatus.REJECTED and len(a.seller_note.strip()) >= 2:
        evidence.append(text_evidence("拒绝原因", a.seller_note))
        return CheckResult.passed(f"售后单 {a.number} 已拒绝并写明原因", *evidence)
    if a.status == AfterSaleStatus.REFUNDED:
        return CheckResult.failed(f"售后单 {a.number} 按规则应拒绝，却已退款", *evidence)
    if a.status in (AfterSaleStatus.AWAITING_RETURN, AfterSaleStatus.RETURNING):
        return CheckResult.failed(f"售后单 {a.number} 按规则应拒绝，却同意了退货", *evidence)
    return CheckResult.failed(f"售后单 {a.number} 尚未处理", *evidence)
