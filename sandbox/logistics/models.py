"""Logistics world tables: carriers, their services and fee rates, provinces' areas, waybills, tracking."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.errors import N_
from sandbox.worlds.base import WorldBase


class ParcelStatus:
    """A waybill's normalised tracking status."""

    CREATED = "created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    SIGNED = "signed"
    EXCEPTION = "exception"
    RETURNED = "returned"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    ParcelStatus.CREATED: N_("已下单"),
    ParcelStatus.PICKED_UP: N_("已揽收"),
    ParcelStatus.IN_TRANSIT: N_("运输中"),
    ParcelStatus.OUT_FOR_DELIVERY: N_("派送中"),
    ParcelStatus.SIGNED: N_("已签收"),
    ParcelStatus.EXCEPTION: N_("疑难"),
    ParcelStatus.RETURNED: N_("退回"),
    ParcelStatus.CANCELLED: N_("已取消"),
}

# Which status may follow which (a second transit scan stays 运输中); anything else is refused.
TRANSITIONS = {
    ParcelStatus.CREATED: {ParcelStatus.PICKED_UP, ParcelStatus.CANCELLED},
    ParcelStatus.PICKED_UP: {ParcelStatus.IN_TRANSIT, ParcelStatus.EXCEPTION, ParcelStatus.RETURNED},
    ParcelStatus.IN_TRANSIT: {
        ParcelStatus.IN_TRANSIT,
        ParcelStatus.OUT_FOR_DELIVERY,
        ParcelStatus.EXCEPTION,
        ParcelStatus.RETURNED,
    },
    ParcelStatus.OUT_FOR_DELIVERY: {ParcelStatus.SIGNED, ParcelStatus.EXCEPTION, ParcelStatus.RETURNED},
    ParcelStatus.EXCEPTION: {ParcelStatus.IN_TRANSIT, ParcelStatus.OUT_FOR_DELIVERY, ParcelStatus.RETURNED},
    ParcelStatus.SIGNED: set(),
    ParcelStatus.RETURNED: set(),
    ParcelStatus.CANCELLED: set(),
}

# The domain event each tracking status emits.
STATUS_EVENTS = {
    ParcelStatus.PICKED_UP: "parcel.picked_up",
    ParcelStatus.IN_TRANSIT: "parcel.in_transit",
    ParcelStatus.OUT_FOR_DELIVERY: "parcel.out_for_delivery",
    ParcelStatus.SIGNED: "parcel.signed",
    ParcelStatus.EXCEPTION: "parcel.exception",
    ParcelStatus.RETURNED: "parcel.returned",
}

PAYMENTS = {"寄付": N_("寄付"), "到付": N_("到付"), "月结": N_("月结")}

ZONE_LABELS = {1: N_("省内"), 2: N_("同区域"), 3: N_("跨区域"), 4: N_("偏远地区")}


