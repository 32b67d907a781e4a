"""Refunds of an order through the payment platform: a signed alipay.trade.refund request, the money
going back the way it came (the merchant's account to the account that paid), recorded on the order."""

from __future__ import annotations

from sandbox.errors import N_, Conflict, DomainError
from sandbox.gateway import services as gateway
from sandbox.orders import payments, stock
from sandbox.orders.models import Order, OrderRefund, OrderStatus, PaymentStatus
from sandbox.worlds.world import World

MAX_REASON = 100


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def refund(
    w: World,
    order: Order,
    amount_fen: int,
    *,
    request_no: str,
    reason: str,
    aftersale_id: int | None = None,
) -> OrderRefund:
    """Send `amount_fen` of a paid order back to the buyer through the platform (at most what is left).

    `request_no` is the platform's out_request_no: the same number never refunds twice.
    """
    if order.payment_status != PaymentStatus.PAID or not order.trade_no:
        raise Conflict(N_("该订单尚未付款，没有可退的款项"))
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise DomainError(N_("退款金额必须大于零"))
    if amount_fen > order.refundable_fen:
        raise Conflict(
            N_("退款金额超过可退金额：最多可退 ¥%(left)s"),
            left=_yuan(order.refundable_fen),
        )
    setup = payments.setup_of(w, order.shop_id)
    if not setup.ready:
        raise Conflict(N_("本店尚未完成支付接入配置，无法原路退款"))
    biz = {
        "trade_no": order.trade_no,
        "refund_amount": _yuan(amount_fen),
        "out_request_no": request_no,
        "refund_reason": (reason or "")[:MAX_REASON],
    }
    answer = gateway.refund_trade(w, payments.api_request(w, setup, "alipay.trade.refund", biz))
    if answer.get("code") != "10000":
        raise Conflict(
            N_("支付平台拒绝退款：%(message)s（%(code)s）"),
            message=str(answer.get("sub_msg") or answer.get("msg") or ""),
            code=str(answer.get("sub_code") or answer.get("code") or ""),
        )
    made = OrderRefund(
        order_id=order.id,
        aftersale_id=aftersale_id,
        out_request_no=request_no,
        amount_fen=amount_fen,
        reason=(reason or "")[:MAX_REASON],
        at=w.now(),
    )
    w.db.add(made)
    order.refunds.append(made)
    order.refunded_fen += amount_fen
    w.db.flush()
    w.emit(
        "order.refunded",
        order_no=order.number,
        amount_fen=amount_fen,
        refunded_fen=order.refunded_fen,
        out_request_no=request_no,
        reason=made.reason,
    )
    if order.refunded_fen == order.total_fen and order.status != OrderStatus.CLOSED:
        for line in order.lines:  # what was never shipped will not be now
            if line.to_ship > 0:
                stock.release(w, line.sku_code, line.to_ship, order.number)
        order.status = OrderStatus.CLOSED
        order.closed_at = w.now()
        w.emit("order.closed", order_no=order.number, reason="refunded")
    return made
