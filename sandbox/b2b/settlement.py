"""The deal's settlement (应收/应付): what is due (what was delivered and invoiced), the payments the
purchaser puts to its enterprise online banking (the platform enters them for the company's operator,
经办; the approver, 复核, releases them in the bank) and what is paid and outstanding."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from sandbox.b2b import deals
from sandbox.b2b.company_models import Company
from sandbox.b2b.deal_models import Deal, DealPayment, DealStage
from sandbox.bank import enterprise, transfers
from sandbox.bank import services as bank
from sandbox.bank.models import (
    AccountKind,
    BankAccount,
    EnterprisePayment,
    EnterpriseRole,
    EnterpriseUser,
    PaymentStatus,
)
from sandbox.errors import N_, DomainError
from sandbox.worlds.world import World


@dataclass
class Amounts:
    """A deal's amounts in fen."""

    contract: int
    delivered: int
    invoiced: int
    due: int  # what the purchaser owes: the invoice, or what was delivered before it
    paid: int  # released by the bank
    pending: int  # entered, waiting for the approver
    outstanding: int  # due - paid (never below 0)
    overpaid: int


def supplier_account(w: World, company: Company) -> BankAccount:
    """The supplier's enterprise account (an NPC supplier's is opened the first time it is needed)."""
    if company.bank_account_no:
        return bank.find_account(w, company.bank_account_no)
    first = bank.all_banks(w)[0]
    account = bank.open_account(
        w,
        bank_code=first.code,
        number=bank.new_card_number(w, first),
        holder=company.name,
        kind=AccountKind.ENTERPRISE,
        credit_code=company.credit_code,
    )
    company.bank_account_no = account.number
    return account


def bank_payments(w: World, deal: Deal) -> list[EnterprisePayment]:
    """The bank payments of the deal: those entered from its page, and those whose 附言 names the deal."""
    linked = {p.bank_payment_no for p in deal.payments}
    purchaser, supplier = deal.purchaser, deal.supplier
    if not purchaser.bank_account_no or not supplier.bank_account_no:
        return []
    q = (
        select(EnterprisePayment)
        .join(BankAccount, EnterprisePayment.account_id == BankAccount.id)
        .where(
            BankAccount.number == purchaser.bank_account_no,
            EnterprisePayment.payee_account_no == supplier.bank_account_no,
        )
        .order_by(EnterprisePayment.id)
    )
    return [p for p in w.db.scalars(q) if p.number in linked or deal.number in (p.memo or "")]


def amounts(w: World, deal: Deal) -> Amounts:
    """The deal's contract, delivered, invoiced, paid, pending and outstanding amounts."""
    payments = bank_payments(w, deal)
    paid = sum(p.amount_fen for p in payments if p.status == PaymentStatus.RELEASED)
    pending = sum(p.amount_fen for p in payments if p.status == PaymentStatus.PENDING)
    due = deal.invoiced_fen if deal.invoiced_fen is not None else (deal.delivered_fen or 0)
    return Amounts(
        contract=deal.contract_total_fen or 0,
        delivered=deal.delivered_fen or 0,
        invoiced=deal.invoiced_fen or 0,
        due=due,
        paid=paid,
        pending=pending,
        outstanding=max(0, due - paid),
        overpaid=max(0, paid - due),
    )


def operator_of(w: World, company: Company) -> EnterpriseUser:
    """The operator (经办) of the company's enterprise online banking."""
    user = None
    if company.bank_account_no:
        q = (
            select(EnterpriseUser)
            .join(BankAccount, EnterpriseUser.account_id == BankAccount.id)
            .where(
                BankAccount.number == company.bank_account_no, EnterpriseUser.role == EnterpriseRole.OPERATOR
            )
        )
        user = w.db.scalars(q.order_by(EnterpriseUser.id)).first()
    if user is None:
        raise DomainError(N_("贵公司尚未开通企业网上银行（经办员），不能在线付款"))
    return user


def pay(w: World, company_id: int, deal_id: object, amount: object) -> DealPayment:
    """The purchaser enters a payment of the deal (yuan, at most two decimals, within what is still
    unpaid); it goes to the company's enterprise online banking to be released by the approver."""
    deal = deals._as_purchaser(w, company_id, deal_id)
    deals._expect(deal, DealStage.RECEIVED, DealStage.INVOICED, DealStage.SETTLED)
    fen = deals.parse_price(amount, "付款金额")
    now = amounts(w, deal)
    room = now.due - now.paid - now.pending
    if fen > room:
        raise DomainError(
            N_(
                "付款金额 %(amount)s 元超过尚未支付的 %(room)s 元（应付 %(due)s 元，已付 %(paid)s 元，待复核 %(pending)s 元）"
            ),
            amount=deals.forms.yuan(fen),
            room=deals.forms.yuan(max(0, room)),
            due=deals.forms.yuan(now.due),
            paid=deals.forms.yuan(now.paid),
            pending=deals.forms.yuan(now.pending),
        )
    operator = operator_of(w, deal.purchaser)
    account = supplier_account(w, deal.supplier)
    payee = transfers.check_payee(w, account.number, account.holder, account.bank.code)
    bank_payment = enterprise.prepare_payment(w, operator, payee, fen, f"{deal.number} 货款")
    row = DealPayment(deal=deal, amount_fen=fen, bank_payment_no=bank_payment.number, created_at=w.now())
    w.db.add(row)
    w.db.flush()
    w.emit(
        "b2b.deal_payment_entered",
        deal_id=deal.id,
        number=deal.number,
        amount_fen=fen,
        payment_no=bank_payment.number,
    )
    return row


def settle(w: World, deal: Deal) -> bool:
    """Mark an invoiced deal settled once the bank has released what is due; True if it moved."""
    if deal.stage != DealStage.INVOICED:
        return False
    now = amounts(w, deal)
    if now.due and now.outstanding == 0:
        deals._move(w, deal, None, DealStage.SETTLED, None, deals.forms.yuan(now.paid))
        return True
    return False
