"""Bank services: accounts, the double-entry journal (balanced, append-only, corrected by reversals),
payment authorisation, statements.

Money enters a world only from its funding account (`fund`). A balance is the sum of the account's
journal lines and never goes below minus its overdraft limit (0 for customers; the funding account
has none). Applications and the counter are in `accounts`, transfers in `transfers`, enterprise
payments in `enterprise`, logins and passwords in `auth` (re-exported here).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from sandbox.bank.auth import (  # noqa: F401  (the bank's public interface, used by other domains)
    MAX_PAYMENT_PASSWORD_FAILURES,
    Channel,
    Principal,
    authenticate,
    authorize_payment,
    login,
    verify_tx_password,
)
from sandbox.bank.idcheck import luhn_digit
from sandbox.bank.models import AccountKind, Bank, BankAccount, EntryKind, JournalEntry, JournalLine
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.secrets_hashing import hash_world_secret
from sandbox.worlds.world import World

FUNDING_ACCOUNT_NO = "0000000000000000"
CARD_LENGTH = 19


def get_bank(w: World, code: str) -> Bank:
    """The bank with this code, or NotFound."""
    bank = w.db.scalars(select(Bank).where(Bank.code == (code or "").strip().upper())).first()
    if bank is None:
        raise NotFound(N_("银行不存在"))
    return bank


def all_banks(w: World) -> list[Bank]:
    """The world's banks in their fixed order."""
    return list(w.db.scalars(select(Bank).order_by(Bank.id)))


def open_account(
    w: World,
    *,
    bank_code: str,
    number: str,
    holder: str,
    kind: str = AccountKind.PERSONAL,
    login_password: str | None = None,
    payment_password: str | None = None,
    allow_negative: bool = False,
    overdraft_limit_fen: int = 0,
    **details: str | None,
) -> BankAccount:
    """Open an account at one of the world's banks.

    `allow_negative` gives an overdraft without limit (the funding account only); `details` are the
    holder's holder_id_number, credit_code, mobile, email and address.
    """
    bank = w.db.scalars(select(Bank).where(Bank.code == bank_code)).one()
    account = BankAccount(
        number=number,
        bank=bank,
        holder=holder,
        kind=kind,
        login_password_hash=hash_world_secret(login_password) if login_password else None,
        payment_password_hash=hash_world_secret(payment_password) if payment_password else None,
        overdraft_limit_fen=None if allow_negative else overdraft_limit_fen,
        opened_at=w.now(),
        **details,
    )
    w.db.add(account)
    w.db.flush()
    w.emit("bank.account_opened", account_no=number, kind=kind)
    return account


def internal_account(w: World, bank: Bank, kind: str) -> BankAccount:
    """The bank's own clearing (in transit) or fee-income account, opened on first use."""
    number = f"{bank.code}-{kind.upper()}"
    account = w.db.scalars(select(BankAccount).where(BankAccount.number == number)).first()
    if account is None:
        holder = f"{bank.name}{'跨行往来清算' if kind == AccountKind.CLEARING else '手续费收入'}"
        account = open_account(w, bank_code=bank.code, number=number, holder=holder, kind=kind)
    return account


def find_account(w: World, number: str) -> BankAccount:
    """The account with this number, or NotFound."""
    account = w.db.scalars(select(BankAccount).where(BankAccount.number == number.strip())).first()
    if account is None:
        raise NotFound(N_("银行账号不存在"))
    return account


def balance(w: World, account: BankAccount) -> int:
    """Balance in fen: the sum of the account's journal lines."""
    total = w.db.scalar(
        select(func.coalesce(func.sum(JournalLine.amount_fen), 0)).where(JournalLine.account_id == account.id)
    )
    return int(total or 0)


def available(w: World, account: BankAccount) -> int | None:
    """What the account may still pay out (balance plus overdraft); None when without limit."""
    if account.overdraft_limit_fen is None:
        return None
    return balance(w, account) + account.overdraft_limit_fen


