"""NPC counterparties of a deal: they quote, answer counter-offers, ship and invoice by the rules of the scenario.

`b2b.supplier_answers` (rule: `{on: b2b.document_sent, do: b2b.supplier_answers, args: {...}}`, and the
same on `b2b.document_accept`) lets an NPC supplier take the deal's next step:
- an inquiry: it quotes the listing price plus `markup_percent` (default 5), valid `valid_days` (3);
- a counter-offer: it accepts one within `accept_within_percent` (3) of its quote and rejects a lower one
  with the lowest price it would take;
- an agreed price: it draws up the contract (delivery in `delivery_days`, 7) and signs it with its
  enterprise certificate (issued by the world's CA the first time it is needed);
- a purchase order: it accepts it and ships `ship_after_days` (2) later, `short_by` (0) units short
  (`ship_after`, e.g. +2m, instead of days), handing the goods to `carrier` (a carrier's code, SF) with
  `service` (standard): a real waybill, which the carrier moves one step every `carrier_every` (+30m)
  until it is signed for; `receipt_early: true` lets the purchaser confirm receipt before that;
- a receipt confirmation: it invoices what was received.
`b2b.settle_deals` (on `bank.payment_approved`) marks deals whose due amount is paid settled.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cryptography import x509
from sqlalchemy import select

from sandbox.b2b import contracts, deals, delivery, settlement
from sandbox.b2b.company_models import Company, MembershipStatus
from sandbox.b2b.deal_models import Deal, DealStage
from sandbox.b2b.document_models import DocStatus
from sandbox.b2b.listing_models import Listing, ListingStatus
from sandbox.bank import accounts, enterprise
from sandbox.bank import services as bank
from sandbox.bank.models import EnterpriseRole, EnterpriseUser
from sandbox.errors import N_, DomainError
from sandbox.pki import ca, keys, store
from sandbox.pki.authority import Subject
from sandbox.pki.models import CertKind
from sandbox.worlds.base import Event
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.npc import npc_action, schedule
from sandbox.worlds.world import World

SHIP_STEP = "b2b.supplier_ships"
NPC_FUNDS_FEN = 100_000_000  # an NPC purchaser's enterprise account opens with ¥1,000,000
CARRIER = "SF"  # 顺丰速运
SERVICE = "standard"


def _percent(fen: int, percent: float) -> int:
    """fen × (1 + percent/100), rounded half up to the fen."""
    exact = Decimal(fen) * (Decimal(100) + Decimal(str(percent))) / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def signing_entry(w: World, company: Company) -> int:
    """The NPC company's signing certificate in its store (issued by the CA the first time)."""
    found = store.signing_entries(w, company.email)
    if found:
        return found[0].id
    key = keys.new_key()
    subject = Subject(
        CertKind.ENTERPRISE,
        company.contact_name or company.name,
        company.email,
        company.name,
        company.credit_code,
    )
    row = ca.issue(
        w, subject, key.public_key(), holder=company.email, not_before=w.now() - timedelta(days=30)
    )
    entry = store.import_key(
        w,
        company.email,
        key,
        x509.load_der_x509_certificate(row.der),
        store.npc_password(w, company.email),
        "seed",
    )
    return entry.id


def _deal_of(w: World, trigger: Event | None) -> Deal | None:
    deal_id = (trigger.payload or {}).get("deal_id") if trigger is not None else None
    deal = w.db.get(Deal, deal_id) if isinstance(deal_id, int) else None
    if deal is None or not deal.supplier.npc:
        return None
    return deal


def _quote(w: World, deal: Deal, args: dict[str, Any]) -> None:
    listing = deals.listing_of(w, deal)
    base = listing.price_fen if listing and listing.price_fen else int(args.get("price_fen") or 0)
    if not base:
        return
    deals.quote(
        w,
        deal.supplier_id,
        deal.id,
        _percent(base, float(args.get("markup_percent", 5))),
        valid_days=int(args.get("valid_days", 3)),
    )


