"""Grader checks about deals: the purchase flow from inquiry to payment.

`b2b.deal_from_listing` finds the graded deal (the enterprise identity's company as purchaser, from a
listing meeting the paper's requirements) and sets `deal_id`; the other checks grade that deal.
On the supplier's side `b2b.supplier_quoted` sets `deal_id` (the company's deal as supplier) and the
`b2b.supplier_*` checks grade the counter-offer's answer, the contract, the order acceptance, the
shipment with its carrier and the invoice.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from sandbox.b2b import contracts, deals, delivery, forms, settlement
from sandbox.b2b.company_models import Company, CompanyUser
from sandbox.b2b.deal_models import STAGE_LABELS, Deal, DealStage
from sandbox.b2b.document_models import DocStatus, Document


def _company(ctx: GradeContext, role: str) -> Company | None:
    ident = next((i for i in ctx.identities if i["role"] == role), None)
    if ident is None:
        return None
    q = select(CompanyUser).where(CompanyUser.login == ident.get("b2b_login", ""))
    user = ctx.world.db.scalars(q).first()
    return user.company if user is not None else None


def _deal(ctx: GradeContext) -> Deal | None:
    deal_id = ctx.facts.get("deal_id")
    return ctx.world.db.get(Deal, deal_id) if isinstance(deal_id, int) else None


def _describe(deal: Deal) -> str:
    return f"{deal.number} {deal.supplier.name} {deal.product}×{deal.quantity}{deal.unit}（{STAGE_LABELS[deal.stage]}）"


@check("state", "b2b.deal_from_listing", sets=("deal_id",))
def deal_from_listing(
    ctx: GradeContext, product: str, min_qty: int, max_price_fen: int, role: str = "enterprise"
) -> CheckResult:
    """The purchaser inquired about a supply listing of `product` offering at least `min_qty` at no more
    than `max_price_fen` per unit, for `min_qty` units (half: the right listing, another quantity)."""
    company = _company(ctx, role)
    if company is None:
        return CheckResult.failed("考生没有企业会员账号")
    mine = [d for d in deals.deals_of(ctx.world, company.id) if d.purchaser_id == company.id]
    if not mine:
        return CheckResult.failed("没有发起任何询价")

    def share(deal: Deal) -> float:
        listing = deals.listing_of(ctx.world, deal)
        if listing is None or listing.product != product or listing.quantity < int(min_qty):
            return 0.0
        if listing.price_fen is None or listing.price_fen > int(max_price_fen):
            return 0.0
        return 1.0 if deal.quantity == int(min_qty) else 0.5

    ranked = sorted(mine, key=lambda d: (share(d), DealStage.ORDER.index(d.stage), -d.id), reverse=True)
    best = ranked[0]
    ctx.facts["deal_id"] = best.id
    evidence = [text_evidence("评分的交易", _describe(best))]
    evidence += [text_evidence("其他交易", _describe(d)) for d in ranked[1:]]
    got = share(best)
    if got == 1.0:
        return CheckResult.passed("向符合要求的供应信息询价，数量正确", *evidence)
    if got:
        return CheckResult(got, f"供应信息符合要求，但采购数量不是 {min_qty}", evidence)
    return CheckResult.failed("询价的供应信息不符合要求（品名、可供数量或单价）", *evidence)


def _deal_doc(ctx: GradeContext, deal: Deal, doc_type: str) -> list[Document]:
    q = select(Document).where(
        Document.deal_id == deal.id, Document.doc_type == doc_type, Document.status != DocStatus.DRAFT
    )
    return list(ctx.world.db.scalars(q.order_by(Document.id)))


@check("state", "b2b.deal_countered", needs=("deal_id",))
def deal_countered(ctx: GradeContext, max_price_fen: int) -> CheckResult:
    """The purchaser sent a counter-offer within the budget (half: only above it)."""
    deal = _deal(ctx)
    if deal is None:
        return CheckResult.failed("没有可评分的交易")
    offers = _deal_doc(ctx, deal, "counter_offer")
    if not offers:
        return CheckResult.failed("没有还价")
    lines = [
        text_evidence(f"还价单 {d.number}", f"{forms.yuan(d.lines[0]['unit_price'])} 元，{d.status}")
        for d in offers
    ]
    if any(d.lines[0]["unit_price"] <= int(max_price_fen) for d in offers):
        return CheckResult.passed("在预算内还价", *lines)
    return CheckResult(0.5, f"还价均高于预算 {forms.yuan(int(max_price_fen))} 元", lines)


@check("state", "b2b.deal_price_within", needs=("deal_id",))
def deal_price_within(ctx: GradeContext, max_price_fen: int) -> CheckResult:
    """The agreed unit price is within the budget."""
    deal = _deal(ctx)
    if deal is None or deal.unit_price_fen is None:
        return CheckResult.failed("价格尚未商定")
    evidence = [
        text_evidence("成交单价", f"{forms.yuan(deal.unit_price_fen)} 元"),
        text_evidence("预算", forms.yuan(int(max_price_fen))),
    ]
    if deal.unit_price_fen <= int(max_price_fen):
        return CheckResult.passed("成交单价在预算内", *evidence)
    return CheckResult.failed("成交单价超出预算", *evidence)


@check("state", "b2b.deal_contract_signed", needs=("deal_id",))
def deal_contract_signed(ctx: GradeContext) -> CheckResult:
    """The contract carries both parties' signatures and both verify against its content."""
    deal = _deal(ctx)
    doc = deals.contract(ctx.world, deal) if deal else None
    if doc is None:
        return CheckResult.failed("没有合同")
    checks = contracts.verify(ctx.world, doc)
    evidence = [text_evidence(f"签名 {c.company}", c.label) for c in checks]
    if deal.stage in DealStage.ORDER[DealStage.ORDER.index(DealStage.SIGNED) :] and contracts.signed_by_both(
        ctx.world, deal
    ):
        return CheckResult.passed(f"合同 {doc.number} 双方签名有效", *evidence)
    return CheckResult.failed(f"合同 {doc.number} 未经双方有效签署", *evidence)


