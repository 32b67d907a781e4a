"""The PostgreSQL world store does what the SQLite one does: template, clone, write lock, snapshot,
canonical hash, drop; and a candidate's attempt runs and is graded on it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from sandbox.bank.models import Bank as Account
from sandbox.worlds.base import WorldMeta
from sandbox.worlds.store import WorldStore, canonical_hash, open_world, world_exists
from seed_data.generate import build_world
from tests.pg import SERVER, needs_postgres, prefix

pytestmark = needs_postgres


def _plain(locator) -> None:  # noqa: ANN001
    build_world(locator, authority=False)  # byte for byte the same on any store (no fresh CA keys)


@pytest.fixture(scope="module")
def pg():  # noqa: ANN201
    """A store of this module's own (a template built on PostgreSQL takes seconds: built once)."""
    from sandbox.worlds.pgstore import PostgresWorldStore

    store = PostgresWorldStore(SERVER, prefix())
    yield store
    store.drop_all()
    assert store.databases(store.prefix) == []


def _stamp(label: str):  # noqa: ANN202
    def overlay(w) -> None:  # noqa: ANN001
        w.meta().attempt_key = label
        w.emit("test.overlay", label=label)

    return overlay


def test_template_clone_snapshot_and_drop(pg) -> None:  # noqa: ANN001
    calls = []

    def build(loc) -> None:  # noqa: ANN001
        calls.append(loc)
        _plain(loc)

    template, took = pg.ensure_template("k1", build)
    assert took is not None and pg.exists(template)
    assert pg.ensure_template("k1", build) == (template, None) and len(calls) == 1
    # Only the template is there: the build database was renamed, not copied.
    assert pg.dbname(template) in pg.databases(pg.prefix)
    assert not [n for n in pg.databases(pg.prefix) if n.endswith("_build")]

    a = pg.create("a-1", template, _stamp("a-1"))
    b = pg.create("a-2", template, _stamp("a-2"))
    wa = open_world(a)
    assert wa.meta().attempt_key == "a-1" and [e.name for e in wa.events()] == ["test.overlay"]
    account = wa.db.scalars(select(Account).order_by(Account.id)).first()
    account.name = "改过的户名"
    wa.commit()
    wa.close()
    # The other world, and the template, are untouched.
    wb = open_world(b, read_only=True)
    assert wb.db.get(Account, account.id).name != "改过的户名"
    wb.close()
    tw = open_world(template, read_only=True)
    assert tw.meta().attempt_key is None and tw.events() == []
    tw.close()

    snap = pg.snapshot(a, "a-1-run1")
    assert canonical_hash(snap) == canonical_hash(a) != canonical_hash(b)
    final = pg.final_image(a)
    assert pg.final_image(a) == final and canonical_hash(final) == canonical_hash(a)

    pg.drop(a)
    assert not pg.exists(a) and not world_exists(a) and world_exists(b)


def test_equal_worlds_hash_equal_on_both_stores(pg, tmp_path: Path) -> None:  # noqa: ANN001
    lite = WorldStore(tmp_path)
    lite_template, _ = lite.ensure_template("plain", _plain)
    pg_template, _ = pg.ensure_template("plain", _plain)
    assert canonical_hash(lite_template) == canonical_hash(pg_template)
    one = lite.create("x", lite_template, _stamp("x"))
    other = pg.create("x", pg_template, _stamp("x"))
    # The overlay's event carries world time from the real clock: compare the rows, not the hash.
    for loc in (one, other):
        world = open_world(loc, read_only=True)
        assert world.meta().attempt_key == "x"
        world.close()  # an unclosed world's connection, collected at any moment, is a hazard


def test_writers_of_one_world_wait_for_each_other(pg) -> None:  # noqa: ANN001
    template, _ = pg.ensure_template("k1", _plain)
    loc = pg.create("w", template, _stamp("w"))
    first = open_world(loc, write_lock=True)
    first.meta()  # holds the writers' lock now
    entered = threading.Event()

    def second_writer() -> None:
        w = open_world(loc, write_lock=True)
        entered.set()
        w.meta().clock_scale = 2.0
        w.commit()
        w.close()

    reader = open_world(loc, read_only=True)
    assert reader.meta().clock_scale == 1.0  # readers never wait
    reader.close()
    t = threading.Thread(target=second_writer)
    t.start()
    assert not entered.wait(0.5)  # still waiting for the first writer
    first.meta().clock_scale = 3.0
    first.commit()
    first.close()
    t.join(30)
    assert entered.is_set()
    check = open_world(loc, read_only=True)
    assert check.db.get(WorldMeta, 1).clock_scale == 2.0  # the second ran after the first
    check.close()


def test_a_reset_retires_the_old_world(pg) -> None:  # noqa: ANN001
    template, _ = pg.ensure_template("k1", _plain)
    old = pg.create("a-9", template, _stamp("old"))
    new = pg.create("a-9-r1", template, _stamp("new"))
    pg.retire(old)
    pg.drop_retired("a-9", {new}, grace=3600)
    assert pg.exists(old)  # too recent: a request may still be using it
    pg.drop_retired("a-9", {new}, grace=0)
    assert not pg.exists(old) and pg.exists(new)


def test_spares_are_taken_first_and_each_only_once(pg) -> None:  # noqa: ANN001
    template, _ = pg.ensure_template("k1", _plain)
    assert pg.prepare_spares(template, 2) == 2 and pg.prepare_spares(template, 2) == 0
    spares = pg.spares(template)
    one = pg.create("s-1", template, _stamp("s-1"))
    two = pg.create("s-2", template, _stamp("s-2"))
    assert pg.spares(template) == []  # both taken (renamed), not copied
    three = pg.create("s-3", template, _stamp("s-3"))  # none left: a copy
    for loc, label in ((one, "s-1"), (two, "s-2"), (three, "s-3")):
        w = open_world(loc, read_only=True)
        assert w.meta().attempt_key == label
        w.close()
    assert len(spares) == 2 and not set(spares) & {pg.dbname(x) for x in (one, two, three)}
