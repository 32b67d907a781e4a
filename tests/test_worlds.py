"""Unit/service tests of sandbox/worlds: generator, store, clock, read-only worlds, NPC runner, overlay."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.bank.models import BankAccount, JournalEntry, JournalLine
from sandbox.control import attempts as attempt_service
from sandbox.control.models import Attempt, Candidate
from sandbox.domains import load_npc_actions
from sandbox.errors import DomainError, Forbidden
from sandbox.orders import services as orders
from sandbox.orders.models import FulfilmentStatus, Order, PaymentStatus
from sandbox.scenarios.params import draw_params
from sandbox.storefront import services as storefront
from sandbox.storefront.models import Category, Customer, Product, Sku
from sandbox.worlds import npc
from sandbox.worlds.base import NpcRun, WorldMeta
from sandbox.worlds.clock import WorldClock, parse_offset
from sandbox.worlds.store import WorldStore, canonical_hash, open_world
from seed_data.generate import BASE_SEED, EPOCH, build_world
from seed_data.lists import CATEGORIES
from seed_data.overlay import apply_overlay, make_identities
from tests.conftest import GOOD_ADDRESS, SCENARIO, make_app, start_attempt
from tests.platform_pay import pay_in_world

load_npc_actions()  # registers the NPC actions the rules below use

T0 = 1_800_000_000.0  # a fixed "real" instant at which the fake attempts start
BUYER = [{"role": "buyer", "bank_balance_fen": 500000}]
ADDRESS = GOOD_ADDRESS


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FakeTime:
    """A settable real clock."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One default-base template world for this module."""
    store = WorldStore(tmp_path_factory.mktemp("world-store"))
    path, _ = store.ensure_template("unit-default", build_world)
    return path


@pytest.fixture
def store(tmp_path: Path, template: Path) -> WorldStore:
    return WorldStore(tmp_path / "store", templates=template.parent)


def overlay_for(identities: list[dict], started_real: float = T0, key: str = "k-test") -> Callable:
    def overlay(w) -> None:  # noqa: ANN001
        apply_overlay(
            w, identities, started_real=started_real, clock_scale=1.0, scenario_id="unit", attempt_key=key
        )

    return overlay


# --- generator -----------------------------------------------------------------------------------


