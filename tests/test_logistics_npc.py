"""Carriers as NPCs on a faked world clock: carrier.advance schedules the steps, exceptions, returns."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from sandbox.domains import load_npc_actions
from sandbox.logistics import waybills
from sandbox.worlds import npc
from sandbox.worlds.base import Scheduled
from sandbox.worlds.store import open_world
from seed_data.generate import EPOCH
from tests.test_logistics_services import RECEIVER, SENDER

load_npc_actions()

T0 = 1_800_000_000.0
# The carriers' own jobs (a base world holds other domains' scheduled jobs too, e.g. auctions closing).
CARRIER_JOBS = Scheduled.action.startswith("carrier.")


class FakeTime:
    """A settable real clock."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world_file(template: Path, tmp_path: Path) -> Path:
    """A world whose clock started at T0 with one waybill (reference R1), made at T0."""
    path = tmp_path / "world.sqlite"
    shutil.copy(template, path)
    w = open_world(path)
    w.meta().started_real = T0
    w.commit()
    w.close()
    w = open_world(path, real_now=lambda: T0)
    waybills.create_waybill(
        w,
        carrier_code="ZTO",
        service="标快",
        sender=SENDER,
        receiver=RECEIVER,
        goods="充电宝",
        weight_g=400,
        parcels=1,
        payment="到付",
        reference="R1",
    )
    w.commit()
    w.close()
    return path


def _statuses(w) -> list[tuple[str, timedelta]]:  # noqa: ANN001
    wb = waybills.active_waybill(w, "R1")
    return [(ev.status, ev.at - EPOCH) for ev in wb.trail]


def test_advance_schedules_each_step_on_the_world_clock(world_file: Path) -> None:
    rules = [{"on": "waybill.created", "do": "carrier.advance", "args": {"after": "+30m"}}]
    t = FakeTime(T0 + 60)
    w = open_world(world_file, real_now=t)
    try:
        npc.run_due(w, rules)
        assert [s for s, _ in _statuses(w)] == ["created"]
        t.now = T0 + 29 * 60
        npc.run_due(w, rules)
        assert [s for s, _ in _statuses(w)] == ["created"]
        t.now = T0 + 95 * 60  # three steps due, each stamped with its own due time (from the trigger)
        npc.run_due(w, rules)
        assert _statuses(w)[1:] == [
            ("picked_up", timedelta(minutes=30)),
            ("in_transit", timedelta(minutes=60)),
            ("in_transit", timedelta(minutes=90)),
        ]
        t.now = T0 + 10 * 3600
        npc.run_due(w, rules)
        assert [s for s, _ in _statuses(w)][-2:] == ["out_for_delivery", "signed"]
        assert [e.actor for e in w.events("parcel.signed")] == ["system"]
        pending = w.db.scalars(select(Scheduled).where(CARRIER_JOBS, Scheduled.done_at.is_(None))).all()
        assert pending == []  # the chain ends at 已签收
        w.commit()
    finally:
        w.close()


def test_advance_stops_at_until_and_can_end_in_an_exception(world_file: Path) -> None:
    rules = [
        {
            "on": "waybill.created",
            "do": "carrier.advance",
            "args": {"after": "+1h", "until": "派送中", "exception": True, "reason": "地址不详"},
        },
        {
            "on": "parcel.exception",
            "do": "carrier.return",
            "args": {"after": "+2h", "reason": "联系不上收件人"},
        },
    ]
    t = FakeTime(T0)
    w = open_world(world_file, real_now=t)
    try:
        npc.run_due(w, rules)
        t.now = T0 + 4 * 3600 + 60  # the world is touched just after the exception …
        npc.run_due(w, rules)
        t.now = T0 + 24 * 3600  # … so the return counts from the exception
        npc.run_due(w, rules)
        assert _statuses(w) == [
            ("created", timedelta(0)),
            ("picked_up", timedelta(hours=1)),
            ("in_transit", timedelta(hours=2)),
            ("in_transit", timedelta(hours=3)),
            ("exception", timedelta(hours=4)),
            ("returned", timedelta(hours=6)),
        ]
        assert w.events("parcel.exception")[0].payload["reason"] == "地址不详"
    finally:
        w.close()


def test_an_advance_on_a_cancelled_waybill_is_skipped_and_recorded(world_file: Path) -> None:
    rules = [{"on": "waybill.created", "do": "carrier.advance", "args": {"after": "+10m"}}]
    t = FakeTime(T0)
    w = open_world(world_file, real_now=t)
    try:
        npc.run_due(w, rules)
        waybills.cancel_waybill(w, waybills.active_waybill(w, "R1").number)
        t.now = T0 + 3600
        npc.run_due(w, rules)
        (skipped,) = w.events("npc.skipped")
        assert skipped.payload["action"] == "logistics.advance_step"
    finally:
        w.close()


@pytest.mark.parametrize(
    "args",
    [
        {"after": "soon"},
        {"until": "飞走了"},
        {"until": "已下单"},
        {"until": "已揽收", "exception": True},
        {"waybill": "SF000000000000"},
    ],
)
def test_bad_rule_args_are_skipped_not_crashing(world_file: Path, args: dict) -> None:
    w = open_world(world_file, real_now=lambda: T0 + 60)
    try:
        npc.run_due(w, [{"on": "waybill.created", "do": "carrier.advance", "args": args}])
        assert len(w.events("npc.skipped")) == 1
        assert w.db.scalars(select(Scheduled).where(CARRIER_JOBS)).all() == []
    finally:
        w.close()


def test_exception_and_return_by_rules(world_file: Path) -> None:
    w = open_world(world_file, real_now=lambda: T0)
    number = waybills.active_waybill(w, "R1").number
    w.close()
    rules = [
        {
            "at": "+1m",
            "do": "carrier.advance",
            "args": {"waybill": number, "after": "+1m", "until": "已揽收"},
        },
        # `after` makes it the carrier's own scheduled step, whose events rules react to (an NPC's
        # immediate action triggers no rule).
        {"on": "parcel.picked_up", "do": "carrier.exception", "args": {"waybill": number, "after": "+1m"}},
        {"on": "parcel.exception", "do": "carrier.return"},
    ]
    t = FakeTime(T0 + 60)
    w = open_world(world_file, real_now=t)
    try:
        npc.run_due(w, rules)
        t.now = T0 + 600
        npc.run_due(w, rules)
        assert _statuses(w) == [
            ("created", timedelta(0)),
            ("picked_up", timedelta(minutes=2)),
            ("exception", timedelta(minutes=10)),  # rules react when the world is next touched
            ("returned", timedelta(minutes=10)),
        ]
    finally:
        w.close()


def test_rule_actions_and_scheduled_steps_are_registered_apart() -> None:
    assert {"carrier.advance", "carrier.exception", "carrier.return"} <= set(npc.RULE_ACTIONS)
    inner = {"logistics.advance_step", "logistics.exception_step", "logistics.return_step"}
    assert inner <= set(npc.ACTIONS) and not inner & set(npc.RULE_ACTIONS)
