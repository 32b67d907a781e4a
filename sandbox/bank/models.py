"""Online bank: accounts and a double-entry journal from which every balance is computed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.worlds.base import WorldBase


class AccountKind:
    """What an account is for."""

    PERSONAL = "personal"
    MERCHANT = "merchant"
    # The world's outside: money enters the market only from here, by an explicit journal entry.
    FUNDING = "funding"


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
    login_password_hash: Mapped[str | None] = mapped_column(String(200))
    payment_password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_payment_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    allow_negative: Mapped[bool] = mapped_column(default=False)

    bank: Mapped[Bank] = relationship()


class JournalEntry(WorldBase):
    """A balanced transaction: its lines sum to zero."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    memo: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str] = mapped_column(String(40), default="", index=True)

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
