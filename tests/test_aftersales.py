"""After-sales as services: 仅退款 refunded at once through the platform, 退货退款 only once the goods
are back (into stock), refusals with a reason, explicit states; money is conserved across refunds, and
bad input (too much, twice, fake images, illegal steps) is refused without changing anything."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from sandbox.bank import services as bank
from sandbox.errors import Conflict, DomainError
from sandbox.gateway.models import Refund, Trade
from sandbox.logistics import tracking
from sandbox.orders import aftersales, fulfilment
from sandbox.orders import npc as order_npc
from sandbox.orders.aftersales_models import AfterSale, AfterSaleKind, AfterSaleStatus
from sandbox.orders.models import OrderStatus
from sandbox.storefront import services as storefront
from tests import test_fulfilment as base
from tests.test_fulfilment import money, new_order, shop

shop_world, w, clock = base.shop_world, base.w, base.clock  # the shared fixtures


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(out, format="PNG")
    return out.getvalue()


def delivered(w, goods: int = 1, qty: int = 1):  # noqa: ANN001, ANN201
    """A paid order of the shop, shipped and signed for."""
    order = new_order(w, goods=goods, qty=qty)
    shipment = fulfilment.ship(w, order, "SF", "standard")
    while tracking.next_status(shipment_waybill(w, shipment)) is not None:
        tracking.advance(w, shipment.waybill_no)
    return order


def shipment_waybill(w, shipment):  # noqa: ANN001, ANN201
    from sandbox.logistics import waybills

    return waybills.get_waybill(w, shipment.waybill_no)


def accounts(w, order):  # noqa: ANN001, ANN201
    trade = w.db.scalars(select(Trade).where(Trade.trade_no == order.trade_no)).one()
    return bank.find_account(w, trade.buyer_account_no), bank.find_account(w, shop(w).bank_account_no)


def test_refund_only_goes_back_through_the_platform_and_money_is_conserved(w) -> None:  # noqa: ANN001
    order = delivered(w)
    payer, merchant = accounts(w, order)
    total, paid_before, merchant_before = money(w), bank.balance(w, payer), bank.balance(w, merchant)
    a = aftersales.request(
        w, order, kind=AfterSaleKind.REFUND_ONLY, reason="damaged", detail="盒子压坏了", amount="10.50"
    )
    assert a.status == AfterSaleStatus.REQUESTED and a.amount_fen == 1050
    aftersales.approve(w, a)
    assert a.status == AfterSaleStatus.REFUNDED and order.refunded_fen == 1050
    assert (
        bank.balance(w, payer) == paid_before + 1050 and bank.balance(w, merchant) == merchant_before - 1050
    )
    assert money(w) == total
    refund = w.db.scalars(select(Refund).where(Refund.out_request_no == a.number)).one()
    assert refund.amount_fen == 1050
    names = [e.name for e in w.events() if e.payload.get("aftersale_no") == a.number]
    assert names == ["aftersale.requested", "aftersale.approved", "aftersale.refunded"]
    # A second request may take the rest, never more.
    with pytest.raises(DomainError) as exc:
        aftersales.request(w, order, kind="refund_only", reason="other", amount=order.total_fen - 1049)
    assert exc.value.status == 400 and order.refunded_fen == 1050
    rest = aftersales.request(w, order, kind="refund_only", reason="other", amount=order.total_fen - 1050)
    aftersales.approve(w, rest)
    assert order.refunded_fen == order.total_fen and order.status == OrderStatus.CLOSED
    assert bank.balance(w, payer) == paid_before + order.total_fen and money(w) == total
    with pytest.raises(Conflict):  # nothing left to ask for
        aftersales.request(w, order, kind="refund_only", reason="other", amount=1)


def test_a_return_is_refunded_once_the_goods_are_back_in_stock(w) -> None:  # noqa: ANN001
    order = delivered(w, goods=1, qty=2)
    sku = storefront.get_sku(w, order.lines[0].sku_code)
    on_hand = sku.quantity
    payer, _ = accounts(w, order)
    paid_before = bank.balance(w, payer)
    a = aftersales.request(
        w,
        order,
        kind="return_refund",
        reason="wrong_size",
        amount="69",
        quantities={str(order.lines[0].id): "1"},
    )
    aftersales.approve(w, a)  # a return: the goods first
    assert a.status == AfterSaleStatus.AWAITING_RETURN and order.refunded_fen == 0
    with pytest.raises(Conflict):  # nothing came back yet
        aftersales.confirm_return(w, a)
    order_npc.buyer_ship_return(w, {"aftersale": a.number, "after": "+1m"}, None)
    assert a.status == AfterSaleStatus.RETURNING and a.return_waybill_no
    with pytest.raises(Conflict) as exc:  # the return parcel is still on its way
        aftersales.confirm_return(w, a)
    assert exc.value.key.startswith("退货包裹")
    while tracking.next_status(waybill := shipment_waybill_no(w, a.return_waybill_no)) is not None:
        tracking.advance(w, waybill.number)
    aftersales.confirm_return(w, a)
    assert a.status == AfterSaleStatus.REFUNDED and a.returned_at is not None
    assert sku.quantity == on_hand + 1 and order.lines[0].returned_quantity == 1
    assert bank.balance(w, payer) == paid_before + 6900
    with pytest.raises(Conflict):  # over: no step leads anywhere
        aftersales.reject(w, a, "不同意")


def shipment_waybill_no(w, number: str):  # noqa: ANN001, ANN201
    from sandbox.logistics import waybills

    return waybills.get_waybill(w, number)


def test_a_refusal_needs_a_reason_and_ends_the_request(w) -> None:  # noqa: ANN001
    order = delivered(w)
    a = aftersales.request(w, order, kind="refund_only", reason="no_longer_wanted", amount="1")
    with pytest.raises(DomainError) as exc:
        aftersales.reject(w, a, " ")
    assert exc.value.key == "请填写拒绝原因（2-100 个字）" and a.status == AfterSaleStatus.REQUESTED
    aftersales.reject(w, a, "签收已超过7天")
    assert a.status == AfterSaleStatus.REJECTED and a.seller_note == "签收已超过7天"
    for step in (aftersales.approve, aftersales.request_return, aftersales.confirm_return):
        with pytest.raises(Conflict):
            step(w, a)
    assert order.refunded_fen == 0
    # The buyer may ask again once it is over.
    again = aftersales.request(w, order, kind="refund_only", reason="quality", amount="1")
    assert again.status == AfterSaleStatus.REQUESTED


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"amount": "0"}, 400, "请填写大于零的退款金额"),
        ({"amount": "99999"}, 400, "退款金额不能超过 ¥%(max)s（实付金额减去已退款金额）"),
        ({"amount": "1.234"}, 400, "金额必须是数字，最多两位小数"),
        ({"kind": "exchange"}, 400, "请选择售后类型（仅退款或退货退款）"),
        ({"reason": "whatever"}, 400, "请选择售后原因"),
        ({"detail": "长" * 501}, 400, "问题描述不能超过 %(max)s 个字"),
        ({"quantities": {"LINE": "5"}}, 400, "「%(name)s」最多可申请 %(max)s 件"),
    ],
)
def test_bad_requests_are_refused(w, changes, status, message) -> None:  # noqa: ANN001
    order = delivered(w)
    args = {"kind": "refund_only", "reason": "quality", "amount": "5", **changes}
    if "quantities" in args:
        args["quantities"] = {str(order.lines[0].id): v for v in args["quantities"].values()}
    with pytest.raises(DomainError) as exc:
        aftersales.request(w, order, **args)
    assert (exc.value.status, exc.value.key) == (status, message)
    assert w.db.scalars(select(AfterSale).where(AfterSale.order_id == order.id)).first() is None


def test_one_open_request_per_order_and_only_for_paid_orders(w) -> None:  # noqa: ANN001
    order = delivered(w)
    aftersales.request(w, order, kind="refund_only", reason="quality", amount="5")
    with pytest.raises(Conflict) as exc:
        aftersales.request(w, order, kind="refund_only", reason="quality", amount="5")
    assert exc.value.key == "该订单已有进行中的售后申请"
    unpaid = new_order(w, pay=False)
    with pytest.raises(Conflict):
        aftersales.request(w, unpaid, kind="refund_only", reason="quality", amount="5")
    not_shipped = new_order(w)
    with pytest.raises(Conflict):  # nothing can come back from an order not shipped
        aftersales.request(w, not_shipped, kind="return_refund", reason="quality", amount="5")


def test_an_open_request_holds_shipping_and_a_full_refund_releases_the_stock(w) -> None:  # noqa: ANN001
    order = new_order(w, goods=2, qty=2)
    sku = storefront.get_sku(w, order.lines[0].sku_code)
    allocated = sku.allocated
    a = aftersales.request(w, order, kind="refund_only", reason="no_longer_wanted", amount=order.total_fen)
    with pytest.raises(Conflict):
        fulfilment.ship(w, order, "SF", "standard")
    aftersales.approve(w, a)
    assert order.status == OrderStatus.CLOSED and sku.allocated == allocated - 2


def test_photos_must_be_real_images(w) -> None:  # noqa: ANN001
    order = delivered(w)
    base = {"kind": "refund_only", "reason": "damaged", "amount": "3"}
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for images in (
        [("a.png", b"not an image at all")],
        [("a.svg", svg)],
        [("a.png", svg)],
        [("big.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024))],
        [("a.png", png())] * 4,
    ):
        with pytest.raises(DomainError):
            aftersales.request(w, order, images=images, **base)
        assert w.db.scalars(select(AfterSale).where(AfterSale.order_id == order.id)).first() is None
    made = aftersales.request(w, order, images=[("box.png", png()), ("", b"")], **base)
    assert [(i.filename, i.content_type) for i in made.images] == [("box.png", "image/png")]