def test_build_world_same_seed_is_byte_identical(tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    build_world(a, seed=BASE_SEED, authority=False)
    build_world(b, seed=BASE_SEED, authority=False)
    assert a.read_bytes() == b.read_bytes()
    assert sha256_file(a) == sha256_file(b)


def test_every_template_has_its_own_certificate_authority(tmp_path: Path) -> None:
    from sandbox.pki import ca

    roots = []
    for name in ("a", "b"):
        build_world(tmp_path / f"{name}.sqlite")
        w = open_world(tmp_path / f"{name}.sqlite", read_only=True)
        try:
            roots.append(ca.root_cert(w))
            assert ca.issuing_cert(w).issuer == roots[-1].subject
        finally:
            w.close()
    assert roots[0].public_key() != roots[1].public_key()


def test_build_world_different_seed_differs(tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    build_world(a, seed=1)
    build_world(b, seed=2)
    assert sha256_file(a) != sha256_file(b)
    assert canonical_hash(a) != canonical_hash(b)


def test_build_world_unknown_base_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown world base"):
        build_world(tmp_path / "x.sqlite", base="nope")


def test_built_world_catalogue(template: Path) -> None:
    w = open_world(template, read_only=True)
    try:
        products = list(w.db.scalars(select(Product)))
        assert len(products) == 200
        assert {c.name for c in w.db.scalars(select(Category))} == {c["name"] for c in CATEGORIES}
        assert len({p.code for p in products}) == 200
        for p in products:
            assert p.skus, p.code
            for s in p.skus:
                assert s.code.startswith(p.code + "-")
                assert type(s.price_fen) is int and s.price_fen > 0
                assert s.allocated == 0 and s.quantity >= 0
        meta = w.meta()
        assert (meta.base, meta.seed, meta.epoch, meta.started_real) == ("default", BASE_SEED, EPOCH, None)
        # The market's build is not in any attempt's history.
        assert w.events() == []
    finally:
        w.close()
    # Prices are stored as SQL integers, not reals or text.
    conn = sqlite3.connect(template)
    try:
        assert conn.execute("SELECT DISTINCT typeof(price_fen) FROM skus").fetchall() == [("integer",)]
    finally:
        conn.close()


# --- WorldStore --------------------------------------------------------------------------------


def test_ensure_template_builds_once(tmp_path: Path) -> None:
    store = WorldStore(tmp_path / "s")
    calls: list[Path] = []

    def build(path: Path) -> None:
        calls.append(path)
        build_world(path)

    path, took = store.ensure_template("k1", build)
    assert path == store.template_path("k1") and path.exists()
    assert isinstance(took, float) and took > 0
    again, took2 = store.ensure_template("k1", build)
    assert again == path and took2 is None
    assert len(calls) == 1
    # No temporary file is left behind.
    assert sorted(p.name for p in store.templates.iterdir()) == ["k1.sqlite"]


def test_create_clones_and_applies_overlay(store: WorldStore, template: Path) -> None:
    before = sha256_file(template)
    ids = make_identities(7, BUYER)
    path = store.create("w1", template, overlay_for(ids, key="a-w1"))
    assert path == store.world_path("w1") and path.exists()
    w = open_world(path, read_only=True, real_now=lambda: T0 + 60)
    try:
        meta = w.meta()
        assert (meta.started_real, meta.scenario_id, meta.attempt_key) == (T0, "unit", "a-w1")
        assert w.now() == EPOCH + timedelta(minutes=1)
        assert bank.balance(w, bank.find_account(w, ids[0]["account_no"])) == 500000
    finally:
        w.close()
    assert sha256_file(template) == before  # the template itself is untouched


def test_create_failing_overlay_leaves_no_world(store: WorldStore, template: Path) -> None:
    def overlay(w) -> None:  # noqa: ANN001
        w.meta().attempt_key = "half-done"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        store.create("broken", template, overlay)
    assert not store.world_path("broken").exists()


def test_snapshot_has_equal_canonical_hash(store: WorldStore, template: Path) -> None:
    path = store.create("w1", template, overlay_for(make_identities(1, BUYER)))
    snap = store.snapshot(path, "w1-snap")
    assert snap == store.snapshots / "w1-snap.sqlite" and snap.exists()
    assert canonical_hash(snap) == canonical_hash(path)
    assert canonical_hash(snap) != canonical_hash(template)
    # A later change to the world does not reach the snapshot.
    w = open_world(path)
    w.db.scalars(select(Sku).order_by(Sku.id)).first().price_fen = 1
    w.commit()
    w.close()
    assert canonical_hash(snap) != canonical_hash(path)


def test_drop_removes_files(store: WorldStore, template: Path) -> None:
    path = store.create("w1", template, overlay_for([]))
    Path(f"{path}-journal").write_bytes(b"")  # a leftover side file
    store.drop(path)
    assert not path.exists() and not Path(f"{path}-journal").exists()
    store.drop(path)  # dropping twice is harmless
    assert not path.exists()
    assert list(store.worlds.iterdir()) == []


def test_worlds_from_one_template_are_independent(store: WorldStore, template: Path) -> None:
    a = store.create("wa", template, overlay_for([], key="a"))
    b = store.create("wb", template, overlay_for([], key="b"))
    wa = open_world(a)
    sku = wa.db.scalars(select(Sku).order_by(Sku.id)).first()
    code, original = sku.code, sku.price_fen
    sku.price_fen = original + 12345
    wa.db.add(Customer(username="only_in_a", phone="13800000000", password_hash=None, created_at=EPOCH))
    wa.commit()
    wa.close()
    for path, price, has_customer in (
        (a, original + 12345, True),
        (b, original, False),
        (template, original, False),
    ):
        w = open_world(path, read_only=True)
        try:
            assert w.db.scalars(select(Sku).where(Sku.code == code)).one().price_fen == price
            found = w.db.scalars(select(Customer).where(Customer.username == "only_in_a")).first()
            assert (found is not None) == has_customer
        finally:
            w.close()


# --- WorldClock ----------------------------------------------------------------------------------


def test_clock_uses_injected_real_now() -> None:
    t = FakeTime(1000.0)
    clock = WorldClock(EPOCH, 1000.0, real_now=t)
    assert clock.now() == EPOCH
    t.now = 1090.7
    assert clock.elapsed() == timedelta(seconds=90.7)
    assert clock.now() == datetime(2026, 3, 15, 9, 1, 30)  # microseconds dropped


def test_clock_scale() -> None:
    t = FakeTime(1000.0)
    clock = WorldClock(EPOCH, 1000.0, scale=60.0, real_now=t)
    t.now = 1010.0
    assert clock.now() == EPOCH + timedelta(minutes=10)


def test_clock_frozen_real_ignores_real_now() -> None:
    t = FakeTime(5000.0)
    clock = WorldClock(EPOCH, 1000.0, frozen_real=1300.0, real_now=t)
    assert clock.now() == EPOCH + timedelta(minutes=5)
    t.now = 9999.0
    assert clock.now() == EPOCH + timedelta(minutes=5)


def test_clock_not_started_and_before_start() -> None:
    assert WorldClock(EPOCH, None, real_now=lambda: 1e12).now() == EPOCH
    assert WorldClock(EPOCH, 1000.0, real_now=lambda: 900.0).now() == EPOCH  # never runs backwards


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+5m", timedelta(minutes=5)),
        ("+90s", timedelta(seconds=90)),
        ("+2h", timedelta(hours=2)),
        ("+1d", timedelta(days=1)),
        (" +15m ", timedelta(minutes=15)),
        ("+0s", timedelta(0)),
    ],
)
def test_parse_offset_good(text: str, expected: timedelta) -> None:
    assert parse_offset(text) == expected


