"""The deal's pages: inquiries, quotations, contracts, orders, deliveries, invoices and settlement."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from sandbox.b2b import contracts, deals, delivery, forms, guard, rmb, settlement
from sandbox.b2b.deal_models import STAGE_LABELS, DealStage
from sandbox.b2b.document_models import STATUS_LABELS
from sandbox.b2b.listing_models import KIND_LABELS, Listing
from sandbox.binding import current_world, done, refused
from sandbox.errors import N_, DomainError
from sandbox.logistics.models import STATUS_LABELS as PARCEL_LABELS
from sandbox.pki import store

bp = Blueprint("b2b_deals", __name__, url_prefix="/b2b/deals")
DONE = {
    "accept": N_("已接受报价，等待供应商发送合同"),
    "counter": N_("还价单已发送，等待供应商答复"),
    "sign": N_("合同已签署"),
    "order": N_("采购订单已发送"),
    "receive": N_("收货确认单已发送"),
    "pay": N_("付款已提交企业网银，待复核员放行"),
    "quote": N_("报价单已发送给采购方"),
    "agree": N_("已接受还价，请起草并签署合同"),
    "decline": N_("已拒绝还价，理由已告知采购方"),
    "contract": N_("合同已签名并发送给采购方"),
    "accept_order": N_("订单已受理，受理单已发送"),
    "ship": N_("货物已交承运单位，配送单已发送"),
    "invoice": N_("发票已开具并发送"),
}
SUPPLIER_ACTIONS = ("quote", "agree", "decline", "contract", "accept_order", "ship", "invoice")


@bp.context_processor
def _portal() -> dict:
    """What the platform's layout and the deal pages show."""
    user = guard.signed_in()
    return {
        "b2b_user": user,
        "b2b_company": user.company if user else None,
        "kind_labels": KIND_LABELS,
        "doc_types": forms.REGISTRY,
        "doc_status_labels": STATUS_LABELS,
        "stage_labels": STAGE_LABELS,
        "yuan": forms.yuan,
        "rmb_words": rmb.words,
        "parcel_labels": PARCEL_LABELS,
    }


@bp.get("/")
@guard.member_required
def index() -> str:
    """The company's deals, as purchaser or supplier."""
    w = current_world()
    rows = [(d, settlement.amounts(w, d)) for d in deals.deals_of(w, g.company.id)]
    return render_template("b2b/deals/index.html", rows=rows)


def _new_page(error: str = "", status: int = 200):
    listing_no = (request.values.get("listing") or "").strip()
    listing = None
    if listing_no:
        listing = current_world().db.scalars(select(Listing).where(Listing.number == listing_no)).first()
    page = render_template(
        "b2b/deals/new.html", listing_no=listing_no, listing=listing, form=request.form, error=error
    )
    return page, status


@bp.route("/new", methods=["GET", "POST"])
@guard.member_required
def new():
    """An inquiry (询价单) from a supply listing, by its number."""
    if request.method == "GET":
        return _new_page()
    w = current_world()
    listing_no = (request.form.get("listing") or "").strip()
    listing = w.db.scalars(select(Listing).where(Listing.number == listing_no)).first()
    try:
        if listing is None:
            raise DomainError(N_("请填写有效的供应信息编号（如 GQ20261201-0001）"))
        deal = deals.inquire(
            w,
            g.company.id,
            listing_id=listing.id,
            quantity=request.form.get("quantity"),
            delivery_place=request.form.get("delivery_place", ""),
            remarks=request.form.get("remarks", ""),
        )
    except DomainError as exc:
        return _new_page(refused(exc), exc.status)
    done(gettext("询价单已发送给 %(name)s", name=deal.supplier.name))
    return redirect(url_for("b2b_deals.show", deal_id=deal.id))


