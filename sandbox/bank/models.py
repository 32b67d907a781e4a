"""Online bank: customers' accounts, a double-entry journal from which every balance is computed, the
counter's account applications, transfers, payees and enterprise users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class AccountKind:
    """What an account is for."""

    PERSONAL = "personal"
    ENTERPRISE = "enterprise"
    MERCHANT = "merchant"
    # The world's outside: money enters the market only from here, by an explicit journal entry.
    FUNDING = "funding"
    # A bank's own books: money of a cross-bank transfer in transit (往来清算), and fees earned.
    CLEARING = "clearing"
    FEES = "fees"
    INTERNAL = (FUNDING, CLEARING, FEES)
    # Accounts whose holder logs in to personal online banking with the card number.
    PERSONAL_BANKING = (PERSONAL, MERCHANT)


class EntryKind:
    """What a journal entry is, for statements and their type filter."""

    DEPOSIT = "deposit"
    TRANSFER = "transfer"
    PAYMENT = "payment"
    REFUND = "refund"
    FEE = "fee"
    RETURN = "return"
    REVERSAL = "reversal"
    LABELS = {
        DEPOSIT: N_("存入"),
        TRANSFER: N_("转账"),
        PAYMENT: N_("支付"),
        REFUND: N_("退款"),
        FEE: N_("手续费"),
        RETURN: N_("退汇"),
        REVERSAL: N_("冲正"),
    }


class Bank(WorldBase):
    """A bank from the fixed list."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    card_prefix: Mapped[str] = mapped_column(String(8))


class BankAccount(WorldBase):
    """An account; its balance is the sum of its journal lines."""

    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    holder: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12), default=AccountKind.PERSONAL)
    holder_id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)  # an enterprise's
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(160))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    login_password_hash: Mapped[str | None] = mapped_column(String(200))
    # The transaction password (交易密码; the storefront's cashier calls it the payment password).
    payment_password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_payment_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(default=False)  # the transaction password, until the counter unlocks
    # How far below zero the balance may go; None: without limit (the world's funding account only).
    overdraft_limit_fen: Mapped[int | None] = mapped_column(Integer)  # set by open_account, NULL kept

    bank: Mapped[Bank] = relationship()

    @property
    def allow_negative(self) -> bool:
        """Whether the account may go below zero without limit."""
        return self.overdraft_limit_fen is None


class JournalEntry(WorldBase):
    """A balanced transaction: its lines sum to zero. Never changed: a correction is a reversal."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    memo: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str] = mapped_column(String(40), default="", index=True)
    kind: Mapped[str] = mapped_column(String(12), default=EntryKind.TRANSFER)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)

    lines: Mapped[list[JournalLine]] = relationship(back_populates="entry", order_by="JournalLine.id")


class JournalLine(WorldBase):
    """Money into (+) or out of (-) one account as part of an entry."""

    __tablename__ = "journal_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
    account: Mapped[BankAccount] = relationship()


class Citizen(WorldBase):
    """A person in the identity register the counter checks ID numbers against (联网核查)."""

    __tablename__ = "bank_citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    mobile: Mapped[str] = mapped_column(String(20), default="")
    # Cash the person brings to the counter: paid in (from the funding account) when an account opens.
    cash_fen: Mapped[int] = mapped_column(Integer, default=0)


class RegisteredCompany(WorldBase):
    """A company in the business register (统一社会信用代码 -> name, legal representative)."""

    __tablename__ = "bank_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    legal_rep_id_number: Mapped[str] = mapped_column(String(18), default="")
    cash_fen: Mapped[int] = mapped_column(Integer, default=0)


class ApplicationStatus:
    """Where an account application stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    LABELS = {PENDING: N_("待审核"), APPROVED: N_("已开户"), REJECTED: N_("未通过")}