@pytest.mark.parametrize("text", ["5m", "+m", "+", "", "+5", "+5x", "+5M", "-5m", "+5.5m", "+five m", "+-5m"])
def test_parse_offset_bad(text: str) -> None:
    with pytest.raises(ValueError):
        parse_offset(text)


# --- read-only worlds ------------------------------------------------------------------------------


@pytest.fixture
def world_file(store: WorldStore, template: Path) -> Path:
    return store.create("ro", template, overlay_for(make_identities(3, BUYER)))


@pytest.mark.parametrize("change", ["update", "insert", "delete", "emit"])
def test_read_only_world_refuses_any_flush(world_file: Path, change: str) -> None:
    before = canonical_hash(world_file)
    w = open_world(world_file, read_only=True)
    try:
        if change == "update":
            w.db.scalars(select(Sku).order_by(Sku.id)).first().price_fen = 1
        elif change == "insert":
            w.db.add(Customer(username="intruder", phone="13800000000", password_hash=None, created_at=EPOCH))
        elif change == "delete":
            w.db.delete(w.db.scalars(select(Customer).order_by(Customer.id)).first())
        else:
            w.emit("order.placed", order_no="X")
        with pytest.raises(Forbidden) as exc:
            w.db.flush()
        assert exc.value.status == 403
        w.db.rollback()
        with pytest.raises(Forbidden):  # commit goes through flush as well
            w.db.scalars(select(Sku).order_by(Sku.id)).first().price_fen = 2
            w.commit()
    finally:
        w.close()
    assert canonical_hash(world_file) == before


def test_read_only_world_still_reads(world_file: Path) -> None:
    w = open_world(world_file, read_only=True)
    try:
        assert w.db.scalar(select(func.count(Product.id))) == 200
        w.db.flush()  # nothing pending: no error
    finally:
        w.close()


def test_npc_runner_does_nothing_on_read_only_world(world_file: Path) -> None:
    w = open_world(world_file, read_only=True, real_now=lambda: T0 + 3600)
    try:
        assert npc.run_due(w, [{"at": "+5m", "do": "world.announce", "args": {"text": "x"}}]) == 0
    finally:
        w.close()


# --- NPC runner ----------------------------------------------------------------------------------