def _answer_counter(w: World, deal: Deal, args: dict[str, Any]) -> None:
    offer = deals.latest(w, deal, "counter_offer")
    quotation = deals.latest(w, deal, "quotation")
    if offer is None or offer.status != DocStatus.SENT or quotation is None:
        return
    quoted, price = quotation.lines[0]["unit_price"], offer.lines[0]["unit_price"]
    lowest = _percent(quoted, -float(args.get("accept_within_percent", 3)))
    if price >= lowest:
        deals.answer_counter(w, deal.supplier_id, deal.id, accept=True, reason="同意按还价成交")
        return
    reason = (
        f"还价 {deals.forms.yuan(price)} 元低于我方可接受的最低单价 {deals.forms.yuan(lowest)} 元"
        f"（报价的 {100 - float(args.get('accept_within_percent', 3)):g}%），恕难接受"
    )
    deals.answer_counter(w, deal.supplier_id, deal.id, accept=False, reason=reason)


def _contract(w: World, deal: Deal, args: dict[str, Any]) -> None:
    supplier = deal.supplier
    contracts.send_contract(
        w,
        supplier.id,
        deal.id,
        owner=supplier.email,
        entry_id=signing_entry(w, supplier),
        password=store.npc_password(w, supplier.email),
        delivery_days=int(args.get("delivery_days", 7)),
    )


def _accept_order(w: World, deal: Deal, args: dict[str, Any]) -> None:
    days = int(args.get("ship_after_days", 2))
    deals.accept_order(w, deal.supplier_id, deal.id, ship_in_days=days)
    delay = parse_offset(str(args["ship_after"])) if args.get("ship_after") else timedelta(days=days)
    schedule(
        w,
        w.now() + delay,
        SHIP_STEP,
        deal_id=deal.id,
        short_by=int(args.get("short_by", 0)),
        carrier=str(args.get("carrier", CARRIER)),
        service=str(args.get("service", SERVICE)),
        carrier_every=str(args.get("carrier_every", delivery.DEFAULT_EVERY)),
        receipt_early=bool(args.get("receipt_early", False)),
    )


STEPS = {
    DealStage.INQUIRED: _quote,
    DealStage.COUNTERED: _answer_counter,
    DealStage.AGREED: _contract,
    DealStage.ORDERED: _accept_order,
    DealStage.RECEIVED: lambda w, deal, args: deals.invoice(w, deal.supplier_id, deal.id),
}