class AccountApplication(WorldBase):
    """An application to open an account (开户申请), reviewed at the bank's counter."""

    __tablename__ = "bank_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    account_type: Mapped[str] = mapped_column(String(12))  # personal | enterprise
    name: Mapped[str] = mapped_column(String(60))
    id_number: Mapped[str] = mapped_column(String(40), index=True)
    mobile: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(160))
    company_name: Mapped[str] = mapped_column(String(80), default="")
    credit_code: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(12), default=ApplicationStatus.PENDING)
    reason: Mapped[str] = mapped_column(String(200), default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_by: Mapped[str] = mapped_column(String(20), default="candidate")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewer: Mapped[str] = mapped_column(String(40), default="")
    account_id: Mapped[int | None] = mapped_column(ForeignKey("bank_accounts.id"))

    bank: Mapped[Bank] = relationship()
    account: Mapped[BankAccount | None] = relationship()


class Teller(WorldBase):
    """A counter clerk (柜员) of one bank: reviews applications, unlocks transaction passwords."""

    __tablename__ = "bank_tellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    teller_no: Mapped[str] = mapped_column(String(20), unique=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))

    bank: Mapped[Bank] = relationship()


class EnterpriseRole:
    """What an enterprise online-banking user may do."""

    OPERATOR = "operator"  # 经办: prepares payments
    APPROVER = "approver"  # 复核/授权: releases them
    LABELS = {OPERATOR: N_("经办"), APPROVER: N_("复核")}


class EnterpriseUser(WorldBase):
    """A person who uses a company account's online banking, with a role and passwords of their own."""

    __tablename__ = "bank_enterprise_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), index=True)
    login: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(200))
    payment_password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_payment_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    # 证书用户: logs in only with an enterprise certificate (its USB key); the password login is refused.
    cert_required: Mapped[bool] = mapped_column(default=False)

    account: Mapped[BankAccount] = relationship()


class TransferStatus:
    """Where a transfer stands."""

    DONE = "done"  # within the bank: arrived at once
    IN_TRANSIT = "in_transit"  # to another bank: held in the clearing account
    ARRIVED = "arrived"
    RETURNED = "returned"  # the receiving bank sent it back (退汇)
    LABELS = {DONE: N_("已到账"), IN_TRANSIT: N_("处理中"), ARRIVED: N_("已到账"), RETURNED: N_("已退汇")}


class Transfer(WorldBase):
    """Money sent from an account to a payee, in this bank or another (跨行)."""

    __tablename__ = "bank_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), index=True)
    payee_account_no: Mapped[str] = mapped_column(String(32))
    payee_name: Mapped[str] = mapped_column(String(80))
    payee_bank_code: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int] = mapped_column(Integer)
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    memo: Mapped[str] = mapped_column(String(60), default="")
    channel: Mapped[str] = mapped_column(String(12), default="personal")
    cross_bank: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime)
    return_reason: Mapped[str] = mapped_column(String(120), default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    fee_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))

    payer: Mapped[BankAccount] = relationship()


class Payee(WorldBase):
    """An entry of an account's payee book (收款人名册)."""

    __tablename__ = "bank_payees"
    __table_args__ = (UniqueConstraint("owner_id", "account_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    account_no: Mapped[str] = mapped_column(String(32))
    bank_code: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PaymentStatus:
    """Where an enterprise payment stands."""

    PENDING = "pending"  # prepared by the operator, waiting for the approver
    RELEASED = "released"
    REJECTED = "rejected"
    LABELS = {PENDING: N_("待复核"), RELEASED: N_("已放行"), REJECTED: N_("已驳回")}


class EnterprisePayment(WorldBase):
    """A payment an enterprise operator prepared (经办) and an approver releases or rejects (复核)."""

    __tablename__ = "bank_enterprise_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), index=True)
    payee_account_no: Mapped[str] = mapped_column(String(32))
    payee_name: Mapped[str] = mapped_column(String(80))
    payee_bank_code: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int] = mapped_column(Integer)
    memo: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(12), default=PaymentStatus.PENDING)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("bank_enterprise_users.id"))
    prepared_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("bank_enterprise_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(120), default="")
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("bank_transfers.id"))

    account: Mapped[BankAccount] = relationship()
    prepared_by: Mapped[EnterpriseUser] = relationship(foreign_keys=[prepared_by_id])
    decided_by: Mapped[EnterpriseUser | None] = relationship(foreign_keys=[decided_by_id])
    transfer: Mapped[Transfer | None] = relationship()