ANNOUNCE = [{"at": "+5m", "do": "world.announce", "args": {"text": "限时优惠开始"}}]
SHIP_ON_PAY = [{"on": "payment.succeeded", "do": "merchant.ship_order", "args": {"carrier": "ZTO"}}]


def test_timed_rule_fires_once_after_offset(world_file: Path) -> None:
    t = FakeTime(T0)
    w = open_world(world_file, real_now=t)
    try:
        assert npc.run_due(w, ANNOUNCE) == 0
        t.now = T0 + 299
        assert npc.run_due(w, ANNOUNCE) == 0
        assert w.events("npc.announcement") == []
        t.now = T0 + 300
        assert npc.run_due(w, ANNOUNCE) == 1
        (ev,) = w.events("npc.announcement")
        assert (ev.actor, ev.payload, ev.at) == (
            "npc",
            {"text": "限时优惠开始"},
            EPOCH + timedelta(minutes=5),
        )
        t.now = T0 + 3600
        assert npc.run_due(w, ANNOUNCE) == 0
        w.commit()
    finally:
        w.close()
    # Once recorded, it does not fire again in a later request either.
    w = open_world(world_file, real_now=lambda: T0 + 7200)
    try:
        assert npc.run_due(w, ANNOUNCE) == 0
        assert len(w.events("npc.announcement")) == 1
        assert [(r.rule, r.trigger_event_id) for r in w.db.scalars(select(NpcRun))] == [(0, 0)]
    finally:
        w.close()


def test_timed_rule_honours_clock_scale(world_file: Path) -> None:
    w = open_world(world_file)
    w.meta().clock_scale = 60.0  # one real second is one world minute
    w.commit()
    w.close()
    t = FakeTime(T0 + 4)
    w = open_world(world_file, real_now=t)
    try:
        assert npc.run_due(w, ANNOUNCE) == 0
        t.now = T0 + 5
        assert npc.run_due(w, ANNOUNCE) == 1
    finally:
        w.close()


def _buy_and_pay(w, identities: list[dict], sku_code: str, qty: int = 2) -> Order:  # noqa: ANN001
    customer = w.db.scalars(select(Customer).where(Customer.username == "buyer_01")).one()
    address = customer.addresses[0]
    storefront.add_to_cart(w, customer, sku_code, qty)
    (order,) = orders.place_order(w, customer, address.id, "express")
    ident = identities[0]
    pay_in_world(w, customer, order.number, ident["account_no"], ident["payment_password"])
    return order


def _prepared_world(store: WorldStore, template: Path, name: str, identities: list[dict]) -> Path:
    """A world with the buyer's bank account and a storefront member with one address."""
    path = store.create(name, template, overlay_for(identities))
    w = open_world(path, real_now=lambda: T0)
    customer = storefront.register(w, "buyer_01", "secret123", "secret123", "13800138000")
    storefront.add_address(w, customer, ADDRESS)
    w.commit()
    w.close()
    return path


def _keys_made(path: Path) -> None:
    """Make the RSA keys a first sale makes (the platform's, the selling shop's) in a prepared world.

    Key pairs are random, made on first use; replays that should be equal start from one world that
    has them, as they do from one world's password salts.
    """
    from sandbox.orders import payments

    w = open_world(path, real_now=lambda: T0)
    try:
        sku = storefront.get_sku(w, _stock_sku(w))
        payments.ready_setup(w, sku.product.shop_id)
        w.commit()
    finally:
        w.close()


def _stock_sku(w) -> str:  # noqa: ANN001
    return w.db.scalars(
        select(Sku.code).where(Sku.quantity - Sku.allocated >= 10, Sku.price_fen <= 20000).order_by(Sku.id)
    ).first()


