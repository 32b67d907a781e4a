"""Dispatch (车辆调度) at a carrier's station: parcels for the station's city are loaded onto a vehicle
for a route (its capacity checked), sent out for delivery (派送中) and signed for (已签收) or not.

Every parcel step goes through logistics.tracking, so the trail, the domain events and the listeners
(an order completing when its parcel is signed) are the same as when the carrier NPC moves it.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.logistics import stock, tracking, waybills
from sandbox.logistics.models import (
    Dispatcher,
    DispatchItem,
    DispatchItemStatus,
    DispatchRun,
    DispatchStatus,
    ParcelStatus,
    Route,
    Station,
    Vehicle,
    Waybill,
)
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.worlds.world import World

# Parcels a station may load: picked up or on their way (or back on the way after a 疑难).
LOADABLE = (ParcelStatus.PICKED_UP, ParcelStatus.IN_TRANSIT, ParcelStatus.EXCEPTION)
MAX_PARCELS_PER_RUN = 50
MAX_SIGNER = 20
OPEN_RUNS = (DispatchStatus.PLANNED, DispatchStatus.OUT)


def open_dispatcher(w: World, station: Station, login: str, password: str, name: str) -> Dispatcher:
    """A login to the station's dispatch desk."""
    user = Dispatcher(login=login, password_hash=hash_world_secret(password), name=name, station=station)
    w.db.add(user)
    w.db.flush()
    return user


def login(w: World, login_name: object, password: object) -> Dispatcher:
    """Check a dispatcher's login and password; one message for either being wrong."""
    user = w.db.scalars(select(Dispatcher).where(Dispatcher.login == str(login_name or "").strip())).first()
    if user is None or not check_secret(user.password_hash, str(password or "")):
        raise DomainError(N_("账号或密码错误"), status=401)
    w.emit("dispatch.logged_in", login=user.login, station=user.station.code)
    return user


def get_dispatcher(w: World, user_id: object) -> Dispatcher | None:
    """The signed-in dispatcher from the session's id (None if there is none)."""
    return w.db.get(Dispatcher, user_id) if isinstance(user_id, int) else None


def _busy_waybill_ids(w: World) -> Select:
    return (
        select(DispatchItem.waybill_pk)
        .join(DispatchRun, DispatchRun.id == DispatchItem.run_pk)
        .where(DispatchRun.status.in_(OPEN_RUNS), DispatchItem.status == DispatchItemStatus.LOADED)
    )


def waiting_parcels(w: World, station: Station) -> list[Waybill]:
    """Parcels of the station's carrier for its city that wait to be loaded, oldest first."""
    q = select(Waybill).where(
        Waybill.carrier_pk == station.carrier_pk,
        Waybill.status.in_(LOADABLE),
        Waybill.id.not_in(_busy_waybill_ids(w)),
    )
    return [wb for wb in w.db.scalars(q.order_by(Waybill.id)) if wb.receiver.get("city") == station.city]


def runs(w: World, station: Station) -> list[DispatchRun]:
    """The station's dispatch runs, open ones first, newest first."""
    q = select(DispatchRun).where(DispatchRun.station_pk == station.id)
    return list(w.db.scalars(q.order_by(DispatchRun.status == DispatchStatus.DONE, DispatchRun.id.desc())))


def get_run(w: World, station: Station, number: object) -> DispatchRun:
    """One of the station's runs; another station's (or none) is NotFound."""
    q = select(DispatchRun).where(
        DispatchRun.number == str(number or "").strip(), DispatchRun.station_pk == station.id
    )
    run = w.db.scalars(q).first()
    if run is None:
        raise NotFound(N_("派车单不存在"))
    return run


def _vehicle(w: World, station: Station, vehicle_id: object) -> Vehicle:
    vehicle = w.db.get(Vehicle, vehicle_id) if isinstance(vehicle_id, int) else None
    if vehicle is None or vehicle.station_pk != station.id:
        raise NotFound(N_("本网点没有这辆车"))
    return vehicle


def _route(w: World, station: Station, route_id: object) -> Route:
    route = w.db.get(Route, route_id) if isinstance(route_id, int) else None
    if route is None or route.station_pk != station.id:
        raise NotFound(N_("本网点没有这条线路"))
    return route


def create_run(
    w: World, user: Dispatcher, vehicle_id: object, route_id: object, numbers: list[str]
) -> DispatchRun:
    """Load waiting parcels of the route's districts onto a free vehicle that can carry them."""
    station = user.station
    vehicle, route = _vehicle(w, station, vehicle_id), _route(w, station, route_id)
    busy = w.db.scalar(
        select(DispatchRun.number).where(
            DispatchRun.vehicle_pk == vehicle.id, DispatchRun.status.in_(OPEN_RUNS)
        )
    )
    if busy:
        raise Conflict(N_("车辆 %(plate)s 正在执行派车单 %(number)s"), plate=vehicle.plate, number=busy)
    wanted = list(dict.fromkeys(str(n).strip().upper() for n in numbers if str(n).strip()))
    if not wanted:
        raise DomainError(N_("请至少选择一个包裹"))
    if len(wanted) > MAX_PARCELS_PER_RUN:
        raise DomainError(N_("一次最多装载 %(max)s 个包裹"), max=MAX_PARCELS_PER_RUN)
    waiting = {wb.number: wb for wb in waiting_parcels(w, station)}
    loaded = []
    for number in wanted:
        waybill = waiting.get(number)
        if waybill is None:
            raise Conflict(N_("运单 %(number)s 不在本网点的待派送包裹中"), number=number[:24])
        if waybill.receiver.get("district") not in route.districts:
            raise DomainError(
                N_("运单 %(number)s 的收件地址（%(district)s）不在线路“%(route)s”上"),
                number=number,
                district=waybill.receiver.get("district") or "—",
                route=route.name,
            )
        loaded.append(waybill)
    weight_g = sum(wb.weight_g for wb in loaded)
    if weight_g > vehicle.capacity_kg * 1000:
        raise DomainError(
            N_("包裹共 %(kg)s 公斤，超过车辆 %(plate)s 的载重 %(capacity)s 公斤"),
            kg=f"{weight_g / 1000:.1f}",
            plate=vehicle.plate,
            capacity=vehicle.capacity_kg,
        )
    run = DispatchRun(
        number=stock.next_number(w, "PC", DispatchRun.number),
        station_pk=station.id,
        vehicle=vehicle,
        route=route,
        created_by=user.login,
        created_at=w.now(),
        items=[DispatchItem(waybill=wb) for wb in loaded],
    )
    w.db.add(run)
    w.db.flush()
    w.emit(
        "dispatch.run_created",
        run_no=run.number,
        station=station.code,
        vehicle=vehicle.plate,
        route=route.code,
        waybills=[wb.number for wb in loaded],
        weight_g=weight_g,
    )
    return run