class Carrier(WorldBase):
    """A carrier (快递公司) of the world and its waybill number format."""

    __tablename__ = "logistics_carriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    waybill_prefix: Mapped[str] = mapped_column(String(8))
    waybill_digits: Mapped[int] = mapped_column(Integer)
    max_parcel_g: Mapped[int] = mapped_column(Integer)
    hotline: Mapped[str] = mapped_column(String(20), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    services: Mapped[list[CarrierService]] = relationship(
        back_populates="carrier", order_by="CarrierService.position"
    )


class CarrierService(WorldBase):
    """A carrier's service type (标快, 特快 …) with its promised days."""

    __tablename__ = "logistics_services"
    __table_args__ = (UniqueConstraint("carrier_pk", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_pk: Mapped[int] = mapped_column(ForeignKey("logistics_carriers.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(20))
    days: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    carrier: Mapped[Carrier] = relationship(back_populates="services")
    rates: Mapped[list[FeeRate]] = relationship(back_populates="service", order_by="FeeRate.zone")


class FeeRate(WorldBase):
    """A service's fee in one zone: the first kilogram and each further (started) kilogram, in fen."""

    __tablename__ = "logistics_fee_rates"
    __table_args__ = (UniqueConstraint("service_pk", "zone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_pk: Mapped[int] = mapped_column(ForeignKey("logistics_services.id"), index=True)
    zone: Mapped[int] = mapped_column(Integer)
    first_kg_fen: Mapped[int] = mapped_column(Integer)
    extra_kg_fen: Mapped[int] = mapped_column(Integer)

    service: Mapped[CarrierService] = relationship(back_populates="rates")


class ProvinceArea(WorldBase):
    """Which area (华东, 华北 …) a province belongs to, for the carriers' zones."""

    __tablename__ = "logistics_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(20), unique=True)
    area: Mapped[str] = mapped_column(String(8))


class Waybill(WorldBase):
    """An electronic waybill (电子面单): who sends what to whom, with which carrier, for what fee."""

    __tablename__ = "logistics_waybills"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    carrier_pk: Mapped[int] = mapped_column(ForeignKey("logistics_carriers.id"), index=True)
    service_pk: Mapped[int] = mapped_column(ForeignKey("logistics_services.id"))
    reference: Mapped[str] = mapped_column(String(64), index=True)  # the parcel's order or other key
    status: Mapped[str] = mapped_column(String(20), default=ParcelStatus.CREATED)
    sender: Mapped[dict[str, Any]] = mapped_column(JSON)
    receiver: Mapped[dict[str, Any]] = mapped_column(JSON)
    goods: Mapped[str] = mapped_column(String(100))
    weight_g: Mapped[int] = mapped_column(Integer)
    parcels: Mapped[int] = mapped_column(Integer)
    payment: Mapped[str] = mapped_column(String(8))
    zone: Mapped[int] = mapped_column(Integer)
    fee_fen: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    cancel_reason: Mapped[str] = mapped_column(String(100), default="")

    carrier: Mapped[Carrier] = relationship()
    service: Mapped[CarrierService] = relationship()
    trail: Mapped[list[TrackingEvent]] = relationship(back_populates="waybill", order_by="TrackingEvent.id")


class TrackingEvent(WorldBase):
    """One timestamped step of a waybill's trail: the status it reached, where, and a note (a msgid)."""

    __tablename__ = "logistics_tracking"

    id: Mapped[int] = mapped_column(primary_key=True)
    waybill_pk: Mapped[int] = mapped_column(ForeignKey("logistics_waybills.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(120))
    note_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    waybill: Mapped[Waybill] = relationship(back_populates="trail")


# --- Dispatch (车辆调度) at a carrier's station ------------------------------------------------------


class DispatchStatus:
    """A dispatch run: planned (parcels loaded), out (派送中), done (every parcel signed or failed)."""

    PLANNED = "planned"
    OUT = "out"
    DONE = "done"


DISPATCH_STATUS_LABELS = {
    DispatchStatus.PLANNED: N_("已排车"),
    DispatchStatus.OUT: N_("派送中"),
    DispatchStatus.DONE: N_("已完成"),
}


class DispatchItemStatus:
    """A parcel on a run: loaded, signed for, or not delivered (疑难)."""

    LOADED = "loaded"
    SIGNED = "signed"
    FAILED = "failed"


class Station(WorldBase):
    """A carrier's delivery station (网点) in a city, with its vehicles and routes."""

    __tablename__ = "logistics_stations"
    __table_args__ = (UniqueConstraint("carrier_pk", "city"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    carrier_pk: Mapped[int] = mapped_column(ForeignKey("logistics_carriers.id"))
    city: Mapped[str] = mapped_column(String(20))

    carrier: Mapped[Carrier] = relationship()
    vehicles: Mapped[list[Vehicle]] = relationship(order_by="Vehicle.id")
    routes: Mapped[list[Route]] = relationship(order_by="Route.id")


class Vehicle(WorldBase):
    """A station's delivery vehicle: its plate, what it carries (kg), its driver."""

    __tablename__ = "logistics_vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(ForeignKey("logistics_stations.id"), index=True)
    plate: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    capacity_kg: Mapped[int] = mapped_column(Integer)
    driver: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(20))


class Route(WorldBase):
    """A station's delivery route: the districts it covers."""

    __tablename__ = "logistics_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_pk: Mapped[int] = mapped_column(ForeignKey("logistics_stations.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(40))
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)


class Dispatcher(WorldBase):
    """A login to a station's dispatch desk (调度台)."""

    __tablename__ = "logistics_dispatchers"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(30), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(30))
    station_pk: Mapped[int] = mapped_column(ForeignKey("logistics_stations.id"))

    station: Mapped[Station] = relationship()


class DispatchRun(WorldBase):
    """One vehicle on one route with the parcels loaded for it (派车单)."""

    __tablename__ = "logistics_dispatch_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    station_pk: Mapped[int] = mapped_column(ForeignKey("logistics_stations.id"), index=True)
    vehicle_pk: Mapped[int] = mapped_column(ForeignKey("logistics_vehicles.id"))
    route_pk: Mapped[int] = mapped_column(ForeignKey("logistics_routes.id"))
    status: Mapped[str] = mapped_column(String(12), default=DispatchStatus.PLANNED)
    created_by: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    vehicle: Mapped[Vehicle] = relationship()
    route: Mapped[Route] = relationship()
    items: Mapped[list[DispatchItem]] = relationship(back_populates="run", order_by="DispatchItem.id")

    @property
    def weight_g(self) -> int:
        """What the loaded parcels weigh."""
        return sum(item.waybill.weight_g for item in self.items)


class DispatchItem(WorldBase):
    """A parcel on a dispatch run, and how its delivery went."""

    __tablename__ = "logistics_dispatch_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("logistics_dispatch_runs.id"), index=True)
    waybill_pk: Mapped[int] = mapped_column(ForeignKey("logistics_waybills.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=DispatchItemStatus.LOADED)
    signer: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(String(80), default="")
    done_at: Mapped[datetime | None] = mapped_column(DateTime)

    run: Mapped[DispatchRun] = relationship(back_populates="items")
    waybill: Mapped[Waybill] = relationship()


# The warehouse's tables live in their own module; importing it registers them.
from sandbox.logistics import stock_models  # noqa: E402, F401