def test_on_rule_ships_paid_order_once_per_event(store: WorldStore, template: Path) -> None:
    ids = make_identities(11, BUYER)
    path = _prepared_world(store, template, "ship", ids)
    t = FakeTime(T0 + 60)
    w = open_world(path, real_now=t)
    try:
        sku_code = _stock_sku(w)
        sku = storefront.get_sku(w, sku_code)
        quantity_before = sku.quantity
        assert npc.run_due(w, SHIP_ON_PAY) == 0  # nothing paid yet
        order = _buy_and_pay(w, ids, sku_code, 2)
        assert order.fulfilment_status == FulfilmentStatus.UNFULFILLED
        assert npc.run_due(w, SHIP_ON_PAY) == 1
        assert order.fulfilment_status == FulfilmentStatus.SHIPPED
        assert npc.run_due(w, SHIP_ON_PAY) == 0
        w.commit()
    finally:
        w.close()
    t.now = T0 + 600
    w = open_world(path, real_now=t)
    try:
        assert npc.run_due(w, SHIP_ON_PAY) == 0
        shipped = w.events("order.shipped")
        assert [(e.actor, e.payload["order_no"], e.payload["carrier"]) for e in shipped] == [
            ("npc", order.number, "ZTO")
        ]
        assert shipped[0].payload["waybill_no"].startswith("78")  # 中通's waybill number
        paid = w.events("payment.succeeded")
        runs = list(w.db.scalars(select(NpcRun)))
        assert [(r.rule, r.trigger_event_id) for r in runs] == [(0, paid[0].id)]
        sku = storefront.get_sku(w, sku_code)
        assert (sku.quantity, sku.allocated) == (quantity_before - 2, 0)
        # A second paid order is a second event: shipped once more, the first not again.
        order2 = _buy_and_pay(w, ids, sku_code, 1)
        assert npc.run_due(w, SHIP_ON_PAY) == 1
        assert order2.fulfilment_status == FulfilmentStatus.SHIPPED
        assert [e.payload["order_no"] for e in w.events("order.shipped")] == [order.number, order2.number]
        paid_numbers = list(
            w.db.scalars(select(Order.number).where(Order.payment_status == PaymentStatus.PAID))
        )
        assert paid_numbers == [order.number, order2.number]
    finally:
        w.close()


def test_on_rule_records_skip_when_order_cannot_ship(store: WorldStore, template: Path) -> None:
    ids = make_identities(12, BUYER)
    path = _prepared_world(store, template, "skip", ids)
    w = open_world(path, real_now=lambda: T0 + 60)
    try:
        order = _buy_and_pay(w, ids, _stock_sku(w), 1)
        orders.ship_order(w, order.number)  # the merchant was quicker than the NPC
        assert npc.run_due(w, SHIP_ON_PAY) == 1
        (skipped,) = w.events("npc.skipped")
        assert skipped.payload["action"] == "merchant.ship_order" and skipped.actor == "npc"
        assert len(w.events("order.shipped")) == 1
        assert npc.run_due(w, SHIP_ON_PAY) == 0
    finally:
        w.close()


def test_npc_replay_is_deterministic(store: WorldStore, template: Path) -> None:
    """The same calls at the same (fake) times give worlds with equal canonical hashes."""
    ids = make_identities(13, BUYER)
    prepared = _prepared_world(store, template, "base", ids)
    _keys_made(prepared)  # like the password salts: random once, then the same in both copies
    rules = SHIP_ON_PAY + ANNOUNCE
    paths = []
    for name in ("replay-1", "replay-2"):
        path = store.world_path(name)
        shutil.copyfile(prepared, path)  # same salts for the stored password hashes
        t = FakeTime(T0 + 30)
        w = open_world(path, real_now=t)
        npc.run_due(w, rules)
        _buy_and_pay(w, ids, _stock_sku(w), 3)
        t.now = T0 + 120
        assert npc.run_due(w, rules) == 1
        w.commit()
        w.close()
        t.now = T0 + 400
        w = open_world(path, real_now=t)
        assert npc.run_due(w, rules) == 1
        w.commit()
        w.close()
        paths.append(path)
    assert canonical_hash(paths[0]) == canonical_hash(paths[1])
    assert canonical_hash(paths[0]) != canonical_hash(prepared)


