"""The deal's services: who may see a deal, and its chain of documents from inquiry to settlement.

Every step is a document of the engine (`documents`), sent between the deal's two parties only and
carrying the deal's id; the deal keeps its stage, amounts (fen) and a status history. The contract's
signatures are in `contracts`, the payments in `settlement`. Each step emits `b2b.deal_<step>`.

Purchaser: `inquire`, `accept_quotation`, `counter`, `contracts.sign_contract`, `place_order`,
`confirm_receipt`, `settlement.pay`. Supplier: `quote` (also the answer to a counter-offer with a new
price), `answer_counter`, `contracts.send_contract`, `accept_order`, `ship`, `invoice`. The carrier is a
party too (`delivery`): `ship` hands the goods over with a real waybill, and receipt is confirmed once
the parcel is signed for (or earlier when the scenario allows it, `receipt_early`).
A company outside the deal gets NotFound (404), the other party's step is refused with 403, a step at the
wrong stage is a Conflict (409).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select

from sandbox.b2b import deal_forms, delivery, documents, forms
from sandbox.b2b.company_models import Company, MembershipStatus
from sandbox.b2b.deal_models import STAGE_LABELS, Deal, DealEvent, DealStage
from sandbox.b2b.document_models import DocStatus, Document
from sandbox.b2b.listing_models import Listing
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.worlds.world import World

assert deal_forms.QUOTATION  # the deal's document types are registered with this module
TAX_RATE = "0"  # the deal's prices are 含税 (tax included)
PRICE_NOTE = "单价为含税价"
MAX_QTY = forms.MAX_QTY
MAX_VALID_DAYS = 30
# A counter price above this many times the quotation was surely typed in fen, not yuan.
UNIT_SLIP = 10


# ---- reading ----------------------------------------------------------------------------------


def get_deal(w: World, company_id: int | None, deal_id: object) -> Deal:
    """A deal the company is a party to; anyone else (or no such deal) gets NotFound."""
    try:
        key = int(str(deal_id))
    except ValueError:
        key = None
    deal = w.db.get(Deal, key) if key is not None else None
    if deal is None or company_id not in (deal.purchaser_id, deal.supplier_id):
        raise NotFound(N_("交易不存在"))
    return deal


def deals_of(w: World, company_id: int) -> list[Deal]:
    """The company's deals, as purchaser or supplier, newest first."""
    q = select(Deal).where(or_(Deal.purchaser_id == company_id, Deal.supplier_id == company_id))
    return list(w.db.scalars(q.order_by(Deal.updated_at.desc(), Deal.id.desc())))


def chain(w: World, deal: Deal, company_id: int) -> list[Document]:
    """The deal's documents the company may read (the other party's drafts are not), oldest first."""
    q = select(Document).where(Document.deal_id == deal.id).order_by(Document.id)
    return [d for d in w.db.scalars(q) if d.sender_id == company_id or d.status != DocStatus.DRAFT]


def latest(w: World, deal: Deal, doc_type: str) -> Document | None:
    """The deal's newest sent document of a type (a draft or a superseded version does not count)."""
    q = (
        select(Document)
        .where(
            Document.deal_id == deal.id,
            Document.doc_type == doc_type,
            Document.status.notin_((DocStatus.DRAFT, DocStatus.SUPERSEDED)),
        )
        .order_by(Document.id.desc())
    )
    return w.db.scalars(q).first()


def history(w: World, deal: Deal) -> list[DealEvent]:
    """The deal's status history, oldest first."""
    return list(deal.events)


def quotation_expired(w: World, doc: Document) -> bool:
    """Whether a quotation's validity (to the end of its 有效期至 day, world time) has run out."""
    until = doc.values.get("valid_until")
    return bool(until) and w.now().date() > date.fromisoformat(until)


# ---- helpers ----------------------------------------------------------------------------------


def _as_purchaser(w: World, company_id: int, deal_id: object) -> Deal:
    deal = get_deal(w, company_id, deal_id)
    if deal.purchaser_id != company_id:
        raise DomainError(N_("只有采购方可以进行此操作"), status=403)
    return deal


def _as_supplier(w: World, company_id: int, deal_id: object) -> Deal:
    deal = get_deal(w, company_id, deal_id)
    if deal.supplier_id != company_id:
        raise DomainError(N_("只有供货方可以进行此操作"), status=403)
    return deal


