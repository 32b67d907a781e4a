"""Transfers: within the bank (real time) and to another bank (跨行: a fee, money held in the sending
bank's clearing account until it arrives after a delay, or comes back if the receiving bank refuses it),
and the payee book.

Return rule (退汇): when the receiving bank returns a transfer (no such account there, or the payee's
name is not the account holder's), the amount AND the fee go back to the payer: both entries are
reversed, so a returned transfer leaves the payer's balance as it was before it was sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from sandbox.bank import fees
from sandbox.bank import services as bank
from sandbox.bank.models import (
    AccountKind,
    Bank,
    BankAccount,
    EntryKind,
    JournalEntry,
    Payee,
    Transfer,
    TransferStatus,
)
from sandbox.bank.notices import notify
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.worlds import npc
from sandbox.worlds.world import World

ARRIVE_ACTION = "bank.interbank_arrive"
ACCOUNT_NO = re.compile(r"[0-9]{12,30}")
MAX_NAME = 60
MAX_MEMO = 30


@dataclass
class PayeeDetails:
    """A payee as typed: checked for form, not yet for existence."""

    bank: Bank
    account_no: str
    name: str


def check_payee(w: World, account_no: str, name: str, bank_code: str) -> PayeeDetails:
    """A payee's account number, name and bank, well formed (400 with a message otherwise)."""
    account_no = re.sub(r"\s", "", account_no or "")
    name = (name or "").strip()
    if not ACCOUNT_NO.fullmatch(account_no):
        raise DomainError(N_("收款账号须为 12–30 位数字"))
    if not name or len(name) > MAX_NAME:
        raise DomainError(N_("请填写收款人户名（不超过 60 个字）"))
    if not (bank_code or "").strip():
        raise DomainError(N_("请选择收款银行"))
    try:
        payee_bank = bank.get_bank(w, bank_code)
    except NotFound:
        raise DomainError(N_("请选择收款银行")) from None
    return PayeeDetails(payee_bank, account_no, name)


def check_amount(amount_fen: int | None, limit_fen: int) -> int:
    """A transfer amount within (0, limit] (400 with a message otherwise)."""
    if amount_fen is None:
        raise DomainError(N_("请输入转账金额"))
    if amount_fen <= 0:
        raise DomainError(N_("金额必须大于零"))
    if amount_fen > limit_fen:
        raise DomainError(N_("单笔转账金额不能超过 %(limit)s 元"), limit=f"{limit_fen // 100:,}")
    return amount_fen


def fee_for(payer: BankAccount, payee_bank: Bank, amount_fen: int) -> int:
    """What sending `amount_fen` to `payee_bank` costs the payer (nothing within its own bank)."""
    return 0 if payee_bank.id == payer.bank_id else fees.interbank_fee(amount_fen)


def _own_bank_payee(w: World, payee: PayeeDetails) -> BankAccount:
    """The payee's account in the payer's own bank (checked at once: name and number must agree)."""
    account = w.db.scalars(
        select(BankAccount).where(
            BankAccount.number == payee.account_no, BankAccount.bank_id == payee.bank.id
        )
    ).first()
    if account is None or account.kind in AccountKind.INTERNAL:
        raise NotFound(N_("收款账号在本行不存在"))
    if account.holder != payee.name:
        raise DomainError(N_("收款人户名与账号不符"))
    return account