def test_npc_replay_at_other_times_differs(store: WorldStore, template: Path) -> None:
    """Control for the test above: the hash does see world-clock times."""
    ids = make_identities(14, BUYER)
    prepared = _prepared_world(store, template, "base2", ids)
    hashes = []
    for name, paid_at in (("t-1", T0 + 60), ("t-2", T0 + 180)):
        path = store.world_path(name)
        shutil.copyfile(prepared, path)
        w = open_world(path, real_now=lambda at=paid_at: at)
        _buy_and_pay(w, ids, _stock_sku(w), 1)
        npc.run_due(w, SHIP_ON_PAY)
        w.commit()
        w.close()
        hashes.append(canonical_hash(path))
    assert hashes[0] != hashes[1]


# --- per-attempt overlay -------------------------------------------------------------------------


def test_attempt_seed_is_deterministic() -> None:
    seed = attempt_service.attempt_seed(1, 2, SCENARIO, 1)
    assert seed == attempt_service.attempt_seed(1, 2, SCENARIO, 1)
    assert seed == attempt_service.attempt_seed("1", "2", SCENARIO, "1")  # parts are joined as text
    assert 0 <= seed < 2**31
    others = {
        attempt_service.attempt_seed(2, 2, SCENARIO, 1),
        attempt_service.attempt_seed(1, 3, SCENARIO, 1),
        attempt_service.attempt_seed(1, 2, "other", 1),
        attempt_service.attempt_seed(1, 2, SCENARIO, 2),
    }
    assert seed not in others and len(others) == 4
    expected = int.from_bytes(hashlib.sha256(f"1:2:{SCENARIO}:1".encode()).digest()[:4], "big") & 0x7FFFFFFF
    assert seed == expected


def _candidate(rt, ticket: str) -> Candidate:  # noqa: ANN001
    db = rt.control.session()
    try:
        return db.scalars(select(Candidate).where(Candidate.ticket_no == ticket)).one()
    finally:
        db.close()


def test_start_attempt_seed_params_and_world(rt, exam) -> None:  # noqa: ANN001
    scenario = rt.scenarios.get(SCENARIO)
    cand = _candidate(rt, "T0001")
    attempt = start_attempt(rt, "T0001")
    assert attempt.seed == attempt_service.attempt_seed(cand.exam_id, cand.id, SCENARIO, scenario.version)
    assert (attempt.scenario_id, attempt.scenario_version, attempt.mode) == (SCENARIO, 4, "exam")
    # Params are stored on the attempt and are what the seed draws from the template.
    assert set(attempt.params) == {"product", "quantity", "address"}
    assert 2 <= attempt.params["quantity"] <= 4
    template, built = attempt_service.template_for(rt, scenario)
    assert built is None  # built when the attempt started, reused now
    tw = open_world(template, read_only=True)
    try:
        assert draw_params(scenario, attempt.seed, tw) == attempt.params
    finally:
        tw.close()
    # Starting again returns the same attempt, not a second world.
    again = start_attempt(rt, "T0001")
    assert (again.id, again.key, again.world_path) == (attempt.id, attempt.key, attempt.world_path)
    other = start_attempt(rt, "T0002")
    assert other.seed != attempt.seed and other.world_path != attempt.world_path
    db = rt.control.session()
    try:
        stored = db.get(Attempt, attempt.id)
        assert stored.params == attempt.params and stored.seed == attempt.seed
    finally:
        db.close()


def test_start_attempt_is_reproducible_in_another_app(rt, exam, tmp_path: Path, templates_dir: Path) -> None:  # noqa: ANN001
    """Same (exam, candidate, scenario, version) in a fresh installation: same seed, params, identities."""
    from sandbox.control import people

    first = start_attempt(rt, "T0001")
    app2 = make_app(tmp_path / "data2", templates_dir)
    try:
        rt2 = app2.extensions["sandbox"]
        db = rt2.control.session()
        exam2 = people.create_exam(db, "T-1", "测试考试", [SCENARIO])
        people.add_candidate(db, exam2, "T0001", "考生甲", "pass1234")
        db.commit()
        db.close()
        second = start_attempt(rt2, "T0001")
        assert second.key != first.key
        assert (second.seed, second.params, second.identities) == (first.seed, first.params, first.identities)
    finally:
        app2.extensions["sandbox"].grading.stop()