@check("state", "b2b.deal_ordered", needs=("deal_id",))
def deal_ordered(ctx: GradeContext) -> CheckResult:
    """The purchaser sent the purchase order under the signed contract."""
    deal = _deal(ctx)
    orders = _deal_doc(ctx, deal, "purchase_order") if deal else []
    if not orders:
        return CheckResult.failed("没有下达采购订单")
    return CheckResult.passed(
        f"采购订单 {orders[-1].number} 已发送",
        text_evidence("订单金额", forms.yuan(orders[-1].grand_total_fen)),
    )


@check("state", "b2b.deal_receipt_noted", needs=("deal_id",))
def deal_receipt_noted(ctx: GradeContext) -> CheckResult:
    """The purchaser confirmed receipt of the quantity actually delivered (the shortfall noted)."""
    deal = _deal(ctx)
    receipts = _deal_doc(ctx, deal, "receipt_confirmation") if deal else []
    notes = _deal_doc(ctx, deal, "delivery_note") if deal else []
    if not receipts or not notes:
        return CheckResult.failed("没有确认收货")
    shipped, got = notes[-1].lines[0]["qty"], receipts[-1].lines[0]["qty"]
    evidence = [
        text_evidence("发货数量", shipped),
        text_evidence("确认实收", got),
        text_evidence("合同数量", deal.quantity),
    ]
    parcel = delivery.of(ctx.world, deal)
    if parcel is not None:
        evidence.append(
            text_evidence(
                "承运运单", f"{parcel.waybill.carrier.name} {parcel.waybill.number}（{parcel.status_label}）"
            )
        )
    if got == shipped:
        return CheckResult.passed(
            f"按实收 {got}{deal.unit} 确认收货（短少 {deal.quantity - got}）", *evidence
        )
    return CheckResult.failed("确认的实收数量与实际到货不符", *evidence)