def send_transfer(
    w: World,
    payer: BankAccount,
    payee: PayeeDetails,
    amount_fen: int | None,
    *,
    memo: str = "",
    channel: str = "personal",
    limit_fen: int = fees.PERSONAL_LIMIT_FEN,
    authorize: Callable[[], None] | None = None,
) -> Transfer:
    """Send money: at once within the bank; to another bank through the clearing account, arriving
    after `fees.INTERBANK_DELAY`. Checks everything before anything moves; `authorize` (e.g. the
    transaction password check) runs last, once the transfer is known to be possible."""
    amount_fen = check_amount(amount_fen, limit_fen)
    memo = (memo or "").strip()
    if len(memo) > MAX_MEMO:
        raise DomainError(N_("附言不能超过 30 个字"))
    if payee.account_no == payer.number:
        raise DomainError(N_("不能向本账户转账"))
    cross_bank = payee.bank.id != payer.bank_id
    payee_account = None if cross_bank else _own_bank_payee(w, payee)
    fee = fee_for(payer, payee.bank, amount_fen)
    room = bank.available(w, payer)
    if room is not None and room < amount_fen + fee:
        raise DomainError(
            N_("余额不足（本次转账需 %(need)s 元，含手续费）"), status=409, need=_yuan(amount_fen + fee)
        )
    if authorize is not None:
        authorize()
    t = Transfer(
        number=bank.next_number(w, "ZZ", Transfer),
        payer=payer,
        payee_account_no=payee.account_no,
        payee_name=payee.name,
        payee_bank_code=payee.bank.code,
        amount_fen=amount_fen,
        fee_fen=fee,
        memo=memo,
        channel=channel,
        cross_bank=cross_bank,
        status=TransferStatus.IN_TRANSIT if cross_bank else TransferStatus.DONE,
        created_at=w.now(),
    )
    w.db.add(t)
    w.db.flush()
    suffix = f"：{memo}" if memo else ""
    if cross_bank:
        clearing = bank.internal_account(w, payer.bank, AccountKind.CLEARING)
        entry = bank.post_entry(
            w,
            f"跨行转账 {payer.holder}→{payee.name}{suffix}",
            t.number,
            [(payer, -amount_fen), (clearing, amount_fen)],
            kind=EntryKind.TRANSFER,
        )
        income = bank.internal_account(w, payer.bank, AccountKind.FEES)
        fee_entry = bank.post_entry(
            w, "跨行转账手续费", t.number, [(payer, -fee), (income, fee)], kind=EntryKind.FEE
        )
        t.entry_id, t.fee_entry_id = entry.id, fee_entry.id
        t.due_at = w.now() + fees.INTERBANK_DELAY
        import sandbox.bank.npc  # noqa: F401  (registers the arrival action)

        npc.schedule(w, t.due_at, ARRIVE_ACTION, transfer_no=t.number)
    else:
        entry = bank.transfer(
            w, payer, payee_account, amount_fen, f"转账 {payer.holder}→{payee.name}{suffix}", t.number
        )
        t.entry_id = entry.id
        t.settled_at = w.now()
    w.emit(
        "bank.transfer_sent",
        transfer_no=t.number,
        account_no=payer.number,
        payee_account_no=t.payee_account_no,
        payee_name=t.payee_name,
        payee_bank_code=t.payee_bank_code,
        amount_fen=amount_fen,
        fee_fen=fee,
        cross_bank=cross_bank,
        channel=channel,
    )
    if not cross_bank:
        w.emit("bank.transfer_arrived", transfer_no=t.number, payee_account_no=t.payee_account_no)
    return t


def arrive(w: World, transfer_no: str) -> Transfer:
    """The receiving bank takes a cross-bank transfer, or returns it (wrong number, name not the holder's)."""
    t = w.db.scalars(select(Transfer).where(Transfer.number == transfer_no)).first()
    if t is None:
        raise NotFound(N_("转账记录不存在"))
    if t.status != TransferStatus.IN_TRANSIT:
        raise Conflict(N_("该笔转账已处理"))
    payee = w.db.scalars(
        select(BankAccount)
        .join(Bank, Bank.id == BankAccount.bank_id)
        .where(BankAccount.number == t.payee_account_no, Bank.code == t.payee_bank_code)
    ).first()
    if payee is None or payee.kind in AccountKind.INTERNAL:
        return return_transfer(w, t, "收款账号不存在")
    if payee.holder != t.payee_name:
        return return_transfer(w, t, "收款人户名与账号不符")
    clearing = bank.internal_account(w, t.payer.bank, AccountKind.CLEARING)
    bank.post_entry(
        w,
        f"跨行汇入 {t.payer.holder}（{t.payer.bank.name}）",
        t.number,
        [(clearing, -t.amount_fen), (payee, t.amount_fen)],
        kind=EntryKind.TRANSFER,
    )
    t.status = TransferStatus.ARRIVED
    t.settled_at = w.now()
    w.emit("bank.transfer_arrived", transfer_no=t.number, payee_account_no=t.payee_account_no)
    return t