def post_entry(
    w: World,
    memo: str,
    reference: str,
    lines: list[tuple[BankAccount, int]],
    *,
    kind: str = EntryKind.TRANSFER,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Record a balanced entry; refuse it if it does not balance or takes an account below its limit."""
    if sum(amount for _, amount in lines) != 0:
        raise ValueError("journal entry does not balance")
    if any(amount == 0 for _, amount in lines) or len(lines) < 2:
        raise ValueError("journal entry needs at least two non-zero lines")
    if kind not in EntryKind.LABELS:
        raise ValueError(f"unknown entry kind {kind!r}")
    change: dict[int, tuple[BankAccount, int]] = {}
    for account, amount in lines:
        change[account.id] = (account, change.get(account.id, (account, 0))[1] + amount)
    for account, amount in change.values():
        room = available(w, account)
        if amount < 0 and room is not None and room + amount < 0:
            raise DomainError(N_("余额不足"), status=409)
    entry = JournalEntry(
        at=w.now(),
        memo=memo[:120],
        reference=reference[:40],
        kind=kind,
        reverses_id=reverses.id if reverses else None,
    )
    entry.lines = [JournalLine(account=account, amount_fen=amount) for account, amount in lines]
    w.db.add(entry)
    w.db.flush()
    return entry


def reverse_entry(
    w: World, entry: JournalEntry, memo: str, *, kind: str = EntryKind.REVERSAL
) -> JournalEntry:
    """Undo an entry by posting its opposite (entries are never changed); each entry once."""
    if w.db.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == entry.id)) is not None:
        raise Conflict(N_("该笔交易已冲正"))
    lines = [(line.account, -line.amount_fen) for line in entry.lines]
    return post_entry(w, memo, entry.reference, lines, kind=kind, reverses=entry)


def fund(w: World, account: BankAccount, amount_fen: int, memo: str = "开户存入") -> JournalEntry:
    """Bring money into the market from the funding account (the only way money appears)."""
    if amount_fen <= 0:
        raise ValueError("funding must be positive")
    source = find_account(w, FUNDING_ACCOUNT_NO)
    entry = post_entry(w, memo, "", [(source, -amount_fen), (account, amount_fen)], kind=EntryKind.DEPOSIT)
    w.emit("bank.funded", account_no=account.number, amount_fen=amount_fen)
    return entry


def transfer(
    w: World,
    payer: BankAccount,
    payee: BankAccount,
    amount_fen: int,
    memo: str,
    reference: str,
    *,
    kind: str | None = None,
) -> JournalEntry:
    """Move money between two accounts in one balanced entry.

    `kind` is what the statements call it; by default a payment when the payee is a merchant,
    else a transfer.
    """
    if amount_fen <= 0:
        raise DomainError(N_("金额必须大于零"))
    if payer.id == payee.id:
        raise DomainError(N_("不能向同一账户转账"))
    if kind is None:
        kind = EntryKind.PAYMENT if payee.kind == AccountKind.MERCHANT else EntryKind.TRANSFER
    return post_entry(w, memo, reference, [(payer, -amount_fen), (payee, amount_fen)], kind=kind)


def world_digest(w: World, purpose: str) -> bytes:
    """Bytes drawn from the world's seed and attempt alone: the same world always draws the same."""
    meta = w.meta()
    return hashlib.sha256(f"{meta.seed}:{meta.attempt_key}:{purpose}".encode()).digest()


def world_secret(w: World, purpose: str, length: int = 8, digits: bool = False) -> str:
    """A password drawn from the world (e.g. for an account the counter opens)."""
    alphabet = "0123456789" if digits else "abcdefghijkmnpqrstuvwxyz23456789"
    raw = world_digest(w, purpose)
    text = "".join(alphabet[b % len(alphabet)] for b in raw[:length])
    if not digits and not any(c.isdigit() for c in text):
        text = text[:-1] + "7"
    return text


def new_card_number(w: World, bank: Bank) -> str:
    """A card number with the bank's prefix and a Luhn check digit, unused in this world."""
    for i in range(1000):
        raw = int.from_bytes(world_digest(w, f"card:{bank.code}:{i}"), "big")
        body = bank.card_prefix + str(raw)[-(CARD_LENGTH - 1 - len(bank.card_prefix)) :].zfill(12)
        number = body + luhn_digit(body)
        if w.db.scalar(select(BankAccount.id).where(BankAccount.number == number)) is None:
            return number
    raise RuntimeError("no free card number")  # pragma: no cover


def next_number(w: World, prefix: str, model: type) -> str:
    """The next business number of a kind, e.g. ZZ20260315000001 (runs under the world's write lock)."""
    count = w.db.scalar(select(func.count(model.id))) or 0
    return f"{prefix}{w.now():%Y%m%d}{count + 1:06d}"


def mask_number(number: str) -> str:
    """A card or account number as the pages show it: 6222 **** **** 1234."""
    number = number or ""
    if len(number) < 9 or not number.isdigit():
        return number
    return f"{number[:4]} **** **** {number[-4:]}"


@dataclass
class StatementRow:
    """One line of a statement, with the balance after it."""

    at: datetime
    memo: str
    reference: str
    amount_fen: int
    balance_fen: int
    kind: str = EntryKind.TRANSFER


STATEMENT_FILTERS = ("in", "out", *EntryKind.LABELS)  # 收入, 支出, or one kind of entry


def statement(
    w: World,
    account: BankAccount,
    *,
    start: date | None = None,
    end: date | None = None,
    kind: str | None = None,
) -> list[StatementRow]:
    """The account's movements, newest first, with running balances; optionally from `start` to `end`
    (both included) and of one type (in, out, or an entry kind)."""
    if kind and kind not in STATEMENT_FILTERS:
        raise DomainError(N_("交易类型不正确"))
    rows = w.db.execute(
        select(
            JournalEntry.at,
            JournalEntry.memo,
            JournalEntry.reference,
            JournalLine.amount_fen,
            JournalEntry.kind,
        )
        .join(JournalLine.entry)
        .where(JournalLine.account_id == account.id)
        .order_by(JournalEntry.id, JournalLine.id)
    ).all()
    running = 0
    out = []
    for at, memo, reference, amount, entry_kind in rows:
        running += amount
        row = StatementRow(at, memo, reference, amount, running, entry_kind)
        if start and at < datetime.combine(start, datetime.min.time()):
            continue
        if end and at >= datetime.combine(end + timedelta(days=1), datetime.min.time()):
            continue
        if kind == "in" and amount <= 0 or kind == "out" and amount >= 0:
            continue
        if kind and kind not in ("in", "out") and entry_kind != kind:
            continue
        out.append(row)
    return list(reversed(out))


def _yuan(fen: int) -> str:
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def statement_csv(account: BankAccount, rows: list[StatementRow], labels: dict[str, str]) -> bytes:
    """A statement as CSV in UTF-8 with a byte-order mark (so Excel reads the Chinese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([labels["account"], account.number, labels["holder"], account.holder])
    writer.writerow(
        [labels[k] for k in ("time", "type", "memo", "reference", "income", "expense", "balance")]
    )
    for r in rows:
        writer.writerow(
            [
                f"{r.at:%Y-%m-%d %H:%M:%S}",
                labels.get(f"kind.{r.kind}", r.kind),
                _cell(r.memo),
                _cell(r.reference),
                _yuan(r.amount_fen) if r.amount_fen > 0 else "",
                _yuan(-r.amount_fen) if r.amount_fen < 0 else "",
                _yuan(r.balance_fen),
            ]
        )
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