def test_attempt_world_overlay_funds_buyer(rt, exam) -> None:  # noqa: ANN001
    attempt = start_attempt(rt, "T0001")
    (ident,) = attempt.identities
    assert ident["role"] == "buyer" and ident["bank_balance_fen"] == 500000
    w = open_world(attempt.world_path, read_only=True)
    try:
        meta = w.db.get(WorldMeta, 1)
        assert (meta.started_real, meta.scenario_id, meta.attempt_key) == (
            attempt.started_real,
            SCENARIO,
            attempt.key,
        )
        account = bank.find_account(w, ident["account_no"])
        assert account.kind == "personal" and account.holder == ident["name"]
        assert bank.balance(w, account) == 500000
        entries = list(
            w.db.scalars(
                select(JournalEntry).join(JournalEntry.lines).where(JournalLine.account_id == account.id)
            )
        )
        assert len(entries) == 1
        lines = entries[0].lines
        assert sum(line.amount_fen for line in lines) == 0
        assert sorted((line.account.number, line.amount_fen) for line in lines) == sorted(
            [(bank.FUNDING_ACCOUNT_NO, -500000), (ident["account_no"], 500000)]
        )
        # Every journal entry in the world balances.
        unbalanced = w.db.execute(
            select(JournalLine.entry_id)
            .group_by(JournalLine.entry_id)
            .having(func.sum(JournalLine.amount_fen) != 0)
        ).all()
        assert unbalanced == []
        # Secrets are stored hashed, and the identity's passwords work.
        assert ident["payment_password"] not in (account.payment_password_hash or "")
        assert bank.login(w, ident["account_no"], ident["login_password"]).id == account.id
        names = [e.name for e in w.events()]
        assert names == [
            "bank.account_opened",
            "bank.funded",
            "mail.mailbox_opened",
            "mail.sent",
            "gateway.user_opened",
        ]
        assert (
            w.db.scalar(select(func.count(BankAccount.id)).where(BankAccount.number == ident["account_no"]))
            == 1
        )
    finally:
        w.close()


def test_two_simultaneous_first_logins_make_one_attempt(rt, exam) -> None:  # noqa: ANN001
    """The loser of a race to start the same attempt gets the winner's attempt, and its world is removed."""
    from sqlalchemy import select as sa_select

    from sandbox.control import attempts as attempt_service
    from sandbox.control.models import Attempt as AttemptRow
    from sandbox.control.models import Candidate

    db1, db2 = rt.control.session(), rt.control.session()
    cand1 = db1.scalars(sa_select(Candidate).where(Candidate.ticket_no == "T0001")).one()
    cand2 = db2.scalars(sa_select(Candidate).where(Candidate.ticket_no == "T0001")).one()
    scenario = rt.scenarios.get("b2c-purchase")
    real_select = attempt_service.select
    # Make the second caller miss the first one's attempt, as a simultaneous request would.
    first = attempt_service.start_attempt(rt, db1, scenario, candidate=cand1)
    calls: list[int] = []

    def first_lookup_misses(*a, **k):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        query = real_select(*a, **k)
        return query.where(AttemptRow.id == -1) if len(calls) == 1 else query

    attempt_service.select = first_lookup_misses
    try:
        created: list = []
        original_create = rt.store.create
        rt.store.create = lambda *a, **k: created.append(original_create(*a, **k)) or created[-1]
        second = attempt_service.start_attempt(rt, db2, scenario, candidate=cand2)
    finally:
        attempt_service.select = real_select
        rt.store.create = original_create
    assert second.id == first.id and second.world_path == first.world_path
    assert created and not created[0].exists()  # the losing world file was dropped
    assert len(list(db1.scalars(sa_select(AttemptRow)))) == 1
    db1.close()
    db2.close()


# --- Scheduled actions (the world's own systems) -------------------------------------------------

SCHEDULE_LOG: list[tuple[str, object]] = []


def _remember(w, args: dict, trigger: object) -> None:
    SCHEDULE_LOG.append((args["tag"], w.now()))
    w.emit("test.remembered", tag=args["tag"])
    if args.get("again"):
        npc.schedule(w, w.now() + timedelta(minutes=10), "test.remember", tag=args["again"])