def _to_station(w: World, waybill: Waybill) -> None:
    """Scan a parcel through to the station (its transit steps), so it may go out for delivery."""
    while waybill.status == ParcelStatus.PICKED_UP or (
        waybill.status == ParcelStatus.IN_TRANSIT and tracking.next_status(waybill) == ParcelStatus.IN_TRANSIT
    ):
        tracking.advance(w, waybill.number)


def start_run(w: World, user: Dispatcher, number: object) -> DispatchRun:
    """The vehicle leaves: every parcel on it is out for delivery (派送中)."""
    run = get_run(w, user.station, number)
    if run.status != DispatchStatus.PLANNED:
        raise Conflict(N_("派车单 %(number)s 已发车"), number=run.number)
    for item in run.items:
        if item.waybill.status not in LOADABLE:  # the parcel moved on since it was loaded
            raise Conflict(N_("运单 %(number)s 当前状态不能派送，请重新排车"), number=item.waybill.number)
    for item in run.items:
        _to_station(w, item.waybill)
        tracking.record(w, item.waybill, ParcelStatus.OUT_FOR_DELIVERY)
    run.status = DispatchStatus.OUT
    run.started_at = w.now()
    w.emit("dispatch.run_started", run_no=run.number, station=user.station.code, vehicle=run.vehicle.plate)
    return run


def _item(run: DispatchRun, waybill_no: object) -> DispatchItem:
    text = str(waybill_no or "").strip().upper()
    item = next((i for i in run.items if i.waybill.number == text), None)
    if item is None:
        raise NotFound(N_("派车单中没有运单 %(number)s"), number=text[:24] or "—")
    if run.status != DispatchStatus.OUT:
        raise Conflict(N_("派车单 %(number)s 还没有发车或已完成"), number=run.number)
    if item.status != DispatchItemStatus.LOADED:
        raise Conflict(N_("运单 %(number)s 已处理"), number=item.waybill.number)
    return item


def _finish_if_done(w: World, run: DispatchRun) -> None:
    if all(i.status != DispatchItemStatus.LOADED for i in run.items):
        run.status = DispatchStatus.DONE
        run.finished_at = w.now()
        w.emit(
            "dispatch.run_finished",
            run_no=run.number,
            signed=sum(1 for i in run.items if i.status == DispatchItemStatus.SIGNED),
            failed=sum(1 for i in run.items if i.status == DispatchItemStatus.FAILED),
        )


def confirm_delivery(
    w: World, user: Dispatcher, number: object, waybill_no: object, signer: object
) -> DispatchItem:
    """A parcel of a run out for delivery is signed for (已签收) by `signer`."""
    run = get_run(w, user.station, number)
    item = _item(run, waybill_no)
    name = " ".join(str(signer or "").split())
    if not name or len(name) > MAX_SIGNER:
        raise DomainError(N_("请填写签收人（最多 %(max)s 个字）"), max=MAX_SIGNER)
    waybill = item.waybill
    tracking.record(
        w,
        waybill,
        ParcelStatus.SIGNED,
        place=waybill.receiver.get("city", ""),
        note=N_("已签收，签收人：%(name)s"),
        params={"name": tracking.mask_name(name)},
    )
    item.status, item.signer, item.done_at = DispatchItemStatus.SIGNED, name, w.now()
    w.emit("dispatch.delivered", run_no=run.number, waybill_no=waybill.number, signer=name)
    _finish_if_done(w, run)
    return item


def delivery_failed(
    w: World, user: Dispatcher, number: object, waybill_no: object, reason: object
) -> DispatchItem:
    """A parcel could not be delivered: it becomes a 疑难 with the reason, and leaves the run."""
    run = get_run(w, user.station, number)
    item = _item(run, waybill_no)
    why = " ".join(str(reason or "").split())[:80]
    if not why:
        raise DomainError(N_("请填写未能派送的原因"))
    tracking.mark_exception(w, item.waybill.number, why)
    item.status, item.note, item.done_at = DispatchItemStatus.FAILED, why, w.now()
    w.emit("dispatch.failed", run_no=run.number, waybill_no=item.waybill.number, reason=why)
    _finish_if_done(w, run)
    return item


def parcel(w: World, station: Station, number: object) -> Waybill:
    """A waybill of the station's carrier (the desk's lookup); another carrier's is NotFound."""
    waybill = waybills.get_waybill(w, str(number or ""))
    if waybill.carrier_pk != station.carrier_pk:
        raise NotFound(N_("没有找到运单号为 %(number)s 的快件"), number=waybill.number)
    return waybill
