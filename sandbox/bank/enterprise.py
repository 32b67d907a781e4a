"""Enterprise online banking: an operator (经办) prepares a payment, an approver (复核) releases it with
their transaction password, or rejects it. Nothing moves until it is released."""

from __future__ import annotations

import re

from sqlalchemy import select

from sandbox.bank import fees, transfers
from sandbox.bank import services as bank
from sandbox.bank.auth import verify_tx_password
from sandbox.bank.models import EnterprisePayment, EnterpriseRole, EnterpriseUser, PaymentStatus
from sandbox.errors import N_, Conflict, DomainError, Forbidden, NotFound
from sandbox.worlds.world import World


def prepare_payment(
    w: World, user: EnterpriseUser, payee: transfers.PayeeDetails, amount_fen: int | None, memo: str = ""
) -> EnterprisePayment:
    """The operator enters a payment; it waits for an approver."""
    if user.role != EnterpriseRole.OPERATOR:
        raise Forbidden(N_("只有经办员可以录入付款"))
    amount_fen = transfers.check_amount(amount_fen, fees.ENTERPRISE_LIMIT_FEN)
    memo = (memo or "").strip()
    if len(memo) > transfers.MAX_MEMO:
        raise DomainError(N_("附言不能超过 30 个字"))
    if payee.account_no == user.account.number:
        raise DomainError(N_("不能向本账户转账"))
    payment = EnterprisePayment(
        number=bank.next_number(w, "FK", EnterprisePayment),
        account=user.account,
        payee_account_no=payee.account_no,
        payee_name=payee.name,
        payee_bank_code=payee.bank.code,
        amount_fen=amount_fen,
        memo=memo,
        prepared_by=user,
        prepared_at=w.now(),
    )
    w.db.add(payment)
    w.db.flush()
    w.emit(
        "bank.payment_prepared",
        payment_no=payment.number,
        account_no=user.account.number,
        operator=user.login,
        payee_account_no=payee.account_no,
        payee_name=payee.name,
        amount_fen=amount_fen,
    )
    return payment


def get_payment(w: World, user: EnterpriseUser, number: str) -> EnterprisePayment:
    """A payment of the user's own company (another company's is not found)."""
    payment = w.db.scalars(
        select(EnterprisePayment).where(EnterprisePayment.number == (number or "").strip())
    ).first()
    if payment is None or payment.account_id != user.account_id:
        raise NotFound(N_("付款指令不存在"))
    return payment


def payments_of(w: World, user: EnterpriseUser, status: str | None = None) -> list[EnterprisePayment]:
    """The company's payments (of one status), newest first."""
    q = select(EnterprisePayment).where(EnterprisePayment.account_id == user.account_id)
    if status:
        q = q.where(EnterprisePayment.status == status)
    return list(w.db.scalars(q.order_by(EnterprisePayment.id.desc())))


def _pending_for_approver(w: World, user: EnterpriseUser, number: str) -> EnterprisePayment:
    if user.role != EnterpriseRole.APPROVER:
        raise Forbidden(N_("只有复核员可以审批付款"))
    payment = get_payment(w, user, number)
    if payment.status != PaymentStatus.PENDING:
        raise Conflict(N_("该付款指令已处理"))
    if payment.prepared_by_id == user.id:
        raise Forbidden(N_("经办与复核不能是同一人"))
    return payment


def approve_payment(w: World, user: EnterpriseUser, number: str, tx_password: str) -> EnterprisePayment:
    """The approver releases a pending payment: it is sent as a transfer from the company account."""
    payment = _pending_for_approver(w, user, number)
    payee = transfers.check_payee(w, payment.payee_account_no, payment.payee_name, payment.payee_bank_code)
    t = transfers.send_transfer(
        w,
        payment.account,
        payee,
        payment.amount_fen,
        memo=payment.memo,
        channel="enterprise",
        limit_fen=fees.ENTERPRISE_LIMIT_FEN,
        authorize=lambda: verify_tx_password(w, user, tx_password),
    )
    payment.transfer = t
    payment.status = PaymentStatus.RELEASED
    payment.decided_by = user
    payment.decided_at = w.now()
    w.emit("bank.payment_approved", payment_no=payment.number, approver=user.login, transfer_no=t.number)
    return payment


def reject_payment(w: World, user: EnterpriseUser, number: str, reason: str) -> EnterprisePayment:
    """The approver sends a pending payment back with a reason; nothing moves."""
    payment = _pending_for_approver(w, user, number)
    reason = re.sub(r"\s+", " ", reason or "").strip()
    if not reason or len(reason) > 100:
        raise DomainError(N_("请填写驳回原因（不超过 100 个字）"))
    payment.status = PaymentStatus.REJECTED
    payment.reason = reason
    payment.decided_by = user
    payment.decided_at = w.now()
    w.emit("bank.payment_rejected", payment_no=payment.number, approver=user.login, reason=reason)
    return payment