@pytest.fixture
def test_actions():  # noqa: ANN201
    """Actions of these tests, registered for the test only (the reference lists the registry)."""
    npc.ACTIONS.update({"test.remember": _remember, "test.half_then_refuse": _half_then_refuse})
    yield
    for name in ("test.remember", "test.half_then_refuse"):
        npc.ACTIONS.pop(name, None)


@pytest.mark.usefixtures("test_actions")
def test_scheduled_actions_run_once_at_their_due_time_in_order(world_file: Path) -> None:
    SCHEDULE_LOG.clear()
    t = FakeTime(T0)
    w = open_world(world_file, real_now=t)
    try:
        npc.schedule(w, EPOCH + timedelta(minutes=30), "test.remember", tag="late")
        npc.schedule(w, EPOCH + timedelta(minutes=5), "test.remember", tag="early", again="chained")
        assert npc.run_due(w, []) == 0 and not npc.has_due(w)
        t.now = T0 + 3600  # an hour of quiet: all three are due, each runs at its own time
        assert npc.has_due(w)
        assert npc.run_due(w, []) == 3
        assert SCHEDULE_LOG == [
            ("early", EPOCH + timedelta(minutes=5)),
            ("chained", EPOCH + timedelta(minutes=15)),
            ("late", EPOCH + timedelta(minutes=30)),
        ]
        assert [e.at for e in w.events("test.remembered")] == [v for _, v in SCHEDULE_LOG]
        assert {e.actor for e in w.events("test.remembered")} == {"system"}
        assert npc.run_due(w, []) == 0  # each once
        assert w.now() == EPOCH + timedelta(hours=1)  # the clock is no longer pinned
    finally:
        w.close()


def test_an_unknown_scheduled_action_is_refused(world_file: Path) -> None:
    w = open_world(world_file)
    try:
        with pytest.raises(ValueError):
            npc.schedule(w, EPOCH, "no.such.action")
    finally:
        w.close()


def _half_then_refuse(w, args: dict, trigger: object) -> None:
    w.emit("test.half_done")
    raise DomainError("refused half way")


@pytest.mark.usefixtures("test_actions")
def test_a_refused_scheduled_action_leaves_nothing_half_done(world_file: Path) -> None:
    t = FakeTime(T0)
    w = open_world(world_file, real_now=t)
    try:
        npc.schedule(w, EPOCH + timedelta(minutes=1), "test.half_then_refuse")
        t.now = T0 + 120
        assert npc.run_due(w, []) == 1
        w.commit()
        assert w.events("test.half_done") == []
        (skipped,) = w.events("npc.skipped")
        assert skipped.payload["reason"] == "refused half way"
        assert npc.run_due(w, []) == 0
    finally:
        w.close()


def test_a_bigger_variant_never_costs_less(world_file: Path) -> None:
    """Within a product, a later size, capacity or edition costs at least as much; colour costs nothing."""
    from seed_data.generate import PRICED_ATTRIBUTES
    from seed_data.lists import CATEGORIES

    kinds = [options for cat in CATEGORIES for _type, _suffixes, options, _range in cat["types"]]

    def options_of(product: Product) -> dict[str, list[str]]:
        """The option lists (in lists.py's order) the product's variants were made from."""
        return next(
            o
            for o in kinds
            if set(o) == set(product.option_names)
            and all(s.options[n] in o[n] for s in product.skus for n in o)
        )

    w = open_world(world_file, read_only=True)
    try:
        for product in w.db.scalars(select(Product)):
            order = options_of(product)
            for a in product.skus:
                for b in product.skus:
                    rank_a = [order[n].index(a.options[n]) for n in a.options if n in PRICED_ATTRIBUTES]
                    rank_b = [order[n].index(b.options[n]) for n in b.options if n in PRICED_ATTRIBUTES]
                    if all(x <= y for x, y in zip(rank_a, rank_b, strict=True)):
                        assert a.price_fen <= b.price_fen, (product.name, a.options, b.options)
    finally:
        w.close()