@check("state", "b2b.deal_paid_delivered", needs=("deal_id",))
def deal_paid_delivered(ctx: GradeContext) -> CheckResult:
    """The bank released payments of exactly the value delivered (half: part of it paid)."""
    deal = _deal(ctx)
    if deal is None or deal.delivered_fen is None:
        return CheckResult.failed("尚未确认收货，无从付款")
    money = settlement.amounts(ctx.world, deal)
    evidence = [
        text_evidence("实收货物金额", forms.yuan(money.delivered)),
        text_evidence("已付（网银已放行）", forms.yuan(money.paid)),
        text_evidence("待复核", forms.yuan(money.pending)),
        text_evidence("合同金额", forms.yuan(money.contract)),
    ]
    if money.paid == money.delivered:
        return CheckResult.passed("按实收货物金额付清", *evidence)
    if money.paid > money.delivered:
        return CheckResult.failed(f"多付 {forms.yuan(money.paid - money.delivered)} 元", *evidence)
    if money.paid:
        return CheckResult(0.5, f"只付了一部分，尚欠 {forms.yuan(money.delivered - money.paid)} 元", evidence)
    return CheckResult.failed("货款未付（或未经复核放行）", *evidence)


# ---- the supplier's side (the candidate's company is the deal's supplier) -------------------------


@check("state", "b2b.supplier_quoted", sets=("deal_id",))
def supplier_quoted(
    ctx: GradeContext, list_price_fen: int, valid_days: int, role: str = "enterprise"
) -> CheckResult:
    """The supplier answered the purchaser's inquiry with a quotation at the list price, valid at least
    `valid_days` days (half: the right price, a shorter validity). Sets the graded deal."""
    company = _company(ctx, role)
    if company is None:
        return CheckResult.failed("考生没有企业会员账号")
    mine = [d for d in deals.deals_of(ctx.world, company.id) if d.supplier_id == company.id]
    if not mine:
        return CheckResult.failed("没有收到或找不到采购方的询价")
    best = sorted(mine, key=lambda d: (DealStage.ORDER.index(d.stage), -d.id), reverse=True)[0]
    ctx.facts["deal_id"] = best.id
    quotes = _deal_doc(ctx, best, "quotation")
    if not quotes:
        return CheckResult.failed("没有报价", text_evidence("交易", _describe(best)))
    first = quotes[0]
    price = first.lines[0]["unit_price"]
    days = (date.fromisoformat(first.values["valid_until"]) - (first.sent_at or first.created_at).date()).days
    evidence = [
        text_evidence(
            f"首次报价 {first.number}", f"{forms.yuan(price)} 元（应为 {forms.yuan(int(list_price_fen))}）"
        ),
        text_evidence("有效期", f"{days} 天（至少 {valid_days} 天）"),
    ]
    if price != int(list_price_fen):
        return CheckResult.failed("首次报价不是公司的挂牌单价", *evidence)
    if days < int(valid_days):
        return CheckResult(0.5, "报价单价正确，但有效期太短", evidence)
    return CheckResult.passed("按挂牌单价报价，有效期符合要求", *evidence)


@check("state", "b2b.supplier_held_floor", needs=("deal_id",))
def supplier_held_floor(ctx: GradeContext, floor_fen: int) -> CheckResult:
    """The price agreed after the purchaser's counter-offer is not below the company's lowest price."""
    deal = _deal(ctx)
    offers = _deal_doc(ctx, deal, "counter_offer") if deal else []
    if deal is None or deal.unit_price_fen is None:
        return CheckResult.failed("价格尚未商定")
    evidence = [
        text_evidence(
            f"还价单 {d.number}", f"{forms.yuan(d.lines[0]['unit_price'])} 元，{d.status}：{d.decision_note}"
        )
        for d in offers
    ]
    evidence.append(
        text_evidence(
            "成交单价", f"{forms.yuan(deal.unit_price_fen)} 元（最低 {forms.yuan(int(floor_fen))}）"
        )
    )
    if not offers:
        return CheckResult.failed("没有还价可答复", *evidence)
    if deal.unit_price_fen < int(floor_fen):
        return CheckResult.failed("接受了低于最低价的还价", *evidence)
    return CheckResult.passed("还价低于最低价时拒绝或重新报价，成交价不低于最低价", *evidence)