def _expect(deal: Deal, *stages: str) -> None:
    if deal.stage not in stages:
        raise Conflict(
            N_("交易 %(number)s 当前为「%(stage)s」，不能进行此操作"),
            number=deal.number,
            stage=STAGE_LABELS.get(deal.stage, deal.stage),
        )


def _move(
    w: World,
    deal: Deal,
    company_id: int | None,
    stage: str,
    doc: Document | None,
    note: str = "",
    **extra: object,
) -> None:
    """Move the deal to a stage, with a line in its history and a domain event."""
    company = w.db.get(Company, company_id) if company_id else None
    deal.stage = stage
    deal.updated_at = w.now()
    w.db.add(
        DealEvent(
            deal=deal,
            at=w.now(),
            company_id=company_id,
            actor=company.name if company else documents.SYSTEM,
            stage=stage,
            document_id=doc.id if doc else None,
            note=note[:300],
        )
    )
    w.db.flush()
    w.emit(
        f"b2b.deal_{stage}",
        deal_id=deal.id,
        number=deal.number,
        purchaser=deal.purchaser_id,
        supplier=deal.supplier_id,
        document=doc.number if doc else None,
        unit_price_fen=deal.unit_price_fen,
        delivered_qty=deal.delivered_qty,
        **extra,
    )


def _submit(
    w: World, deal: Deal, sender_id: int, doc_type: str, fields: dict[str, Any], lines: list
) -> Document:
    """Send a document of the deal to its other party (never to anyone outside it)."""
    receiver = deal.supplier_id if sender_id == deal.purchaser_id else deal.purchaser_id
    raw = {"fields": {k: "" if v is None else str(v) for k, v in fields.items()}, "lines": lines}
    return documents.submit(
        w,
        sender_id,
        doc_type,
        raw,
        receiver,
        allowed_receivers=(deal.purchaser_id, deal.supplier_id),
        deal_id=deal.id,
    )


def send_in_deal(
    w: World, company_id: int, deal_id: object, doc_id: object, receiver_id: int | None
) -> Document:
    """Send a draft the company made for the deal; only the deal's other party may receive it."""
    deal = get_deal(w, company_id, deal_id)
    doc = documents.get(w, company_id, doc_id)
    if doc.deal_id != deal.id:
        raise NotFound(N_("单证不存在"))
    return documents.send(
        w,
        company_id,
        doc.id,
        receiver_id=receiver_id,
        allowed_receivers=(deal.purchaser_id, deal.supplier_id),
    )


def line(deal: Deal, qty: int, price_fen: int | None = None, **extra: object) -> dict[str, str]:
    """One goods line of the deal's product as the engine's form wants it (strings)."""
    row = {"name": deal.product, "spec": deal.spec, "unit": deal.unit, "qty": str(qty)}
    if price_fen is not None:
        row["unit_price"] = forms.yuan(price_fen)
    row.update({k: str(v) for k, v in extra.items()})
    return row


def parse_price(text: object, label: str = "单价") -> int:
    """An amount typed in yuan (at most two decimals) as fen; a clear message otherwise."""
    try:
        fen = forms.parse_yuan(text)
    except ValueError:
        raise DomainError(
            N_("%(label)s 请以元为单位填写数字，最多两位小数，例如 23.50"), label=label
        ) from None
    if fen <= 0:
        raise DomainError(N_("%(label)s 必须大于零"), label=label)
    return fen


def _next_number(w: World) -> str:
    stem = f"JY{w.now():%Y%m%d}-"
    taken = w.db.scalars(select(Deal.number).where(Deal.number.like(f"{stem}%"))).all()
    return f"{stem}{len(taken) + 1:04d}"


# ---- negotiation ------------------------------------------------------------------------------


