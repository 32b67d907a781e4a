"""Dispatch (车辆调度) at a carrier's station: parcels for the city onto a vehicle and a route (capacity
and districts checked), out for delivery, signed for or a 疑难, through tracking's steps and events;
the dispatcher's identity, login and desk pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.errors import Conflict, DomainError, NotFound
from sandbox.logistics import dispatch, tracking, waybills
from sandbox.logistics.models import DispatchStatus, ParcelStatus, Station
from sandbox.worlds.store import open_world
from seed_data import logistics_seed
from seed_data.overlay import make_identities

SENDER = {
    "name": "李店长",
    "phone": "13800138000",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "detail": "建国路88号",
}


def parcel(w, n: int, district: str = "西湖区", grams: int = 2000, carrier: str = "SF", picked: bool = True):  # noqa: ANN001, ANN201
    """A waybill to Hangzhou (picked up by the carrier unless `picked` is false)."""
    receiver = {
        "name": f"收件人{n}",
        "phone": "13912345678",
        "province": "浙江省",
        "city": "杭州市",
        "district": district,
        "detail": f"文三路{n}号",
    }
    waybill = waybills.create_waybill(
        w,
        carrier_code=carrier,
        service="standard",
        sender=SENDER,
        receiver=receiver,
        goods="图书",
        weight_g=grams,
        parcels=1,
        payment="寄付",
        reference=f"REF{n:04d}",
    )
    if picked:
        tracking.advance(w, waybill.number)
    return waybill


def desk(w, carrier: str = "SF", city: str = "杭州市", seed: int = 7):  # noqa: ANN001, ANN201
    """A dispatcher at the carrier's station in the city."""
    spec = {"role": "dispatcher", "station": {"carrier": carrier, "city": city}}
    ident = make_identities(seed, [spec])[0]
    logistics_seed.overlay(w, [ident], [spec])
    return dispatch.login(w, ident["dispatch_login"], ident["dispatch_password"])


def test_the_dispatcher_identity_has_a_desk_login_and_no_card() -> None:
    ident = make_identities(3, [{"role": "dispatcher", "station": {"carrier": "ZTO", "city": "北京市"}}])[0]
    assert ident["station"] == "ZTO:北京市" and ident["dispatch_login"].startswith("dd")
    assert ident["dispatch_password"] and ident["account_no"] == "" and ident["payment_password"] == ""
    assert make_identities(3, [{"role": "dispatcher"}])[0]["station"] == "SF:杭州市"
    two = make_identities(3, [{"role": "dispatcher"}, {"role": "dispatcher"}])
    assert two[0]["dispatch_login"] != two[1]["dispatch_login"]


def test_every_station_has_vehicles_and_routes_over_its_districts(w) -> None:  # noqa: ANN001
    station = w.db.scalars(select(Station).where(Station.city == "杭州市", Station.code.like("SF-%"))).one()
    assert station.name == "顺丰速运杭州分拨网点" and len(station.vehicles) == 3
    assert sorted(d for r in station.routes for d in r.districts) == sorted(
        ["西湖区", "上城区", "拱墅区", "滨江区"]
    )
    assert all(v.plate.startswith("浙A") for v in station.vehicles)


def test_a_run_takes_parcels_out_and_they_are_signed_for(w) -> None:  # noqa: ANN001
    user = desk(w)
    first, second = parcel(w, 1), parcel(w, 2, "上城区")
    parcel(w, 3, "滨江区")  # another route
    parcel(w, 4, picked=False)  # not picked up yet: not at the station
    parcel(w, 5, carrier="ZTO")  # another carrier
    waiting = [wb.number for wb in dispatch.waiting_parcels(w, user.station)]
    assert first.number in waiting and second.number in waiting and len(waiting) == 3
    station = user.station
    route = next(r for r in station.routes if "西湖区" in r.districts)
    van = max(station.vehicles, key=lambda v: v.capacity_kg)
    run = dispatch.create_run(w, user, van.id, route.id, [first.number, second.number.lower()])
    assert run.status == DispatchStatus.PLANNED and run.weight_g == 4000
    assert first.number not in [wb.number for wb in dispatch.waiting_parcels(w, station)]
    with pytest.raises(Conflict):  # the vehicle is on a run
        dispatch.create_run(w, user, van.id, route.id, [parcel(w, 6).number])
    with pytest.raises(Conflict):  # not started yet
        dispatch.confirm_delivery(w, user, run.number, first.number, "王小明")
    dispatch.start_run(w, user, run.number)
    assert first.status == second.status == ParcelStatus.OUT_FOR_DELIVERY
    assert [e.status for e in first.trail][-3:] == [
        ParcelStatus.IN_TRANSIT,
        ParcelStatus.IN_TRANSIT,
        ParcelStatus.OUT_FOR_DELIVERY,
    ]
    with pytest.raises(Conflict):
        dispatch.start_run(w, user, run.number)
    with pytest.raises(DomainError):
        dispatch.confirm_delivery(w, user, run.number, first.number, "  ")
    dispatch.confirm_delivery(w, user, run.number, first.number, "王小明")
    assert first.status == ParcelStatus.SIGNED and first.trail[-1].note_params == {"name": "王**"}
    with pytest.raises(Conflict):  # signed twice
        dispatch.confirm_delivery(w, user, run.number, first.number, "王小明")
    dispatch.delivery_failed(w, user, run.number, second.number, "收件人电话无人接听")
    assert second.status == ParcelStatus.EXCEPTION and run.status == DispatchStatus.DONE
    assert second.number in [wb.number for wb in dispatch.waiting_parcels(w, station)]  # may go again
    names = [e.name for e in w.emitted]
    for name in ("dispatch.run_created", "parcel.out_for_delivery", "parcel.signed", "dispatch.run_finished"):
        assert name in names


