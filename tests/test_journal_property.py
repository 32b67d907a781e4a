"""Property test of the journal (Hypothesis): random interleavings of deposits, transfers (same bank,
other bank, returned), payments and refunds (at journal level and through the payment platform:
signed requests, trades, notifications, refunds capped at what was paid), run on several threads against one world file, keep the
sum of all balances at zero (money only enters from the funding account), every entry balanced, no
balance below its limit, and the banks' clearing and fee accounts equal to what is in transit and
what was charged.

Each operation is its own unit of work holding the world's write lock, as a request is. To add an
operation, register a function with `@operation`
and, if it moves money in or out of the customers' accounts in a new way, a check in INVARIANTS.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.bank import transfers
from sandbox.bank.models import AccountKind, BankAccount, EntryKind, JournalLine, Transfer, TransferStatus
from sandbox.domains import load_npc_actions
from sandbox.errors import DomainError
from sandbox.gateway import services as gateway
from sandbox.gateway.models import Trade, TradeStatus
from sandbox.orders import payments
from sandbox.storefront.models import Shop
from sandbox.worlds import npc
from sandbox.worlds.store import WorldStore, open_world
from sandbox.worlds.world import World
from seed_data.generate import build_world
from seed_data.overlay import apply_overlay, make_identities

load_npc_actions()

THREADS = 3
PEOPLE = [
    {"role": "buyer", "bank": "ICBC", "bank_balance_fen": 300000},
    {"role": "seller", "bank": "ICBC", "bank_balance_fen": 100000},
    {"role": "payee", "bank": "CCB", "bank_balance_fen": 50000},
    {"role": "applicant", "bank": "CCB"},  # a person without an account: a payee name nobody holds
]


@dataclass(frozen=True)
class Op:
    """One operation: its kind, the two parties (indexes into the world's customers) and an amount."""

    kind: str
    a: int
    b: int
    amount_fen: int


@dataclass
class Cast:
    """Who is in the world: customer accounts (by number, with holders) and a merchant account."""

    customers: list[tuple[str, str]]  # (number, holder)
    merchant: str
    passwords: dict[str, str] = field(default_factory=dict)  # card number -> transaction password
    deposited: list[int] = field(default_factory=list)  # successful deposits (appended by threads)
    lock: threading.Lock = field(default_factory=threading.Lock)


OPERATIONS: dict[str, Callable[[World, Cast, Op], None]] = {}


def operation(name: str) -> Callable:
    """Register an operation the property test may draw."""

    def register(fn: Callable[[World, Cast, Op], None]) -> Callable[[World, Cast, Op], None]:
        OPERATIONS[name] = fn
        return fn

    return register


def account(w: World, cast: Cast, index: int) -> BankAccount:
    return bank.find_account(w, cast.customers[index % len(cast.customers)][0])


def payee_of(w: World, cast: Cast, index: int, name: str | None = None) -> transfers.PayeeDetails:
    number, holder = cast.customers[index % len(cast.customers)]
    return transfers.check_payee(w, number, name or holder, bank.find_account(w, number).bank.code)


@operation("deposit")
def deposit(w: World, cast: Cast, op: Op) -> None:
    bank.fund(w, account(w, cast, op.a), op.amount_fen, "存入")
    with cast.lock:
        cast.deposited.append(op.amount_fen)


@operation("transfer")
def transfer(w: World, cast: Cast, op: Op) -> None:
    """A transfer to another customer: within the bank or across banks, as the two accounts are."""
    transfers.send_transfer(w, account(w, cast, op.a), payee_of(w, cast, op.b), op.amount_fen)


@operation("returned")
def returned(w: World, cast: Cast, op: Op) -> None:
    """A cross-bank transfer with a payee name the account does not have: it comes back when settled."""
    payer = account(w, cast, op.a)
    others = [
        i for i, (n, _) in enumerate(cast.customers) if bank.find_account(w, n).bank_id != payer.bank_id
    ]
    if others:
        transfers.send_transfer(
            w, payer, payee_of(w, cast, others[op.b % len(others)], "查无此人"), op.amount_fen
        )


@operation("settle")
def settle(w: World, cast: Cast, op: Op) -> None:
    """The receiving bank takes (or returns) one cross-bank transfer in transit."""
    q = select(Transfer.number).where(Transfer.status == TransferStatus.IN_TRANSIT).order_by(Transfer.id)
    pending = list(w.db.scalars(q))
    if pending:
        transfers.arrive(w, pending[op.a % len(pending)])


@operation("payment")
def payment(w: World, cast: Cast, op: Op) -> None:
    """A card pays a merchant (as the cashier does, at journal level)."""
    bank.transfer(
        w, account(w, cast, op.a), bank.find_account(w, cast.merchant), op.amount_fen, "网上购物", "P"
    )


@operation("refund")
def refund(w: World, cast: Cast, op: Op) -> None:
    """A merchant refunds a card (at journal level)."""
    shop = bank.find_account(w, cast.merchant)
    bank.transfer(w, shop, account(w, cast, op.a), op.amount_fen, "退款", "R", kind=EntryKind.REFUND)


@operation("platform_payment")
def platform_payment(w: World, cast: Cast, op: Op) -> None:
    """A card pays the merchant's shop through the payment platform: the shop's signed request, the
    trade, the card payment, the notification the shop verifies."""
    setup = shop_setup(w, cast)
    trade = gateway.create_trade(w, payments.start_trial(w, setup, yuan(op.amount_fen)))
    number = cast.customers[op.a % len(cast.customers)][0]
    gateway.pay_with_card(w, trade, number, cast.passwords[number], None)
    npc.run_due(w, [])


@operation("platform_refund")
def platform_refund(w: World, cast: Cast, op: Op) -> None:
    """The shop refunds part (or more than what remains) of one paid trade through the platform's API."""
    paid = list(
        w.db.scalars(select(Trade).where(Trade.status == TradeStatus.TRADE_SUCCESS).order_by(Trade.id))
    )
    if not paid:
        return
    trade = paid[op.b % len(paid)]
    setup = shop_setup(w, cast)
    params = {
        "app_id": setup.app_id,
        "method": "alipay.trade.refund",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": f"{w.now():%Y-%m-%d %H:%M:%S}",
        "version": "1.0",
        "biz_content": json.dumps(
            {
                "trade_no": trade.trade_no,
                "refund_amount": yuan(op.amount_fen),
                "out_request_no": f"R{op.a}{op.b}",
            }
        ),
    }
    params["sign"] = gateway.sign(params, setup.merchant_private_key_pem)
    gateway.refund_trade(w, params)  # a refusal is an answer (e.g. above what remains), not an error
    npc.run_due(w, [])


def shop_setup(w: World, cast: Cast):  # noqa: ANN201
    """The platform settings of the shop the merchant account belongs to (connected by the fixture)."""
    shop = w.db.scalars(select(Shop).where(Shop.bank_account_no == cast.merchant)).first()
    return payments.ready_setup(w, shop.id)


def yuan(fen: int) -> str:
    """Fen as the platform's amount text."""
    return f"{fen // 100}.{fen % 100:02d}"


def check_trades(w: World) -> None:
    """No trade refunds more than was paid; a trade refunded in full is closed."""
    for trade in w.db.scalars(select(Trade)):
        refunded = sum(r.amount_fen for r in trade.refunds)
        assert refunded == trade.refunded_fen <= trade.total_fen, trade.trade_no
        if trade.paid_at and refunded == trade.total_fen:
            assert trade.status == TradeStatus.TRADE_CLOSED, trade.trade_no


def run(path: Path, cast: Cast, op: Op) -> None:
    """One operation in its own unit of work with the world's write lock; a refusal changes nothing."""
    w = open_world(path, write_lock=True)
    try:
        OPERATIONS[op.kind](w, cast, op)
        w.commit()
    except DomainError:
        w.rollback()
    finally:
        w.close()


def check_invariants(path: Path, cast: Cast, funded_before: int) -> None:
    """What must hold whatever happened."""
    w = open_world(path, read_only=True)
    try:
        assert w.db.scalar(select(func.sum(JournalLine.amount_fen))) == 0  # the sum of all balances
        unbalanced = w.db.execute(
            select(JournalLine.entry_id)
            .group_by(JournalLine.entry_id)
            .having(func.sum(JournalLine.amount_fen) != 0)
        ).all()
        assert unbalanced == []
        check_trades(w)
        accounts = list(w.db.scalars(select(BankAccount)))
        for a in accounts:
            if a.overdraft_limit_fen is not None:
                assert bank.balance(w, a) >= -a.overdraft_limit_fen, a.number
        funding = bank.find_account(w, bank.FUNDING_ACCOUNT_NO)
        assert bank.balance(w, funding) == -(funded_before + sum(cast.deposited))
        moves = list(w.db.scalars(select(Transfer)))
        for a in accounts:
            if a.kind == AccountKind.CLEARING:
                in_transit = sum(
                    t.amount_fen
                    for t in moves
                    if t.status == TransferStatus.IN_TRANSIT and t.payer.bank_id == a.bank_id
                )
                assert bank.balance(w, a) == in_transit, a.number
            if a.kind == AccountKind.FEES:
                charged = sum(
                    t.fee_fen
                    for t in moves
                    if t.status != TransferStatus.RETURNED and t.payer.bank_id == a.bank_id
                )
                assert bank.balance(w, a) == charged, a.number
    finally:
        w.close()


def count_transfers(path: Path) -> str:
    """How many transfers of each status the example made (shown with --hypothesis-show-statistics)."""
    w = open_world(path, read_only=True)
    try:
        rows = w.db.execute(select(Transfer.status, func.count(Transfer.id)).group_by(Transfer.status)).all()
        return ", ".join(f"{status} {n}" for status, n in sorted(rows)) or "none"
    finally:
        w.close()


def count_trades(path: Path) -> str:
    """How many platform trades of each status the example made, and how many refunds."""
    w = open_world(path, read_only=True)
    try:
        rows = w.db.execute(select(Trade.status, func.count(Trade.id)).group_by(Trade.status)).all()
        refunds = sum(len(t.refunds) for t in w.db.scalars(select(Trade)))
        return (
            ", ".join(f"{status} {n}" for status, n in sorted(rows)) + f"; refunds {refunds}"
            if rows
            else "none"
        )
    finally:
        w.close()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Cast, int]:
    """One world with a few customers at two banks (copied for every example)."""
    store = WorldStore(tmp_path_factory.mktemp("journal-store"))
    template, _ = store.ensure_template("journal-property", build_world)
    identities = make_identities(99, PEOPLE)

    def overlay(w: World) -> None:
        apply_overlay(
            w, identities, started_real=0.0, clock_scale=1.0, scenario_id="prop", attempt_key="prop"
        )

    path = store.create("journal-property", template, overlay)
    customers = [(i["account_no"], i["name"]) for i in identities if i["account_no"]]
    passwords = {i["account_no"]: i["payment_password"] for i in identities if i["account_no"]}
    w = open_world(path, write_lock=True)
    merchant = w.db.scalars(
        select(BankAccount.number).where(BankAccount.kind == AccountKind.MERCHANT)
    ).first()
    funded = -bank.balance(w, bank.find_account(w, bank.FUNDING_ACCOUNT_NO))
    cast = Cast(customers, merchant, passwords)
    shop_setup(w, cast)  # the shop's keys and the platform's, made once (RSA key generation is slow)
    w.commit()
    w.close()
    return path, cast, funded