def inquire(
    w: World,
    company_id: int,
    *,
    listing_id: object = None,
    supplier_id: object = None,
    quantity: object = None,
    product: str = "",
    spec: str = "",
    unit: str = "",
    delivery_place: str = "",
    remarks: str = "",
) -> Deal:
    """The purchaser opens a deal with an inquiry: from a supply listing, or to a supplier directly."""
    buyer = w.db.get(Company, company_id)
    if buyer is None or buyer.status != MembershipStatus.APPROVED:
        raise DomainError(N_("贵公司还不是审核通过的企业会员"), status=403)
    listing = None
    if listing_id not in (None, ""):
        from sandbox.b2b import listings

        try:
            listing = listings.visible(w, int(str(listing_id)))
        except ValueError:
            raise NotFound(N_("供求信息不存在或已过期")) from None
        if listing.kind != "supply":
            raise DomainError(N_("只能向供应信息询价"))
        supplier = listing.company
        product, spec, unit = listing.product, listing.spec[:60], listing.unit
    else:
        try:
            supplier = w.db.get(Company, int(str(supplier_id)))
        except ValueError:
            supplier = None
        if supplier is None or supplier.status != MembershipStatus.APPROVED:
            raise DomainError(N_("请选择审核通过的供应商"))
    if supplier.id == company_id:
        raise DomainError(N_("不能向本公司询价"))
    text = str(quantity or "").strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_QTY:
        raise DomainError(N_("采购数量须为大于 0 的整数"))
    if unit not in forms.UNITS:
        raise DomainError(N_("计量单位请从列表中选择"))
    if not str(product).strip():
        raise DomainError(N_("请填写货物名称"))
    place = str(delivery_place or "").strip() or buyer.address
    if not place:
        raise DomainError(N_("请填写交货地点"))
    now = w.now()
    deal = Deal(
        number=_next_number(w),
        purchaser_id=company_id,
        supplier_id=supplier.id,
        listing_id=listing.id if listing else None,
        product=str(product).strip()[:60],
        spec=str(spec or "").strip()[:60],
        unit=unit,
        quantity=int(text),
        delivery_place=place[:120],
        created_at=now,
        updated_at=now,
    )
    w.db.add(deal)
    w.db.flush()
    doc = _submit(
        w,
        deal,
        company_id,
        "inquiry",
        {
            "buyer_name": buyer.name,
            "seller_name": supplier.name,
            "listing_ref": listing.number if listing else "",
            "delivery_place": deal.delivery_place,
            "remarks": str(remarks or "")[:300],
        },
        [line(deal, deal.quantity)],
    )
    _move(w, deal, company_id, DealStage.INQUIRED, doc)
    return deal


def quote(
    w: World,
    company_id: int,
    deal_id: object,
    unit_price: object,
    *,
    valid_days: int = 3,
    payment_terms: str = "货到付款",
    remarks: str = "",
) -> Document:
    """The supplier quotes a unit price (yuan), valid `valid_days` days (world calendar); a new
    quotation answers a pending counter-offer too (it is declined, naming the new price)."""
    deal = _as_supplier(w, company_id, deal_id)
    _expect(deal, DealStage.INQUIRED, DealStage.QUOTED, DealStage.COUNTERED)
    if isinstance(unit_price, int) and not isinstance(unit_price, bool):
        price = unit_price  # an NPC's price, already in fen
    else:
        price = parse_price(unit_price, "报价单价")
        listed = listing_of(w, deal)
        if listed is not None and listed.price_fen and price > listed.price_fen * UNIT_SLIP:
            raise DomainError(
                N_("报价单价 %(price)s 元远高于挂牌价 %(listed)s 元：请以元为单位填写（不是分）"),
                price=forms.yuan(price),
                listed=forms.yuan(listed.price_fen),
            )
    days = delivery.parse_whole(valid_days, N_("报价有效期须为 1 到 30 天"))
    if days > MAX_VALID_DAYS:
        raise DomainError(N_("报价有效期须为 1 到 30 天"))
    if payment_terms not in forms.PAYMENT_TERMS:
        raise DomainError(N_("付款方式请从列表中选择"))
    pending = latest(w, deal, "counter_offer")
    if pending is not None and pending.status == DocStatus.SENT:
        documents.reject(w, company_id, pending.id, f"已重新报价：单价 {forms.yuan(price)} 元")
    inquiry = latest(w, deal, "inquiry")
    doc = _submit(
        w,
        deal,
        company_id,
        "quotation",
        {
            "seller_name": deal.supplier.name,
            "buyer_name": deal.purchaser.name,
            "inquiry_ref": inquiry.number if inquiry else "",
            "valid_until": (w.now() + timedelta(days=days)).date().isoformat(),
            "delivery_place": deal.delivery_place,
            "payment_terms": payment_terms,
            "tax_rate": TAX_RATE,
            "remarks": str(remarks or "").strip()[:300] or PRICE_NOTE,
        },
        [line(deal, deal.quantity, price)],
    )
    _move(w, deal, company_id, DealStage.QUOTED, doc, forms.yuan(price))
    return doc


