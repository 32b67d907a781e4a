"""Bank services: accounts, balanced journal entries, payment authorisation, statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from sandbox.bank.models import AccountKind, Bank, BankAccount, JournalEntry, JournalLine
from sandbox.errors import N_, DomainError, Forbidden, NotFound
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.worlds.world import World

MAX_PAYMENT_PASSWORD_FAILURES = 5
FUNDING_ACCOUNT_NO = "0000000000000000"


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
) -> BankAccount:
    """Open an account at one of the world's banks."""
    bank = w.db.scalars(select(Bank).where(Bank.code == bank_code)).one()
    account = BankAccount(
        number=number,
        bank=bank,
        holder=holder,
        kind=kind,
        login_password_hash=hash_world_secret(login_password) if login_password else None,
        payment_password_hash=hash_world_secret(payment_password) if payment_password else None,
        allow_negative=allow_negative,
    )
    w.db.add(account)
    w.db.flush()
    w.emit("bank.account_opened", account_no=number, kind=kind)
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


def post_entry(w: World, memo: str, reference: str, lines: list[tuple[BankAccount, int]]) -> JournalEntry:
    """Record a balanced entry; refuse it if it does not balance or overdraws an account."""
    if sum(amount for _, amount in lines) != 0:
        raise ValueError("journal entry does not balance")
    for account, amount in lines:
        if amount < 0 and not account.allow_negative and balance(w, account) + amount < 0:
            raise DomainError(N_("余额不足"), status=409)
    entry = JournalEntry(at=w.now(), memo=memo, reference=reference)
    entry.lines = [JournalLine(account=account, amount_fen=amount) for account, amount in lines]
    w.db.add(entry)
    w.db.flush()
    return entry


def fund(w: World, account: BankAccount, amount_fen: int, memo: str = "开户存入") -> JournalEntry:
    """Bring money into the market from the funding account (the only way money appears)."""
    if amount_fen <= 0:
        raise ValueError("funding must be positive")
    source = find_account(w, FUNDING_ACCOUNT_NO)
    entry = post_entry(w, memo, "", [(source, -amount_fen), (account, amount_fen)])
    w.emit("bank.funded", account_no=account.number, amount_fen=amount_fen)
    return entry


def transfer(
    w: World, payer: BankAccount, payee: BankAccount, amount_fen: int, memo: str, reference: str
) -> JournalEntry:
    """Move money between two accounts in one balanced entry."""
    if amount_fen <= 0:
        raise DomainError(N_("金额必须大于零"))
    if payer.id == payee.id:
        raise DomainError(N_("不能向同一账户转账"))
    return post_entry(w, memo, reference, [(payer, -amount_fen), (payee, amount_fen)])


def login(w: World, number: str, password: str) -> BankAccount:
    """Check online-banking credentials of a personal account."""
    account = w.db.scalars(select(BankAccount).where(BankAccount.number == number.strip())).first()
    if (
        account is None
        or account.kind != AccountKind.PERSONAL
        or not check_secret(account.login_password_hash, password)
    ):
        raise DomainError(N_("账号或登录密码错误"), status=401)
    return account


def authorize_payment(w: World, number: str, payment_password: str) -> BankAccount:
    """Check the payment password; failures are counted and committed, and 5 lock the account.

    The failure count must survive the refused request, so it is committed here, in a unit of work
    of its own that holds the world's write lock (so simultaneous failures all count).
    """
    number = (number or "").strip()
    if not number.isdigit():
        raise DomainError(N_("请输入正确的银行卡号"))
    account = w.db.scalars(select(BankAccount).where(BankAccount.number == number)).first()
    if account is None or account.kind != AccountKind.PERSONAL:
        raise NotFound(N_("银行账号不存在"))
    if account.locked:
        raise Forbidden(N_("支付密码错误次数过多，账户已锁定"))
    if not check_secret(account.payment_password_hash, payment_password or ""):
        w.restart_locked()
        account = w.db.get(BankAccount, account.id)
        account.failed_payment_attempts += 1
        left = MAX_PAYMENT_PASSWORD_FAILURES - account.failed_payment_attempts
        if left <= 0:
            account.locked = True
        w.emit("payment.password_failed", account_no=number, failures=account.failed_payment_attempts)
        w.commit()
        if left <= 0:
            raise Forbidden(N_("支付密码错误次数过多，账户已锁定"))
        raise DomainError(N_("支付密码错误，还可以尝试 %(left)s 次"), status=401, left=left)
    account.failed_payment_attempts = 0
    return account


@dataclass
class StatementRow:
    """One line of a statement, with the balance after it."""

    at: datetime
    memo: str
    reference: str
    amount_fen: int
    balance_fen: int


def statement(w: World, account: BankAccount) -> list[StatementRow]:
    """The account's movements, newest first, with running balances."""
    rows = w.db.execute(
        select(JournalEntry.at, JournalEntry.memo, JournalEntry.reference, JournalLine.amount_fen)
        .join(JournalLine.entry)
        .where(JournalLine.account_id == account.id)
        .order_by(JournalEntry.id)
    ).all()
    running = 0
    out = []
    for at, memo, reference, amount in rows:
        running += amount
        out.append(StatementRow(at, memo, reference, amount, running))
    return list(reversed(out))