OP = st.builds(
    Op,
    kind=st.sampled_from(sorted(OPERATIONS)),
    a=st.integers(0, 5),
    b=st.integers(0, 5),
    amount_fen=st.one_of(st.integers(1, 500), st.integers(1, 400_000)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OP, min_size=1, max_size=24))
def test_interleaved_operations_keep_the_books(prepared, tmp_path: Path, ops: list[Op]) -> None:  # noqa: ANN001
    source, template_cast, funded = prepared
    path = tmp_path / f"world-{abs(hash(tuple(ops)))}.sqlite"
    shutil.copyfile(source, path)
    cast = Cast(template_cast.customers, template_cast.merchant, template_cast.passwords)
    chunks = [ops[i::THREADS] for i in range(THREADS)]
    errors: list[BaseException] = []

    def worker(chunk: list[Op]) -> None:
        try:
            for op in chunk:
                run(path, cast, op)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check_invariants(path, cast, funded)
    event(f"transfers: {count_transfers(path)}")
    event(f"platform trades: {count_trades(path)}")
    # settle everything still in transit: the clearing accounts empty, the books still hold
    for _ in range(len(ops)):
        run(path, cast, Op("settle", 0, 0, 1))
    check_invariants(path, cast, funded)
    w = open_world(path, read_only=True)
    try:
        assert all(
            bank.balance(w, a) == 0
            for a in w.db.scalars(select(BankAccount))
            if a.kind == AccountKind.CLEARING
        )
    finally:
        w.close()
    path.unlink()