def _open_quotation(w: World, deal: Deal) -> Document:
    doc = latest(w, deal, "quotation")
    if doc is None:
        raise DomainError(N_("供应商尚未报价"))
    return doc


def accept_quotation(w: World, company_id: int, deal_id: object) -> Deal:
    """The purchaser accepts the supplier's quotation (refused once its validity has run out)."""
    deal = _as_purchaser(w, company_id, deal_id)
    _expect(deal, DealStage.QUOTED, DealStage.COUNTERED)
    doc = _open_quotation(w, deal)
    if quotation_expired(w, doc):
        raise DomainError(
            N_("报价单 %(number)s 已于 %(date)s 过期，不能再接受；请向供应商重新询价"),
            number=doc.number,
            date=doc.values.get("valid_until"),
        )
    documents.accept(w, company_id, doc.id)
    deal.unit_price_fen = doc.lines[0]["unit_price"]
    deal.contract_total_fen = deal.unit_price_fen * deal.quantity
    _move(w, deal, company_id, DealStage.AGREED, doc, forms.yuan(deal.unit_price_fen))
    return deal


def counter(w: World, company_id: int, deal_id: object, unit_price: object, note: str = "") -> Document:
    """The purchaser counters the quotation with a lower unit price (还价)."""
    deal = _as_purchaser(w, company_id, deal_id)
    _expect(deal, DealStage.QUOTED, DealStage.COUNTERED)
    quotation = _open_quotation(w, deal)
    if quotation.status != DocStatus.SENT:
        raise Conflict(N_("报价单 %(number)s 已处理，不能再还价"), number=quotation.number)
    if quotation_expired(w, quotation):
        raise DomainError(
            N_("报价单 %(number)s 已过期，不能再还价；请向供应商重新询价"), number=quotation.number
        )
    price = parse_price(unit_price, "还价单价")
    quoted = quotation.lines[0]["unit_price"]
    if price > quoted * UNIT_SLIP:
        raise DomainError(
            N_("还价单价 %(price)s 元远高于报价 %(quoted)s 元：请以元为单位填写（不是分）"),
            price=forms.yuan(price),
            quoted=forms.yuan(quoted),
        )
    if price >= quoted:
        raise DomainError(
            N_("还价须低于报价单价 %(quoted)s 元；接受报价请直接点「接受报价」"), quoted=forms.yuan(quoted)
        )
    pending = latest(w, deal, "counter_offer")
    if pending is not None and pending.status == DocStatus.SENT:
        raise Conflict(N_("还价单 %(number)s 还在等待供应商答复"), number=pending.number)
    doc = _submit(
        w,
        deal,
        company_id,
        "counter_offer",
        {
            "buyer_name": deal.purchaser.name,
            "seller_name": deal.supplier.name,
            "quotation_ref": quotation.number,
            "tax_rate": TAX_RATE,
            "remarks": str(note or "")[:300],
        },
        [line(deal, deal.quantity, price)],
    )
    _move(w, deal, company_id, DealStage.COUNTERED, doc, forms.yuan(price))
    return doc


def answer_counter(w: World, company_id: int, deal_id: object, *, accept: bool, reason: str = "") -> Document:
    """The supplier accepts the counter-offer (the price is agreed) or rejects it with a reason."""
    deal = _as_supplier(w, company_id, deal_id)
    _expect(deal, DealStage.COUNTERED)
    doc = latest(w, deal, "counter_offer")
    if doc is None or doc.status != DocStatus.SENT:
        raise DomainError(N_("没有待答复的还价单"))
    reason = str(reason or "").strip()[:300]
    if not accept:
        if not reason:
            raise DomainError(N_("拒绝还价请填写理由（例如可接受的最低单价）"))
        documents.reject(w, company_id, doc.id, reason)
        deal.updated_at = w.now()
        _move(w, deal, company_id, DealStage.QUOTED, doc, reason)
        return doc
    documents.accept(w, company_id, doc.id, reason)
    deal.unit_price_fen = doc.lines[0]["unit_price"]
    deal.contract_total_fen = deal.unit_price_fen * deal.quantity
    _move(w, deal, company_id, DealStage.AGREED, doc, forms.yuan(deal.unit_price_fen))
    return doc


# ---- order, delivery, receipt, invoice -------------------------------------------------------


def contract(w: World, deal: Deal) -> Document | None:
    """The deal's contract (its newest version)."""
    return latest(w, deal, "sales_contract")


