"""Carriers, electronic waybills and tracking as services: fees, number formats, duplicates, bad input,
legal and illegal tracking steps."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sandbox.errors import Conflict, DomainError, NotFound
from sandbox.logistics import carriers, tracking, waybills
from sandbox.logistics.models import ParcelStatus, TrackingEvent, Waybill
from sandbox.worlds.base import Event
from sandbox.worlds.store import canonical_hash, open_world

SENDER = {
    "name": "李店长",
    "phone": "13800138000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路1号",
}
RECEIVER = {
    "name": "王小明",
    "phone": "13912345678",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "detail": "建国路88号",
}
FORMATS = {
    "SF": r"SF[0-9]{12}",
    "ZTO": r"78[0-9]{10}",
    "YTO": r"YT[0-9]{13}",
    "JD": r"JDVA[0-9]{11}",
    "EMS": r"1[0-9]{12}",
}


def waybill(w, **changes):  # noqa: ANN001, ANN003, ANN201
    """Make a waybill with good defaults and the given changes."""
    args = {
        "carrier_code": "SF",
        "service": "标快",
        "sender": dict(SENDER),
        "receiver": dict(RECEIVER),
        "goods": "手机壳",
        "weight_g": 1500,
        "parcels": 1,
        "payment": "寄付",
        "reference": "20260315000001",
    }
    args.update(changes)
    return waybills.create_waybill(w, **args)


def test_every_carrier_is_seeded_with_services_and_a_rate_per_zone(w) -> None:  # noqa: ANN001
    listed = carriers.carriers(w)
    assert [c.code for c in listed] == ["SF", "ZTO", "YTO", "JD", "EMS"]
    for c in listed:
        assert len(c.services) >= 2
        for s in c.services:
            assert [r.zone for r in s.rates] == [1, 2, 3, 4]
            assert all(r.first_kg_fen > 0 and r.extra_kg_fen > 0 for r in s.rates)


@pytest.mark.parametrize(
    ("from_p", "to_p", "zone"),
    [
        ("浙江省", "浙江省", 1),
        ("浙江省", "上海市", 2),
        ("浙江省", "北京市", 3),
        ("浙江省", "西藏自治区", 4),
        ("新疆维吾尔自治区", "新疆维吾尔自治区", 4),
    ],
)
def test_zones_by_province(w, from_p: str, to_p: str, zone: int) -> None:  # noqa: ANN001
    assert carriers.zone_for(w, from_p, to_p) == zone


@pytest.mark.parametrize(
    ("carrier", "service", "to", "weight_g", "fee"),
    [
        ("SF", "标快", "浙江省", 1, 1200),  # a few grams cost the first kilogram
        ("SF", "标快", "浙江省", 1000, 1200),
        ("SF", "标快", "浙江省", 1001, 1400),  # a started kilogram counts
        ("SF", "standard", "北京市", 3500, 1800 + 3 * 800),
        ("SF", "特快", "上海市", 2000, 2000 + 600),
        ("ZTO", "经济", "西藏自治区", 5000, 1500 + 4 * 800),
        ("EMS", "特快专递", "北京市", 1000, 2500),
    ],
)
def test_fee_by_weight_and_zone(w, carrier: str, service: str, to: str, weight_g: int, fee: int) -> None:  # noqa: ANN001
    made = waybill(
        w, carrier_code=carrier, service=service, receiver={**RECEIVER, "province": to}, weight_g=weight_g
    )
    assert made.fee_fen == fee
    svc = carriers.get_service(carriers.get_carrier(w, carrier), service)
    assert carriers.quote(w, svc, "浙江省", to, weight_g).fee_fen == fee


def test_waybill_numbers_follow_each_carriers_format_and_differ(w) -> None:  # noqa: ANN001
    numbers = set()
    for code, pattern in FORMATS.items():
        for i in range(3):
            made = waybill(w, carrier_code=code, service="standard", reference=f"{code}-{i}")
            assert re.fullmatch(pattern, made.number), made.number
            numbers.add(made.number)
    assert len(numbers) == 15


def test_waybill_created_records_the_first_step_and_an_event(w) -> None:  # noqa: ANN001
    made = waybill(w)
    assert made.status == ParcelStatus.CREATED and made.zone == 3 and made.payment == "寄付"
    assert [e.status for e in made.trail] == [ParcelStatus.CREATED]
    (ev,) = w.events("waybill.created")
    assert ev.payload["waybill_no"] == made.number and ev.payload["reference"] == "20260315000001"
    assert ev.payload["fee_fen"] == made.fee_fen and ev.payload["carrier"] == "SF"


def test_a_second_waybill_for_the_same_reference_is_refused_until_cancelled(w) -> None:  # noqa: ANN001
    first = waybill(w)
    with pytest.raises(Conflict) as exc:
        waybill(w, carrier_code="ZTO", service="标快")
    assert first.number in str(exc.value) and exc.value.status == 409
    waybills.cancel_waybill(w, first.number, "填错了地址")
    second = waybill(w, carrier_code="ZTO", service="标快")
    assert second.number != first.number
    assert waybills.active_waybill(w, "20260315000001").number == second.number
    assert [e.name for e in w.events() if e.name.startswith("waybill.")] == [
        "waybill.created",
        "waybill.cancelled",
        "waybill.created",
    ]


def test_a_picked_up_waybill_cannot_be_cancelled(w) -> None:  # noqa: ANN001
    made = waybill(w)
    tracking.advance(w, made.number)
    with pytest.raises(Conflict):
        waybills.cancel_waybill(w, made.number)
    with pytest.raises(NotFound):
        waybills.cancel_waybill(w, "SF000000000000")


BAD = [
    ({"weight_g": 0}, "重量必须是以克为单位的正整数"),
    ({"weight_g": -5}, "重量必须是以克为单位的正整数"),
    ({"weight_g": 1.5}, "重量必须是以克为单位的正整数"),
    ({"weight_g": "1500"}, "重量必须是以克为单位的正整数"),
    ({"weight_g": True}, "重量必须是以克为单位的正整数"),
    ({"weight_g": 50_001}, "每件最多 50 公斤"),
    ({"weight_g": 10**30}, "每件最多 50 公斤"),
    ({"parcels": 0}, "件数必须是"),
    ({"parcels": 2.0}, "件数必须是"),
    ({"carrier_code": "DHL"}, "没有这家快递公司"),
    ({"service": "次日达"}, "没有“次日达”这种服务"),
    ({"payment": "货到付款"}, "付款方式只能是"),
    ({"reference": ""}, "运单必须注明"),
    ({"reference": "x" * 65}, "运单必须注明"),
    ({"goods": "  "}, "请填写物品名称"),
    ({"receiver": {**RECEIVER, "name": ""}}, "收件人信息不完整或有误：姓名"),
    ({"receiver": {**RECEIVER, "phone": "12345"}}, "收件人信息不完整或有误：电话"),
    ({"receiver": {**RECEIVER, "province": "火星"}}, "收件人信息不完整或有误：省份"),
    ({"receiver": {"name": "王"}}, "收件人信息不完整或有误：电话、省份、城市、详细地址"),
    ({"receiver": None}, "收件人信息不完整或有误"),
    ({"sender": {**SENDER, "detail": "x" * 121}}, "寄件人信息不完整或有误：详细地址"),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(
    w, changes: dict, message: str
) -> None:  # noqa: ANN001
    before = (w.db.scalar(select(func.count(Waybill.id))), w.db.scalar(select(func.count(Event.id))))
    with pytest.raises(DomainError) as exc:
        waybill(w, **changes)
    assert message in str(exc.value)
    assert exc.value.key.startswith(
        ("重量", "件数", "没有", "%(carrier)s", "付款", "运单", "请填写", "收件人", "寄件人")
    )
    after = (w.db.scalar(select(func.count(Waybill.id))), w.db.scalar(select(func.count(Event.id))))
    assert before == after


def test_refused_input_leaves_the_world_file_unchanged(template: Path, tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    shutil.copy(template, path)
    before = canonical_hash(path)
    world = open_world(path)
    with pytest.raises(DomainError):
        waybill(world, weight_g=0)
    world.commit()
    world.close()
    assert canonical_hash(path) == before


def test_tracking_goes_the_normal_way_with_events(w) -> None:  # noqa: ANN001
    made = waybill(w)
    steps = [tracking.advance(w, made.number).status for _ in range(5)]
    assert steps == ["picked_up", "in_transit", "in_transit", "out_for_delivery", "signed"]
    assert [e.name for e in w.events() if e.name.startswith("parcel.")] == [
        "parcel.picked_up",
        "parcel.in_transit",
        "parcel.in_transit",
        "parcel.out_for_delivery",
        "parcel.signed",
    ]
    assert [ev.status for ev in tracking.trail(w, made.number)][0] == "signed"
    with pytest.raises(Conflict):
        tracking.advance(w, made.number)


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ([], ParcelStatus.SIGNED),
        ([], ParcelStatus.EXCEPTION),
        ([], ParcelStatus.RETURNED),
        (["picked_up"], ParcelStatus.SIGNED),
        (["picked_up", "in_transit", "in_transit", "out_for_delivery", "signed"], ParcelStatus.RETURNED),
        (["picked_up", "in_transit", "in_transit", "out_for_delivery", "signed"], ParcelStatus.EXCEPTION),
    ],
)
def test_illegal_tracking_steps_are_refused(w, path: list[str], wanted: str) -> None:  # noqa: ANN001
    made = waybill(w)
    for status in path:
        tracking.record(w, made, status)
    steps = w.db.scalar(select(func.count(TrackingEvent.id)))
    with pytest.raises(Conflict) as exc:
        tracking.record(w, made, wanted)
    assert "不能变为" in str(exc.value)
    assert (
        w.db.scalar(select(func.count(TrackingEvent.id))) == steps
        and made.status == (path or ["created"])[-1]
    )


def test_exception_then_delivery_or_return(w) -> None:  # noqa: ANN001
    a = waybill(w, reference="A")
    b = waybill(w, reference="B")
    for number in (a.number, b.number):
        tracking.advance(w, number)
        tracking.advance(w, number)
    tracking.mark_exception(w, a.number, "地址不详")
    assert a.status == "exception" and w.events("parcel.exception")[0].payload["reason"] == "地址不详"
    assert tracking.advance(w, a.number).status == "out_for_delivery"
    assert tracking.advance(w, a.number).status == "signed"
    tracking.mark_exception(w, b.number)
    tracking.mark_returned(w, b.number, "收件人拒收")
    assert b.status == "returned" and w.events("parcel.returned")[0].payload["reason"] == "收件人拒收"
    with pytest.raises(Conflict):
        tracking.advance(w, b.number)


def test_cancelled_waybill_cannot_be_tracked_on(w) -> None:  # noqa: ANN001
    made = waybill(w)
    waybills.cancel_waybill(w, made.number)
    for step in (lambda: tracking.advance(w, made.number), lambda: tracking.mark_exception(w, made.number)):
        with pytest.raises(Conflict):
            step()


def test_statuses_are_read_by_code_or_label() -> None:
    assert tracking.parse_status("已签收") == tracking.parse_status("signed") == "signed"
    with pytest.raises(DomainError):
        tracking.parse_status("飞走了")