def test_capacity_districts_and_other_stations_are_checked(w) -> None:  # noqa: ANN001
    user = desk(w)
    station = user.station
    route = next(r for r in station.routes if "西湖区" in r.districts)
    trike = min(station.vehicles, key=lambda v: v.capacity_kg)
    heavy = [parcel(w, n, grams=40_000) for n in range(1, 9)]  # 320 kg
    with pytest.raises(DomainError):
        dispatch.create_run(w, user, trike.id, route.id, [p.number for p in heavy])
    with pytest.raises(DomainError):  # a district of the other route
        dispatch.create_run(w, user, trike.id, route.id, [parcel(w, 20, "滨江区").number])
    with pytest.raises(DomainError):
        dispatch.create_run(w, user, trike.id, route.id, [])
    with pytest.raises(Conflict):
        dispatch.create_run(w, user, trike.id, route.id, ["SF000000000000"])
    other = desk(w, "SF", "北京市", seed=8)
    with pytest.raises(NotFound):  # another station's vehicle
        dispatch.create_run(w, other, trike.id, other.station.routes[0].id, [heavy[0].number])
    run = dispatch.create_run(w, user, trike.id, route.id, [heavy[0].number])
    with pytest.raises(NotFound):  # another station's run
        dispatch.get_run(w, other.station, run.number)
    with pytest.raises(DomainError):
        dispatch.login(w, user.login, "wrong")


def test_the_desk_pages_need_the_login(app, rt, exam) -> None:  # noqa: ANN001
    from tests.test_shop_payments import start_practice

    client, _attempt = start_practice(app, rt, "gateway-merchant-setup")
    resp = client.get("/logistics/dispatch/")
    assert resp.status_code == 302 and resp.location.endswith("/logistics/dispatch/login")
    resp = client.post("/logistics/dispatch/login", data={"login": "dd000000", "password": "x"})
    assert resp.status_code == 401 and "账号或密码错误" in resp.get_data(as_text=True)
    assert client.post("/logistics/dispatch/runs", data={"vehicle": "1"}).status_code == 302


def test_the_desk_through_its_pages(app, rt, exam) -> None:  # noqa: ANN001
    from tests.test_shop_payments import start_practice

    client, attempt = start_practice(app, rt, "gateway-merchant-setup")
    world = open_world(attempt.world_path)
    station = world.db.scalars(
        select(Station).where(Station.city == "杭州市", Station.code.like("SF-%"))
    ).one()
    dispatch.open_dispatcher(world, station, "dd123456", "desk-pass", "调度员甲")
    numbers = [parcel(world, n).number for n in (1, 2)]
    route = next(r for r in station.routes if "西湖区" in r.districts)
    van, trike = (
        max(station.vehicles, key=lambda v: v.capacity_kg).id,
        min(station.vehicles, key=lambda v: v.capacity_kg).id,
    )
    world.commit()
    world.close()
    resp = client.post("/logistics/dispatch/login", data={"login": "dd123456", "password": "desk-pass"})
    assert resp.status_code == 302
    page = client.get("/logistics/dispatch/").get_data(as_text=True)
    assert all(n in page for n in numbers) and "顺丰速运杭州分拨网点" in page
    resp = client.post(
        "/logistics/dispatch/runs", data={"vehicle": "x", "route": str(route.id), "waybill": numbers}
    )
    assert resp.status_code == 400
    resp = client.post("/logistics/dispatch/runs", data={"vehicle": str(van), "route": str(route.id)})
    assert resp.status_code == 400 and "请至少选择一个包裹" in resp.get_data(as_text=True)
    resp = client.post(
        "/logistics/dispatch/runs", data={"vehicle": str(trike), "route": str(route.id), "waybill": numbers}
    )
    assert resp.status_code == 302
    run_url = resp.location
    number = run_url.rstrip("/").split("/")[-1]
    assert client.post(f"/logistics/dispatch/runs/{number}/start").status_code == 302
    resp = client.post(
        f"/logistics/dispatch/runs/{number}/deliver", data={"waybill": numbers[0], "signer": ""}
    )
    assert resp.status_code == 400
    resp = client.post(
        f"/logistics/dispatch/runs/{number}/deliver", data={"waybill": numbers[0], "signer": "王小明"}
    )
    assert resp.status_code == 302
    resp = client.post(
        f"/logistics/dispatch/runs/{number}/deliver", data={"waybill": numbers[0], "signer": "王小明"}
    )
    assert resp.status_code == 409
    page = client.get(run_url).get_data(as_text=True)
    assert "已签收，签收人：王小明" in page and "派送中" in page
    track = client.get(f"/logistics/track?no={numbers[0]}").get_data(as_text=True)
    assert "已签收" in track
    assert client.get("/logistics/dispatch/runs/PC20990101001").status_code == 404