def return_transfer(w: World, t: Transfer, reason: str) -> Transfer:
    """Send a cross-bank transfer back to the payer, fee included (both entries reversed)."""
    bank.reverse_entry(w, w.db.get(JournalEntry, t.entry_id), f"退汇：{reason}", kind=EntryKind.RETURN)
    if t.fee_entry_id:
        bank.reverse_entry(w, w.db.get(JournalEntry, t.fee_entry_id), "退汇退还手续费", kind=EntryKind.RETURN)
    t.status = TransferStatus.RETURNED
    t.return_reason = reason
    t.settled_at = w.now()
    w.emit(
        "bank.transfer_returned",
        transfer_no=t.number,
        reason=reason,
        amount_fen=t.amount_fen,
        fee_refunded_fen=t.fee_fen,
    )
    if t.payer.email:
        notify(
            w,
            t.payer.bank,
            t.payer.email,
            f"{t.payer.bank.name}跨行转账退汇通知",
            f"尊敬的{t.payer.holder}：\n\n您于 {t.created_at:%Y-%m-%d %H:%M} 向 {t.payee_name}"
            f"（账号尾号 {t.payee_account_no[-4:]}）的跨行转账 {_yuan(t.amount_fen)} 元被收款行退回，"
            f"原因：{reason}。款项及手续费 {_yuan(t.fee_fen)} 元已退回您的账户。\n\n{t.payer.bank.name}",
        )
    return t


def get_transfer(w: World, payer: BankAccount, number: str) -> Transfer:
    """One of the account's own transfers (another account's is not found)."""
    t = w.db.scalars(select(Transfer).where(Transfer.number == (number or "").strip())).first()
    if t is None or t.payer_id != payer.id:
        raise NotFound(N_("转账记录不存在"))
    return t


def transfers_of(w: World, payer: BankAccount) -> list[Transfer]:
    """The account's transfers, newest first."""
    q = select(Transfer).where(Transfer.payer_id == payer.id).order_by(Transfer.id.desc())
    return list(w.db.scalars(q))


def payees_of(w: World, owner: BankAccount) -> list[Payee]:
    """The account's payee book, oldest first."""
    return list(w.db.scalars(select(Payee).where(Payee.owner_id == owner.id).order_by(Payee.id)))


def add_payee(w: World, owner: BankAccount, payee: PayeeDetails) -> Payee:
    """Save a payee in the account's book (each account number once)."""
    if payee.account_no == owner.number:
        raise DomainError(N_("不能把本账户加入收款人名册"))
    exists = w.db.scalars(
        select(Payee).where(Payee.owner_id == owner.id, Payee.account_no == payee.account_no)
    ).first()
    if exists is not None:
        raise Conflict(N_("该账号已在收款人名册中"))
    if len(payees_of(w, owner)) >= 50:
        raise Conflict(N_("收款人名册最多保存 50 个收款人"))
    entry = Payee(
        owner_id=owner.id,
        name=payee.name,
        account_no=payee.account_no,
        bank_code=payee.bank.code,
        created_at=w.now(),
    )
    w.db.add(entry)
    w.db.flush()
    w.emit(
        "bank.payee_added", account_no=owner.number, payee_account_no=payee.account_no, payee_name=payee.name
    )
    return entry


def remove_payee(w: World, owner: BankAccount, payee_id: int) -> None:
    """Delete a payee of the account's own book."""
    entry = w.db.get(Payee, payee_id)
    if entry is None or entry.owner_id != owner.id:
        raise NotFound(N_("收款人不存在"))
    w.db.delete(entry)
    w.emit("bank.payee_removed", account_no=owner.number, payee_account_no=entry.account_no)


def transfer_facts(t: Transfer) -> dict[str, Any]:
    """A transfer as graders and pages describe it."""
    return {
        "number": t.number,
        "amount_fen": t.amount_fen,
        "fee_fen": t.fee_fen,
        "payee_account_no": t.payee_account_no,
        "payee_name": t.payee_name,
        "payee_bank_code": t.payee_bank_code,
        "cross_bank": t.cross_bank,
        "status": t.status,
    }


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"