def _page(deal_id: int, error: str = "", status: int = 200):
    w = current_world()
    deal = deals.get_deal(w, g.company.id, deal_id)
    contract = deals.contract(w, deal)
    quotation = deals.latest(w, deal, "quotation")
    page = render_template(
        "b2b/deals/show.html",
        deal=deal,
        docs=deals.chain(w, deal, g.company.id),
        history=deals.history(w, deal),
        money=settlement.amounts(w, deal),
        payments=settlement.bank_payments(w, deal),
        quotation=quotation,
        quotation_expired=quotation is not None and deals.quotation_expired(w, quotation),
        offer=deals.latest(w, deal, "counter_offer"),
        contract=contract,
        checks=contracts.verify(w, contract) if contract else [],
        delivery=deals.latest(w, deal, "delivery_note"),
        parcel=delivery.of(w, deal),
        carriers=delivery.world_carriers(w),
        payment_terms=forms.PAYMENT_TERMS,
        penalty=contracts.PENALTY,
        entries=store.signing_entries(w, g.member.login),
        is_purchaser=deal.purchaser_id == g.company.id,
        Stage=DealStage,
        error=error,
        form=request.form,
    )
    return page, status


@bp.get("/<int:deal_id>")
@guard.member_required
def show(deal_id: int):
    """The deal: its chain of documents as a timeline, amounts and the actions open to me now."""
    return _page(deal_id)


def _supplier_step(action: str, deal_id: int) -> None:
    """The supplier's step: quote, agree to or decline a counter-offer, send the signed contract,
    accept the order, ship with a carrier, invoice."""
    w, f, me = current_world(), request.form, g.company.id
    if action == "quote":
        deals.quote(
            w,
            me,
            deal_id,
            f.get("unit_price"),
            valid_days=f.get("valid_days", ""),
            payment_terms=f.get("payment_terms", ""),
            remarks=f.get("remarks", ""),
        )
    elif action in ("agree", "decline"):
        deals.answer_counter(w, me, deal_id, accept=action == "agree", reason=f.get("reason", ""))
    elif action == "contract":
        contracts.send_contract(
            w,
            me,
            deal_id,
            owner=g.member.login,
            entry_id=f.get("entry_id"),
            password=f.get("password", ""),
            delivery_days=f.get("delivery_days", ""),
            payment_terms=f.get("payment_terms", ""),
        )
    elif action == "accept_order":
        deals.accept_order(w, me, deal_id, ship_in_days=f.get("ship_in_days", ""))
    elif action == "ship":
        deals.ship(
            w,
            me,
            deal_id,
            quantity=f.get("quantity", ""),
            carrier=f.get("carrier", ""),
            service=f.get("service", ""),
            parcels=f.get("parcels", ""),
            weight_kg=f.get("weight_kg", ""),
        )
    else:
        deals.invoice(w, me, deal_id)


@bp.post(
    "/<int:deal_id>/<any(accept, counter, sign, order, receive, pay, quote, agree, decline, contract,"
    " accept_order, ship, invoice):action>"
)
@guard.member_required
def act(deal_id: int, action: str):
    """A step of the deal: the purchaser's (accept the quotation, counter, sign, order, confirm receipt,
    pay) or the supplier's (quote, answer a counter-offer, contract, accept the order, ship, invoice)."""
    w, f, me = current_world(), request.form, g.company.id
    try:
        if action in SUPPLIER_ACTIONS:
            _supplier_step(action, deal_id)
        elif action == "accept":
            deals.accept_quotation(w, me, deal_id)
        elif action == "counter":
            deals.counter(w, me, deal_id, f.get("unit_price"), f.get("note", ""))
        elif action == "sign":
            contracts.sign_contract(
                w,
                me,
                deal_id,
                owner=g.member.login,
                entry_id=f.get("entry_id"),
                password=f.get("password", ""),
            )
        elif action == "order":
            deals.place_order(w, me, deal_id)
        elif action == "receive":
            deals.confirm_receipt(w, me, deal_id, f.get("received"), f.get("note", ""))
        else:
            settlement.pay(w, me, deal_id, f.get("amount"))
    except DomainError as exc:
        return _page(deal_id, refused(exc), exc.status)
    done(gettext(DONE[action]))
    return redirect(url_for("b2b_deals.show", deal_id=deal_id))