@npc_action("b2b.supplier_answers")
def supplier_answers(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """An NPC supplier takes its next step of the deal the triggering document belongs to (see above)."""
    deal = _deal_of(w, trigger)
    for _ in range(len(STEPS)):  # an accepted counter-offer leads straight on to the contract
        if deal is None or deal.stage not in STEPS:
            return
        stage = deal.stage
        STEPS[stage](w, deal, args or {})
        if deal.stage == stage:
            return


@npc_action(SHIP_STEP, for_rules=False)
def supplier_ships(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The NPC supplier ships the accepted order (`short_by` units short) and sends the delivery note."""
    deal = w.db.get(Deal, args.get("deal_id"))
    if deal is None or deal.stage != DealStage.ACCEPTED:
        return
    qty = max(1, deal.quantity - int(args.get("short_by") or 0))
    deals.ship(
        w,
        deal.supplier_id,
        deal.id,
        quantity=qty,
        carrier=str(args.get("carrier") or CARRIER),
        service=str(args.get("service") or SERVICE),
        carrier_every=args.get("carrier_every", delivery.DEFAULT_EVERY) or None,
        receipt_early=bool(args.get("receipt_early", False)),
    )


# ---- NPC purchasers (a scenario puts the candidate on the supplier's side) ---------------------


def _npc_purchaser(w: World, args: dict[str, Any]) -> Company | None:
    """The NPC purchaser a rule names (`company`), else the world's first approved NPC purchaser."""
    q = select(Company).where(Company.npc.is_(True), Company.status == MembershipStatus.APPROVED)
    if args.get("company"):
        q = q.where(Company.name == str(args["company"]))
    else:
        q = q.where(Company.trade_role == "purchaser")
    return w.db.scalars(q.order_by(Company.id)).first()


def _listing_for(w: World, args: dict[str, Any]) -> Listing | None:
    """The supply listing an NPC purchaser inquires for: by `listing` number, else the newest published
    supply listing of a candidate's company for `product`."""
    q = select(Listing).where(Listing.kind == "supply", Listing.status == ListingStatus.PUBLISHED)
    if args.get("listing"):
        q = q.where(Listing.number == str(args["listing"]))
    else:
        q = q.join(Company, Listing.company_id == Company.id).where(Company.npc.is_(False))
        if args.get("product"):
            q = q.where(Listing.product == str(args["product"]))
    return w.db.scalars(q.order_by(Listing.id.desc())).first()


def _buying_deal(w: World, trigger: Event | None) -> Deal | None:
    """The deal of the triggering event (a document's `deal_id`, or a parcel's reference) with an NPC
    purchaser."""
    payload = (trigger.payload or {}) if trigger is not None else {}
    deal = None
    if isinstance(payload.get("deal_id"), int):
        deal = w.db.get(Deal, payload["deal_id"])
    elif payload.get("reference"):
        deal = w.db.scalars(select(Deal).where(Deal.number == str(payload["reference"]))).first()
    if deal is None or not deal.purchaser.npc:
        return None
    return deal


def _answer_quotation(w: World, deal: Deal, args: dict[str, Any]) -> None:
    quotation = deals.latest(w, deal, "quotation")
    if quotation is None or quotation.status != DocStatus.SENT:
        return
    countered = deals.latest(w, deal, "counter_offer") is not None
    percent = args.get("counter_percent")
    if percent and not countered:
        price = _percent(quotation.lines[0]["unit_price"], float(percent) - 100)
        deals.counter(w, deal.purchaser_id, deal.id, deals.forms.yuan(price), "请按此价格供货")
        return
    deals.accept_quotation(w, deal.purchaser_id, deal.id)


def _sign(w: World, deal: Deal, args: dict[str, Any]) -> None:
    buyer = deal.purchaser
    contracts.sign_contract(
        w,
        buyer.id,
        deal.id,
        owner=buyer.email,
        entry_id=signing_entry(w, buyer),
        password=store.npc_password(w, buyer.email),
    )


def _receive(w: World, deal: Deal, args: dict[str, Any]) -> None:
    if not deal.receipt_early and not delivery.delivered(w, deal):
        return  # the carrier has not delivered yet: a rule on parcel.signed brings the purchaser back
    shipped = int(deals.latest(w, deal, "delivery_note").lines[0]["qty"])
    received = max(1, shipped - int(args.get("received_short_by", 0)))
    deals.confirm_receipt(w, deal.purchaser_id, deal.id, str(received))


def npc_bank_users(w: World, company: Company) -> tuple[EnterpriseUser, EnterpriseUser, str]:
    """The NPC company's enterprise account (opened and funded the first time) with an operator and an
    approver; and the approver's transaction password."""
    account = settlement.supplier_account(w, company)
    if bank.balance(w, account) == 0:
        bank.fund(w, account, NPC_FUNDS_FEN)
    secret = bank.world_secret(w, f"npc-corp:{company.email}", 6, digits=True)
    users = {
        u.role: u for u in w.db.scalars(select(EnterpriseUser).where(EnterpriseUser.account_id == account.id))
    }
    for role, name in ((EnterpriseRole.OPERATOR, "出纳"), (EnterpriseRole.APPROVER, "财务经理")):
        if role not in users:
            users[role] = accounts.add_enterprise_user(w, account, role, name, secret, secret)
    return users[EnterpriseRole.OPERATOR], users[EnterpriseRole.APPROVER], secret


def _pay(w: World, deal: Deal, args: dict[str, Any]) -> None:
    now = settlement.amounts(w, deal)
    fen = _percent(now.due, float(args.get("pay_percent", 100)) - 100) - now.paid - now.pending
    if fen <= 0:
        return
    _, approver, secret = npc_bank_users(w, deal.purchaser)
    payment = settlement.pay(w, deal.purchaser_id, deal.id, deals.forms.yuan(fen))
    enterprise.approve_payment(w, approver, payment.bank_payment_no, secret)
    settlement.settle(w, deal)


BUYER_STEPS = {
    DealStage.QUOTED: _answer_quotation,
    DealStage.CONTRACT_SENT: _sign,
    DealStage.SIGNED: lambda w, deal, args: deals.place_order(w, deal.purchaser_id, deal.id),
    DealStage.SHIPPED: _receive,
    DealStage.INVOICED: _pay,
}


def _inquire(w: World, args: dict[str, Any]) -> Deal:
    """The NPC purchaser's inquiry: for a listing, or (with `product` and `unit`, no listing of it)
    straight to the candidate's company."""
    buyer, listing = _npc_purchaser(w, args), _listing_for(w, args)
    extra: dict[str, Any] = {"listing_id": listing.id} if listing is not None else {}
    if listing is None and args.get("product") and args.get("unit"):
        q = select(Company.id).where(Company.npc.is_(False), Company.status == MembershipStatus.APPROVED)
        extra = {
            "supplier_id": w.db.scalars(q.order_by(Company.id)).first(),
            "product": str(args["product"]),
            "spec": str(args.get("spec") or ""),
            "unit": str(args["unit"]),
        }
    if buyer is None or not extra or extra.get("supplier_id", 0) is None:
        raise DomainError(N_("没有可询价的供应信息"))
    return deals.inquire(
        w,
        buyer.id,
        quantity=str(args.get("quantity") or (listing.quantity if listing else "")),
        delivery_place=str(args.get("delivery_place") or ""),
        remarks=str(args.get("remarks") or "请报含税价及交货期"),
        **extra,
    )


@npc_action("b2b.purchaser_acts")
def purchaser_acts(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """An NPC purchaser takes its next step. As an `at` rule it inquires: `quantity` of the supply
    listing `listing` (its number) or the candidate's newest listing of `product` (none: straight to the
    candidate's company for `product`, `spec`, `unit`), as `company` (default the first NPC purchaser).
    On `b2b.document_sent` / `b2b.document_reject` / `parcel.signed` it answers the deal: it counters the first quotation at `counter_percent` % of it (none: accepts) and
    accepts the next, signs the contract with its enterprise certificate (refusing one whose signature
    fails), orders, confirms receipt once the carrier delivered (`received_short_by` units short) and
    pays `pay_percent` (100) % of the invoice through enterprise online banking (entered and released)."""
    args = args or {}
    if trigger is None:
        _inquire(w, args)
        return
    deal = _buying_deal(w, trigger)
    for _ in range(len(BUYER_STEPS)):
        if deal is None or deal.stage not in BUYER_STEPS:
            return
        stage = deal.stage
        BUYER_STEPS[stage](w, deal, args)
        if deal.stage == stage:
            return


@npc_action("b2b.settle_deals")
def settle_deals(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Deals whose invoice the bank has paid in full are settled (on `bank.payment_approved`)."""
    for deal in w.db.scalars(select(Deal).where(Deal.stage == DealStage.INVOICED)):
        settlement.settle(w, deal)


@npc_action("b2b.post_offers")
def post_offers(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """NPC suppliers publish supply listings (a paper's market): `offers`, each `{company, product, spec,
    unit, category, price_fen, quantity}`; each offer's company is a new NPC supplier."""
    from sandbox.b2b import companies, credit_code, listings

    made = w.db.scalars(select(Company).where(Company.email.like("gys%@mail.sim"))).all()
    for n, offer in enumerate(args.get("offers") or [], start=len(made) + 1):
        product = str(offer["product"])
        company = companies.open_company(
            w,
            name=str(offer["company"]),
            code=credit_code.make_code("330100", 7000 + n),
            email=f"gys{n:03d}@mail.sim",
            npc=True,
            trade_role="supplier",
            address=str(offer.get("address") or "浙江省杭州市余杭区五常街道文一西路998号"),
            contact_name=str(offer.get("contact") or "销售部"),
            contact_phone=f"1380571{n:04d}",
            business_scope=f"{product}的生产与销售",
            main_products=product,
        )
        listings.seed_listing(
            w,
            company,
            created_at=w.now() - timedelta(days=1),
            kind="supply",
            title=f"{product} {offer.get('spec', '')} 厂家直供".strip()[:60],
            category=str(offer.get("category") or "家居用品"),
            product=product,
            spec=str(offer.get("spec") or ""),
            quantity=int(offer["quantity"]),
            unit=str(offer.get("unit") or "个"),
            price_fen=int(offer["price_fen"]),
            validity_days=30,
            delivery_terms="下单后2天内发货",
            payment_terms="货到付款",
        )