def place_order(
    w: World, company_id: int, deal_id: object, *, contact: str = "", phone: str = ""
) -> Document:
    """The purchaser places the purchase order (订购单) under the signed contract."""
    deal = _as_purchaser(w, company_id, deal_id)
    _expect(deal, DealStage.SIGNED)
    signed = contract(w, deal)
    buyer, seller = deal.purchaser, deal.supplier
    doc = _submit(
        w,
        deal,
        company_id,
        "purchase_order",
        {
            "buyer_name": buyer.name,
            "buyer_contact": contact or buyer.contact_name or buyer.name[:20],
            "buyer_phone": phone or buyer.contact_phone,
            "seller_name": seller.name,
            "seller_contact": seller.contact_name,
            "seller_phone": seller.contact_phone,
            "order_date": w.now().date().isoformat(),
            "delivery_date": signed.values.get("delivery_date") if signed else w.now().date().isoformat(),
            "delivery_place": deal.delivery_place,
            "payment_terms": signed.values.get("payment_terms") if signed else "货到付款",
            "tax_rate": TAX_RATE,
            "amount_words": _words(deal.contract_total_fen or 0),
            "remarks": f"依据合同 {signed.number}" if signed else "",
        },
        [line(deal, deal.quantity, deal.unit_price_fen)],
    )
    _move(w, deal, company_id, DealStage.ORDERED, doc)
    return doc


def _words(fen: int) -> str:
    from sandbox.b2b import rmb

    return rmb.words(fen)


def accept_order(w: World, company_id: int, deal_id: object, *, ship_in_days: object = 2) -> Document:
    """The supplier accepts the purchase order and answers with an order acceptance (订单受理)."""
    deal = _as_supplier(w, company_id, deal_id)
    _expect(deal, DealStage.ORDERED)
    days = int(ship_in_days) if str(ship_in_days).strip().isdigit() else -1
    if not 0 <= days <= MAX_VALID_DAYS:
        raise DomainError(N_("预计发货天数须为 0 到 30 的整数"))
    order = latest(w, deal, "purchase_order")
    documents.accept(w, company_id, order.id)
    doc = _submit(
        w,
        deal,
        company_id,
        "order_acceptance",
        {
            "seller_name": deal.supplier.name,
            "buyer_name": deal.purchaser.name,
            "order_ref": order.number,
            "ship_date": (w.now() + timedelta(days=days)).date().isoformat(),
        },
        [line(deal, deal.quantity)],
    )
    _move(w, deal, company_id, DealStage.ACCEPTED, doc)
    return doc


def ship(
    w: World,
    company_id: int,
    deal_id: object,
    *,
    quantity: object = None,
    carrier: str = "",
    service: str = "standard",
    parcels: object = None,
    weight_kg: object = None,
    carrier_every: str | None = delivery.DEFAULT_EVERY,
    receipt_early: bool = False,
) -> Document:
    """The supplier hands the goods (all, or `quantity`) to a carrier with an electronic waybill and
    sends the delivery note naming the carrier and the waybill; the carrier then moves the parcel one
    step every `carrier_every` of the world clock (None: a scenario's rules move it)."""
    deal = _as_supplier(w, company_id, deal_id)
    _expect(deal, DealStage.ACCEPTED)
    qty = (
        deal.quantity if quantity in (None, "") else delivery.parse_whole(quantity, N_("发货数量须为正整数"))
    )
    if qty > deal.quantity:
        raise DomainError(N_("发货数量 %(qty)s 超过订购数量 %(max)s"), qty=qty, max=deal.quantity)
    if not str(carrier or "").strip():
        raise DomainError(N_("请选择承运的快递公司"))
    order = latest(w, deal, "purchase_order")
    buyer = deal.purchaser
    waybill = delivery.hand_over(
        w, deal, qty, carrier=carrier, service=service, parcels=parcels, weight_kg=weight_kg
    )
    deal.carrier, deal.tracking_no = waybill.carrier.name, waybill.number
    deal.receipt_early = bool(receipt_early)
    doc = _submit(
        w,
        deal,
        company_id,
        "delivery_note",
        {
            "seller_name": deal.supplier.name,
            "buyer_name": buyer.name,
            "consignee": buyer.contact_name or buyer.name[:20],
            "consignee_phone": buyer.contact_phone,
            "delivery_address": deal.delivery_place,
            "ship_date": w.now().date().isoformat(),
            "carrier": f"{waybill.carrier.name}（{waybill.service.name}）"[:40],
            "waybill_no": waybill.number,
            "order_ref": order.number if order else "",
        },
        [line(deal, qty)],
    )
    _move(
        w,
        deal,
        company_id,
        DealStage.SHIPPED,
        doc,
        f"{qty}{deal.unit} · {waybill.carrier.name} {waybill.number}",
        waybill_no=waybill.number,
        carrier=waybill.carrier.code,
    )
    delivery.move_on(w, waybill, carrier_every)
    return doc