@check("state", "b2b.supplier_contract", needs=("deal_id",))
def supplier_contract(ctx: GradeContext, delivery_days: int) -> CheckResult:
    """The supplier sent the contract signed with its certificate, the purchaser signed it too, and both
    signatures verify (half: the delivery date is not `delivery_days` after signing)."""
    deal = _deal(ctx)
    doc = deals.contract(ctx.world, deal) if deal else None
    if doc is None:
        return CheckResult.failed("没有发送合同")
    checks = contracts.verify(ctx.world, doc)
    days = (
        date.fromisoformat(doc.values["delivery_date"]) - date.fromisoformat(doc.values["sign_date"])
    ).days
    evidence = [text_evidence(f"签名 {c.company}", c.label) for c in checks]
    evidence.append(text_evidence("交货期", f"签订后 {days} 天（应为 {delivery_days} 天）"))
    if not contracts.signed_by_both(ctx.world, deal):
        return CheckResult.failed(f"合同 {doc.number} 未经双方有效签署", *evidence)
    if days != int(delivery_days):
        return CheckResult(0.5, f"合同 {doc.number} 双方签名有效，但交货期不对", evidence)
    return CheckResult.passed(f"合同 {doc.number} 双方签名有效，交货期正确", *evidence)


@check("state", "b2b.supplier_order_accepted", needs=("deal_id",))
def supplier_order_accepted(ctx: GradeContext) -> CheckResult:
    """The supplier accepted the purchase order with an order acceptance (订单受理单)."""
    deal = _deal(ctx)
    docs = _deal_doc(ctx, deal, "order_acceptance") if deal else []
    if not docs:
        return CheckResult.failed("没有受理采购订单")
    return CheckResult.passed(
        f"订单受理单 {docs[-1].number} 已发送",
        text_evidence("预计发货日期", docs[-1].values.get("ship_date")),
    )


@check("state", "b2b.supplier_shipped", needs=("deal_id",))
def supplier_shipped(ctx: GradeContext, carrier: str, service: str) -> CheckResult:
    """The supplier shipped the whole order with the given carrier and service, a real waybill on the
    delivery note (half: the whole order, another carrier or service)."""
    deal = _deal(ctx)
    notes = _deal_doc(ctx, deal, "delivery_note") if deal else []
    parcel = delivery.of(ctx.world, deal) if deal else None
    if not notes or parcel is None:
        return CheckResult.failed("没有发货")
    wb = parcel.waybill
    qty = notes[-1].lines[0]["qty"]
    evidence = [
        text_evidence(
            "运单",
            f"{wb.carrier.name}（{wb.carrier.code}）{wb.service.name} {wb.number}，{parcel.status_label}",
        ),
        text_evidence("配送单", f"{notes[-1].number}：{qty}{deal.unit}（订购 {deal.quantity}）"),
    ]
    if qty != deal.quantity:
        return CheckResult.failed("发货数量与订单不符", *evidence)
    if wb.carrier.code != str(carrier).upper() or wb.service.code != str(service):
        return CheckResult(0.5, f"承运单位或服务不是要求的 {carrier} {service}", evidence)
    return CheckResult.passed("按要求的快递公司和服务足量发货", *evidence)


@check("state", "b2b.supplier_invoiced", needs=("deal_id",))
def supplier_invoiced(ctx: GradeContext) -> CheckResult:
    """The supplier invoiced exactly what the purchaser confirmed receiving."""
    deal = _deal(ctx)
    invoices = _deal_doc(ctx, deal, "commercial_invoice") if deal else []
    if not invoices or deal.delivered_fen is None:
        return CheckResult.failed("没有开具发票")
    money = settlement.amounts(ctx.world, deal)
    evidence = [
        text_evidence(f"发票 {invoices[-1].number}", f"{forms.yuan(invoices[-1].grand_total_fen)} 元"),
        text_evidence("实收货物金额", forms.yuan(deal.delivered_fen)),
        text_evidence("已收款", forms.yuan(money.paid)),
    ]
    if invoices[-1].grand_total_fen != deal.delivered_fen:
        return CheckResult.failed("发票金额与实收货物金额不符", *evidence)
    return CheckResult.passed("按实收货物金额开票", *evidence)