def confirm_receipt(w: World, company_id: int, deal_id: object, received: object, note: str = "") -> Document:
    """The purchaser states the quantity received (short delivery recorded) and confirms receipt."""
    deal = _as_purchaser(w, company_id, deal_id)
    _expect(deal, DealStage.SHIPPED)
    parcel = delivery.of(w, deal)
    if parcel is not None and not parcel.delivered and not deal.receipt_early:
        raise Conflict(
            N_("运单 %(number)s 当前为「%(state)s」：货物签收后才能确认收货"),
            number=parcel.waybill.number,
            state=parcel.status_label,
        )
    note_doc = latest(w, deal, "delivery_note")
    shipped = int(note_doc.lines[0]["qty"])
    text = str(received or "").strip()
    if not text.isdigit():
        raise DomainError(N_("实收数量须为整数"))
    qty = int(text)
    if not 0 < qty <= shipped:
        raise DomainError(N_("实收数量须在 1 到发货数量 %(shipped)s 之间"), shipped=shipped)
    note = str(note or "").strip()
    if qty < deal.quantity and not note:
        note = f"短少 {deal.quantity - qty}{deal.unit}"
    doc = _submit(
        w,
        deal,
        company_id,
        "receipt_confirmation",
        {
            "buyer_name": deal.purchaser.name,
            "seller_name": deal.supplier.name,
            "delivery_ref": note_doc.number,
            "received_date": w.now().date().isoformat(),
            "remarks": note[:300],
        },
        [line(deal, qty, shipped_qty=deal.quantity)],
    )
    if note_doc.status == DocStatus.SENT:
        documents.accept(w, company_id, note_doc.id, note)
    deal.delivered_qty = qty
    deal.delivered_fen = qty * (deal.unit_price_fen or 0)
    _move(w, deal, company_id, DealStage.RECEIVED, doc, note)
    return doc


def invoice(w: World, company_id: int, deal_id: object, *, quantity: object = None) -> Document:
    """The supplier invoices what the purchaser confirmed receiving (or `quantity`)."""
    deal = _as_supplier(w, company_id, deal_id)
    _expect(deal, DealStage.RECEIVED)
    qty = deal.delivered_qty or 0
    if quantity not in (None, ""):
        qty = delivery.parse_whole(quantity, N_("开票数量须为正整数"))
        if qty > (deal.delivered_qty or 0):
            raise DomainError(
                N_("开票数量 %(qty)s 超过对方确认实收的 %(received)s"), qty=qty, received=deal.delivered_qty
            )
    buyer, seller = deal.purchaser, deal.supplier
    order = latest(w, deal, "purchase_order")
    total = qty * (deal.unit_price_fen or 0)
    doc = _submit(
        w,
        deal,
        company_id,
        "commercial_invoice",
        {
            "buyer_name": buyer.name,
            "buyer_tax_id": buyer.credit_code,
            "buyer_address_phone": f"{buyer.address} {buyer.contact_phone}".strip()[:120],
            "seller_name": seller.name,
            "seller_tax_id": seller.credit_code,
            "seller_address_phone": f"{seller.address} {seller.contact_phone}".strip()[:120],
            "seller_bank_account": seller.bank_account_no,
            "invoice_date": w.now().date().isoformat(),
            "order_ref": order.number if order else "",
            "tax_rate": TAX_RATE,
            "amount_words": _words(total),
            "remarks": PRICE_NOTE,
        },
        [line(deal, qty, deal.unit_price_fen)],
    )
    deal.invoiced_fen = doc.grand_total_fen
    _move(w, deal, company_id, DealStage.INVOICED, doc, forms.yuan(deal.invoiced_fen))
    return doc


def listing_of(w: World, deal: Deal) -> Listing | None:
    """The listing the deal started from, if any."""
    return w.db.get(Listing, deal.listing_id) if deal.listing_id else None
